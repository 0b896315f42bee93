// Expressions over the columns of a table, with SQL semantics (three-valued logic, NULL
// in → NULL out). Built in C++ or parsed from text with the same meaning:
//
//   Expr a = col("price") * (lit(1) - col("discount")) > 100 && col("city").isin({"NYC", "LA"});
//   Expr b = parse_expr("price * (1 - discount) > 100 and city in ('NYC', 'LA')");
//
// An Expr is an immutable tree, cheap to copy. Types are checked against a schema before
// anything runs (see result_type), with errors such as `no column "pricee"; did you mean
// "price"?`.
//
// Semantics worth knowing: integer arithmetic is done in int64 (overflow is an error);
// `/` always returns float64 and x / 0 is NULL; `%` by 0 is NULL; comparisons between
// a date/timestamp and a string literal parse the literal; `cast` fails with a ParseError
// on text that does not parse, `try_cast` returns NULL instead; LIKE is case-sensitive
// with % and _ wildcards.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "setl/engine/scalar.h"
#include "setl/engine/schema.h"
#include "setl/engine/type.h"

namespace setl::engine {

enum class ExprKind {
  kColumn,     ///< a column by name
  kLiteral,    ///< a constant
  kCall,       ///< a scalar function or operator: "+", "and", "is_null", "upper", "case", ...
  kCast,       ///< cast to a type (or try_cast)
  kAggregate,  ///< an aggregate: sum, count, mean, ... (valid in group_by().agg())
  kWindow,     ///< a window function with its OVER clause (valid in with_column)
};

struct SortKey {
  std::string column;
  bool descending = false;
  /// Default: NULLs first when ascending, last when descending (Spark's order).
  std::optional<bool> nulls_first;
};
inline SortKey asc(std::string column) {
  return {std::move(column), false, std::nullopt};
}
inline SortKey desc(std::string column) {
  return {std::move(column), true, std::nullopt};
}

/// OVER (PARTITION BY ... ORDER BY ...). Frames follow SQL's default: with ORDER BY,
/// running aggregates cover the partition's rows up to the current row and its peers
/// (rows with equal order keys).
struct WindowSpec {
  std::vector<std::string> partition_by;
  std::vector<SortKey> order_by;
};

class Expr {
 public:
  /// A NULL literal.
  Expr();
  // Literals convert implicitly so that `col("a") + 1` and `col("city") == "NYC"` read well.
  Expr(int value);
  Expr(long value);
  Expr(long long value);
  Expr(double value);
  Expr(bool value);
  Expr(const char* value);
  Expr(std::string value);
  Expr(Scalar value);

  ExprKind kind() const;
  /// Column name, function name or aggregate name.
  const std::string& name() const;
  const Scalar& literal() const;
  const std::vector<Expr>& args() const;
  /// Target type of a cast.
  const DataType& cast_type() const;
  /// True for try_cast (NULL on failure), false for cast (error on failure).
  bool is_try_cast() const;

  /// The output column name: the alias if one was given, else the column name for a
  /// column reference, else the expression text.
  std::string output_name() const;
  bool has_alias() const;
  /// The same expression producing a column named `name`.
  Expr alias(std::string name) const;

  /// Text that parse_expr() reads back to an equal expression.
  std::string to_string() const;

  // Methods read left to right in chains: col("city").isin({"NYC"}).
  Expr isin(std::vector<Expr> values) const;
  Expr between(Expr low, Expr high) const;
  Expr is_null() const;
  Expr is_not_null() const;
  Expr like(std::string pattern) const;
  Expr cast(DataType type) const;
  Expr try_cast(DataType type) const;
  /// Turns a window function (row_number(), lag(...), cum_sum(...)) into a windowed
  /// expression. Throws: ParseError if this is not a window function.
  Expr over(WindowSpec window) const;
  /// The OVER clause of a kWindow expression.
  const WindowSpec& window() const;

  /// Structural equality (same tree), used by the optimizer and tests.
  friend bool same_expr(const Expr& a, const Expr& b);

  /// Expression trees nest at most this deep: every walk over a tree (typing, evaluation,
  /// printing, optimising) is recursive, and a bounded depth keeps them all within the
  /// stack. Write long OR chains as `x IN (...)`.
  static constexpr int kMaxDepth = 256;

  struct Node;
  /// Throws: ParseError if the tree would nest deeper than kMaxDepth.
  explicit Expr(std::shared_ptr<const Node> node);
  const std::shared_ptr<const Node>& node() const { return node_; }

 private:
  std::shared_ptr<const Node> node_;
};

Expr col(std::string name);
Expr lit(Scalar value);

namespace detail {
template <class>
inline constexpr bool kNotAScalar = false;
template <class>
struct IsSysTime : std::false_type {};
template <class Duration>
struct IsSysTime<std::chrono::sys_time<Duration>> : std::true_type {};
[[noreturn]] void throw_literal_out_of_range(uint64_t value);

template <class T>
Scalar to_scalar(const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return Scalar::boolean(value);
  } else if constexpr (std::is_same_v<T, char> || std::is_same_v<T, signed char> ||
                       std::is_same_v<T, unsigned char>) {
    static_assert(kNotAScalar<T>, "lit(char) is ambiguous: write lit(\"c\") or lit(int(c))");
  } else if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(int64_t)) {
      if (value > static_cast<T>(INT64_MAX)) {
        throw_literal_out_of_range(value);
      }
    }
    return Scalar::int64(static_cast<int64_t>(value));
  } else if constexpr (std::is_floating_point_v<T>) {
    return Scalar::float64(static_cast<double>(value));
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return Scalar::string(std::string(std::string_view(value)));
  } else if constexpr (std::is_same_v<T, std::chrono::year_month_day>) {
    return Scalar::date32(
        static_cast<int32_t>(std::chrono::sys_days(value).time_since_epoch().count()));
  } else if constexpr (std::is_same_v<T, std::chrono::sys_days>) {
    return Scalar::date32(static_cast<int32_t>(value.time_since_epoch().count()));
  } else if constexpr (IsSysTime<T>::value) {
    return Scalar::timestamp(
        std::chrono::duration_cast<std::chrono::microseconds>(value.time_since_epoch()).count());
  } else {
    static_assert(kNotAScalar<T>, "lit(): not a type that maps to an engine scalar");
  }
}
}  // namespace detail

/// A literal of any C++ scalar: bool; any integer (int64; an unsigned value beyond int64's
/// range is a SchemaError); float/double (float64); text (string); year_month_day or
/// sys_days (date32); sys_time<D> (timestamp, microseconds, UTC).
///   lit(1), lit(2.5), lit("NYC"), lit(std::chrono::year_month_day{2024y / 1 / 31})
template <class T>
Expr lit(const T& value) {
  return Expr(detail::to_scalar(value));
}
/// A call of a scalar function by name, as the parser produces it. Throws: ParseError
/// for an unknown function (checked when the expression is typed).
Expr call(std::string function, std::vector<Expr> args);

Expr operator+(const Expr& a, const Expr& b);
Expr operator-(const Expr& a, const Expr& b);
Expr operator*(const Expr& a, const Expr& b);
Expr operator/(const Expr& a, const Expr& b);
Expr operator%(const Expr& a, const Expr& b);
Expr operator-(const Expr& a);
Expr operator==(const Expr& a, const Expr& b);
Expr operator!=(const Expr& a, const Expr& b);
Expr operator<(const Expr& a, const Expr& b);
Expr operator<=(const Expr& a, const Expr& b);
Expr operator>(const Expr& a, const Expr& b);
Expr operator>=(const Expr& a, const Expr& b);
Expr operator&&(const Expr& a, const Expr& b);
Expr operator||(const Expr& a, const Expr& b);
Expr operator!(const Expr& a);

Expr coalesce(std::vector<Expr> values);
/// CASE WHEN ... THEN ... [ELSE ...] END: when(c1, v1).when(c2, v2).otherwise(v3).
class CaseBuilder {
 public:
  CaseBuilder when(Expr condition, Expr value) &&;
  /// Finishes with an ELSE value.
  Expr otherwise(Expr value) &&;
  /// Finishes without ELSE (NULL when nothing matches).
  Expr end() &&;

 private:
  friend CaseBuilder when(Expr condition, Expr value);
  std::vector<Expr> args_;
};
CaseBuilder when(Expr condition, Expr value);

// Strings (UTF-8; positions and lengths count code points).
Expr length(Expr text);
Expr lower(Expr text);
Expr upper(Expr text);
Expr trim(Expr text);
/// 1-based start, like SQL substr.
Expr substr(Expr text, Expr start, Expr count);
Expr contains(Expr text, Expr part);
Expr starts_with(Expr text, Expr prefix);
Expr ends_with(Expr text, Expr suffix);
Expr concat(std::vector<Expr> parts);
Expr replace(Expr text, Expr from, Expr to);

// Dates and timestamps.
Expr year(Expr date);
Expr month(Expr date);
Expr day(Expr date);
/// date + days.
Expr date_add(Expr date, Expr days);
/// Days from `start` to `end`.
Expr date_diff(Expr end, Expr start);
/// Parses "YYYY-MM-DD" text to date32.
Expr to_date(Expr text);
/// Truncates to "year", "month" or "day" (dates) or also "hour", "minute" (timestamps).
Expr date_trunc(std::string unit, Expr date);

// Aggregates, for group_by().agg().
Expr count(Expr value);
Expr count_all();
Expr count_distinct(Expr value);
Expr sum(Expr value);
Expr mean(Expr value);
Expr min(Expr value);
Expr max(Expr value);
Expr first(Expr value);
Expr last(Expr value);
/// Sample standard deviation (n - 1).
Expr stddev(Expr value);

// Window functions, for with_column(name, f.over({...})).
Expr row_number();
Expr rank();
Expr dense_rank();
/// The value `offset` rows before in the window order, or `fallback` (NULL by default).
Expr lag(Expr value, int64_t offset = 1, Expr fallback = Expr());
/// The value `offset` rows after in the window order, or `fallback`.
Expr lead(Expr value, int64_t offset = 1, Expr fallback = Expr());
/// Running sum in window order (peers included, as SQL's default frame).
Expr cum_sum(Expr value);

/// Parses expression text. Throws: ParseError with line, column and a caret under the
/// offending token.
Expr parse_expr(std::string_view text);

/// The type `expr` produces over `schema`. Throws: SchemaError for unknown columns
/// (with a suggestion), ParseError for unknown functions, SchemaError for type mismatches.
DataType result_type(const Expr& expr, const Schema& schema);

}  // namespace setl::engine
