// Order of chains of inner joins. A chain is written in some order — (A ⋈ B) ⋈ S, or
// P ⋈ (C ⋈ D) — and each join's keys say which input it meets. When the outer join's
// keys all come from one input of the inner join, the two joins can be exchanged
// (inner equi-joins associate): (A ⋈ S) ⋈ B, or (P ⋈ C) ⋈ D. The exchange is made when
// the estimated intermediate result (cardinality.h) is at most half of what it was, so
// a selective join (the brass parts of one size) runs before one that only adds columns
// (all partsupp rows with their suppliers). A projection restores the original column
// names, order and types; where it cannot, the chain stays as written. Same rows; only
// the order of an unsorted join's output may differ. A semi or anti join over an inner
// join moves onto the input whose columns it tests, when that input, so filtered, is
// expected to be no larger than the join: the filter then runs before the join
// multiplies rows (TPC-H Q2's subquery: the partsupp rows of the brass parts, then
// their suppliers).
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/plan/cardinality.h"
#include "engine/plan/logical_plan.h"
#include "setl/core/error.h"

namespace setl::engine::plan {
namespace {

using Kind = detail::PlanNode::Kind;

// Estimates are rough: an exchange must at least halve the intermediate rows.
constexpr double kRequiredGain = 0.5;

// Where an output column's values come from: (leaf of the chain, leaf column). A key
// merged from both sides has two.
using Origin = std::pair<int, std::string>;
using Origins = std::map<std::string, std::vector<Origin>>;

// Joins with a condition besides their keys stay where they were written.
bool inner_join(const NodePtr& node) {
  return node->kind == Kind::kJoin && node->join_type == JoinType::kInner && node->exprs.empty();
}

Origins leaf_origins(const NodePtr& leaf, int index) {
  Origins origins;
  for (const Field& field : leaf->schema->fields()) {
    origins[field.name].push_back({index, field.name});
  }
  return origins;
}

Origins join_origins(const NodePtr& join, const Origins& left, const Origins& right) {
  Origins origins;
  for (const auto& [where, name] : output_names(join)) {
    const Origins& side = where.first == 0 ? left : right;
    auto found = side.find(where.second);
    if (found != side.end()) {
      std::vector<Origin>& into = origins[name];
      into.insert(into.end(), found->second.begin(), found->second.end());
    }
  }
  return origins;
}

// The column of `leaf` behind output column `name`, if it comes from there.
std::optional<std::string> column_of(const Origins& origins, const std::string& name, int leaf) {
  auto found = origins.find(name);
  if (found == origins.end()) {
    return std::nullopt;
  }
  for (const Origin& origin : found->second) {
    if (origin.first == leaf) {
      return origin.second;
    }
  }
  return std::nullopt;
}

// `names` (output columns of a join with these origins) as columns of `leaf`; nothing
// unless every one comes from it.
std::optional<std::vector<std::string>> all_from(const Origins& origins,
                                                 const std::vector<std::string>& names, int leaf) {
  std::vector<std::string> columns;
  for (const std::string& name : names) {
    std::optional<std::string> column = column_of(origins, name, leaf);
    if (!column) {
      return std::nullopt;
    }
    columns.push_back(*column);
  }
  return columns;
}

// Output names, in `join`'s output, of columns of its input `side`.
std::optional<std::vector<std::string>> shown_as(const NodePtr& join, int side,
                                                 const std::vector<std::string>& columns) {
  std::map<std::pair<int, std::string>, std::string> names = output_names(join);
  std::vector<std::string> shown;
  for (const std::string& column : columns) {
    auto found = names.find({side, column});
    if (found == names.end()) {
      return std::nullopt;
    }
    shown.push_back(found->second);
  }
  return shown;
}

class JoinOrderer {
 public:
  NodePtr order(const NodePtr& node) {
    return rewrite_bottom_up(node, [this](const NodePtr& current) {
      NodePtr better = exchanged(current);
      better = better ? better : pushed_down(current);
      return better ? better : current;
    });
  }

 private:
  // A semi or anti join over an inner join whose keys all come from one input of it,
  // moved onto that input when it is expected to leave fewer rows there: (A ⋈ B) ⋉ N as
  // A ⋈ (B ⋉ N). The output columns are the inner join's either way. Null if not.
  NodePtr pushed_down(const NodePtr& join) {
    if (join->kind != Kind::kJoin || !join->exprs.empty() ||
        (join->join_type != JoinType::kSemi && join->join_type != JoinType::kAnti) ||
        !inner_join(join->inputs[0])) {
      return nullptr;
    }
    const NodePtr& below = join->inputs[0];
    Origins origins =
        join_origins(below, leaf_origins(below->inputs[0], 0), leaf_origins(below->inputs[1], 1));
    for (int side : {0, 1}) {
      std::optional<std::vector<std::string>> columns = all_from(origins, join->keys, side);
      if (!columns) {
        continue;
      }
      const NodePtr& tested = below->inputs[static_cast<size_t>(side)];
      NodePtr filtered = plan::join(tested, join->inputs[1], *columns, join->right_keys,
                                    join->join_type, join->right_suffix);
      std::optional<Estimate> there = estimator_.of(filtered);
      std::optional<Estimate> here = estimator_.of(below);
      if (!there || !here || there->rows > here->rows) {
        continue;
      }
      NodePtr deeper = pushed_down(filtered);
      filtered = deeper ? deeper : filtered;
      return side == 0 ? rebuild(below, {filtered, below->inputs[1]})
                       : rebuild(below, {below->inputs[0], filtered});
    }
    return nullptr;
  }

  // The join with its nested inner join exchanged, or null when that is not possible or
  // not expected to pay.
  NodePtr exchanged(const NodePtr& join) {
    if (!inner_join(join)) {
      return nullptr;
    }
    for (int nested_side : {0, 1}) {
      const NodePtr& nested = join->inputs[static_cast<size_t>(nested_side)];
      // Exchanged joins name clashing columns with one suffix: both must use the same.
      if (!inner_join(nested) || nested->right_suffix != join->right_suffix) {
        continue;
      }
      for (int kept : {0, 1}) {
        if (NodePtr better = exchange(join, nested_side, kept)) {
          return better;
        }
      }
    }
    return nullptr;
  }

  // Joins the outer join's other input with input `kept` of the nested join first, then
  // the nested join's other input. Leaves: 0 and 1 the nested join's inputs, 2 the other.
  NodePtr exchange(const NodePtr& join, int nested_side, int kept) {
    const NodePtr& nested = join->inputs[static_cast<size_t>(nested_side)];
    const NodePtr& other = join->inputs[static_cast<size_t>(1 - nested_side)];
    Origins nested_origins = join_origins(nested, leaf_origins(nested->inputs[0], 0),
                                          leaf_origins(nested->inputs[1], 1));
    Origins other_origins = leaf_origins(other, 2);
    const std::vector<std::string>& toward_nested =
        nested_side == 0 ? join->keys : join->right_keys;
    const std::vector<std::string>& toward_other = nested_side == 0 ? join->right_keys : join->keys;
    std::optional<std::vector<std::string>> kept_columns =
        all_from(nested_origins, toward_nested, kept);
    if (!kept_columns) {
      return nullptr;
    }
    const NodePtr& kept_input = nested->inputs[static_cast<size_t>(kept)];
    const NodePtr& moved_input = nested->inputs[static_cast<size_t>(1 - kept)];
    // The first join keeps the outer join's orientation: the other input stays on its
    // side of the nested join's input it meets.
    int kept_side = nested_side;  // of `first`
    NodePtr first = joined(kept_side == 0 ? kept_input : other, kept_side == 0 ? other : kept_input,
                           kept_side == 0 ? *kept_columns : toward_other,
                           kept_side == 0 ? toward_other : *kept_columns, join->right_suffix);
    if (!first) {
      return nullptr;
    }
    std::optional<Estimate> before = estimator_.of(nested);
    std::optional<Estimate> after = estimator_.of(first);
    if (!before || !after || after->rows > before->rows * kRequiredGain) {
      return nullptr;
    }
    // The nested join's keys on the kept input's side, as the first join shows them.
    const std::vector<std::string>& kept_keys = kept == 0 ? nested->keys : nested->right_keys;
    const std::vector<std::string>& moved_keys = kept == 0 ? nested->right_keys : nested->keys;
    std::optional<std::vector<std::string>> first_keys = shown_as(first, kept_side, kept_keys);
    if (!first_keys) {
      return nullptr;
    }
    Origins first_origins =
        kept_side == 0 ? join_origins(first, leaf_origins(kept_input, kept), other_origins)
                       : join_origins(first, other_origins, leaf_origins(kept_input, kept));
    // The moved input keeps its side too.
    NodePtr second = kept == 0
                         ? joined(first, moved_input, *first_keys, moved_keys, join->right_suffix)
                         : joined(moved_input, first, moved_keys, *first_keys, join->right_suffix);
    if (!second) {
      return nullptr;
    }
    Origins moved_origins = leaf_origins(moved_input, 1 - kept);
    Origins now = kept == 0 ? join_origins(second, first_origins, moved_origins)
                            : join_origins(second, moved_origins, first_origins);
    Origins was = nested_side == 0 ? join_origins(join, nested_origins, other_origins)
                                   : join_origins(join, other_origins, nested_origins);
    NodePtr restored = restore(join, was, second, now);
    if (!restored) {
      return nullptr;
    }
    // The first join may be a chain too (P ⋈ (C ⋈ D) with C itself a join): same schema.
    NodePtr improved = exchanged(first);
    if (!improved) {
      return restored;
    }
    NodePtr rebuilt = kept == 0 ? rebuild(second, {improved, moved_input})
                                : rebuild(second, {moved_input, improved});
    return restored == second ? rebuilt : rebuild(restored, {rebuilt});
  }

  // An inner join, or null where its columns cannot be named: in another order, a
  // right column's suffixed name can meet a column the written order kept apart.
  static NodePtr joined(const NodePtr& left, const NodePtr& right,
                        const std::vector<std::string>& left_on,
                        const std::vector<std::string>& right_on, const std::string& suffix) {
    try {
      return plan::join(left, right, left_on, right_on, JoinType::kInner, suffix);
    } catch (const SchemaError&) {
      return nullptr;
    }
  }

  // `now` projected to `join`'s columns: each by a column with one of its origins; null
  // if some column cannot be found or its type would differ.
  static NodePtr restore(const NodePtr& join, const Origins& was, const NodePtr& now_node,
                         const Origins& now) {
    std::map<Origin, std::string> name_now;
    for (const auto& [name, origins] : now) {
      for (const Origin& origin : origins) {
        name_now.emplace(origin, name);
      }
    }
    std::map<std::string, std::string> shown_as;  // written name -> name in `now_node`
    for (const auto& [name, origins] : was) {
      for (const Origin& origin : origins) {
        auto at = name_now.find(origin);
        if (at != name_now.end()) {
          shown_as.emplace(name, at->second);
          break;
        }
      }
    }
    return restored_to(join, now_node, shown_as);
  }

  CardinalityEstimator estimator_;
};

}  // namespace

NodePtr order_joins(const NodePtr& node) {
  JoinOrderer orderer;
  return orderer.order(node);
}

}  // namespace setl::engine::plan
