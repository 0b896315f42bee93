// The LazyFrame optimizer: constant folding and boolean simplification, filter merging and
// predicate pushdown, then projection pruning down to the scans, then each inner join's
// build side (join_sides.cc). Every rewrite keeps the
// result identical; the SQLite differential and lazy-vs-eager tests check that.
#include <algorithm>
#include <map>
#include <set>

#include "engine/expr/expr_eval.h"
#include "engine/expr/expr_node.h"
#include "engine/plan/logical_plan.h"
#include "setl/core/error.h"

namespace setl::engine::plan {
namespace {

using Kind = detail::PlanNode::Kind;

// ---- expressions -----------------------------------------------------------------------

Expr with_args(const Expr& expr, std::vector<Expr> args) {
  auto node = std::make_shared<detail::ExprNode>(*expr.node());
  node->args = std::move(args);
  return Expr(std::move(node));
}

bool is_literal_bool(const Expr& expr, bool value) {
  return expr.kind() == ExprKind::kLiteral && !expr.literal().is_null() &&
         expr.literal().type().id() == TypeId::kBool && expr.literal().as_bool() == value;
}

Expr fold(const Expr& expr) {
  if (expr.kind() == ExprKind::kLiteral || expr.kind() == ExprKind::kColumn ||
      expr.kind() == ExprKind::kWindow || expr.kind() == ExprKind::kAggregate) {
    return expr;
  }
  std::vector<Expr> args;
  bool all_literal = true;
  for (const Expr& arg : expr.args()) {
    args.push_back(fold(arg));
    all_literal = all_literal && args.back().kind() == ExprKind::kLiteral;
  }
  Expr rebuilt = with_args(expr, args);
  if (expr.kind() == ExprKind::kCall && expr.name() == "and" && args.size() == 2) {
    if (is_literal_bool(args[0], true))
      return args[1].has_alias() ? rebuilt : args[1];
    if (is_literal_bool(args[1], true))
      return args[0];
    if (is_literal_bool(args[0], false) || is_literal_bool(args[1], false)) {
      return Expr(Scalar::boolean(false));
    }
  }
  if (expr.kind() == ExprKind::kCall && expr.name() == "or" && args.size() == 2) {
    if (is_literal_bool(args[0], false))
      return args[1];
    if (is_literal_bool(args[1], false))
      return args[0];
    if (is_literal_bool(args[0], true) || is_literal_bool(args[1], true)) {
      return Expr(Scalar::boolean(true));
    }
  }
  if (all_literal && (expr.kind() == ExprKind::kCall || expr.kind() == ExprKind::kCast)) {
    try {
      Schema none;
      detail::BoundExpr bound = detail::bind(rebuilt, none);
      RecordBatch one_row(std::make_shared<Schema>(), {}, 1);
      detail::Datum value = detail::evaluate(bound, one_row);
      Scalar folded = value.is_scalar() ? value.scalar : value.column->scalar(0);
      if (folded.is_null() && !(folded.type() == bound.type)) {
        folded = Scalar::null(bound.type);
      }
      Expr literal(folded);
      return expr.has_alias() ? literal.alias(expr.output_name()) : literal;
    } catch (const Error&) {
      return rebuilt;  // leave it for execution to report, with the row context
    }
  }
  return rebuilt;
}

}  // namespace

void columns_of(const Expr& expr, std::set<std::string>& out) {
  if (expr.kind() == ExprKind::kColumn) {
    out.insert(expr.name());
  }
  for (const Expr& arg : expr.args()) {
    columns_of(arg, out);
  }
  if (expr.kind() == ExprKind::kWindow) {
    for (const std::string& key : expr.window().partition_by) {
      out.insert(key);
    }
    for (const SortKey& key : expr.window().order_by) {
      out.insert(key.column);
    }
  }
}

std::set<std::string> columns_of(const Expr& expr) {
  std::set<std::string> out;
  columns_of(expr, out);
  return out;
}

namespace {

// The operands of a chain of one logical operator ("and" or "or"), left to right.
void operands_of(const Expr& expr, const char* logical, std::vector<Expr>& out) {
  if (expr.kind() == ExprKind::kCall && expr.name() == logical && expr.args().size() == 2) {
    operands_of(expr.args()[0], logical, out);
    operands_of(expr.args()[1], logical, out);
  } else {
    out.push_back(expr);
  }
}

void conjuncts(const Expr& expr, std::vector<Expr>& out) {
  operands_of(expr, "and", out);
}

std::optional<Expr> conjunction(const std::vector<Expr>& predicates) {
  std::optional<Expr> result;
  for (const Expr& predicate : predicates) {
    result = result ? *result && predicate : predicate;
  }
  return result;
}

Expr rename_columns(const Expr& expr, const std::map<std::string, std::string>& names) {
  if (expr.kind() == ExprKind::kColumn) {
    auto found = names.find(expr.name());
    return found == names.end() ? expr : col(found->second);
  }
  if (expr.args().empty()) {
    return expr;
  }
  std::vector<Expr> args;
  for (const Expr& arg : expr.args()) {
    args.push_back(rename_columns(arg, names));
  }
  return with_args(expr, std::move(args));
}

bool subset(const std::set<std::string>& used,
            const std::map<std::string, std::string>& available) {
  return std::all_of(used.begin(), used.end(),
                     [&](const std::string& name) { return available.count(name) > 0; });
}

// What an OR of ANDs implies about one input alone: each branch's conditions on that input,
// ORed. `(p.a = 1 and l.x < 5) or (p.a = 2 and l.x > 9)` implies `p.a = 1 or p.a = 2` for p
// and `l.x < 5 or l.x > 9` for l, which can filter below a join while the whole condition
// stays above it. A branch with no condition on the input implies nothing.
std::optional<Expr> implied_for(const Expr& predicate,
                                const std::map<std::string, std::string>& input_columns) {
  std::vector<Expr> branches;
  operands_of(predicate, "or", branches);
  if (branches.size() < 2) {
    return std::nullopt;
  }
  std::optional<Expr> implied;
  for (const Expr& branch : branches) {
    std::vector<Expr> all;
    conjuncts(branch, all);
    std::vector<Expr> local;
    for (const Expr& condition : all) {
      if (subset(columns_of(condition), input_columns)) {
        local.push_back(rename_columns(condition, input_columns));
      }
    }
    std::optional<Expr> branch_implied = conjunction(local);
    if (!branch_implied) {
      return std::nullopt;
    }
    implied = implied ? *implied || *branch_implied : *branch_implied;
  }
  return implied;
}

// ---- predicate pushdown ----------------------------------------------------------------

// Conditions implied by an OR above a join (implied_for) are derived again on every pass:
// one copy of each is kept.
void append_new(std::vector<Expr>& predicates, const std::vector<Expr>& more) {
  for (const Expr& predicate : more) {
    std::string text = predicate.to_string();
    if (std::none_of(predicates.begin(), predicates.end(),
                     [&](const Expr& kept) { return kept.to_string() == text; })) {
      predicates.push_back(predicate);
    }
  }
}

NodePtr with_filters(NodePtr node, const std::vector<Expr>& predicates) {
  std::optional<Expr> predicate = conjunction(predicates);
  return predicate ? filter(std::move(node), *predicate) : node;
}

NodePtr push_filters(const NodePtr& node, std::vector<Expr> predicates);

}  // namespace

namespace {

NodePtr rewritten(const NodePtr& node, const std::function<NodePtr(const NodePtr&)>& rewrite,
                  std::map<const detail::PlanNode*, NodePtr>& done) {
  if (auto found = done.find(node.get()); found != done.end()) {
    return found->second;
  }
  std::vector<NodePtr> inputs;
  bool changed = false;
  for (const NodePtr& input : node->inputs) {
    inputs.push_back(rewritten(input, rewrite, done));
    changed = changed || inputs.back() != input;
  }
  NodePtr result = rewrite(changed ? rebuild(node, std::move(inputs)) : node);
  done.emplace(node.get(), result);
  return result;
}

}  // namespace

NodePtr rewrite_bottom_up(const NodePtr& node,
                          const std::function<NodePtr(const NodePtr&)>& rewrite) {
  std::map<const detail::PlanNode*, NodePtr> done;
  return rewritten(node, rewrite, done);
}

NodePtr rebuild(const NodePtr& node, std::vector<NodePtr> inputs) {
  switch (node->kind) {
    case Kind::kTable:
    case Kind::kScan:
      return node;
    case Kind::kProject:
      return project(inputs[0], node->exprs);
    case Kind::kWindow:
      return window(inputs[0], node->name, node->exprs[0]);
    case Kind::kFilter:
      return filter(inputs[0], node->exprs[0]);
    case Kind::kLimit:
      return limit(inputs[0], node->count, node->offset);
    case Kind::kSort:
      return sort(inputs[0], node->sort_keys);
    case Kind::kDistinct:
      return distinct(inputs[0]);
    case Kind::kUnion:
      return union_all(inputs[0], inputs[1]);
    case Kind::kJoin:
      return join(inputs[0], inputs[1], node->keys, node->right_keys, node->join_type,
                  node->right_suffix, join_condition(*node));
    case Kind::kAggregate:
      return aggregate(inputs[0], node->keys, node->exprs);
    case Kind::kExchange:
      return exchange(inputs[0], node->exchange, node->distributed, node->keys, node->sort_keys);
  }
  throw InternalError("unknown plan node");
}

std::vector<std::string> right_output_names(const detail::PlanNode& join) {
  std::set<std::string> merged;
  for (size_t i = 0; i < join.keys.size(); ++i) {
    if (join.keys[i] == join.right_keys[i]) {
      merged.insert(join.right_keys[i]);
    }
  }
  // The right columns follow the left ones in the output, in order, minus merged keys.
  std::vector<std::string> names;
  size_t position = join.inputs[0]->schema->num_fields();
  for (const Field& field : join.inputs[1]->schema->fields()) {
    names.push_back(merged.count(field.name) > 0 ? std::string()
                                                 : join.schema->field(position++).name);
  }
  return names;
}

namespace {

// Maps a join's output column names to the left or right input column they show.
void join_columns(const NodePtr& node, std::map<std::string, std::string>& left,
                  std::map<std::string, std::string>& right) {
  const Schema& left_schema = *node->inputs[0]->schema;
  const Schema& right_schema = *node->inputs[1]->schema;
  for (const Field& field : left_schema.fields()) {
    left[field.name] = field.name;
  }
  if (node->join_type == JoinType::kSemi || node->join_type == JoinType::kAnti) {
    return;
  }
  std::vector<std::string> outputs = right_output_names(*node);
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string& input = right_schema.field(i).name;
    if (!outputs[i].empty()) {
      right[outputs[i]] = input;
    } else if (node->join_type == JoinType::kRight || node->join_type == JoinType::kFull) {
      // A merged key column shows the right value for right-only rows: it is not
      // left-only for right and full joins.
      left.erase(input);
    }
  }
}

NodePtr push_filters(const NodePtr& node, std::vector<Expr> predicates) {
  switch (node->kind) {
    case Kind::kExchange:
      throw InternalError("plans are optimized before they are distributed");
    case Kind::kFilter: {
      // The lower filter's conditions come first, as they were written first.
      std::vector<Expr> merged;
      conjuncts(fold(node->exprs[0]), merged);
      append_new(merged, predicates);
      return push_filters(node->inputs[0], std::move(merged));
    }
    case Kind::kProject: {
      // Predicates over pass-through columns move below the projection, renamed.
      std::map<std::string, std::string> pass_through;
      for (const Expr& expr : node->exprs) {
        if (expr.kind() == ExprKind::kColumn) {
          pass_through[expr.output_name()] = expr.name();
        }
      }
      std::vector<Expr> below;
      std::vector<Expr> above;
      for (const Expr& predicate : predicates) {
        (subset(columns_of(predicate), pass_through) ? below : above)
            .push_back(subset(columns_of(predicate), pass_through)
                           ? rename_columns(predicate, pass_through)
                           : predicate);
      }
      std::vector<Expr> exprs;
      for (const Expr& expr : node->exprs) {
        exprs.push_back(fold(expr));
      }
      return with_filters(project(push_filters(node->inputs[0], below), exprs), above);
    }
    case Kind::kSort:
    case Kind::kDistinct:
      return rebuild(node, {push_filters(node->inputs[0], std::move(predicates))});
    case Kind::kUnion:
      return union_all(push_filters(node->inputs[0], predicates),
                       push_filters(node->inputs[1], predicates));
    case Kind::kAggregate: {
      std::map<std::string, std::string> keys;
      for (const std::string& key : node->keys) {
        keys[key] = key;
      }
      std::vector<Expr> below;
      std::vector<Expr> above;
      for (const Expr& predicate : predicates) {
        (!node->keys.empty() && subset(columns_of(predicate), keys) ? below : above)
            .push_back(predicate);
      }
      return with_filters(aggregate(push_filters(node->inputs[0], below), node->keys, node->exprs),
                          above);
    }
    case Kind::kJoin: {
      std::map<std::string, std::string> left_columns;
      std::map<std::string, std::string> right_columns;
      join_columns(node, left_columns, right_columns);
      JoinType type = node->join_type;
      bool left_ok = type == JoinType::kInner || type == JoinType::kLeft ||
                     type == JoinType::kSemi || type == JoinType::kAnti;
      bool right_ok = type == JoinType::kInner || type == JoinType::kRight;
      std::vector<Expr> left;
      std::vector<Expr> right;
      std::vector<Expr> above;
      for (const Expr& predicate : predicates) {
        std::set<std::string> used = columns_of(predicate);
        if (left_ok && subset(used, left_columns)) {
          left.push_back(rename_columns(predicate, left_columns));
        } else if (right_ok && subset(used, right_columns)) {
          right.push_back(rename_columns(predicate, right_columns));
        } else {
          above.push_back(predicate);
          // Implied conditions go only to the sides plain ones may go to.
          std::optional<Expr> left_implied =
              left_ok ? implied_for(predicate, left_columns) : std::nullopt;
          std::optional<Expr> right_implied =
              right_ok ? implied_for(predicate, right_columns) : std::nullopt;
          if (left_implied) {
            left.push_back(*left_implied);
          }
          if (right_implied) {
            right.push_back(*right_implied);
          }
        }
      }
      return with_filters(
          join(push_filters(node->inputs[0], left), push_filters(node->inputs[1], right),
               node->keys, node->right_keys, type, node->right_suffix, join_condition(*node)),
          above);
    }
    case Kind::kScan: {
      if (predicates.empty()) {
        return node;
      }
      ScanRequest request = node->request;
      std::vector<Expr> all;
      if (request.filter) {
        conjuncts(*request.filter, all);
      }
      append_new(all, predicates);
      request.filter = conjunction(all);
      // Columns the filter needs must be read even if nothing above uses them.
      if (!request.columns.empty()) {
        for (const std::string& name : columns_of(*request.filter)) {
          if (std::find(request.columns.begin(), request.columns.end(), name) ==
              request.columns.end()) {
            request.columns.push_back(name);
          }
        }
      }
      return scan(node->source, std::move(request));
    }
    case Kind::kTable:
    case Kind::kLimit:
    case Kind::kWindow: {
      std::vector<NodePtr> inputs;
      for (const NodePtr& input : node->inputs) {
        inputs.push_back(push_filters(input, {}));
      }
      return with_filters(rebuild(node, std::move(inputs)), predicates);
    }
  }
  throw InternalError("unknown plan node");
}

// ---- projection pruning ----------------------------------------------------------------

using Needed = std::optional<std::set<std::string>>;  // nullopt: every column

NodePtr prune(const NodePtr& node, const Needed& needed);

NodePtr prune_to(const NodePtr& node, const std::set<std::string>& columns) {
  return prune(node, columns);
}

std::set<std::string> all_columns(const NodePtr& node) {
  std::set<std::string> names;
  for (const Field& field : node->schema->fields()) {
    names.insert(field.name);
  }
  return names;
}

NodePtr prune(const NodePtr& node, const Needed& needed) {
  std::set<std::string> wanted = needed.value_or(all_columns(node));
  switch (node->kind) {
    case Kind::kExchange:
      throw InternalError("plans are optimized before they are distributed");
    case Kind::kTable: {
      if (wanted.size() >= node->schema->num_fields()) {
        return node;
      }
      // The table itself is narrowed (its buffers shared): operators above it, filters
      // first, then never touch, let alone copy, columns nobody reads.
      std::vector<std::string> columns;
      for (const Field& field : node->schema->fields()) {
        if (wanted.count(field.name) > 0) {
          columns.push_back(field.name);
        }
      }
      if (columns.empty() && node->schema->num_fields() > 0) {
        columns.push_back(node->schema->field(0).name);  // keeps the row count
      }
      return table(node->table->select(columns), node->partition);
    }
    case Kind::kScan: {
      ScanRequest request = node->request;
      std::set<std::string> read = wanted;
      if (request.filter) {
        std::set<std::string> used = columns_of(*request.filter);
        read.insert(used.begin(), used.end());
      }
      request.columns.clear();
      SchemaPtr source_schema = node->source->schema();  // held: sources may build it per call
      for (const Field& field : source_schema->fields()) {
        if (read.count(field.name) > 0) {
          request.columns.push_back(field.name);
        }
      }
      if (request.columns.empty() && source_schema->num_fields() > 0) {
        request.columns.push_back(source_schema->field(0).name);  // keeps the row count
      }
      NodePtr scanned = scan(node->source, std::move(request));
      if (scanned->schema->num_fields() > wanted.size() && needed) {
        std::vector<Expr> columns;
        for (const Field& field : scanned->schema->fields()) {
          if (wanted.count(field.name) > 0) {
            columns.push_back(col(field.name));
          }
        }
        if (!columns.empty()) {
          return project(scanned, columns);
        }
      }
      return scanned;
    }
    case Kind::kProject: {
      std::vector<Expr> kept;
      std::set<std::string> below;
      for (const Expr& expr : node->exprs) {
        if (!needed || wanted.count(expr.output_name()) > 0) {
          kept.push_back(expr);
          std::set<std::string> used = columns_of(expr);
          below.insert(used.begin(), used.end());
        }
      }
      if (kept.empty() && !node->exprs.empty()) {
        kept.push_back(node->exprs.front());
        std::set<std::string> used = columns_of(kept.front());
        below.insert(used.begin(), used.end());
      }
      return project(prune_to(node->inputs[0], below), kept);
    }
    case Kind::kWindow: {
      std::set<std::string> below = wanted;
      below.erase(node->name);
      std::set<std::string> used = columns_of(node->exprs[0]);
      below.insert(used.begin(), used.end());
      return window(prune_to(node->inputs[0], below), node->name, node->exprs[0]);
    }
    case Kind::kFilter: {
      std::set<std::string> below = wanted;
      std::set<std::string> used = columns_of(node->exprs[0]);
      below.insert(used.begin(), used.end());
      return filter(prune_to(node->inputs[0], below), node->exprs[0]);
    }
    case Kind::kSort: {
      std::set<std::string> below = wanted;
      for (const SortKey& key : node->sort_keys) {
        below.insert(key.column);
      }
      return sort(prune_to(node->inputs[0], below), node->sort_keys);
    }
    case Kind::kLimit:
      return limit(prune(node->inputs[0], needed), node->count, node->offset);
    case Kind::kDistinct:
      return distinct(prune(node->inputs[0], std::nullopt));
    case Kind::kUnion:
      return union_all(prune(node->inputs[0], needed), prune(node->inputs[1], needed));
    case Kind::kAggregate: {
      std::set<std::string> below(node->keys.begin(), node->keys.end());
      for (const Expr& expr : node->exprs) {
        std::set<std::string> used = columns_of(expr);
        below.insert(used.begin(), used.end());
      }
      if (below.empty()) {
        return aggregate(prune(node->inputs[0], std::nullopt), node->keys, node->exprs);
      }
      return aggregate(prune_to(node->inputs[0], below), node->keys, node->exprs);
    }
    case Kind::kJoin: {
      std::map<std::string, std::string> left_columns;
      std::map<std::string, std::string> right_columns;
      join_columns(node, left_columns, right_columns);
      std::set<std::string> left(node->keys.begin(), node->keys.end());
      std::set<std::string> right(node->right_keys.begin(), node->right_keys.end());
      for (const std::string& name : wanted) {
        if (auto found = left_columns.find(name); found != left_columns.end()) {
          left.insert(found->second);
        }
        if (auto found = right_columns.find(name); found != right_columns.end()) {
          right.insert(found->second);
        }
      }
      // Output names of clashing columns depend on both sides: keep every clash.
      for (const Field& field : node->inputs[1]->schema->fields()) {
        if (node->inputs[0]->schema->find(field.name)) {
          left.insert(field.name);
          right.insert(field.name);
        }
      }
      std::optional<Expr> condition = join_condition(*node);
      if (condition) {
        const Schema& left_schema = *node->inputs[0]->schema;
        for (const std::string& name : columns_of(*condition)) {
          if (left_schema.find(name)) {
            left.insert(name);
          }
        }
        for (const Field& field : node->inputs[1]->schema->fields()) {
          bool clashes = left_schema.find(field.name).has_value();
          if (columns_of(*condition)
                  .count(clashes ? field.name + node->right_suffix : field.name)) {
            right.insert(field.name);
          }
        }
      }
      NodePtr joined =
          join(prune_to(node->inputs[0], left), prune_to(node->inputs[1], right), node->keys,
               node->right_keys, node->join_type, node->right_suffix, condition);
      if (!needed || joined->schema->num_fields() == wanted.size()) {
        return joined;
      }
      std::vector<Expr> columns;
      for (const Field& field : joined->schema->fields()) {
        if (wanted.count(field.name) > 0) {
          columns.push_back(col(field.name));
        }
      }
      return project(joined, columns);
    }
  }
  throw InternalError("unknown plan node");
}

}  // namespace

NodePtr with_filters_pushed(const NodePtr& node) {
  return push_filters(node, {});
}

NodePtr optimize(const NodePtr& node) {
  NodePtr pushed = push_filters(node, {});
  NodePtr pruned = prune(order_joins(pushed), std::nullopt);
  // Pruning may expose filters directly over scans again; a second pushdown merges them.
  NodePtr eager = aggregate_below_joins(push_filters(pruned, {}));
  return share_common_subplans(simplify_projections(choose_join_sides(eager)));
}

}  // namespace setl::engine::plan

namespace setl::engine {

Expr fold_constants(const Expr& expr) {
  return plan::fold(expr);
}

}  // namespace setl::engine
