// The data-flow graph of a pipeline as the Inspector sees it before anything runs: nodes
// are external inputs and factories (with output type and inputs), flows go from producer
// to consumer. Renders as text, Mermaid `flowchart` and Graphviz DOT, deterministically.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace setl::workflow {

struct DagInput {
  std::string type;
  std::string producer;  ///< as declared; empty = any
  std::string id;
  bool optional = false;
  /// Node that fills the input; nullopt if unresolved or an empty optional input.
  std::optional<size_t> source;
};

struct DagNode {
  enum class Kind { kExternal, kFactory };
  Kind kind = Kind::kFactory;
  /// Factory name, or for external inputs the delivery id (or "input <n>" without one).
  std::string name;
  std::string output_type;
  std::string delivery_id;
  std::vector<std::string> consumers;
  /// Stage index; nullopt for external inputs.
  std::optional<size_t> stage;
  bool writable = true;
  std::vector<DagInput> inputs;
};

struct DagFlow {
  size_t from = 0;
  size_t to = 0;
  size_t input = 0;  ///< index of the consumer's input the flow fills
  std::string type;
  std::string delivery_id;
  bool optional = false;
};

struct DagStage {
  std::string name;
  bool parallel = false;
  bool writable = true;
  std::vector<size_t> nodes;
};

struct Dag {
  std::vector<DagNode> nodes;  ///< external inputs first, then factories stage by stage
  std::vector<DagFlow> flows;  ///< ordered by consumer, then input index
  std::vector<DagStage> stages;

  /// A readable listing of inputs, stages, factories and flows.
  std::string to_string() const;
  /// Mermaid `flowchart LR` text: stages as subgraphs, optional inputs as dotted edges.
  std::string to_mermaid() const;
  /// Graphviz `digraph` text: stages as clusters, optional inputs as dashed edges.
  std::string to_dot() const;
};

}  // namespace setl::workflow
