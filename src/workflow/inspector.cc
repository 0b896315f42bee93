#include "setl/workflow/inspector.h"

#include <map>
#include <set>

#include "setl/core/error.h"
#include "setl/workflow/dispatcher.h"
#include "setl/workflow/pipeline.h"

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

}  // namespace

Inspector::Inspector(const Pipeline& pipeline) {
  Dispatcher dispatcher;
  std::map<std::string, std::vector<std::string>> placements_by_name;
  std::set<std::string> factory_names;

  for (size_t i = 0; i < pipeline.inputs().size(); ++i) {
    const Deliverable& input = pipeline.inputs()[i];
    DagNode node;
    node.kind = DagNode::Kind::kExternal;
    node.name = input.delivery_id().empty() ? "input " + std::to_string(i) : input.delivery_id();
    node.output_type = input.payload_type().name();
    node.delivery_id = input.delivery_id();
    node.consumers = input.consumers();
    dag_.nodes.push_back(std::move(node));
    dispatcher.add_offer({std::string(kExternalProducer), &input.payload_type(),
                          input.delivery_id(), input.consumers(), std::nullopt});
  }

  // Offers and nodes are added in the same order, so an offer's index is its node's.
  for (size_t s = 0; s < pipeline.stages().size(); ++s) {
    const Stage& stage = *pipeline.stages()[s];
    DagStage dag_stage{stage.name(), stage.parallel(), stage.writable(), {}};
    for (size_t k = 0; k < stage.size(); ++k) {
      const FactoryBase& factory = stage.factory(k);
      DagNode node;
      node.kind = DagNode::Kind::kFactory;
      node.name = factory.name();
      node.output_type = factory.output_type().name();
      node.delivery_id = factory.delivery_id();
      node.consumers = factory.consumers();
      node.stage = s;
      node.writable = factory.writable();
      for (const DeliveryBase* delivery : factory.deliveries()) {
        node.inputs.push_back({delivery->type().name(), delivery->producer(), delivery->id(),
                               delivery->optional(), std::nullopt});
      }
      dag_stage.nodes.push_back(dag_.nodes.size());
      dag_.nodes.push_back(std::move(node));
      dispatcher.add_offer(
          {factory.name(), &factory.output_type(), factory.delivery_id(), factory.consumers(), s});
      placements_by_name[factory.name()].push_back(stage.name() + " #" + std::to_string(k));
      factory_names.insert(factory.name());
    }
    dag_.stages.push_back(std::move(dag_stage));
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

  for (size_t index = 0; index < dag_.nodes.size(); ++index) {
    const DagNode& node = dag_.nodes[index];
    for (const std::string& consumer : node.consumers) {
      if (factory_names.count(consumer) == 0) {
        problems_.push_back(
            std::string(node.kind == DagNode::Kind::kExternal ? "external input '" : "factory '") +
            node.name + "' lists consumer '" + consumer +
            "', which is not a factory of this pipeline; factories: " + list_names(factory_names));
      }
    }
  }

  for (size_t s = 0; s < pipeline.stages().size(); ++s) {
    const Stage& stage = *pipeline.stages()[s];
    for (size_t k = 0; k < stage.size(); ++k) {
      const FactoryBase& factory = stage.factory(k);
      size_t node_index = dag_.stages[s].nodes[k];
      for (const DeliveryBase* delivery : factory.deliveries()) {
        Request request{factory.name(),      s,
                        &delivery->type(),   delivery->producer(),
                        delivery->id(),      delivery->optional(),
                        delivery->describe()};
        Resolution resolution = dispatcher.resolve(request);
        if (!resolution.ok()) {
          problems_.push_back(std::move(resolution.problem));
          continue;
        }
        if (resolution.offer) {
          dag_.nodes[node_index].inputs[delivery->index()].source = *resolution.offer;
          dag_.flows.push_back({*resolution.offer, node_index, delivery->index(),
                                delivery->type().name(), delivery->id(), delivery->optional()});
        }
      }
    }
  }
  pipeline_name_ = pipeline.name();
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
