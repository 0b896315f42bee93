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

namespace {

// The parts of a factory's cache key; the key is empty when a source or an input cannot be
// fingerprinted.
CacheKeyParts key_parts(const FactoryBase& factory, const DagNode& node,
                        const std::vector<CacheKeyParts>& keys, size_t num_inputs,
                        const std::vector<Deliverable>& inputs) {
  CacheKeyParts parts;
  parts.factory = factory.name();
  parts.code_version = factory.code_version();
  parts.parameters = factory.cache_parameters();
  parts.output_type = factory.output_type().name();
  bool cacheable = true;
  std::optional<std::vector<std::string>> sources = factory.source_fingerprints();
  if (sources) {
    parts.sources = *sources;
  } else {
    cacheable = false;
    parts.sources = {"<sources without a fingerprint>"};
  }
  for (const DagInput& input : node.inputs) {
    std::string label = input.producer.empty() ? input.type : input.producer;
    if (!input.id.empty()) {
      label += " (id '" + input.id + "')";
    }
    std::string key;
    if (!input.source) {
      key = "none";
    } else if (*input.source < num_inputs) {
      const std::string& fingerprint = inputs[*input.source].fingerprint();
      key = fingerprint.empty() ? std::string() : "external:" + fingerprint;
      label = "external input " + label;
    } else {
      key = keys[*input.source - num_inputs].key;
    }
    if (key.empty()) {
      cacheable = false;
    }
    parts.inputs.emplace_back(label, key);
  }
  if (cacheable) {
    std::string text = parts.factory + '\x1f' + parts.code_version + '\x1f' + parts.parameters +
                       '\x1f' + parts.output_type;
    for (const std::string& source : parts.sources) {
      text += "\x1esource\x1f" + source;
    }
    for (const auto& [label, key] : parts.inputs) {
      text += "\x1einput\x1f" + label + '\x1f' + key;
    }
    parts.key = stable_hash(text);
  }
  return parts;
}

std::string uncacheable_reason(const CacheKeyParts& parts) {
  std::vector<std::string> why;
  if (parts.sources == std::vector<std::string>{"<sources without a fingerprint>"}) {
    why.push_back("source_fingerprints() gave none");
  }
  for (const auto& [label, key] : parts.inputs) {
    if (key.empty()) {
      why.push_back(label.rfind("external input", 0) == 0 ? label + " has no fingerprint"
                                                          : "input " + label + " is uncacheable");
    }
  }
  std::string text;
  for (const std::string& reason : why) {
    text += (text.empty() ? "" : "; ") + reason;
  }
  return text;
}

std::string miss_reason(const CacheKeyParts& now, const std::optional<CacheKeyParts>& before) {
  if (!before) {
    return "nothing cached yet";
  }
  std::vector<std::string> changes;
  if (before->code_version != now.code_version) {
    changes.push_back("code_version '" + before->code_version + "' -> '" + now.code_version + "'");
  }
  if (before->parameters != now.parameters) {
    changes.push_back("parameters '" + before->parameters + "' -> '" + now.parameters + "'");
  }
  if (before->output_type != now.output_type) {
    changes.push_back("output type changed");
  }
  if (before->sources != now.sources) {
    changes.push_back("source fingerprints changed");
  }
  for (const auto& input_now : now.inputs) {
    const std::string& label = input_now.first;
    const std::string& key = input_now.second;
    auto old = std::find_if(before->inputs.begin(), before->inputs.end(),
                            [&](const auto& input) { return input.first == label; });
    if (old == before->inputs.end()) {
      changes.push_back("new input " + label);
    } else if (old->second != key) {
      changes.push_back("input " + label + " changed");
    }
  }
  if (changes.empty()) {
    return before->key == now.key ? "expired or evicted" : "key changed";
  }
  std::string text;
  for (const std::string& change : changes) {
    text += (text.empty() ? "" : "; ") + change;
  }
  return text;
}

}  // namespace

Pipeline& Pipeline::set_default_cache_policy(CachePolicy policy) noexcept {
  default_cache_policy_ = policy;
  return *this;
}

Pipeline& Pipeline::set_disk_cache(std::shared_ptr<DiskCache> cache) {
  disk_cache_ = std::move(cache);
  return *this;
}

Pipeline& Pipeline::set_cache(std::shared_ptr<ResultCache> cache) {
  cache_ = std::move(cache);
  return *this;
}

Pipeline& Pipeline::set_tags(std::vector<std::string> tags) {
  tags_ = std::move(tags);
  return *this;
}

void Pipeline::run() {
  run(RunOptions{});
}

void Pipeline::run(const RunOptions& options) {
  run_impl(options, false);
}

std::vector<CacheDecision> Pipeline::explain_cache(const RunOptions& options) {
  std::vector<CacheDecision> latest_run = cache_report_;
  run_impl(options, true);
  std::vector<CacheDecision> plan = std::move(cache_report_);
  cache_report_ = std::move(latest_run);
  return plan;
}

void Pipeline::run_impl(const RunOptions& options, bool dry_run) {
  if (moved_from_.moved) {
    throw StateError("this Pipeline was moved from; run the Pipeline it was moved to");
  }
  cache_store_failures_.clear();
  auto policy_of = [this](const FactoryBase& factory) -> const CachePolicy& {
    return factory.has_cache_policy() ? factory.cache_policy() : default_cache_policy_;
  };
  Inspector inspector(*this);
  inspector.validate();
  const Dag& dag = inspector.dag();
  size_t num_inputs = inputs_.size();

  std::vector<FactoryBase*> factories;
  for (const auto& stage : stages_) {
    for (const auto& factory : stage->factories()) {
      detail::FactoryRunner::set_context(*factory, context_);
      if (!dry_run) {
        detail::FactoryRunner::reset_output(*factory);
      }
      factories.push_back(factory.get());
    }
  }
  // Cache keys chain down the DAG: producers come before their consumers.
  std::vector<CacheKeyParts> keys(factories.size());
  for (size_t i = 0; i < factories.size(); ++i) {
    keys[i] = key_parts(*factories[i], dag.nodes[num_inputs + i], keys, num_inputs, inputs_);
  }
  // Lazy evaluation: the targets, and what they read from unless served from the cache.
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
  if (options.targets.empty()) {
    for (size_t i = factories.size(); i-- > 0;) {
      pending.push_back(i);
    }
  }
  // The factory's previous key parts: from memory, else from the disk index.
  auto last_parts = [this](const std::string& factory) -> std::optional<CacheKeyParts> {
    std::optional<CacheKeyParts> parts = cache_ ? cache_->last_parts(factory) : std::nullopt;
    if (!parts && disk_cache_) {
      parts = disk_cache_->last_parts(factory);
    }
    return parts;
  };
  enum class Plan { kUnneeded, kRun, kRestore };
  std::vector<Plan> plan(factories.size(), Plan::kUnneeded);
  std::vector<std::shared_ptr<const void>> hits(factories.size());
  cache_report_.assign(factories.size(), CacheDecision{});
  while (!pending.empty()) {
    size_t index = pending.back();
    pending.pop_back();
    if (plan[index] != Plan::kUnneeded) {
      continue;
    }
    CacheDecision& decision = cache_report_[index];
    decision.factory = factories[index]->name();
    decision.key = keys[index].key;
    const FactoryBase& factory = *factories[index];
    const CachePolicy& policy = policy_of(factory);
    CacheMode mode = policy.mode;
    bool in_memory = uses_memory(mode) && cache_;
    bool on_disk = uses_disk(mode) && disk_cache_;
    if (!in_memory && !on_disk) {
      decision.outcome = CacheDecision::Outcome::kOff;
    } else if (keys[index].key.empty()) {
      decision.outcome = CacheDecision::Outcome::kUncacheable;
      decision.reason = uncacheable_reason(keys[index]);
    } else if (!in_memory && !disk_cache_->can_store(factory.output_type())) {
      decision.outcome = CacheDecision::Outcome::kUncacheable;
      decision.reason = "no codec for " + factory.output_type().name() + " in the disk cache";
    } else {
      // A dry run looks without loading: whether a disk entry is intact is only known when
      // it is read. A real run loads, and promotes disk hits to the memory tier.
      const std::string& key = keys[index].key;
      const TypeInfo& type = factory.output_type();
      bool hit = false;
      if (dry_run) {
        hit = (in_memory && cache_->contains(key, type)) ||
              (on_disk && disk_cache_->contains(key, type));
      } else {
        if (in_memory) {
          std::optional<ResultCache::Entry> entry = cache_->find(key);
          if (entry && *entry->type == type) {
            hits[index] = entry->payload;
          }
        }
        if (!hits[index] && on_disk) {
          hits[index] = disk_cache_->load(key, type);
          if (hits[index] && in_memory) {
            // Restored early so that the memory tier learns the entry's size.
            detail::FactoryRunner::restore(*factories[index], hits[index]);
            cache_->store(key,
                          {hits[index], &type, detail::FactoryRunner::bytes(factory),
                           std::chrono::steady_clock::now(), policy.ttl},
                          keys[index]);
          }
        }
        hit = hits[index] != nullptr;
      }
      if (hit) {
        decision.outcome = CacheDecision::Outcome::kHit;
        plan[index] = Plan::kRestore;
        continue;
      }
      decision.outcome = CacheDecision::Outcome::kMiss;
      decision.reason = miss_reason(keys[index], last_parts(decision.factory));
    }
    plan[index] = Plan::kRun;
    for (const DagInput& input : dag.nodes[num_inputs + index].inputs) {
      if (input.source && *input.source >= num_inputs) {
        pending.push_back(*input.source - num_inputs);
      }
    }
  }
  for (size_t i = 0; i < factories.size(); ++i) {
    if (plan[i] == Plan::kUnneeded) {
      cache_report_[i] = {factories[i]->name(), CacheDecision::Outcome::kSkipped, keys[i].key,
                          "not needed by the targets"};
    }
  }
  if (dry_run) {
    return;
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
      size_t index = stage_nodes[k] - num_inputs;
      selected[k] = plan[index] == Plan::kRun;
      if (selected[k]) {
        executed_.push_back(stage.factory(k).name());
      } else if (plan[index] == Plan::kRestore) {
        FactoryBase& factory = stage.factory(k);
        detail::FactoryRunner::restore(factory, hits[index]);
        log::debug("factory '{}': served from the result cache", factory.name());
        if (factory.writable() && stage.writable() && factory.output_missing_at_destination()) {
          detail::FactoryRunner::write(factory);
        }
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
    for (size_t k = 0; k < stage.size(); ++k) {
      size_t index = stage_nodes[k] - num_inputs;
      const FactoryBase& factory = stage.factory(k);
      const CachePolicy& policy = policy_of(factory);
      CacheMode mode = policy.mode;
      if (!selected[k] || keys[index].key.empty() || !factory.has_output()) {
        continue;
      }
      if (uses_memory(mode) && cache_) {
        cache_->store(
            keys[index].key,
            {detail::FactoryRunner::payload(factory), &factory.output_type(),
             detail::FactoryRunner::bytes(factory), std::chrono::steady_clock::now(), policy.ttl},
            keys[index]);
      }
      if (uses_disk(mode) && disk_cache_ && disk_cache_->can_store(factory.output_type())) {
        // The cache is an optimisation: the factory ran and wrote, so a full disk or a
        // concurrent `setl cache clear` costs the next run a recomputation, not this run.
        try {
          disk_cache_->store(keys[index].key, detail::FactoryRunner::payload(factory),
                             factory.output_type(), policy.ttl, keys[index]);
        } catch (const CancelledError&) {
          throw;
        } catch (const std::exception& error) {
          log::warn("pipeline '{}': factory '{}' was not stored in the disk cache: {}", name_,
                    factory.name(), error.what());
          cache_store_failures_.push_back(factory.name() + ": " + error.what());
        }
      }
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
