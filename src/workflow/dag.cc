#include "setl/workflow/dag.h"

namespace setl::workflow {
namespace {

// Mermaid labels are HTML; its entity codes (#60; etc.) keep < > " # literal.
std::string mermaid_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '"':
        out += "#34;";
        break;
      case '<':
        out += "#60;";
        break;
      case '>':
        out += "#62;";
        break;
      case '#':
        out += "#35;";
        break;
      case '&':
        out += "#38;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string dot_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::string node_id(size_t index) {
  return "n" + std::to_string(index);
}

std::string stage_title(const DagStage& stage) {
  std::string title = stage.name;
  if (stage.parallel) {
    title += " (parallel)";
  }
  if (!stage.writable) {
    title += " (not writable)";
  }
  return title;
}

std::vector<size_t> external_nodes(const Dag& dag) {
  std::vector<size_t> nodes;
  for (size_t i = 0; i < dag.nodes.size(); ++i) {
    if (dag.nodes[i].kind == DagNode::Kind::kExternal) {
      nodes.push_back(i);
    }
  }
  return nodes;
}

std::string join(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& part : parts) {
    text += (text.empty() ? "" : ", ") + part;
  }
  return text;
}

}  // namespace

std::string Dag::to_string() const {
  std::string text;
  std::vector<size_t> externals = external_nodes(*this);
  size_t num_factories = nodes.size() - externals.size();
  text += "pipeline: " + std::to_string(stages.size()) + " stage(s), " +
          std::to_string(num_factories) + " factory(ies), " + std::to_string(externals.size()) +
          " external input(s)\n";
  if (!externals.empty()) {
    text += "external inputs:\n";
    for (size_t index : externals) {
      const DagNode& node = nodes[index];
      text += "  " + node.name + ": " + node.output_type;
      if (!node.consumers.empty()) {
        text += " (only for " + join(node.consumers) + ")";
      }
      text += "\n";
    }
  }
  for (const DagStage& stage : stages) {
    text += stage_title(stage) + ":\n";
    for (size_t index : stage.nodes) {
      const DagNode& node = nodes[index];
      text += "  " + node.name + " -> " + node.output_type;
      if (!node.delivery_id.empty()) {
        text += " (id '" + node.delivery_id + "')";
      }
      if (!node.writable) {
        text += " (not writable)";
      }
      text += "\n";
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        const DagInput& input = node.inputs[i];
        text += "    <- #" + std::to_string(i) + " " + input.type;
        if (!input.id.empty()) {
          text += " id '" + input.id + "'";
        }
        if (input.source) {
          text += " from " + nodes[*input.source].name;
        } else {
          text += input.optional ? " (optional, none)" : " (unresolved)";
        }
        text += "\n";
      }
    }
  }
  if (!flows.empty()) {
    text += "flows:\n";
    for (const DagFlow& flow : flows) {
      text += "  " + nodes[flow.from].name + " -> " + nodes[flow.to].name + " [" + flow.type;
      if (!flow.delivery_id.empty()) {
        text += ", id '" + flow.delivery_id + "'";
      }
      if (flow.optional) {
        text += ", optional";
      }
      text += "]\n";
    }
  }
  return text;
}

std::string Dag::to_mermaid() const {
  std::string text = "flowchart LR\n";
  std::vector<size_t> externals = external_nodes(*this);
  if (!externals.empty()) {
    text += "  subgraph inputs[\"external inputs\"]\n";
    for (size_t index : externals) {
      const DagNode& node = nodes[index];
      text += "    " + node_id(index) + "[/\"" + mermaid_escape(node.name) + "<br/>" +
              mermaid_escape(node.output_type) + "\"/]\n";
    }
    text += "  end\n";
  }
  for (size_t s = 0; s < stages.size(); ++s) {
    text += "  subgraph s" + std::to_string(s) + "[\"" + mermaid_escape(stage_title(stages[s])) +
            "\"]\n";
    for (size_t index : stages[s].nodes) {
      const DagNode& node = nodes[index];
      text += "    " + node_id(index) + "[\"" + mermaid_escape(node.name) + "<br/>" +
              mermaid_escape(node.output_type) + "\"]\n";
    }
    text += "  end\n";
  }
  for (const DagFlow& flow : flows) {
    text += "  " + node_id(flow.from) + (flow.optional ? " -.->" : " -->");
    if (!flow.delivery_id.empty()) {
      text += "|\"" + mermaid_escape(flow.delivery_id) + "\"|";
    }
    text += " " + node_id(flow.to) + "\n";
  }
  return text;
}

std::string Dag::to_dot() const {
  std::string text = "digraph pipeline {\n  rankdir=LR;\n  node [shape=box];\n";
  std::vector<size_t> externals = external_nodes(*this);
  if (!externals.empty()) {
    text += "  subgraph cluster_inputs {\n    label=\"external inputs\";\n    style=dashed;\n";
    for (size_t index : externals) {
      const DagNode& node = nodes[index];
      text += "    " + node_id(index) + " [shape=parallelogram, label=\"" + dot_escape(node.name) +
              "\\n" + dot_escape(node.output_type) + "\"];\n";
    }
    text += "  }\n";
  }
  for (size_t s = 0; s < stages.size(); ++s) {
    text += "  subgraph cluster_s" + std::to_string(s) + " {\n    label=\"" +
            dot_escape(stage_title(stages[s])) + "\";\n";
    for (size_t index : stages[s].nodes) {
      const DagNode& node = nodes[index];
      text += "    " + node_id(index) + " [label=\"" + dot_escape(node.name) + "\\n" +
              dot_escape(node.output_type) + "\"];\n";
    }
    text += "  }\n";
  }
  for (const DagFlow& flow : flows) {
    std::string attributes;
    if (!flow.delivery_id.empty()) {
      attributes = "label=\"" + dot_escape(flow.delivery_id) + "\"";
    }
    if (flow.optional) {
      attributes += (attributes.empty() ? "" : ", ") + std::string("style=dashed");
    }
    text += "  " + node_id(flow.from) + " -> " + node_id(flow.to);
    text += attributes.empty() ? ";\n" : " [" + attributes + "];\n";
  }
  text += "}\n";
  return text;
}

}  // namespace setl::workflow
