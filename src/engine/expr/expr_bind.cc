// Binding: resolves columns and functions against a schema; each call's type rule (from
// the function registry) checks its arguments and inserts the implicit casts.
#include "engine/expr/expr_eval.h"
#include "engine/functions/registry.h"
#include "setl/core/error.h"
#include "setl/core/suggest.h"

namespace setl::engine::detail {

namespace {

BoundExpr bind_node(const Expr& expr, const Schema& schema);

std::string arity_text(const FunctionInfo& info) {
  if (info.max_args == FunctionInfo::kVariadic) {
    return "at least " + std::to_string(info.min_args) + " argument(s)";
  }
  return (info.min_args == info.max_args
              ? std::to_string(info.min_args)
              : std::to_string(info.min_args) + " to " + std::to_string(info.max_args)) +
         " argument(s)";
}

// A call of constants is computed once, here (every function is deterministic): `1 - 0.05`
// becomes the constant 0.95, which a decimal then meets as written.
BoundExpr fold_constant(BoundExpr call) {
  std::vector<Datum> args;
  for (const BoundExpr& arg : call.args) {
    if (arg.kind != ExprKind::kLiteral) {
      return call;
    }
    args.push_back(Datum{nullptr, arg.literal});
  }
  Datum value = call.function->kernel(call, args, 1);
  BoundExpr literal;
  literal.kind = ExprKind::kLiteral;
  literal.type = call.type;
  literal.literal = value.is_scalar() ? value.scalar : value.column->scalar(0);
  literal.text = call.text;
  return literal;
}

BoundExpr bind_call(const Expr& expr, const Schema& schema) {
  const FunctionRegistry& registry = FunctionRegistry::instance();
  const ScalarFunction* function = registry.scalar(expr.name());
  if (function == nullptr) {
    if (registry.window(expr.name()) != nullptr) {
      throw SchemaError(expr.name() + "() is a window function; give it an OVER clause: " +
                        expr.name() + "(...).over({.partition_by = ..., .order_by = ...})");
    }
    std::string message = "unknown function '" + expr.name() + "' in " + expr.to_string();
    if (auto suggestion = closest_match(expr.name(), registry.names())) {
      message += "; did you mean '" + *suggestion + "'?";
    }
    throw ParseError(message);
  }
  const FunctionInfo& info = function->info;
  size_t count = expr.args().size();
  if (count < info.min_args || count > info.max_args) {
    throw SchemaError("in " + expr.to_string() + ": " + expr.name() + "() takes " +
                      arity_text(info) + ", got " + std::to_string(count));
  }
  BoundExpr bound;
  bound.kind = ExprKind::kCall;
  bound.function = function;
  bound.text = expr.to_string();
  for (const Expr& arg : expr.args()) {
    bound.args.push_back(bind_node(arg, schema));
  }
  CallBinding binding(expr, bound);
  bound.type = function->type_rule(binding);
  return fold_constant(std::move(bound));
}

BoundExpr bind_node(const Expr& expr, const Schema& schema) {
  switch (expr.kind()) {
    case ExprKind::kColumn: {
      BoundExpr bound;
      bound.kind = ExprKind::kColumn;
      bound.column = static_cast<int>(schema.index_of(expr.name()));
      bound.type = schema.field(static_cast<size_t>(bound.column)).type;
      bound.text = expr.to_string();
      return bound;
    }
    case ExprKind::kLiteral: {
      BoundExpr bound;
      bound.kind = ExprKind::kLiteral;
      bound.literal = expr.literal();
      bound.type = expr.literal().type();
      bound.text = expr.to_string();
      return bound;
    }
    case ExprKind::kCast: {
      BoundExpr value = bind_node(expr.args()[0], schema);
      if (value.kind == ExprKind::kLiteral && !expr.is_try_cast()) {
        return cast_to(std::move(value), expr.cast_type());
      }
      BoundExpr bound;
      bound.kind = ExprKind::kCast;
      bound.type = expr.cast_type();
      bound.try_cast = expr.is_try_cast();
      bound.text = expr.to_string();
      bound.args.push_back(std::move(value));
      return bound;
    }
    case ExprKind::kAggregate:
      throw SchemaError("aggregate " + expr.to_string() +
                        " is only allowed in group_by(...).agg(...) or aggregate(...)");
    case ExprKind::kWindow:
      throw SchemaError("window function " + expr.to_string() +
                        " is only allowed as a whole column: with_column(name, f.over(...))");
    case ExprKind::kCall:
      return bind_call(expr, schema);
  }
  throw InternalError("unknown expression kind");
}

}  // namespace

BoundExpr bind(const Expr& expr, const Schema& schema) {
  return bind_node(expr, schema);
}

}  // namespace setl::engine::detail

namespace setl::engine {

DataType result_type(const Expr& expr, const Schema& schema) {
  return detail::bind(expr, schema).type;
}

}  // namespace setl::engine
