// diff(): what changed between two pipelines, for reviews and for explaining why cache
// keys moved.
#include <map>
#include <typeinfo>

#include "setl/workflow/composition.h"
#include "setl/workflow/inspector.h"

namespace setl::workflow {
namespace {

std::map<std::string, size_t> factory_nodes(const Dag& dag) {
  std::map<std::string, size_t> nodes;
  for (size_t i = 0; i < dag.nodes.size(); ++i) {
    if (dag.nodes[i].kind == DagNode::Kind::kFactory) {
      nodes.emplace(dag.nodes[i].name, i);
    }
  }
  return nodes;
}

std::map<std::string, const FactoryBase*> factories_by_name(const Pipeline& pipeline) {
  std::map<std::string, const FactoryBase*> factories;
  for (const Pipeline::Member& member : pipeline.members()) {
    factories.emplace(member.factory->name(), member.factory);
  }
  return factories;
}

std::string source_name(const Dag& dag, const DagInput& input) {
  return input.source ? dag.nodes[*input.source].name : std::string("nothing");
}

void compare_params(const std::string& name, const FactoryBase& before, const FactoryBase& after,
                    std::vector<std::string>& changes) {
  for (const auto& [key, value] : before.params()) {
    auto now = after.params().find(key);
    if (now == after.params().end()) {
      changes.push_back(name + ": " + key + " '" + value + "' removed");
    } else if (now->second != value) {
      changes.push_back(name + ": " + key + " '" + value + "' -> '" + now->second + "'");
    }
  }
  for (const auto& [key, value] : after.params()) {
    if (before.params().count(key) == 0) {
      changes.push_back(name + ": " + key + " '" + value + "' added");
    }
  }
}

}  // namespace

bool PipelineDiff::empty() const {
  return added.empty() && removed.empty() && replaced.empty() && changed_params.empty() &&
         rewired.empty();
}

std::string PipelineDiff::to_string() const {
  if (empty()) {
    return "no differences\n";
  }
  std::string text;
  auto section = [&](const char* title, const std::vector<std::string>& lines, const char* mark) {
    for (const std::string& line : lines) {
      text += std::string(mark) + " " + title + " " + line + "\n";
    }
  };
  section("added", added, "+");
  section("removed", removed, "-");
  section("replaced", replaced, "~");
  section("params", changed_params, "~");
  section("rewired", rewired, "~");
  return text;
}

PipelineDiff diff(const Pipeline& before, const Pipeline& after) {
  PipelineDiff result;
  Dag old_dag = before.dag();
  Dag new_dag = after.dag();
  std::map<std::string, size_t> old_nodes = factory_nodes(old_dag);
  std::map<std::string, size_t> new_nodes = factory_nodes(new_dag);
  std::map<std::string, const FactoryBase*> old_factories = factories_by_name(before);
  std::map<std::string, const FactoryBase*> new_factories = factories_by_name(after);
  for (const auto& [name, node] : old_nodes) {
    if (new_nodes.count(name) == 0) {
      result.removed.push_back(name);
    }
  }
  for (const auto& [name, node] : new_nodes) {
    auto old_node = old_nodes.find(name);
    if (old_node == old_nodes.end()) {
      result.added.push_back(name);
      continue;
    }
    const FactoryBase& was = *old_factories.at(name);
    const FactoryBase& now = *new_factories.at(name);
    std::string old_class = unqualified_type_name(typeid(was));
    std::string new_class = unqualified_type_name(typeid(now));
    if (old_class != new_class || !(was.output_type() == now.output_type())) {
      result.replaced.push_back(name + ": " + old_class + " -> " + new_class);
    }
    compare_params(name, was, now, result.changed_params);
    const DagNode& old_inputs = old_dag.nodes[old_node->second];
    const DagNode& new_inputs = new_dag.nodes[node];
    for (size_t i = 0; i < new_inputs.inputs.size(); ++i) {
      std::string from = source_name(new_dag, new_inputs.inputs[i]);
      std::string was_from = i < old_inputs.inputs.size()
                                 ? source_name(old_dag, old_inputs.inputs[i])
                                 : std::string("nothing");
      if (from != was_from) {
        result.rewired.push_back(name + ": input #" + std::to_string(i) + " now from '" + from +
                                 "' (was '" + was_from + "')");
      }
    }
  }
  return result;
}

}  // namespace setl::workflow
