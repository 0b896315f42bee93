// SQL expressions to engine expressions: names resolved through the scope, Spark's
// function names and syntax mapped onto the engine's registry, date arithmetic with
// intervals, and the checks that tell a user what is allowed where.
#include <algorithm>
#include <charconv>

#include "setl/core/error.h"
#include "setl/core/parse_number.h"
#include "setl/core/suggest.h"
#include "setl/engine/decimal.h"
#include "setl/engine/functions.h"
#include "sql/ast_text.h"
#include "sql/planner.h"

namespace setl::sql::detail {
namespace {

using engine::Expr;
namespace fn = engine::fn;

// Spark's names for functions the engine calls otherwise.
std::string engine_name(const std::string& name) {
  static const std::map<std::string, std::string> kRenames = {
      {"substring", "substr"},   {"stddev_samp", "stddev"}, {"nvl", "coalesce"},
      {"ifnull", "coalesce"},    {"char_length", "length"}, {"character_length", "length"},
      {"len", "length"},         {"lcase", "lower"},        {"ucase", "upper"},
      {"datediff", "date_diff"}, {"dayofmonth", "day"},     {"startswith", "starts_with"},
      {"endswith", "ends_with"}};
  auto found = kRenames.find(name);
  return found == kRenames.end() ? name : found->second;
}

std::optional<engine::DataType> type_of(const std::string& name) {
  std::string base = name.substr(0, name.find('('));
  if (base == "int" || base == "integer" || base == "smallint" || base == "tinyint" ||
      base == "short" || base == "byte") {
    return engine::DataType::int32();
  }
  if (base == "bigint" || base == "long") {
    return engine::DataType::int64();
  }
  if (base == "double" || base == "float" || base == "real") {
    return engine::DataType::float64();
  }
  if (base == "string" || base == "varchar" || base == "char" || base == "text") {
    return engine::DataType::string();
  }
  if (base == "boolean" || base == "bool") {
    return engine::DataType::boolean();
  }
  if (base == "date") {
    return engine::DataType::date32();
  }
  if (base == "timestamp") {
    return engine::DataType::timestamp();
  }
  if (base == "decimal" || base == "numeric" || base == "dec") {
    int precision = 10;  // Spark's DECIMAL alone
    int scale = 0;
    if (base.size() < name.size()) {
      std::string inside = name.substr(base.size() + 1, name.size() - base.size() - 2);
      size_t comma = inside.find(',');
      std::optional<int> written_precision = parse_number<int>(inside.substr(0, comma));
      std::optional<int> written_scale =
          comma == std::string::npos ? 0 : parse_number<int>(inside.substr(comma + 1));
      if (!written_precision || !written_scale) {
        return std::nullopt;
      }
      precision = *written_precision;
      scale = *written_scale;
    }
    return engine::DataType::decimal(precision, scale);
  }
  return std::nullopt;
}

std::string engine_lower(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<engine::Scalar> decimal_literal(const std::string& text) {
  size_t point = text.find('.');
  if (point == std::string::npos || text.find_first_of("eE") != std::string::npos) {
    return std::nullopt;
  }
  size_t first = text.find_first_not_of("0.");
  int digits = first == std::string::npos
                   ? 1
                   : static_cast<int>(text.size() - first) - (first < point ? 1 : 0);
  int scale = static_cast<int>(text.size() - point - 1);
  int precision = std::max(digits, scale);
  if (precision > engine::kMaxDecimalPrecision || precision < 1) {
    return std::nullopt;
  }
  engine::int128 unscaled = 0;
  if (!engine::parse_decimal(text, precision, scale, unscaled)) {
    return std::nullopt;
  }
  return engine::Scalar::decimal(unscaled, precision, scale);
}

int64_t interval_amount(const Node& node) {
  int64_t amount = 0;
  const std::string& text = node.text;
  const char* begin = text.data() + (text.starts_with("-") || text.starts_with("+") ? 1 : 0);
  auto [end, error] = std::from_chars(begin, text.data() + text.size(), amount);
  if (error != std::errc() || end != text.data() + text.size() || amount > 1'000'000'000) {
    return INT64_MIN;
  }
  return text.starts_with("-") ? -amount : amount;
}

}  // namespace

Expr Planner::translate(const Node& node, ExprScope& scope) {
  using Kind = Node::Kind;
  if (scope.computed != nullptr) {
    if (auto found = scope.computed->find(sql_text(node)); found != scope.computed->end()) {
      return engine::col(found->second);
    }
  }
  switch (node.kind) {
    case Kind::kColumn:
      return translate_column(node, scope);
    case Kind::kLiteral:
      return translate_literal(node);
    case Kind::kStar:
      fail(node.position, "* is allowed only in count(*) and the select list");
    case Kind::kUnary: {
      Expr value = translate(*node.args[0], scope);
      return node.name == "not" ? !value : node.name == "-" ? -value : value;
    }
    case Kind::kBinary:
      return translate_binary(node, scope);
    case Kind::kFunction:
      if (node.window) {
        fail(node.position, "window functions are allowed only in the select list and ORDER BY");
      }
      if (is_aggregate_call(node) && !scope.aggregates_allowed) {
        fail(node.position,
             "aggregate function " + node.name + "() is not allowed in " + scope.clause);
      }
      return translate_function(node, scope);
    case Kind::kCase:
      return translate_case(node, scope);
    case Kind::kCast: {
      std::optional<engine::DataType> type = type_of(node.name);
      if (!type) {
        fail(node.position, "unknown type '" + node.name +
                                "'; expected INT, BIGINT, DOUBLE, DECIMAL(p, s), STRING, "
                                "BOOLEAN, DATE or TIMESTAMP");
      }
      Expr value = translate(*node.args[0], scope);
      return node.try_cast ? value.try_cast(*type) : value.cast(*type);
    }
    case Kind::kInList: {
      std::vector<Expr> values;
      for (size_t i = 1; i < node.args.size(); ++i) {
        values.push_back(translate(*node.args[i], scope));
      }
      Expr in = translate(*node.args[0], scope).isin(std::move(values));
      return node.negated ? !in : in;
    }
    case Kind::kInQuery:
    case Kind::kExists:
      fail(node.position,
           "IN and EXISTS with a subquery are supported as conditions of WHERE or HAVING, "
           "joined to the others by AND (not inside OR, CASE or the select list)");
    case Kind::kScalarQuery:
      return engine::col(attach_scalar_subquery(node, scope));
    case Kind::kBetween: {
      Expr between = translate(*node.args[0], scope)
                         .between(translate(*node.args[1], scope), translate(*node.args[2], scope));
      return node.negated ? !between : between;
    }
    case Kind::kLike: {
      const Node& pattern = *node.args[1];
      if (pattern.kind != Kind::kLiteral || pattern.literal_kind != Node::LiteralKind::kString) {
        fail(pattern.position, "the pattern of " + node.name + " must be a string constant");
      }
      if (node.name == "rlike") {
        fail(node.position, "RLIKE (regular expressions) is not supported; use LIKE");
      }
      Expr value = translate(*node.args[0], scope);
      Expr like = node.name == "ilike" ? fn::lower(value).like(engine_lower(pattern.text))
                                       : value.like(pattern.text);
      return node.negated ? !like : like;
    }
    case Kind::kIsNull: {
      Expr value = translate(*node.args[0], scope);
      return node.negated ? value.is_not_null() : value.is_null();
    }
    case Kind::kIsBool: {
      Expr value = translate(*node.args[0], scope);
      Expr holds = fn::coalesce({node.text == "true" ? value : !value, Expr(false)});
      return node.negated ? !holds : holds;
    }
    case Kind::kInterval:
      fail(node.position, "an INTERVAL can only be added to or subtracted from a date");
  }
  fail(node.position, "unsupported expression");
}

Expr Planner::translate_column(const Node& node, ExprScope& scope) {
  if (node.names.size() > 2) {
    fail(node.position, "'" + sql_text(node) +
                            "' has too many parts; write column or "
                            "table.column");
  }
  Lookup found = lookup(*scope.relation, node.names);
  if (found.matches.size() == 1) {
    scope.used_inner = true;
    return engine::col(found.matches[0]->internal);
  }
  if (found.matches.size() > 1) {
    std::string candidates;
    for (const RelationColumn* match : found.matches) {
      candidates += (candidates.empty() ? "" : ", ") +
                    (match->qualifier.empty() ? match->name : match->qualifier + "." + match->name);
    }
    fail(node.position, "column '" + sql_text(node) + "' is ambiguous: it could be " + candidates +
                            "; qualify it with its table");
  }
  if (scope.before_grouping != nullptr &&
      !lookup(*scope.before_grouping, node.names).matches.empty()) {
    fail(node.position, "column '" + sql_text(node) + "' in " + scope.clause +
                            " is neither in GROUP BY nor inside an aggregate function; add it "
                            "to GROUP BY or use an aggregate such as first(" +
                            sql_text(node) + ")");
  }
  if (scope.outer != nullptr) {
    Lookup outer = lookup(*scope.outer, node.names);
    if (outer.matches.size() == 1) {
      scope.used_outer = true;
      return engine::col(outer.matches[0]->internal);
    }
  }
  std::vector<std::string> names;
  for (const Relation* relation : {static_cast<const Relation*>(scope.relation), scope.outer}) {
    if (relation == nullptr) {
      continue;
    }
    for (const RelationColumn& column : relation->visible()) {
      names.push_back(node.names.size() == 2 && !column.qualifier.empty()
                          ? column.qualifier + "." + column.name
                          : column.name);
    }
  }
  std::string message = "no column '" + sql_text(node) + "'";
  if (auto suggestion = closest_match(sql_text(node), names)) {
    message += "; did you mean '" + *suggestion + "'?";
  } else if (names.size() <= 12) {
    std::string listed;
    for (const std::string& name : names) {
      listed += (listed.empty() ? "" : ", ") + name;
    }
    message += names.empty() ? " (there are no columns here)" : "; columns here: " + listed;
  }
  fail(node.position, message);
}

Expr Planner::translate_literal(const Node& node) {
  switch (node.literal_kind) {
    case Node::LiteralKind::kNull:
      return Expr();
    case Node::LiteralKind::kBool:
      return Expr(node.text == "true");
    case Node::LiteralKind::kNumber:
      try {
        // 0.05 is DECIMAL(2,2) as in Spark, so 0.06 - 0.01 is exactly 0.05.
        if (std::optional<engine::Scalar> decimal = decimal_literal(node.text)) {
          return engine::lit(*decimal);
        }
        return engine::parse_expr(node.text);
      } catch (const ParseError&) {
        fail(node.position, "'" + node.text + "' is not a number");
      }
    case Node::LiteralKind::kString:
      return engine::lit(node.text);
    case Node::LiteralKind::kDate:
      return engine::lit(node.text).cast(engine::DataType::date32());
    case Node::LiteralKind::kTimestamp:
      return engine::lit(node.text).cast(engine::DataType::timestamp());
  }
  return Expr();
}

Expr Planner::translate_binary(const Node& node, ExprScope& scope) {
  const std::string& op = node.name;
  const Node& left_node = *node.args[0];
  const Node& right_node = *node.args[1];
  bool left_interval = left_node.kind == Node::Kind::kInterval;
  bool right_interval = right_node.kind == Node::Kind::kInterval;
  if (left_interval || right_interval) {
    const Node& interval = left_interval ? left_node : right_node;
    const Node& date = left_interval ? right_node : left_node;
    if (op != "+" && !(op == "-" && right_interval)) {
      fail(node.position, "an INTERVAL can only be added to a date or subtracted from one");
    }
    int64_t amount = interval_amount(interval);
    if (amount == INT64_MIN) {
      fail(interval.position,
           "the interval's amount must be an integer, found '" + interval.text + "'");
    }
    if (op == "-") {
      amount = -amount;
    }
    Expr value = translate(date, scope);
    const std::string& unit = interval.name;
    if (unit == "day" || unit == "week") {
      return fn::date_add(value, Expr(amount * (unit == "week" ? 7 : 1)));
    }
    if (unit == "month" || unit == "year") {
      return fn::add_months(value, Expr(amount * (unit == "year" ? 12 : 1)));
    }
    fail(interval.position,
         "unsupported interval unit '" + unit + "'; dates move by YEAR, MONTH, WEEK or DAY");
  }
  Expr left = translate(left_node, scope);
  Expr right = translate(right_node, scope);
  if (op == "and")
    return left && right;
  if (op == "or")
    return left || right;
  if (op == "=")
    return left == right;
  if (op == "!=")
    return left != right;
  if (op == "<")
    return left < right;
  if (op == "<=")
    return left <= right;
  if (op == ">")
    return left > right;
  if (op == ">=")
    return left >= right;
  if (op == "+")
    return left + right;
  if (op == "-")
    return left - right;
  if (op == "*")
    return left * right;
  if (op == "/")
    return left / right;
  if (op == "%")
    return left % right;
  if (op == "||")
    return fn::concat({left, right});
  if (op == "<=>") {
    return fn::coalesce({left == right, Expr(false)}) || (left.is_null() && right.is_null());
  }
  fail(node.position, "the operator '" + op + "' is not supported" +
                          (op == "div" ? std::string("; use CAST(a / b AS BIGINT)") : ""));
}

Expr Planner::translate_function(const Node& node, ExprScope& scope) {
  std::vector<Expr> args;
  bool allowed = scope.aggregates_allowed;
  scope.aggregates_allowed = false;  // no aggregate inside another
  bool star = node.args.size() == 1 && node.args[0]->kind == Node::Kind::kStar;
  for (const NodePtr& arg : node.args) {
    if (!star) {
      args.push_back(translate(*arg, scope));
    }
  }
  scope.aggregates_allowed = allowed;
  return function_call(node, std::move(args));
}

Expr Planner::function_call(const Node& node, std::vector<Expr> args) {
  std::string name = engine_name(node.name);
  bool star = node.args.size() == 1 && node.args[0]->kind == Node::Kind::kStar;
  if (star) {
    if (name != "count") {
      fail(node.position, name + "(*) is not a function; only count(*) takes *");
    }
    return fn::count_all();
  }
  if (node.distinct) {
    if (name != "count" || args.size() != 1) {
      fail(node.position, "DISTINCT is supported in count(DISTINCT x) of one argument only");
    }
    return fn::count_distinct(args[0]);
  }
  try {
    return engine::function_call(name, std::move(args));
  } catch (const ParseError& error) {
    fail(node.position, error.message());
  }
}

Expr Planner::translate_case(const Node& node, ExprScope& scope) {
  bool has_else = node.text == "else";
  size_t pairs_end = has_else ? node.args.size() - 1 : node.args.size();
  std::optional<Expr> operand;
  if (node.args[0]) {
    operand = translate(*node.args[0], scope);
  }
  auto condition = [&](size_t i) {
    Expr when = translate(*node.args[i], scope);
    return operand ? *operand == when : when;
  };
  fn::CaseBuilder builder = fn::when(condition(1), translate(*node.args[2], scope));
  for (size_t i = 3; i + 1 < pairs_end + 1 && i + 1 < node.args.size(); i += 2) {
    builder = std::move(builder).when(condition(i), translate(*node.args[i + 1], scope));
  }
  return has_else ? std::move(builder).otherwise(translate(*node.args.back(), scope))
                  : std::move(builder).end();
}

}  // namespace setl::sql::detail
