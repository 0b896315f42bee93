// Type checking and implicit casts for expressions.
#include <set>
#include <unordered_map>

#include "engine/expr/expr_eval.h"
#include "engine/expr/expr_node.h"
#include "setl/core/error.h"

namespace setl::engine::detail {
namespace {

const std::unordered_map<std::string, Fn>& function_ids() {
  static const std::unordered_map<std::string, Fn> ids = {
      {"+", Fn::kAdd},
      {"-", Fn::kSub},
      {"*", Fn::kMul},
      {"/", Fn::kDiv},
      {"%", Fn::kMod},
      {"negate", Fn::kNeg},
      {"abs", Fn::kAbs},
      {"round", Fn::kRound},
      {"=", Fn::kEq},
      {"!=", Fn::kNe},
      {"<", Fn::kLt},
      {"<=", Fn::kLe},
      {">", Fn::kGt},
      {">=", Fn::kGe},
      {"and", Fn::kAnd},
      {"or", Fn::kOr},
      {"not", Fn::kNot},
      {"is_null", Fn::kIsNull},
      {"is_not_null", Fn::kIsNotNull},
      {"in", Fn::kIn},
      {"like", Fn::kLike},
      {"case", Fn::kCase},
      {"coalesce", Fn::kCoalesce},
      {"length", Fn::kLength},
      {"lower", Fn::kLower},
      {"upper", Fn::kUpper},
      {"trim", Fn::kTrim},
      {"substr", Fn::kSubstr},
      {"contains", Fn::kContains},
      {"starts_with", Fn::kStartsWith},
      {"ends_with", Fn::kEndsWith},
      {"concat", Fn::kConcat},
      {"concat_op", Fn::kConcat},
      {"replace", Fn::kReplace},
      {"year", Fn::kYear},
      {"month", Fn::kMonth},
      {"day", Fn::kDay},
      {"date_add", Fn::kDateAdd},
      {"date_diff", Fn::kDateDiff},
      {"date_trunc", Fn::kDateTrunc},
  };
  return ids;
}

BoundExpr cast_to(BoundExpr value, const DataType& type) {
  if (value.type == type) {
    return value;
  }
  if (value.kind == ExprKind::kLiteral) {
    // Fold literal casts now, so that a bad literal fails before execution.
    Datum folded = eval_cast(Datum{nullptr, value.literal}, type, false, 1);
    BoundExpr literal;
    literal.kind = ExprKind::kLiteral;
    literal.type = type;
    literal.literal = folded.scalar;
    literal.text = value.text;
    return literal;
  }
  BoundExpr cast;
  cast.kind = ExprKind::kCast;
  cast.type = type;
  cast.text = value.text;
  cast.args.push_back(std::move(value));
  return cast;
}

[[noreturn]] void type_error(const Expr& expr, const std::string& message) {
  throw SchemaError("in " + expr.to_string() + ": " + message);
}

std::string type_list(const std::vector<BoundExpr>& args) {
  std::string text;
  for (const BoundExpr& arg : args) {
    text += (text.empty() ? "" : ", ") + arg.type.to_string();
  }
  return text;
}

// The type both sides of a comparison or arithmetic are brought to, if any.
std::optional<DataType> common_type(const BoundExpr& a, const BoundExpr& b) {
  const DataType& x = a.type;
  const DataType& y = b.type;
  if (x.id() == TypeId::kNull) {
    return y;
  }
  if (y.id() == TypeId::kNull) {
    return x;
  }
  if (x == y) {
    return x.id() == TypeId::kInt32 ? DataType::int64() : x;
  }
  if (x.is_numeric() && y.is_numeric()) {
    return x.id() == TypeId::kFloat64 || y.id() == TypeId::kFloat64 ? DataType::float64()
                                                                    : DataType::int64();
  }
  // A date or timestamp compared with a string literal parses the literal.
  if (x.is_temporal() && y.id() == TypeId::kString && b.kind == ExprKind::kLiteral) {
    return x;
  }
  if (y.is_temporal() && x.id() == TypeId::kString && a.kind == ExprKind::kLiteral) {
    return y;
  }
  if (x.is_temporal() && y.is_temporal()) {
    return DataType::timestamp(x.id() == TypeId::kTimestamp ? x.zone() : y.zone());
  }
  return std::nullopt;
}

BoundExpr bind_node(const Expr& expr, const Schema& schema);

BoundExpr bind_call(const Expr& expr, const Schema& schema) {
  if (expr.name() == "to_date") {
    if (expr.args().size() != 1) {
      type_error(expr, "to_date() takes 1 argument, got " + std::to_string(expr.args().size()));
    }
    BoundExpr text = bind_node(expr.args()[0], schema);
    if (text.type.id() != TypeId::kString && text.type.id() != TypeId::kNull) {
      type_error(expr, "argument 1 of to_date() must be a string, found " + text.type.to_string());
    }
    return cast_to(std::move(text), DataType::date32());
  }
  static const std::set<std::string> kWindowOnly = {"row_number", "rank", "dense_rank",
                                                    "lag",        "lead", "cum_sum"};
  if (kWindowOnly.count(expr.name()) > 0) {
    throw SchemaError(expr.name() + "() is a window function; give it an OVER clause: " +
                      expr.name() + "(...).over({.partition_by = ..., .order_by = ...})");
  }
  auto found = function_ids().find(expr.name());
  if (found == function_ids().end()) {
    throw ParseError("unknown function '" + expr.name() + "' in " + expr.to_string());
  }
  BoundExpr bound;
  bound.kind = ExprKind::kCall;
  bound.fn = found->second;
  bound.text = expr.to_string();
  for (const Expr& arg : expr.args()) {
    bound.args.push_back(bind_node(arg, schema));
  }
  std::vector<BoundExpr>& args = bound.args;
  auto require_count = [&](size_t low, size_t high) {
    if (args.size() < low || args.size() > high) {
      type_error(expr, expr.name() + "() takes " +
                           (low == high ? std::to_string(low)
                                        : std::to_string(low) + " to " + std::to_string(high)) +
                           " argument(s), got " + std::to_string(args.size()));
    }
  };
  auto require_type = [&](size_t index, auto predicate, const char* expected) {
    if (!predicate(args[index].type) && args[index].type.id() != TypeId::kNull) {
      type_error(expr, "argument " + std::to_string(index + 1) + " of " + expr.name() +
                           "() must be " + expected + ", found " + args[index].type.to_string());
    }
  };
  auto is_string = [](const DataType& t) { return t.id() == TypeId::kString; };
  auto is_integer = [](const DataType& t) { return t.is_integer(); };
  auto is_numeric = [](const DataType& t) { return t.is_numeric(); };
  auto is_bool = [](const DataType& t) { return t.id() == TypeId::kBool; };
  auto is_temporal = [](const DataType& t) { return t.is_temporal(); };

  switch (bound.fn) {
    case Fn::kAdd:
    case Fn::kSub:
    case Fn::kMul:
    case Fn::kDiv:
    case Fn::kMod: {
      require_count(2, 2);
      // date + days and date - days.
      if ((bound.fn == Fn::kAdd || bound.fn == Fn::kSub) && args[0].type.id() == TypeId::kDate32 &&
          args[1].type.is_integer()) {
        bound.fn = Fn::kAdd;
        if (expr.name() == "-") {
          BoundExpr negated;
          negated.kind = ExprKind::kCall;
          negated.fn = Fn::kNeg;
          negated.type = DataType::int64();
          negated.args.push_back(cast_to(std::move(args[1]), DataType::int64()));
          args[1] = std::move(negated);
        }
        bound.fn = Fn::kDateAdd;
        bound.type = DataType::date32();
        args[1] = cast_to(std::move(args[1]), DataType::int64());
        return bound;
      }
      require_type(0, is_numeric, "a number");
      require_type(1, is_numeric, "a number");
      DataType type = bound.fn == Fn::kDiv
                          ? DataType::float64()
                          : common_type(args[0], args[1]).value_or(DataType::int64());
      if (type.id() == TypeId::kNull) {
        type = DataType::int64();
      }
      args[0] = cast_to(std::move(args[0]), type);
      args[1] = cast_to(std::move(args[1]), type);
      bound.type = type;
      return bound;
    }
    case Fn::kNeg:
    case Fn::kAbs: {
      require_count(1, 1);
      require_type(0, is_numeric, "a number");
      DataType type =
          args[0].type.id() == TypeId::kFloat64 ? DataType::float64() : DataType::int64();
      args[0] = cast_to(std::move(args[0]), type);
      bound.type = type;
      return bound;
    }
    case Fn::kRound: {
      require_count(1, 2);
      require_type(0, is_numeric, "a number");
      args[0] = cast_to(std::move(args[0]), DataType::float64());
      if (args.size() == 2) {
        require_type(1, is_integer, "an integer");
        args[1] = cast_to(std::move(args[1]), DataType::int64());
      }
      bound.type = DataType::float64();
      return bound;
    }
    case Fn::kEq:
    case Fn::kNe:
    case Fn::kLt:
    case Fn::kLe:
    case Fn::kGt:
    case Fn::kGe: {
      require_count(2, 2);
      std::optional<DataType> type = common_type(args[0], args[1]);
      if (!type) {
        type_error(expr, "cannot compare " + args[0].type.to_string() + " with " +
                             args[1].type.to_string() + "; cast one side");
      }
      args[0] = cast_to(std::move(args[0]), *type);
      args[1] = cast_to(std::move(args[1]), *type);
      bound.type = DataType::boolean();
      return bound;
    }
    case Fn::kAnd:
    case Fn::kOr:
    case Fn::kNot:
      require_count(bound.fn == Fn::kNot ? 1 : 2, bound.fn == Fn::kNot ? 1 : 2);
      for (size_t i = 0; i < args.size(); ++i) {
        require_type(i, is_bool, "a bool");
        args[i] = cast_to(std::move(args[i]), DataType::boolean());
      }
      bound.type = DataType::boolean();
      return bound;
    case Fn::kIsNull:
    case Fn::kIsNotNull:
      require_count(1, 1);
      bound.type = DataType::boolean();
      return bound;
    case Fn::kIn: {
      require_count(2, SIZE_MAX);
      DataType type = args[0].type.id() == TypeId::kInt32 ? DataType::int64() : args[0].type;
      for (size_t i = 1; i < args.size(); ++i) {
        if (args[i].kind != ExprKind::kLiteral) {
          type_error(expr, "IN lists take constants; argument " + std::to_string(i + 1) + " is " +
                               args[i].text);
        }
        std::optional<DataType> common = common_type(args[0], args[i]);
        if (!common) {
          type_error(expr, "IN list value " + args[i].text + " (" + args[i].type.to_string() +
                               ") cannot be compared with " + args[0].type.to_string());
        }
        if (common->id() == TypeId::kFloat64) {
          type = DataType::float64();
        }
      }
      for (BoundExpr& arg : args) {
        arg = cast_to(std::move(arg), type);
      }
      bound.type = DataType::boolean();
      return bound;
    }
    case Fn::kLike:
      require_count(2, 2);
      require_type(0, is_string, "a string");
      require_type(1, is_string, "a string");
      if (args[1].kind != ExprKind::kLiteral) {
        type_error(expr, "the LIKE pattern must be a constant string");
      }
      bound.type = DataType::boolean();
      return bound;
    case Fn::kCase:
    case Fn::kCoalesce: {
      if (args.empty()) {
        type_error(expr, expr.name() + " needs arguments");
      }
      std::vector<size_t> value_indexes;
      if (bound.fn == Fn::kCase) {
        for (size_t i = 0; i + 1 < args.size(); i += 2) {
          require_type(i, is_bool, "a bool condition");
          args[i] = cast_to(std::move(args[i]), DataType::boolean());
          value_indexes.push_back(i + 1);
        }
        if (args.size() % 2 == 1) {
          value_indexes.push_back(args.size() - 1);
        }
      } else {
        for (size_t i = 0; i < args.size(); ++i) {
          value_indexes.push_back(i);
        }
      }
      BoundExpr probe;
      probe.type = DataType::null();
      for (size_t index : value_indexes) {
        std::optional<DataType> common = common_type(probe, args[index]);
        if (!common) {
          type_error(expr, "its values have incompatible types (" + type_list(args) + ")");
        }
        probe.type = *common;
        probe.kind = ExprKind::kCall;
      }
      for (size_t index : value_indexes) {
        args[index] = cast_to(std::move(args[index]), probe.type);
      }
      bound.type = probe.type;
      return bound;
    }
    case Fn::kLength:
      require_count(1, 1);
      require_type(0, is_string, "a string");
      bound.type = DataType::int64();
      return bound;
    case Fn::kLower:
    case Fn::kUpper:
    case Fn::kTrim:
      require_count(1, 1);
      require_type(0, is_string, "a string");
      bound.type = DataType::string();
      return bound;
    case Fn::kSubstr:
      require_count(2, 3);
      require_type(0, is_string, "a string");
      for (size_t i = 1; i < args.size(); ++i) {
        require_type(i, is_integer, "an integer");
        args[i] = cast_to(std::move(args[i]), DataType::int64());
      }
      bound.type = DataType::string();
      return bound;
    case Fn::kContains:
    case Fn::kStartsWith:
    case Fn::kEndsWith:
      require_count(2, 2);
      require_type(0, is_string, "a string");
      require_type(1, is_string, "a string");
      bound.type = DataType::boolean();
      return bound;
    case Fn::kConcat:
      require_count(1, SIZE_MAX);
      for (BoundExpr& arg : args) {
        arg = cast_to(std::move(arg), DataType::string());
      }
      bound.type = DataType::string();
      return bound;
    case Fn::kReplace:
      require_count(3, 3);
      for (size_t i = 0; i < 3; ++i) {
        require_type(i, is_string, "a string");
      }
      bound.type = DataType::string();
      return bound;
    case Fn::kYear:
    case Fn::kMonth:
    case Fn::kDay:
      require_count(1, 1);
      require_type(0, is_temporal, "a date or timestamp");
      bound.type = DataType::int64();
      return bound;
    case Fn::kDateAdd:
      require_count(2, 2);
      require_type(
          0, [](const DataType& t) { return t.id() == TypeId::kDate32; }, "a date");
      require_type(1, is_integer, "an integer number of days");
      args[1] = cast_to(std::move(args[1]), DataType::int64());
      bound.type = DataType::date32();
      return bound;
    case Fn::kDateDiff:
      require_count(2, 2);
      require_type(
          0, [](const DataType& t) { return t.id() == TypeId::kDate32; }, "a date");
      require_type(
          1, [](const DataType& t) { return t.id() == TypeId::kDate32; }, "a date");
      bound.type = DataType::int64();
      return bound;
    case Fn::kDateTrunc: {
      require_count(2, 2);
      if (args[0].kind != ExprKind::kLiteral || args[0].type.id() != TypeId::kString) {
        type_error(expr, "date_trunc's unit must be a constant string");
      }
      const std::string& unit = args[0].literal.as_string();
      require_type(1, is_temporal, "a date or timestamp");
      bool valid =
          unit == "year" || unit == "month" || unit == "day" ||
          (args[1].type.id() == TypeId::kTimestamp && (unit == "hour" || unit == "minute"));
      if (!valid) {
        type_error(expr, "unknown date_trunc unit '" + unit +
                             "'; expected year, month, day (and hour, minute for timestamps)");
      }
      bound.type = args[1].type;
      return bound;
    }
    case Fn::kNone:
      break;
  }
  type_error(expr, "unsupported function");
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
