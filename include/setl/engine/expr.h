// Expressions over the columns of a table, with SQL semantics (three-valued logic, NULL
// in → NULL out). Built in C++ or parsed from text with the same meaning:
//
//   Expr a = col("price") * (lit(1) - col("discount")) > 100 && col("city").isin({"NYC", "LA"});
//   Expr b = parse_expr("price * (1 - discount) > 100 and city in ('NYC', 'LA')");
//
// Numbers and bools convert to literals implicitly (`col("a") + 1`); text never does, so a
// string can only be a column name (col), a literal (lit), or expression text
// (parse_expr, and the filter overloads that take text). Comparing an expression with
// text compares with a text literal: col("city") == "NYC". Named functions (sum, length,
// day, ...) are in setl::engine::fn: see functions.h.
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

/// One end of a window frame. Offsets are how far from the current row: a row count for
/// ROWS frames; for RANGE frames a distance in the single ORDER BY key's units (days for
/// dates), so `RANGE BETWEEN 7 PRECEDING AND CURRENT ROW` over a date covers the week.
struct FrameBound {
  enum class Kind { kUnboundedPreceding, kPreceding, kCurrentRow, kFollowing, kUnboundedFollowing };
  Kind kind = Kind::kCurrentRow;
  /// kPreceding and kFollowing only: a non-negative number.
  Scalar offset = Scalar::int64(0);
};
FrameBound unbounded_preceding();
FrameBound preceding(Scalar offset);
FrameBound preceding(int64_t offset);
FrameBound current_row();
FrameBound following(Scalar offset);
FrameBound following(int64_t offset);
FrameBound unbounded_following();

/// The rows an aggregate over a window reads for each row. ROWS counts rows in window
/// order; RANGE compares ORDER BY key values, so peers (rows with equal keys) are always
/// in or out together. A frame that ends before it starts is empty: sum and the other
/// aggregates give NULL there, count 0.
struct WindowFrame {
  enum class Unit { kRows, kRange };
  Unit unit = Unit::kRows;
  FrameBound start;
  FrameBound end;
};
/// ROWS BETWEEN start AND end. Throws ParseError for an unbounded end at the wrong side or
/// a negative offset.
WindowFrame rows_between(FrameBound start, FrameBound end);
/// RANGE BETWEEN start AND end (offsets need exactly one numeric or date ORDER BY key).
WindowFrame range_between(FrameBound start, FrameBound end);

/// OVER (PARTITION BY ... ORDER BY ... [frame]). Aggregates (fn::sum, fn::min, ...) can be
/// windowed too; without a frame they follow SQL's default: with ORDER BY, the partition's
/// rows up to the current row and its peers (rows with equal order keys); without, the
/// whole partition. Ranking functions, lag and lead take no frame.
struct WindowSpec {
  std::vector<std::string> partition_by;
  std::vector<SortKey> order_by;
  std::optional<WindowFrame> frame = std::nullopt;
};

namespace detail {
struct ExprNode;
}  // namespace detail

class [[nodiscard]] Expr {
 public:
  /// A NULL literal.
  Expr();
  // Numbers and bools convert implicitly so that `col("a") + 1` reads well. Text does not:
  // write lit("text") or col("name").
  Expr(int value);
  Expr(long value);
  Expr(long long value);
  Expr(double value);
  /// Exactly bool: a pointer (such as a string literal) must not become TRUE.
  template <class Bool>
  requires std::is_same_v<Bool, bool> Expr(Bool value) : Expr(Scalar::boolean(value)) {}
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
  [[nodiscard]] Expr alias(std::string name) const;

  /// Text that parse_expr() reads back to an equal expression.
  std::string to_string() const;

  // Methods read left to right in chains: col("city").isin({"NYC"}).
  [[nodiscard]] Expr isin(std::vector<Expr> values) const;
  /// isin({"NYC", "LA"}), isin({1, 2, 3}): a list of C++ values of one type.
  template <class T>
  [[nodiscard]] Expr isin(std::initializer_list<T> values) const;
  [[nodiscard]] Expr between(Expr low, Expr high) const;
  [[nodiscard]] Expr is_null() const;
  [[nodiscard]] Expr is_not_null() const;
  [[nodiscard]] Expr like(std::string pattern) const;
  [[nodiscard]] Expr cast(DataType type) const;
  [[nodiscard]] Expr try_cast(DataType type) const;
  /// Turns a window function (fn::row_number(), fn::lag(...), fn::cum_sum(...)) or an
  /// aggregate (fn::sum(...), fn::max(...), ...) into a windowed expression. Throws:
  /// ParseError if this is neither, or if a frame is given to a function that takes none.
  [[nodiscard]] Expr over(WindowSpec window) const;
  /// The OVER clause of a kWindow expression.
  const WindowSpec& window() const;

  /// Structural equality (same tree), used by the optimizer and tests.
  friend bool same_expr(const Expr& a, const Expr& b);

  /// Expression trees nest at most this deep: every walk over a tree (typing, evaluation,
  /// printing, optimising) is recursive, and a bounded depth keeps them all within the
  /// stack. Write long OR chains as `x IN (...)`.
  static constexpr int kMaxDepth = 256;

  /// The engine's tree node (opaque outside the engine). Throws: ParseError if the tree
  /// would nest deeper than kMaxDepth.
  explicit Expr(std::shared_ptr<const detail::ExprNode> node);
  const std::shared_ptr<const detail::ExprNode>& node() const { return node_; }

 private:
  std::shared_ptr<const detail::ExprNode> node_;
};

[[nodiscard]] Expr col(std::string name);
[[nodiscard]] Expr lit(Scalar value);

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

// Comparing with text compares with a text literal: col("city") == "NYC".
template <class Text>
concept TextValue = std::is_convertible_v<const Text&, std::string_view>;
template <TextValue Text>
Expr operator==(const Expr& a, const Text& text) {
  return a == lit(std::string_view(text));
}
template <TextValue Text>
Expr operator!=(const Expr& a, const Text& text) {
  return a != lit(std::string_view(text));
}
template <TextValue Text>
Expr operator<(const Expr& a, const Text& text) {
  return a < lit(std::string_view(text));
}
template <TextValue Text>
Expr operator<=(const Expr& a, const Text& text) {
  return a <= lit(std::string_view(text));
}
template <TextValue Text>
Expr operator>(const Expr& a, const Text& text) {
  return a > lit(std::string_view(text));
}
template <TextValue Text>
Expr operator>=(const Expr& a, const Text& text) {
  return a >= lit(std::string_view(text));
}

template <class T>
Expr Expr::isin(std::initializer_list<T> values) const {
  std::vector<Expr> literals;
  literals.reserve(values.size());
  for (const T& value : values) {
    if constexpr (std::is_same_v<T, Expr>) {
      literals.push_back(value);
    } else {
      literals.push_back(lit(value));
    }
  }
  return isin(std::move(literals));
}

/// Parses expression text. Throws: ParseError with line, column and a caret under the
/// offending token.
Expr parse_expr(std::string_view text);

struct ParseOptions {
  /// Lower-case names of functions the caller gives meaning to (pipeline conditions'
  /// config() and rows()): parsed as calls with any arguments, for the caller to replace
  /// before the expression is typed.
  std::vector<std::string> host_functions;
};
Expr parse_expr(std::string_view text, const ParseOptions& options);

/// `expr` with its constant parts computed (CAST('2024-01-31' AS date) becomes a date
/// literal, 1 + 2 becomes 3, x AND TRUE becomes x); what cannot be computed is kept, for
/// execution to report with its row. Sources use it to read pushed-down filters.
Expr fold_constants(const Expr& expr);

/// Evaluates `expr` over one row whose columns are `schema`'s fields holding `values`, in
/// order: an expression over a few named values outside any table (pipeline conditions).
/// Throws: what evaluating it over a table throws (SchemaError for an unknown column or
/// a type mismatch, ParseError for an unknown function); SchemaError if `values` does not
/// match `schema`, or `expr` is an aggregate or window function.
Scalar evaluate_row(const Expr& expr, const Schema& schema, const std::vector<Scalar>& values);

/// evaluate_row prepared once: the expression is typed against `schema` when constructed
/// (throwing what evaluate_row would for that), then evaluated for any number of rows.
class RowEvaluator {
 public:
  RowEvaluator(const Expr& expr, Schema schema);
  const DataType& type() const;
  /// Throws: SchemaError if `values` does not match the schema; what evaluation throws.
  Scalar evaluate(const std::vector<Scalar>& values) const;

 private:
  struct Prepared;
  std::shared_ptr<const Prepared> prepared_;
};

/// The type `expr` produces over `schema`. Throws: SchemaError for unknown columns
/// (with a suggestion), ParseError for unknown functions, SchemaError for type mismatches.
DataType result_type(const Expr& expr, const Schema& schema);

}  // namespace setl::engine
