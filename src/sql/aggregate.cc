// GROUP BY (expressions, positions, select aliases, ROLLUP, CUBE, GROUPING SETS),
// aggregates, HAVING, and window functions. Each grouping set is aggregated on its own
// and the sets are unioned, with the keys a set leaves out as NULL and grouping() flags.
#include <algorithm>
#include <set>

#include "setl/core/error.h"
#include "setl/engine/functions.h"
#include "sql/ast_text.h"
#include "sql/planner.h"

namespace setl::sql::detail {
namespace {

using engine::Expr;
namespace fn = engine::fn;

void aggregate_calls(const Node& node, std::vector<const Node*>& out) {
  if (is_aggregate_call(node)) {
    out.push_back(&node);
    return;
  }
  for (const NodePtr& arg : node.args) {
    if (arg) {
      aggregate_calls(*arg, out);
    }
  }
  if (node.window) {
    for (const NodePtr& key : node.window->partition_by) {
      aggregate_calls(*key, out);
    }
    for (const WindowClause::Order& key : node.window->order_by) {
      aggregate_calls(*key.expr, out);
    }
  }
}

constexpr size_t kMaxCubeKeys = 12;

}  // namespace

bool Planner::needs_aggregation(const Select& select,
                                const std::vector<OrderItem>& order_by) const {
  if (select.group_by || select.having) {
    return true;
  }
  auto any = [](const Node& node) { return has_aggregate(node); };
  return std::any_of(select.items.begin(), select.items.end(),
                     [&](const SelectItem& item) { return item.expr && any(*item.expr); }) ||
         std::any_of(order_by.begin(), order_by.end(),
                     [&](const OrderItem& item) { return any(*item.expr); });
}

Relation Planner::aggregate(Relation input, const Select& select,
                            const std::vector<OrderItem>& order_by,
                            std::map<std::string, std::string>& computed) {
  // The group keys, each once, and the grouping sets as indexes into them.
  std::vector<NodePtr> keys;
  std::vector<std::vector<size_t>> sets;
  auto resolve = [&](const NodePtr& expr) -> NodePtr {
    if (expr->kind == Node::Kind::kLiteral && expr->literal_kind == Node::LiteralKind::kNumber) {
      size_t ordinal = std::strtoull(expr->text.c_str(), nullptr, 10);
      if (ordinal < 1 || ordinal > select.items.size() || !select.items[ordinal - 1].expr) {
        fail(expr->position, "GROUP BY position " + expr->text +
                                 " is not an expression of the "
                                 "select list");
      }
      const NodePtr& item = select.items[ordinal - 1].expr;
      if (has_aggregate(*item)) {
        fail(expr->position, "GROUP BY position " + expr->text + " refers to an aggregate");
      }
      return item;
    }
    if (expr->kind == Node::Kind::kColumn && expr->names.size() == 1 &&
        lookup(input, expr->names).matches.empty()) {
      for (const SelectItem& item : select.items) {  // a select alias (Spark allows it)
        if (item.alias == expr->names[0] && item.expr) {
          return item.expr;
        }
      }
    }
    if (has_aggregate(*expr)) {
      fail(expr->position, "GROUP BY cannot contain an aggregate function");
    }
    return expr;
  };
  auto key_index = [&](const NodePtr& expr) {
    NodePtr resolved = resolve(expr);
    std::string text = sql_text(*resolved);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (sql_text(*keys[i]) == text) {
        return i;
      }
    }
    keys.push_back(resolved);
    return keys.size() - 1;
  };
  if (select.group_by) {
    const GroupBy& group = *select.group_by;
    std::vector<size_t> all;
    for (const NodePtr& expr : group.exprs) {
      all.push_back(key_index(expr));
    }
    switch (group.kind) {
      case GroupBy::Kind::kPlain:
        sets.push_back(all);
        break;
      case GroupBy::Kind::kRollup:
        for (size_t n = all.size() + 1; n-- > 0;) {
          sets.emplace_back(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
        }
        break;
      case GroupBy::Kind::kCube:
        if (all.size() > kMaxCubeKeys) {
          fail(group.position, "CUBE of more than " + std::to_string(kMaxCubeKeys) +
                                   " expressions makes too many grouping sets");
        }
        for (size_t mask = (size_t{1} << all.size()); mask-- > 0;) {
          std::vector<size_t> set;
          for (size_t i = 0; i < all.size(); ++i) {
            if (mask & (size_t{1} << (all.size() - 1 - i))) {
              set.push_back(all[i]);
            }
          }
          sets.push_back(set);
        }
        break;
      case GroupBy::Kind::kSets:
        for (const std::vector<NodePtr>& exprs : group.sets) {
          std::vector<size_t> set;
          for (const NodePtr& expr : exprs) {
            set.push_back(key_index(expr));
          }
          sets.push_back(set);
        }
        break;
    }
  } else {
    sets.emplace_back();
  }

  ExprScope key_scope{.relation = &input, .clause = "GROUP BY"};
  std::vector<std::string> key_columns;
  for (const NodePtr& key : keys) {
    key_columns.push_back(as_column(input, *key, key_scope));
  }
  // The aggregates of the select list, HAVING and ORDER BY, each once.
  std::vector<const Node*> calls;
  for (const SelectItem& item : select.items) {
    if (item.expr) {
      aggregate_calls(*item.expr, calls);
    }
  }
  if (select.having) {
    aggregate_calls(*select.having, calls);
  }
  for (const OrderItem& item : order_by) {
    aggregate_calls(*item.expr, calls);
  }
  std::vector<Expr> aggregates;
  std::vector<std::string> aggregate_columns;
  std::set<std::string> seen;
  for (const Node* call : calls) {
    std::string text = sql_text(*call);
    if (!seen.insert(text).second) {
      continue;
    }
    ExprScope scope{.relation = &input, .clause = "an aggregate", .aggregates_allowed = true};
    std::string name = input.fresh("__setl_agg_" + std::to_string(aggregates.size()));
    aggregates.push_back(translate(*call, scope).alias(name));
    aggregate_columns.push_back(name);
    computed[text] = name;
  }

  Relation result;
  engine::SchemaPtr schema = input.frame.schema();
  auto grouped_by = [&](const std::vector<size_t>& set) {
    std::vector<std::string> names;
    for (size_t index : set) {
      names.push_back(key_columns[index]);
    }
    return names.empty() ? input.frame.aggregate(aggregates)
                         : input.frame.group_by(names).agg(aggregates);
  };
  for (size_t i = 0; i < keys.size(); ++i) {
    Lookup column = keys[i]->kind == Node::Kind::kColumn ? lookup(input, keys[i]->names) : Lookup{};
    if (column.matches.size() == 1 && column.matches[0]->internal == key_columns[i]) {
      result.columns.push_back(*column.matches[0]);
    } else {
      result.columns.push_back({"", key_columns[i], key_columns[i], true});
    }
    computed[sql_text(*keys[i])] = key_columns[i];
  }
  for (const std::string& name : aggregate_columns) {
    result.columns.push_back({"", name, name, true});
  }
  bool plain = sets.size() == 1 && sets[0].size() == keys.size();
  if (plain) {
    result.frame = grouped_by(sets[0]);
  } else {
    // Every set with every key (NULL where it does not group by it) and its flags.
    std::vector<std::string> flags;
    for (size_t i = 0; i < keys.size(); ++i) {
      flags.push_back(input.fresh("__setl_grouping_" + std::to_string(i)));
      computed["grouping(" + sql_text(*keys[i]) + ")"] = flags.back();
    }
    std::string id = input.fresh("__setl_grouping_id");
    computed["grouping_id()"] = id;
    std::optional<engine::LazyFrame> all;
    for (const std::vector<size_t>& set : sets) {
      std::vector<Expr> columns;
      int64_t grouping_id = 0;
      for (size_t i = 0; i < keys.size(); ++i) {
        bool in_set = std::find(set.begin(), set.end(), i) != set.end();
        const engine::DataType& type = schema->field(schema->index_of(key_columns[i])).type;
        columns.push_back(
            (in_set ? engine::col(key_columns[i]) : Expr().cast(type)).alias(key_columns[i]));
        grouping_id = grouping_id * 2 + (in_set ? 0 : 1);
      }
      for (const std::string& name : aggregate_columns) {
        columns.push_back(engine::col(name));
      }
      for (size_t i = 0; i < keys.size(); ++i) {
        bool in_set = std::find(set.begin(), set.end(), i) != set.end();
        columns.push_back(Expr(in_set ? 0 : 1).alias(flags[i]));
      }
      columns.push_back(Expr(grouping_id).alias(id));
      engine::LazyFrame part = grouped_by(set).select(columns);
      all = all ? all->union_all(part) : part;
    }
    result.frame = *all;
    for (const std::string& flag : flags) {
      result.columns.push_back({"", flag, flag, true});
    }
    result.columns.push_back({"", id, id, true});
  }
  if (select.having) {
    ExprScope scope{
        .relation = &result, .computed = &computed, .before_grouping = &input, .clause = "HAVING"};
    Expr having = translate(*select.having, scope);
    result.frame = result.frame.filter(having);
  }
  return result;
}

namespace {

using Bound = engine::FrameBound::Kind;

// Whether every row's frame is its whole partition: unbounded both ways, or (without
// ORDER BY, where all rows are peers) RANGE frames ending at the current row's peers.
bool whole_partition(const engine::WindowSpec& spec) {
  if (!spec.frame) {
    return spec.order_by.empty();
  }
  bool peers_are_all =
      spec.order_by.empty() && spec.frame->unit == engine::WindowFrame::Unit::kRange;
  return (spec.frame->start.kind == Bound::kUnboundedPreceding ||
          (peers_are_all && spec.frame->start.kind == Bound::kCurrentRow)) &&
         (spec.frame->end.kind == Bound::kUnboundedFollowing ||
          (peers_are_all && spec.frame->end.kind == Bound::kCurrentRow));
}

}  // namespace

void Planner::add_windows(Relation& relation, const std::vector<const Node*>& windows,
                          ExprScope& scope, std::map<std::string, std::string>& computed) {
  for (const Node* call : windows) {
    std::string text = sql_text(*call);
    if (computed.count(text) > 0) {
      continue;
    }
    const WindowClause& clause = *call->window;
    engine::WindowSpec spec;
    for (const NodePtr& key : clause.partition_by) {
      spec.partition_by.push_back(as_column(relation, *key, scope));
    }
    for (const WindowClause::Order& key : clause.order_by) {
      spec.order_by.push_back(
          {as_column(relation, *key.expr, scope), key.descending, key.nulls_first});
    }
    bool aggregate = is_aggregate_call(Node{.kind = Node::Kind::kFunction, .name = call->name});
    if (clause.engine_frame) {
      spec.frame = *clause.engine_frame;
      // Ranking functions ignore the frame; SQL lets it be written as the default.
      if (!aggregate) {
        if (!whole_partition(spec) && !(spec.frame->unit == engine::WindowFrame::Unit::kRange &&
                                        spec.frame->start.kind == Bound::kUnboundedPreceding &&
                                        spec.frame->end.kind == Bound::kCurrentRow)) {
          fail(clause.frame_position,
               call->name + "() takes no window frame; frames are for aggregates");
        }
        spec.frame.reset();
      }
    }
    std::vector<Expr> args;
    bool star = call->args.size() == 1 && call->args[0]->kind == Node::Kind::kStar;
    for (const NodePtr& arg : call->args) {
      if (!star) {
        args.push_back(translate(*arg, scope));
      }
    }
    if (aggregate && whole_partition(spec)) {
      computed[text] = add_partition_aggregate(relation, *call, spec, args);
      continue;
    }
    if (call->distinct) {
      fail(call->position,
           "DISTINCT aggregates are allowed over a whole partition (no ORDER BY "
           "or frame in the window), as in Spark");
    }
    std::string name = relation.fresh("__setl_window_" + std::to_string(computed.size()));
    Expr function = function_call(*call, args);
    try {
      function = function.over(spec);
    } catch (const ParseError& error) {
      fail(aggregate && clause.engine_frame ? clause.frame_position : call->position,
           error.message());
    }
    relation.frame = relation.frame.with_column(name, function);
    relation.columns.push_back({"", name, name, true});
    computed[text] = name;
  }
}

std::string Planner::add_partition_aggregate(Relation& relation, const Node& call,
                                             const engine::WindowSpec& spec,
                                             const std::vector<Expr>& args) {
  std::string name = relation.fresh("__setl_window_partition");
  Expr aggregate = function_call(call, args);
  Relation totals;
  totals.frame = spec.partition_by.empty()
                     ? relation.frame.aggregate({aggregate.alias(name)})
                     : relation.frame.group_by(spec.partition_by).agg({aggregate.alias(name)});
  for (const std::string& key : spec.partition_by) {
    totals.columns.push_back({"", key, key, true});
  }
  totals.columns.push_back({"", name, name, true});
  make_unique_against(totals, relation);
  std::vector<std::string> totals_keys;
  for (size_t i = 0; i < spec.partition_by.size(); ++i) {
    totals_keys.push_back(totals.columns[i].internal);
  }
  std::string value = totals.columns.back().internal;
  if (spec.partition_by.empty()) {
    relation.frame = relation.frame.cross_join(totals.frame);
  } else {
    auto [left_keys, right_keys] = null_safe_keys(relation, spec.partition_by, totals, totals_keys);
    relation.frame = relation.frame.join(totals.frame, left_keys, right_keys);
  }
  relation.columns.insert(relation.columns.end(), totals.columns.begin(), totals.columns.end());
  return value;
}

}  // namespace setl::sql::detail
