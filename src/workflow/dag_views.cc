// The DAG drawn the way SETL and PySetl draw it: the "Pipeline Summary" text of
// describe(), and a Mermaid classDiagram with a link into the Mermaid live editor.
#include <set>

#include "core/base64.h"
#include "setl/workflow/dag.h"

namespace setl::workflow {
namespace {

std::string stage_of(const DagNode& node) {
  return node.stage ? std::to_string(*node.stage) : "- (level " + std::to_string(node.level) + ")";
}

std::string join_inputs(const DagNode& node) {
  std::string text;
  for (const DagInput& input : node.inputs) {
    text += (text.empty() ? "" : ", ") + input.type;
  }
  return text.empty() ? "none" : text;
}

// Mermaid class ids are letters, digits and underscores; labels carry the real names.
std::string class_id(const std::string& prefix, const std::string& name) {
  std::string id = prefix;
  for (char c : name) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    id += plain ? c : '_';
  }
  return id;
}

// Generic brackets become Mermaid's ~ ~ and quotes are dropped from labels.
std::string class_label(const std::string& name) {
  std::string label;
  for (char c : name) {
    if (c == '<' || c == '>') {
      label += '~';
    } else if (c != '"' && c != '`') {
      label += c;
    }
  }
  return label;
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static const char* kHex = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace

std::string Dag::to_summary() const {
  const std::string rule = "--------------------------------------\n";
  std::string text = "========== Pipeline Summary ==========\n\n";
  text += "----------   Nodes Summary  ----------\n";
  for (size_t index : order) {
    const DagNode& node = nodes[index];
    text += "Node   : " + node.name + "\n";
    text += "Stage  : " + stage_of(node) + "\n";
    text += "Input  : " + join_inputs(node) + "\n";
    text += "Output : " + node.output_type + "\n";
    if (!node.variant_condition.empty()) {
      text += "When   : " + node.variant_condition + "\n";
    }
    if (!node.run_condition.empty()) {
      text += "RunsIf : " + node.run_condition + "\n";
    }
    text += rule;
  }
  text += "----------   Flows Summary  ----------\n";
  for (const DagFlow& flow : flows) {
    const DagNode& from = nodes[flow.from];
    text += "Flow\n";
    text += "Stage     : " +
            (from.kind == DagNode::Kind::kFactory ? stage_of(from) : std::string("external")) +
            "\n";
    text += "Direction : " + from.name + " ==> " + nodes[flow.to].name + "\n";
    text += "PayLoad   : " + flow.type + (flow.auto_load ? " (auto-load)" : "") + "\n";
    text += rule;
  }
  return text;
}

std::string Dag::to_class_diagram() const {
  std::string text = "classDiagram\n";
  std::set<std::string> types;
  for (const DagNode& node : nodes) {
    types.insert(node.output_type);
    for (const DagInput& input : node.inputs) {
      types.insert(input.type);
    }
  }
  for (const std::string& type : types) {
    text += "  class " + class_id("T_", type) + "[\"" + class_label(type) + "\"]\n";
  }
  for (const DagNode& node : nodes) {
    std::string id = class_id(node.kind == DagNode::Kind::kFactory ? "F_" : "S_", node.name);
    text += "  class " + id + "[\"" + class_label(node.name) + "\"] {\n";
    std::string stereotype = node.kind == DagNode::Kind::kFactory  ? "Factory"
                             : node.kind == DagNode::Kind::kSource ? "Source"
                                                                   : "External";
    text += "    <<" + stereotype + ">>\n";
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const DagInput& input = node.inputs[i];
      text += "    +" + class_label(input.type) + " input" + std::to_string(i) +
              (input.id.empty() ? "" : " id " + class_label(input.id)) + "\n";
    }
    text += "  }\n";
    text += "  " + class_id("T_", node.output_type) + " <|.. " + id + " : Output\n";
  }
  for (const DagFlow& flow : flows) {
    const DagNode& to = nodes[flow.to];
    text += "  " + class_id("F_", to.name) + " <-- " + class_id("T_", flow.type) + " : Input\n";
  }
  for (size_t index : order) {
    for (size_t after : nodes[index].after) {
      text += "  " + class_id("F_", nodes[index].name) + " ..> " +
              class_id("F_", nodes[after].name) + " : after\n";
    }
  }
  return text;
}

std::string Dag::mermaid_live_url(const std::string& diagram) {
  std::string state = "{\"code\":" + json_string(diagram) + ",\"mermaid\":{\"theme\":\"default\"}}";
  return "https://mermaid.live/edit#base64:" + detail::base64_encode(state);
}

}  // namespace setl::workflow
