// The data-flow graph of a pipeline as the Inspector sees it before anything runs: nodes
// are external inputs, sources of the Setl context and factories (with output type and
// inputs); flows go from producer to consumer, and order-only edges (depends_on) from a
// factory to the one that runs after it. Renders as text, SETL's "Pipeline Summary",
// Mermaid `flowchart` and `classDiagram`, and Graphviz DOT, deterministically.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace setl::workflow {

class RunResult;

struct DagInput {
  std::string type;
  std::string producer;  ///< as declared; empty = any
  std::string id;
  bool optional = false;
  bool auto_load = false;
  std::string condition;  ///< auto-load filter
  bool write_only = false;
  /// Node that fills the input; nullopt if unresolved or an empty optional input.
  std::optional<size_t> source;
  /// Which dispatcher rule chose the source ("only match", "external input preferred", ...).
  std::string rule;
  /// For an alternative of a FirstOf input: the index of its group's first input.
  std::optional<size_t> first_of;
  /// That FirstOf may stay empty.
  bool first_of_optional = false;
  /// For a free input of a composed fragment: the names tried, namespace by namespace,
  /// and where it was found ("looked up as 'eu.raw', 'raw': found at the root").
  std::string lookup;
};

struct DagNode {
  enum class Kind { kExternal, kSource, kFactory };
  Kind kind = Kind::kFactory;
  /// Factory name; for external inputs the delivery id (or "input <n>" without one); for
  /// sources the id they are registered under.
  std::string name;
  std::string output_type;
  std::string delivery_id;
  std::vector<std::string> consumers;
  /// Stage index; nullopt for inputs, sources and unstaged factories.
  std::optional<size_t> stage;
  /// Length of the longest path from an input or source to this node (0 for those).
  size_t level = 0;
  bool writable = true;
  /// The description of its run-time condition (FactoryBase::run_if); empty without one.
  std::string run_condition;
  /// The condition that selected it among build-time variants (FactoryBase::when).
  std::string variant_condition;
  /// The namespace composition put the factory in ("eu.orders"); empty at the root.
  std::string ns;
  /// "case 'full' of switch 'load-mode'" for a member of a switch's case.
  std::string switch_case;
  /// After Dag::with_run: "ran", "cached", "skipped", "not needed", "failed", ...
  std::string run_status;
  /// After Dag::with_run: why it was skipped, or what it failed with.
  std::string run_note;
  std::vector<DagInput> inputs;
  /// Factories this one runs after without receiving their output (node indices).
  std::vector<size_t> after;
};

struct DagFlow {
  size_t from = 0;
  size_t to = 0;
  size_t input = 0;  ///< index of the consumer's input the flow fills
  std::string type;
  std::string delivery_id;
  bool optional = false;
  bool auto_load = false;
};

struct DagStage {
  std::string name;
  bool parallel = false;
  bool writable = true;
  /// The description of its run-time condition (Stage::run_if); empty without one.
  std::string run_condition;
  std::vector<size_t> nodes;
};

struct Dag {
  /// External inputs, then sources, then factories stage by stage, then unstaged ones.
  std::vector<DagNode> nodes;
  std::vector<DagFlow> flows;  ///< ordered by consumer, then input index
  std::vector<DagStage> stages;
  /// Factory nodes in an order that runs producers first (empty if the graph has a cycle).
  std::vector<size_t> order;

  /// A readable listing of inputs, sources, stages, factories and flows.
  std::string to_string() const;
  /// SETL's and PySetl's `describe()` layout: "Pipeline Summary", nodes, then flows.
  std::string to_summary() const;
  /// Mermaid `flowchart LR` text: stages as subgraphs, optional inputs as dotted edges,
  /// order-only edges as thick ones.
  std::string to_mermaid() const;
  /// Mermaid `classDiagram` text as SETL and PySetl draw a pipeline: a class per factory
  /// and per delivered type, `<|--` from output type to factory, `<--` into consumers.
  std::string to_class_diagram() const;
  /// A link that opens `diagram` (Mermaid text) in the Mermaid live editor.
  static std::string mermaid_live_url(const std::string& diagram);
  /// Graphviz `digraph` text: stages as clusters, optional inputs as dashed edges.
  std::string to_dot() const;

  /// The DAG with how `run` went on each factory node: to_mermaid() and to_dot() then draw
  /// ran, cached, skipped and failed nodes in different styles, a skip with its reason.
  Dag with_run(const RunResult& run) const;
};

}  // namespace setl::workflow
