// Subplans that compute the same rows become one node. A SQL view read twice in one
// query (TPC-H Q15 finds the suppliers whose revenue equals the maximum revenue, both
// from the view revenue0) is planned twice, and each copy is optimized in its own
// context; where the copies end up alike, the executor (executor.cc) can run one and
// keep its rows for the other only if they are one node. Nodes are compared bottom-up:
// two are alike when they do the same (explain line, output schema, and for tables the
// very same column buffers, for scans the same source) over inputs already found alike.
// Two aggregations that differ only in the names of their results are alike too: the
// second becomes a renaming projection of the first. Tables and scans, filtered or
// projected, are compared but not merged: reading them twice costs little. Sorts,
// limits, windows and unions are left apart (their explain lines do not say all they
// do).
#include <map>
#include <optional>
#include <string>

#include "engine/plan/logical_plan.h"

namespace setl::engine::plan {
namespace {

using Kind = detail::PlanNode::Kind;

std::string address(const void* pointer) {
  return std::to_string(reinterpret_cast<uintptr_t>(pointer));
}

class CommonSubplans {
 public:
  NodePtr share(const NodePtr& node) {
    return rewrite_bottom_up(node, [this](const NodePtr& current) { return shared(current); });
  }

 private:
  // The first node alike `node`, or `node` itself.
  NodePtr shared(const NodePtr& node) {
    std::optional<std::string> key = identity(*node);
    if (!key) {
      return node;
    }
    if (auto found = seen_.find(*key); found != seen_.end()) {
      // A node cheap to run again stays apart (each read is measured on its own); it
      // still counts as alike for the nodes above it.
      canonical_[node.get()] = found->second.get();
      return cheap_to_repeat(node) ? node : found->second;
    }
    seen_.emplace(*key, node);
    canonical_[node.get()] = node.get();
    if (node->kind != Kind::kAggregate) {
      return node;
    }
    auto [first, added] = aggregates_.try_emplace(unnamed(*node), node);
    return added ? node : renamed(first->second, node);
  }

  // The first node found alike `node`.
  const detail::PlanNode* canonical(const NodePtr& node) const {
    auto found = canonical_.find(node.get());
    return found == canonical_.end() ? node.get() : found->second;
  }

  // What a node does and reads, as text; nullopt for operators never merged.
  std::optional<std::string> identity(const detail::PlanNode& node) const {
    std::string key;
    switch (node.kind) {
      case Kind::kTable:
        for (const std::string& name : node.schema->names()) {
          for (const ColumnPtr& chunk : node.table->column_chunks(name)) {
            key += address(chunk.get()) + ",";
          }
        }
        break;
      case Kind::kScan:
        key = address(node.source.get());
        break;
      case Kind::kJoin:
        key = node.right_suffix;
        break;
      case Kind::kFilter:
      case Kind::kProject:
      case Kind::kAggregate:
      case Kind::kDistinct:
        break;
      default:
        return std::nullopt;
    }
    key += "|" + describe(node) + "|" + node.schema->to_string();
    for (const NodePtr& input : node.inputs) {
      key += "|" + address(canonical(input));
    }
    return key;
  }

  // An aggregation's identity without the names of its results.
  std::string unnamed(const detail::PlanNode& node) const {
    std::string key = address(canonical(node.inputs[0])) + "|";
    for (const std::string& column : node.keys) {
      key += column + ",";
    }
    for (const Expr& aggregate : node.exprs) {
      key += "|" + without_alias(aggregate).to_string();
    }
    return key;
  }

  // `first`'s rows under `second`'s column names.
  static NodePtr renamed(const NodePtr& first, const NodePtr& second) {
    std::vector<Expr> columns;
    for (size_t i = 0; i < second->schema->num_fields(); ++i) {
      const std::string& from = first->schema->field(i).name;
      const std::string& to = second->schema->field(i).name;
      columns.push_back(from == to ? col(from) : col(from).alias(to));
    }
    NodePtr projected = project(first, std::move(columns));
    return *projected->schema == *second->schema ? projected : second;
  }

  std::map<std::string, NodePtr> seen_;
  std::map<const detail::PlanNode*, const detail::PlanNode*> canonical_;
  std::map<std::string, NodePtr> aggregates_;
};

}  // namespace

NodePtr share_common_subplans(const NodePtr& node) {
  CommonSubplans common;
  return common.share(node);
}

}  // namespace setl::engine::plan
