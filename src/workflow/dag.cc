#include "setl/workflow/dag.h"

#include <cctype>
#include <map>
#include <set>
#include <vector>

#include "setl/workflow/run_result.h"

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
  if (!stage.run_condition.empty()) {
    title += " (runs if " + stage.run_condition + ")";
  }
  return title;
}

std::vector<size_t> nodes_of_kind(const Dag& dag, DagNode::Kind kind) {
  std::vector<size_t> nodes;
  for (size_t i = 0; i < dag.nodes.size(); ++i) {
    if (dag.nodes[i].kind == kind) {
      nodes.push_back(i);
    }
  }
  return nodes;
}

std::vector<size_t> external_nodes(const Dag& dag) {
  return nodes_of_kind(dag, DagNode::Kind::kExternal);
}

std::vector<size_t> unstaged_nodes(const Dag& dag) {
  std::vector<size_t> nodes;
  for (size_t i = 0; i < dag.nodes.size(); ++i) {
    if (dag.nodes[i].kind == DagNode::Kind::kFactory && !dag.nodes[i].stage) {
      nodes.push_back(i);
    }
  }
  return nodes;
}

// The factory listing of to_string(): name, output, inputs with where they come from.
std::string factory_lines(const Dag& dag, size_t index) {
  const DagNode& node = dag.nodes[index];
  std::string text = "  " + node.name + " -> " + node.output_type;
  if (!node.delivery_id.empty()) {
    text += " (id '" + node.delivery_id + "')";
  }
  if (!node.writable) {
    text += " (not writable)";
  }
  if (!node.variant_condition.empty()) {
    text += " (variant when " + node.variant_condition + ")";
  }
  if (!node.switch_case.empty()) {
    text += " (" + node.switch_case + ")";
  }
  if (!node.run_condition.empty()) {
    text += " (runs if " + node.run_condition + ")";
  }
  text += "\n";
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const DagInput& input = node.inputs[i];
    text += "    <- #" + std::to_string(i) + " " + input.type;
    if (!input.id.empty()) {
      text += " id '" + input.id + "'";
    }
    if (input.source) {
      text += (input.auto_load ? " auto-loaded from " : " from ") + dag.nodes[*input.source].name;
      if (!input.condition.empty()) {
        text += " where " + input.condition;
      }
    } else {
      text += input.optional ? " (optional, none)" : " (unresolved)";
    }
    if (input.first_of) {
      text += " (first of #" + std::to_string(*input.first_of) + "'s alternatives" +
              (input.first_of_optional ? ", optional)" : ")");
    }
    if (!input.lookup.empty()) {
      text += " (" + input.lookup + ")";
    }
    text += "\n";
  }
  for (size_t after : node.after) {
    text += "    after " + dag.nodes[after].name + "\n";
  }
  return text;
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
  std::vector<size_t> sources = nodes_of_kind(*this, DagNode::Kind::kSource);
  std::vector<size_t> unstaged = unstaged_nodes(*this);
  size_t num_factories = nodes.size() - externals.size() - sources.size();
  text += "pipeline: " + std::to_string(stages.size()) + " stage(s), " +
          std::to_string(num_factories) + " factory(ies), " + std::to_string(externals.size()) +
          " external input(s)" +
          (sources.empty() ? std::string() : ", " + std::to_string(sources.size()) + " source(s)") +
          "\n";
  for (const auto& [title, group] :
       {std::pair{"external inputs:\n", &externals}, std::pair{"sources:\n", &sources}}) {
    if (group->empty()) {
      continue;
    }
    text += title;
    for (size_t index : *group) {
      const DagNode& node = nodes[index];
      text += "  " + node.name + ": " + node.output_type;
      if (!node.delivery_id.empty() && node.delivery_id != node.name) {
        text += " (id '" + node.delivery_id + "')";
      }
      if (!node.consumers.empty()) {
        text += " (only for " + join(node.consumers) + ")";
      }
      text += "\n";
    }
  }
  for (const DagStage& stage : stages) {
    text += stage_title(stage) + ":\n";
    for (size_t index : stage.nodes) {
      text += factory_lines(*this, index);
    }
  }
  if (!unstaged.empty()) {
    text += "unstaged (run as soon as their inputs are ready):\n";
    for (size_t index : unstaged) {
      text += factory_lines(*this, index);
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
      if (flow.auto_load) {
        text += ", auto-load";
      }
      text += "]\n";
    }
  }
  return text;
}

namespace {

// A node's label, line by line: name, output type, what decides whether it takes part or
// runs, and after a run how it went. Mermaid and DOT differ only in escaping and breaks.
std::vector<std::string> label_lines(const DagNode& node) {
  std::vector<std::string> lines{node.name, node.output_type};
  if (!node.variant_condition.empty()) {
    lines.push_back("variant when " + node.variant_condition);
  }
  if (!node.switch_case.empty()) {
    lines.push_back(node.switch_case);
  }
  if (!node.run_condition.empty()) {
    lines.push_back("runs if " + node.run_condition);
  }
  if (!node.run_note.empty()) {
    lines.push_back(node.run_status + ": " + node.run_note);
  }
  return lines;
}

template <class Escape>
std::string label(const DagNode& node, Escape escape, const char* line_break) {
  std::string text;
  for (const std::string& line : label_lines(node)) {
    text += (text.empty() ? "" : line_break) + escape(line);
  }
  return text;
}

std::string mermaid_label(const DagNode& node) {
  return label(node, mermaid_escape, "<br/>");
}

std::string dot_label(const DagNode& node) {
  return label(node, dot_escape, "\\n");
}

// How a run went, as a style: Mermaid class names and DOT attributes.
std::string run_class(const DagNode& node) {
  if (node.run_status == "skipped" || node.run_status == "not needed") {
    return "skipped";
  }
  if (node.run_status == "failed" || node.run_status == "cancelled" ||
      node.run_status == "not run") {
    return "failed";
  }
  return node.run_status;  // "ran", "cached" or "" before a run
}

std::string dot_run_style(const DagNode& node) {
  std::string style = run_class(node);
  if (style == "skipped") {
    return ", style=dashed, color=gray50, fontcolor=gray50";
  }
  if (style == "failed") {
    return ", style=filled, fillcolor=\"#f8d7da\"";
  }
  if (style == "ran" || style == "cached") {
    return ", style=filled, fillcolor=\"" + std::string(style == "ran" ? "#d4edda" : "#d1ecf1") +
           "\"";
  }
  return "";
}

}  // namespace

namespace {

// Namespaces as a tree, so that the drawings nest them: each holds its unstaged factories
// and the stages whose factories are all in it.
struct NamespaceTree {
  std::map<std::string, std::vector<size_t>> unstaged;  // ns -> nodes
  std::map<std::string, std::vector<size_t>> stages;    // ns -> stage indexes
  std::set<std::string> all;                            // every ns and its ancestors

  explicit NamespaceTree(const Dag& dag) {
    for (size_t index : unstaged_nodes(dag)) {
      add(dag.nodes[index].ns);
      unstaged[dag.nodes[index].ns].push_back(index);
    }
    for (size_t s = 0; s < dag.stages.size(); ++s) {
      std::string ns = dag.stages[s].nodes.empty() ? "" : dag.nodes[dag.stages[s].nodes[0]].ns;
      for (size_t index : dag.stages[s].nodes) {
        if (dag.nodes[index].ns != ns) {
          ns.clear();
        }
      }
      add(ns);
      stages[ns].push_back(s);
    }
  }
  void add(const std::string& ns) {
    for (std::string at = ns; !at.empty();) {
      all.insert(at);
      size_t dot = at.rfind('.');
      at = dot == std::string::npos ? "" : at.substr(0, dot);
    }
  }
  std::vector<std::string> children(const std::string& parent) const {
    std::vector<std::string> found;
    for (const std::string& ns : all) {
      size_t dot = ns.rfind('.');
      std::string up = dot == std::string::npos ? "" : ns.substr(0, dot);
      if (up == parent) {
        found.push_back(ns);
      }
    }
    return found;
  }
  // Calls open(ns, depth) / body(ns, depth) / close(depth) depth-first from the root.
  template <class Open, class Body, class Close>
  void walk(const std::string& ns, size_t depth, Open open, Body body, Close close) const {
    body(ns, depth);
    for (const std::string& child : children(ns)) {
      open(child, depth);
      walk(child, depth + 1, open, body, close);
      close(depth);
    }
  }
  std::vector<size_t> unstaged_in(const std::string& ns) const {
    auto found = unstaged.find(ns);
    return found == unstaged.end() ? std::vector<size_t>{} : found->second;
  }
  std::vector<size_t> stages_in(const std::string& ns) const {
    auto found = stages.find(ns);
    return found == stages.end() ? std::vector<size_t>{} : found->second;
  }
};

// Unique per namespace: '_' doubles, so "a.b" and "a_b" differ.
std::string namespace_id(const std::string& ns) {
  std::string id = "ns_";
  for (char c : ns) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      id += c;
    } else {
      id += c == '_' ? "__" : c == '.' ? "_" : "_x";
    }
  }
  return id;
}

}  // namespace

std::string Dag::to_mermaid() const {
  std::string text = "flowchart LR\n";
  // External inputs are drawn as parallelograms, sources as cylinders.
  auto subgraph = [&](const std::string& id, const std::vector<size_t>& members, const char* open,
                      const char* close) {
    if (members.empty()) {
      return;
    }
    text += "  subgraph " + id + "\n";
    for (size_t index : members) {
      const DagNode& node = nodes[index];
      text += "    " + node_id(index) + open + "\"" + mermaid_label(node) + "\"" + close + "\n";
    }
    text += "  end\n";
  };
  subgraph("inputs[\"external inputs\"]", external_nodes(*this), "[/", "/]");
  subgraph("sources[\"sources\"]", nodes_of_kind(*this, DagNode::Kind::kSource), "[(", ")]");
  NamespaceTree tree(*this);
  tree.walk(
      "", 1,
      [&](const std::string& ns, size_t depth) {
        text += std::string(2 * depth, ' ') + "subgraph " + namespace_id(ns) + "[\"" +
                mermaid_escape(ns) + "\"]\n";
      },
      [&](const std::string& ns, size_t depth) {
        std::string indent(2 * depth, ' ');
        for (size_t index : tree.unstaged_in(ns)) {
          text += indent + node_id(index) + "[\"" + mermaid_label(nodes[index]) + "\"]\n";
        }
        for (size_t s : tree.stages_in(ns)) {
          text += indent + "subgraph s" + std::to_string(s) + "[\"" +
                  mermaid_escape(stage_title(stages[s])) + "\"]\n";
          for (size_t index : stages[s].nodes) {
            text += indent + "  " + node_id(index) + "[\"" + mermaid_label(nodes[index]) + "\"]\n";
          }
          text += indent + "end\n";
        }
      },
      [&](size_t depth) { text += std::string(2 * depth, ' ') + "end\n"; });
  for (const DagFlow& flow : flows) {
    text += "  " + node_id(flow.from) + (flow.optional ? " -.->" : " -->");
    if (!flow.delivery_id.empty()) {
      text += "|\"" + mermaid_escape(flow.delivery_id) + "\"|";
    }
    text += " " + node_id(flow.to) + "\n";
  }
  for (size_t index : order) {
    for (size_t after : nodes[index].after) {
      text += "  " + node_id(after) + " ==>|\"after\"| " + node_id(index) + "\n";
    }
  }
  std::map<std::string, std::string> by_class;
  for (size_t index = 0; index < nodes.size(); ++index) {
    std::string style = run_class(nodes[index]);
    if (!style.empty()) {
      by_class[style] += (by_class[style].empty() ? "" : ",") + node_id(index);
    }
  }
  static const std::map<std::string, std::string> kStyles = {
      {"ran", "fill:#d4edda,stroke:#28a745"},
      {"cached", "fill:#d1ecf1,stroke:#17a2b8"},
      {"skipped", "fill:#f8f9fa,stroke:#adb5bd,stroke-dasharray:5 5,color:#6c757d"},
      {"failed", "fill:#f8d7da,stroke:#dc3545"}};
  for (const auto& [style, members] : by_class) {
    text += "  classDef " + style + " " + kStyles.at(style) + "\n";
    text += "  class " + members + " " + style + "\n";
  }
  return text;
}

std::string Dag::to_dot() const {
  std::string text = "digraph pipeline {\n  rankdir=LR;\n  node [shape=box];\n";
  auto cluster = [&](const std::string& id, const std::string& label,
                     const std::vector<size_t>& members, const std::string& shape) {
    if (members.empty()) {
      return;
    }
    text += "  subgraph " + id + " {\n    label=\"" + label + "\";\n    style=dashed;\n";
    for (size_t index : members) {
      const DagNode& node = nodes[index];
      text += "    " + node_id(index) + " [shape=" + shape + ", label=\"" + dot_label(node) + "\"" +
              dot_run_style(node) + "];\n";
    }
    text += "  }\n";
  };
  cluster("cluster_inputs", "external inputs", external_nodes(*this), "parallelogram");
  cluster("cluster_sources", "sources", nodes_of_kind(*this, DagNode::Kind::kSource), "cylinder");
  NamespaceTree tree(*this);
  tree.walk(
      "", 1,
      [&](const std::string& ns, size_t depth) {
        text += std::string(2 * depth, ' ') + "subgraph cluster_" + namespace_id(ns) + " {\n" +
                std::string(2 * depth + 2, ' ') + "label=\"" + dot_escape(ns) + "\";\n" +
                std::string(2 * depth + 2, ' ') + "style=rounded;\n";
      },
      [&](const std::string& ns, size_t depth) {
        std::string indent(2 * depth, ' ');
        for (size_t index : tree.unstaged_in(ns)) {
          const DagNode& node = nodes[index];
          text += indent + node_id(index) + " [label=\"" + dot_label(node) + "\"" +
                  dot_run_style(node) + "];\n";
        }
        for (size_t s : tree.stages_in(ns)) {
          text += indent + "subgraph cluster_s" + std::to_string(s) + " {\n" + indent +
                  "  label=\"" + dot_escape(stage_title(stages[s])) + "\";\n";
          for (size_t index : stages[s].nodes) {
            const DagNode& node = nodes[index];
            text += indent + "  " + node_id(index) + " [label=\"" + dot_label(node) + "\"" +
                    dot_run_style(node) + "];\n";
          }
          text += indent + "}\n";
        }
      },
      [&](size_t depth) { text += std::string(2 * depth, ' ') + "}\n"; });
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
  for (size_t index : order) {
    for (size_t after : nodes[index].after) {
      text += "  " + node_id(after) + " -> " + node_id(index) + " [style=bold, label=\"after\"];\n";
    }
  }
  text += "}\n";
  return text;
}

Dag Dag::with_run(const RunResult& run) const {
  Dag annotated = *this;
  for (DagNode& node : annotated.nodes) {
    if (node.kind != DagNode::Kind::kFactory) {
      continue;
    }
    for (const FactoryOutcome& outcome : run.factories()) {
      if (outcome.factory == node.name) {
        node.run_status = std::string(workflow::to_string(outcome.status));
        std::string note = outcome.status == FactoryOutcome::Status::kSkipped ? outcome.skip_reason
                                                                              : outcome.error;
        // One line, short enough for a node.
        note = note.substr(0, note.find('\n'));
        constexpr size_t kMaxNote = 160;
        node.run_note = note.size() > kMaxNote ? note.substr(0, kMaxNote) + "..." : note;
      }
    }
  }
  return annotated;
}

}  // namespace setl::workflow
