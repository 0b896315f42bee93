#include "setl/workflow/pipeline.h"

#include <algorithm>
#include <chrono>

#include "factory_runner.h"
#include "setl/core/job_group.h"
#include "setl/core/log.h"
#include "setl/core/suggest.h"
#include "setl/workflow/inspector.h"

namespace setl::workflow {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

Pipeline::Pipeline(std::string name) : name_(std::move(name)) {}
Pipeline::Pipeline(std::string name, const Setl& context)
    : name_(std::move(name)), context_(&context) {}
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;
Pipeline::~Pipeline() = default;

Stage& Pipeline::add_stage() {
  return add_stage(Stage());
}

Stage& Pipeline::add_stage(Stage stage) {
  if (stage.name().empty()) {
    stage.set_name("stage-" + std::to_string(stages_.size()));
  }
  stages_.push_back(std::make_unique<Stage>(std::move(stage)));
  return *stages_.back();
}

Pipeline& Pipeline::add_input(Deliverable input) {
  for (Deliverable& existing : inputs_) {
    if (existing.payload_type() == input.payload_type() &&
        existing.delivery_id() == input.delivery_id() &&
        existing.consumers() == input.consumers()) {
      existing = std::move(input);
      return *this;
    }
  }
  inputs_.push_back(std::move(input));
  return *this;
}

Pipeline& Pipeline::set_benchmark(bool on) noexcept {
  benchmark_ = on;
  return *this;
}

const BenchmarkReport& Pipeline::benchmark() const {
  if (!report_) {
    throw StateError(benchmark_ ? "pipeline '" + name_ + "' has no benchmark yet: run it first"
                                : "pipeline '" + name_ +
                                      "' was not benchmarked: call set_benchmark(true) before "
                                      "run()");
  }
  return *report_;
}

Dag Pipeline::dag() const {
  return Inspector(*this).dag();
}

std::string Pipeline::describe() const {
  Inspector inspector(*this);
  std::string text = inspector.dag().to_string();
  if (!inspector.ok()) {
    text += "problems:\n";
    for (const std::string& problem : inspector.problems()) {
      text += "  - " + problem + "\n";
    }
  }
  return text;
}

Pipeline& Pipeline::set_tags(std::vector<std::string> tags) {
  tags_ = std::move(tags);
  return *this;
}

void Pipeline::run() {
  run(RunOptions{});
}

void Pipeline::run(const RunOptions& options) {
  Inspector inspector(*this);
  inspector.validate();
  const Dag& dag = inspector.dag();
  size_t num_inputs = inputs_.size();

  std::vector<FactoryBase*> factories;
  for (const auto& stage : stages_) {
    for (const auto& factory : stage->factories()) {
      detail::FactoryRunner::set_context(*factory, context_);
      detail::FactoryRunner::reset_output(*factory);
      factories.push_back(factory.get());
    }
  }
  // Lazy evaluation: the targets and everything they (transitively) read from.
  std::vector<bool> needed(factories.size(), options.targets.empty());
  std::vector<size_t> pending;
  for (const std::string& target : options.targets) {
    auto found = std::find_if(factories.begin(), factories.end(),
                              [&](const FactoryBase* f) { return f->name() == target; });
    if (found == factories.end()) {
      std::vector<std::string> names;
      for (const FactoryBase* factory : factories) {
        names.push_back(factory->name());
      }
      std::optional<std::string> hint = closest_match(target, names);
      throw DeliveryError("pipeline '" + name_ + "': unknown target '" + target + "'" +
                          (hint ? "; did you mean '" + *hint + "'?" : std::string()));
    }
    pending.push_back(static_cast<size_t>(found - factories.begin()));
  }
  while (!pending.empty()) {
    size_t index = pending.back();
    pending.pop_back();
    if (needed[index]) {
      continue;
    }
    needed[index] = true;
    for (const DagInput& input : dag.nodes[num_inputs + index].inputs) {
      if (input.source && *input.source >= num_inputs) {
        pending.push_back(*input.source - num_inputs);
      }
    }
  }
  executed_.clear();

  report_.reset();
  cancelled_.clear();
  JobGroup group(name_, "pipeline run", tags_, "pipeline");
  BenchmarkReport report;
  log::debug("pipeline '{}': running {} stage(s), {} factory(ies)", name_, stages_.size(),
             factories.size());
  Clock::time_point run_start = Clock::now();
  for (size_t s = 0; s < stages_.size(); ++s) {
    Stage& stage = *stages_[s];
    const std::vector<size_t>& stage_nodes = dag.stages[s].nodes;
    auto deliver_inputs = [&](size_t k) {
      const DagNode& node = dag.nodes[stage_nodes[k]];
      FactoryBase& factory = stage.factory(k);
      for (DeliveryBase* delivery : factory.deliveries()) {
        const std::optional<size_t>& source = node.inputs[delivery->index()].source;
        if (!source) {
          delivery->clear();
        } else if (*source < num_inputs) {
          delivery->deliver(inputs_[*source]);
        } else {
          delivery->deliver(factories[*source - num_inputs]->deliverable());
        }
      }
    };
    std::vector<bool> selected(stage.size());
    for (size_t k = 0; k < stage.size(); ++k) {
      selected[k] = needed[stage_nodes[k] - num_inputs];
      if (selected[k]) {
        executed_.push_back(stage.factory(k).name());
      }
    }
    if (std::find(selected.begin(), selected.end(), true) == selected.end()) {
      continue;  // nothing in this stage is needed
    }
    Clock::time_point stage_start = Clock::now();
    try {
      stage.run_with(deliver_inputs, name_ + "/" + stage.name(), benchmark_, selected);
    } catch (CancelledError& error) {
      cancelled_ = stage.cancelled_factories();
      std::string names;
      for (const std::string& factory : cancelled_) {
        names += (names.empty() ? "" : ", ") + factory;
      }
      error.add_context("pipeline '" + name_ + "' cancelled in " + stage.name() +
                        "; cancelled factories: " + names);
      group.set_failure(error.message());
      throw;
    } catch (Error& error) {
      group.set_failure(error.message());
      throw;
    }
    if (benchmark_) {
      report.stages.push_back({s, stage.name(), stage.parallel(), Clock::now() - stage_start});
      for (FactoryBenchmark timing : stage.timings()) {
        timing.stage = s;
        report.factories.push_back(std::move(timing));
      }
    }
  }
  report.total = Clock::now() - run_start;
  log::debug("pipeline '{}': done in {:.3f} ms", name_,
             std::chrono::duration<double, std::milli>(report.total).count());
  if (benchmark_) {
    report_ = std::move(report);
  }
}

const FactoryBase& Pipeline::check_member(const FactoryBase& factory) const {
  for (const auto& stage : stages_) {
    for (const auto& member : stage->factories()) {
      if (member.get() == &factory) {
        return factory;
      }
    }
  }
  throw DeliveryError("factory '" + factory.name() + "' is not part of pipeline '" + name_ + "'");
}

const FactoryBase& Pipeline::find_factory(std::string_view name) const {
  std::string names;
  for (const auto& stage : stages_) {
    for (const auto& factory : stage->factories()) {
      if (factory->name() == name) {
        return *factory;
      }
      names += (names.empty() ? "" : ", ") + factory->name();
    }
  }
  throw DeliveryError("pipeline '" + name_ + "' has no factory named '" + std::string(name) +
                      "'; factories: " + (names.empty() ? std::string("none") : names));
}

const FactoryBase& Pipeline::find_producer_of(const TypeInfo& type) const {
  std::vector<const FactoryBase*> producers;
  for (const auto& stage : stages_) {
    for (const auto& factory : stage->factories()) {
      if (factory->output_type() == type) {
        producers.push_back(factory.get());
      }
    }
  }
  if (producers.size() == 1) {
    return *producers.front();
  }
  if (producers.empty()) {
    throw DeliveryError("pipeline '" + name_ + "' has no factory producing " + type.name());
  }
  std::string names;
  for (const FactoryBase* producer : producers) {
    names += (names.empty() ? "'" : ", '") + producer->name() + "'";
  }
  throw DeliveryError("pipeline '" + name_ + "' has " + std::to_string(producers.size()) +
                      " factories producing " + type.name() + " (" + names +
                      "); ask for one by name: get_output<T>(\"name\")");
}

const FactoryBase& Pipeline::last_factory() const {
  for (auto stage = stages_.rbegin(); stage != stages_.rend(); ++stage) {
    if (!(*stage)->empty()) {
      return *(*stage)->factories().back();
    }
  }
  throw DeliveryError("pipeline '" + name_ + "' has no factory, so it has no last output");
}

void Pipeline::throw_wrong_output_type(const FactoryBase& factory, const TypeInfo& requested) {
  throw DeliveryError("factory '" + factory.name() + "' produces " + factory.output_type().name() +
                      ", not " + requested.name());
}

}  // namespace setl::workflow
