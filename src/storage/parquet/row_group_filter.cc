#include "storage/parquet/row_group_filter.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace setl::storage::parquet {
namespace {

using engine::Expr;
using engine::ExprKind;
using engine::Scalar;
using engine::TypeId;

// Orders two non-null scalars of comparable types: numbers with numbers, strings with
// strings, dates with dates, timestamps with timestamps, booleans with booleans.
// A decimal against a decimal, an integer or a float constant as written (0.05 is 5 at
// scale 2), exactly; no answer (a float such as 1e-300) keeps the row group.
std::optional<int> compare_exactly(const Scalar& a, const Scalar& b) {
  auto unscaled = [](const Scalar& value, int& scale) -> std::optional<engine::int128> {
    scale = 0;
    if (value.type().is_decimal()) {
      scale = value.type().scale();
      return value.as_decimal();
    }
    if (value.type().is_integer()) {
      return value.as_int();
    }
    std::optional<engine::WrittenDecimal> written = engine::decimal_as_written(value.as_double());
    if (!written) {
      return std::nullopt;
    }
    scale = written->scale;
    return written->unscaled;
  };
  int a_scale = 0;
  int b_scale = 0;
  std::optional<engine::int128> x = unscaled(a, a_scale);
  std::optional<engine::int128> y = unscaled(b, b_scale);
  int scale = std::max(a_scale, b_scale);
  engine::int128 p = 0;
  engine::int128 q = 0;
  if (!x || !y || !engine::rescale_decimal(*x, a_scale, scale, engine::kMaxDecimalPrecision, p) ||
      !engine::rescale_decimal(*y, b_scale, scale, engine::kMaxDecimalPrecision, q)) {
    return std::nullopt;
  }
  return p < q ? -1 : (q < p ? 1 : 0);
}

std::optional<int> compare(const Scalar& a, const Scalar& b) {
  TypeId x = a.type().id();
  TypeId y = b.type().id();
  auto sign = [](auto u, auto v) { return u < v ? -1 : (v < u ? 1 : 0); };
  if (a.type().is_integer() && b.type().is_integer()) {
    return sign(a.as_int(), b.as_int());
  }
  if ((a.type().is_decimal() || b.type().is_decimal()) && a.type().is_numeric() &&
      b.type().is_numeric() && !a.is_null() && !b.is_null()) {
    return compare_exactly(a, b);
  }
  if (a.type().is_numeric() && b.type().is_numeric()) {
    return sign(a.as_double(), b.as_double());
  }
  if (x != y) {
    return std::nullopt;
  }
  switch (x) {
    case TypeId::kString:
      return a.as_string().compare(b.as_string()) < 0 ? -1 : a.as_string() == b.as_string() ? 0 : 1;
    case TypeId::kDate32:
    case TypeId::kTimestamp:
      return sign(a.as_int(), b.as_int());
    case TypeId::kBool:
      return sign(a.as_bool(), b.as_bool());
    default:
      return std::nullopt;
  }
}

std::string flip(const std::string& op) {
  if (op == "<")
    return ">";
  if (op == "<=")
    return ">=";
  if (op == ">")
    return "<";
  if (op == ">=")
    return "<=";
  return op;
}

bool is_comparison(const std::string& op) {
  return op == "=" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=";
}

// Can `column op literal` be TRUE for some row whose value lies in [min, max]?
bool comparison_may_match(const std::string& op, const Scalar& literal,
                          const ChunkStatistics& stats) {
  if (literal.is_null()) {
    return false;  // a comparison with NULL is never TRUE
  }
  if (stats.null_count && *stats.null_count >= stats.num_values) {
    return false;  // every value is NULL
  }
  if (!stats.min || !stats.max) {
    return true;
  }
  // Writers leave NaN out of min/max (as the format asks), so a float chunk may hold NaN
  // whatever its bounds say; NaN != x is TRUE, every other comparison with NaN FALSE.
  bool may_hold_nan = stats.min->type().id() == TypeId::kFloat64;
  if (may_hold_nan && op == "!=") {
    return true;
  }
  auto is_nan = [](const Scalar& value) {
    return value.type().id() == TypeId::kFloat64 && std::isnan(value.as_double());
  };
  if (is_nan(literal) || is_nan(*stats.min) || is_nan(*stats.max)) {
    return true;  // no order to reason with
  }
  std::optional<int> low = compare(*stats.min, literal);   // min vs literal
  std::optional<int> high = compare(*stats.max, literal);  // max vs literal
  if (!low || !high) {
    return true;
  }
  if (op == "=")
    return *low <= 0 && *high >= 0;
  if (op == "!=")
    return !(*low == 0 && *high == 0);
  if (op == "<")
    return *low < 0;
  if (op == "<=")
    return *low <= 0;
  if (op == ">")
    return *high > 0;
  if (op == ">=")
    return *high >= 0;
  return true;
}

bool may_match(const Expr& expr,
               const std::function<const ChunkStatistics*(const std::string&)>& statistics_of) {
  if (expr.kind() == ExprKind::kLiteral) {
    const Scalar& value = expr.literal();
    return !(value.type().id() == TypeId::kBool && !value.is_null() && !value.as_bool()) &&
           !value.is_null();
  }
  if (expr.kind() != ExprKind::kCall) {
    return true;
  }
  const std::string& op = expr.name();
  const std::vector<Expr>& args = expr.args();
  if (op == "and" && args.size() == 2) {
    return may_match(args[0], statistics_of) && may_match(args[1], statistics_of);
  }
  if (op == "or" && args.size() == 2) {
    return may_match(args[0], statistics_of) || may_match(args[1], statistics_of);
  }
  if ((op == "is_null" || op == "is_not_null") && args.size() == 1 &&
      args[0].kind() == ExprKind::kColumn) {
    const ChunkStatistics* stats = statistics_of(args[0].name());
    if (stats == nullptr || !stats->null_count) {
      return true;
    }
    return op == "is_null" ? *stats->null_count > 0 : *stats->null_count < stats->num_values;
  }
  if (is_comparison(op) && args.size() == 2) {
    bool column_left = args[0].kind() == ExprKind::kColumn && args[1].kind() == ExprKind::kLiteral;
    bool column_right = args[1].kind() == ExprKind::kColumn && args[0].kind() == ExprKind::kLiteral;
    if (!column_left && !column_right) {
      return true;
    }
    const Expr& column = column_left ? args[0] : args[1];
    const Expr& literal = column_left ? args[1] : args[0];
    const ChunkStatistics* stats = statistics_of(column.name());
    if (stats == nullptr) {
      return true;
    }
    return comparison_may_match(column_left ? op : flip(op), literal.literal(), *stats);
  }
  if (op == "in" && !args.empty() && args[0].kind() == ExprKind::kColumn) {
    const ChunkStatistics* stats = statistics_of(args[0].name());
    if (stats == nullptr) {
      return true;
    }
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i].kind() != ExprKind::kLiteral ||
          comparison_may_match("=", args[i].literal(), *stats)) {
        return true;
      }
    }
    return false;
  }
  return true;
}

}  // namespace

bool row_group_may_match(
    const Expr& filter,
    const std::function<const ChunkStatistics*(const std::string&)>& statistics_of) {
  return may_match(filter, statistics_of);
}

}  // namespace setl::storage::parquet
