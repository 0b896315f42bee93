#include "setl/workflow/inspector.h"

#include <algorithm>
#include <map>
#include <set>

#include "composer.h"
#include "pipeline_conditions.h"
#include "setl/core/error.h"
#include "setl/workflow/dispatcher.h"
#include "setl/workflow/pipeline.h"
#include "setl/workflow/setl.h"

namespace setl::workflow {
namespace {

constexpr size_t kMaxNamesListed = 12;

std::string list_names(const std::set<std::string>& names) {
  std::string text;
  size_t listed = 0;
  for (const std::string& name : names) {
    if (listed++ == kMaxNamesListed) {
      text += ", ... (" + std::to_string(names.size()) + " in all)";
      break;
    }
    text += (text.empty() ? "" : ", ") + name;
  }
  return text.empty() ? "none" : text;
}

DagNode factory_node(const FactoryBase& factory, std::optional<size_t> stage) {
  DagNode node;
  node.kind = DagNode::Kind::kFactory;
  node.name = factory.name();
  node.output_type = factory.output_type().name();
  node.delivery_id = factory.delivery_id();
  node.consumers = factory.consumers();
  node.stage = stage;
  node.writable = factory.writable();
  node.run_condition = factory.run_condition();
  node.variant_condition = factory.variant_condition();
  node.ns = factory.namespace_path();
  for (const DeliveryBase* delivery : factory.deliveries()) {
    node.inputs.push_back({delivery->type().name(),
                           delivery->producer(),
                           delivery->id(),
                           delivery->optional(),
                           delivery->auto_load(),
                           delivery->condition(),
                           delivery->write_only(),
                           std::nullopt,
                           {},
                           delivery->first_of(),
                           delivery->first_of_optional(),
                           {}});
  }
  return node;
}

// A free input of a composed fragment is looked up in its namespace, then in each
// enclosing one (see composition.h): the first namespace where something offers it wins.
Resolution resolve_scoped(const Dispatcher& dispatcher, const DeliveryBase& delivery,
                          Request& request, DagInput& input) {
  if (delivery.scope().empty() && !delivery.strict_scope()) {
    return dispatcher.resolve(request);
  }
  std::vector<std::string> scopes = detail::lookup_scopes(delivery);
  std::string tried;
  for (size_t i = 0; i < scopes.size(); ++i) {
    detail::ScopedName name = detail::scoped_name(delivery, scopes[i]);
    request.producer = name.producer;
    request.id = name.id;
    std::string shown = "'" + (name.id.empty() ? name.producer : name.id) + "'";
    tried += (tried.empty() ? "" : ", ") + shown;
    if (!dispatcher.candidates(request).empty() || i + 1 == scopes.size()) {
      input.producer = name.producer;
      input.id = name.id;
      input.lookup = "looked up as " + tried +
                     (dispatcher.candidates(request).empty() ? ": not found"
                      : i == 0                               ? ": found in its namespace"
                      : scopes[i].empty()                    ? ": found at the root"
                                                             : ": found in '" + scopes[i] + "'") +
                     (delivery.strict_scope() ? " (strict)" : "");
      Resolution resolution = dispatcher.resolve(request);
      if (!resolution.ok()) {
        resolution.problem += " (" + input.lookup + ")";
      }
      return resolution;
    }
  }
  return dispatcher.resolve(request);
}

}  // namespace

Inspector::Inspector(const Pipeline& pipeline) : pipeline_name_(pipeline.name()) {
  Dispatcher dispatcher;
  // Offers and nodes are added in the same order, so an offer's index is its node's.
  for (size_t i = 0; i < pipeline.inputs().size(); ++i) {
    const Deliverable& input = pipeline.inputs()[i];
    DagNode node;
    node.kind = DagNode::Kind::kExternal;
    node.name = input.delivery_id().empty() ? "input " + std::to_string(i) : input.delivery_id();
    node.output_type = input.payload_type().name();
    node.delivery_id = input.delivery_id();
    node.consumers = input.consumers();
    dispatcher.add_offer({Offer::Kind::kExternal, std::string(kExternalProducer),
                          &input.payload_type(), input.delivery_id(), input.consumers(),
                          std::nullopt, nullptr, "external input " + node.name});
    dag_.nodes.push_back(std::move(node));
  }
  for (const Source& source : pipeline.sources()) {
    const Deliverable& offer = source.deliverable;
    DagNode node;
    node.kind = DagNode::Kind::kSource;
    node.name = source.id;
    node.output_type = offer.payload_type().name();
    node.delivery_id = offer.delivery_id();
    node.consumers = offer.consumers();
    dispatcher.add_offer({Offer::Kind::kSource, std::string(kExternalProducer),
                          &offer.payload_type(), offer.delivery_id(), offer.consumers(),
                          std::nullopt, source.loads, "source " + source.id});
    dag_.nodes.push_back(std::move(node));
  }

  std::vector<Pipeline::Member> members = pipeline.members();
  std::map<const FactoryBase*, std::string> switch_cases;
  for (const auto& each : pipeline.switches()) {
    for (const auto& branch : each->cases()) {
      for (const auto& factory : branch->factories()) {
        switch_cases[factory.get()] =
            (branch->is_otherwise() ? std::string("otherwise") : "case '" + branch->label() + "'") +
            " of switch '" + each->name() + "'";
      }
    }
  }
  std::map<std::string, std::vector<std::string>> placements_by_name;
  std::map<std::string, size_t> node_by_name;
  std::set<std::string> factory_names;
  size_t first_factory = dag_.nodes.size();
  for (const Pipeline::Member& member : members) {
    const FactoryBase& factory = *member.factory;
    if (member.stage) {
      if (dag_.stages.size() <= *member.stage) {
        dag_.stages.resize(*member.stage + 1);
      }
      dag_.stages[*member.stage].nodes.push_back(dag_.nodes.size());
    }
    placements_by_name[factory.name()].push_back(
        member.stage ? pipeline.stages()[*member.stage]->name() + " #" +
                           std::to_string(dag_.stages[*member.stage].nodes.size() - 1)
                     : std::string("unstaged"));
    node_by_name.emplace(factory.name(), dag_.nodes.size());
    factory_names.insert(factory.name());
    dispatcher.add_offer({Offer::Kind::kFactory, factory.name(), &factory.output_type(),
                          factory.delivery_id(), factory.consumers(), member.stage, nullptr,
                          factory.name()});
    dag_.nodes.push_back(factory_node(factory, member.stage));
    if (auto found = switch_cases.find(&factory); found != switch_cases.end()) {
      dag_.nodes.back().switch_case = found->second;
    }
  }
  for (size_t s = 0; s < pipeline.stages().size(); ++s) {
    const Stage& stage = *pipeline.stages()[s];
    if (dag_.stages.size() <= s) {
      dag_.stages.resize(s + 1);
    }
    dag_.stages[s].name = stage.name();
    dag_.stages[s].parallel = stage.parallel();
    dag_.stages[s].writable = stage.writable();
    dag_.stages[s].run_condition = stage.run_condition();
  }

  for (const auto& [name, placements] : placements_by_name) {
    if (placements.size() > 1) {
      std::string where;
      for (const std::string& placement : placements) {
        where += (where.empty() ? "" : ", ") + placement;
      }
      problems_.push_back(std::to_string(placements.size()) + " factories are named '" + name +
                          "' (" + where +
                          "); factory names must be unique because deliveries name their "
                          "producer by it: give each instance its own name, e.g. "
                          "add_factory<...>(...).set_name(\"" +
                          name + "_2\")");
    }
  }
  for (const DagNode& node : dag_.nodes) {
    for (const std::string& consumer : node.consumers) {
      if (factory_names.count(consumer) == 0) {
        std::string what = node.kind == DagNode::Kind::kFactory  ? "factory '"
                           : node.kind == DagNode::Kind::kSource ? "source '"
                                                                 : "external input '";
        problems_.push_back(
            what + node.name + "' lists consumer '" + consumer +
            "', which is not a factory of this pipeline; factories: " + list_names(factory_names));
      }
    }
  }

  for (size_t m = 0; m < members.size(); ++m) {
    const FactoryBase& factory = *members[m].factory;
    size_t node_index = first_factory + m;
    for (const DeliveryBase* delivery : factory.deliveries()) {
      Request request{factory.name(),        members[m].stage,    &delivery->type(),
                      delivery->producer(),  delivery->id(),      delivery->optional(),
                      delivery->auto_load(), delivery->describe()};
      Resolution resolution = resolve_scoped(dispatcher, *delivery, request,
                                             dag_.nodes[node_index].inputs[delivery->index()]);
      if (!resolution.ok()) {
        problems_.push_back(std::move(resolution.problem));
        continue;
      }
      if (resolution.offer) {
        DagInput& input = dag_.nodes[node_index].inputs[delivery->index()];
        input.source = *resolution.offer;
        input.rule = std::string(to_string(resolution.rule));
        // An alternative of a FirstOf may not deliver: drawn like an optional input.
        bool optional = delivery->optional() || delivery->first_of().has_value();
        dag_.flows.push_back({*resolution.offer, node_index, delivery->index(),
                              delivery->type().name(), input.id, optional, resolution.auto_load});
      }
    }
    for (const std::string& before : factory.order_dependencies()) {
      auto found = node_by_name.find(before);
      if (found == node_by_name.end()) {
        problems_.push_back(
            "factory '" + factory.name() + "' depends_on '" + before +
            "', which is not a factory of this pipeline; factories: " + list_names(factory_names));
        continue;
      }
      const DagNode& producer = dag_.nodes[found->second];
      if (producer.stage && members[m].stage && *producer.stage >= *members[m].stage) {
        problems_.push_back("factory '" + factory.name() + "' (stage " +
                            std::to_string(*members[m].stage) + ") depends_on '" + before +
                            "' (stage " + std::to_string(*producer.stage) +
                            "), which does not run before it; move one of them");
        continue;
      }
      dag_.nodes[node_index].after.push_back(found->second);
    }
  }
  order_factories(first_factory);
  const Config& config = detail::condition_config(pipeline);
  std::vector<std::string> variant_problems =
      detail::select_variants(pipeline.all_members(), config).problems;
  conditions_ = std::make_shared<detail::PipelineConditions>(
      detail::bind_conditions(dag_, first_factory, members, pipeline, config));
  const detail::PipelineConditions& conditions = *conditions_;
  // First: an unresolved input they cause is listed after them.
  problems_.insert(problems_.begin(), variant_problems.begin(), variant_problems.end());
  problems_.insert(problems_.end(), conditions.problems.begin(), conditions.problems.end());
  if (conditions.problems.empty() && !dag_.order.empty() && !pipeline.switches().empty()) {
    std::vector<std::string> joins =
        detail::exclusive_join_problems(dag_, first_factory, conditions);
    problems_.insert(problems_.end(), joins.begin(), joins.end());
  }
}

// Orders factories so that producers come first. A stage runs as one unit (its members
// together, after the previous stage), an unstaged factory as a unit of its own; a cycle
// between units is reported by naming the factories in it.
void Inspector::order_factories(size_t first_factory) {
  size_t count = dag_.nodes.size() - first_factory;
  size_t num_stages = dag_.stages.size();
  std::vector<size_t> unit_of(count);
  for (size_t i = 0; i < count; ++i) {
    const std::optional<size_t>& stage = dag_.nodes[first_factory + i].stage;
    unit_of[i] = stage ? *stage : num_stages + i;
  }
  size_t num_units = num_stages + count;
  std::vector<std::set<size_t>> predecessors(num_units);
  auto factory_predecessors = [&](size_t i) {
    std::vector<size_t> before;
    const DagNode& node = dag_.nodes[first_factory + i];
    for (const DagInput& input : node.inputs) {
      if (input.source && *input.source >= first_factory) {
        before.push_back(*input.source - first_factory);
      }
    }
    for (size_t after : node.after) {
      before.push_back(after - first_factory);
    }
    return before;
  };
  for (size_t i = 0; i < count; ++i) {
    for (size_t before : factory_predecessors(i)) {
      if (unit_of[before] != unit_of[i]) {
        predecessors[unit_of[i]].insert(unit_of[before]);
      }
    }
  }
  std::optional<size_t> previous_stage;
  for (size_t s = 0; s < num_stages; ++s) {
    if (previous_stage) {
      predecessors[s].insert(*previous_stage);
    }
    if (!dag_.stages[s].nodes.empty()) {
      previous_stage = s;
    }
  }
  std::vector<size_t> pending(num_units);
  std::vector<std::vector<size_t>> successors(num_units);
  for (size_t u = 0; u < num_units; ++u) {
    pending[u] = predecessors[u].size();
    for (size_t before : predecessors[u]) {
      successors[before].push_back(u);
    }
  }
  std::vector<size_t> ready;
  for (size_t u = num_units; u-- > 0;) {
    if (pending[u] == 0) {
      ready.push_back(u);
    }
  }
  while (!ready.empty()) {
    size_t u = ready.back();
    ready.pop_back();
    if (u < num_stages) {
      dag_.order.insert(dag_.order.end(), dag_.stages[u].nodes.begin(), dag_.stages[u].nodes.end());
    } else if (unit_of[u - num_stages] == u) {  // staged factories run with their stage
      dag_.order.push_back(first_factory + (u - num_stages));
    }
    for (size_t next : successors[u]) {
      if (--pending[next] == 0) {
        ready.push_back(next);
      }
    }
  }
  if (dag_.order.size() == count) {
    for (size_t node : dag_.order) {
      size_t level = 1;
      for (size_t before : factory_predecessors(node - first_factory)) {
        level = std::max(level, dag_.nodes[first_factory + before].level + 1);
      }
      dag_.nodes[node].level = level;
    }
    return;
  }
  dag_.order.clear();
  std::set<std::string> on_cycle;
  for (size_t i = 0; i < count; ++i) {
    if (pending[unit_of[i]] > 0) {
      on_cycle.insert(dag_.nodes[first_factory + i].name);
    }
  }
  problems_.push_back("the factories " + list_names(on_cycle) +
                      " depend on each other in a cycle (through their inputs, depends_on, "
                      "or a stage, which runs as a whole); no order can run them");
}

void Inspector::validate() const {
  if (problems_.empty()) {
    return;
  }
  std::string message = "pipeline '" + pipeline_name_ +
                        "' cannot run: " + std::to_string(problems_.size()) +
                        " problem(s) found before running:";
  for (size_t i = 0; i < problems_.size(); ++i) {
    message += "\n  " + std::to_string(i + 1) + ". " + problems_[i];
  }
  throw DeliveryError(message);
}

}  // namespace setl::workflow
