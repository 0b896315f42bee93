// The engine's functions: what the registry knows (listed by `setl describe-functions` and
// in docs/FUNCTIONS.md, both generated from it), and the C++ builders for them.
//
// The builders live in the short namespace setl::engine::fn, which users import
// explicitly, so that min, max, sum, count, length, replace and day never hide the
// standard library's names:
//
//   namespace fn = setl::engine::fn;
//   t.group_by({"city"}).agg({fn::sum(fn::col("amount")).alias("total")});
//
//   using namespace setl::engine::fn;   // in a function body: sum(col("amount"))
//
// Every function the text parser knows has a builder here with the same name and
// arguments (a test checks this against the registry).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "setl/engine/expr.h"

namespace setl::engine {

enum class FunctionKind {
  kOperator,   ///< written with a symbol or keyword: +, =, AND, IS NULL, IN, LIKE, CASE
  kScalar,     ///< f(x, ...): one value per row
  kAggregate,  ///< group_by().agg(f(x)): one value per group
  kWindow,     ///< f(x).over(...): one value per row, computed over a window
};

struct FunctionInfo {
  std::string name;  ///< as the parser reads it ("+" for operators)
  FunctionKind kind = FunctionKind::kScalar;
  std::string category;  ///< "numeric", "string", "date and time", ...
  size_t min_args = 0;
  size_t max_args = 0;               ///< kVariadic: any number from min_args
  std::string signature;             ///< "round(x: number [, digits: integer]) -> float64"
  std::string nulls;                 ///< what NULL inputs produce
  std::string doc;                   ///< one line
  std::vector<std::string> aliases;  ///< other names the parser accepts ("avg" for mean)

  static constexpr size_t kVariadic = SIZE_MAX;
};

/// Every function of the registry, ordered by category then name.
std::vector<FunctionInfo> list_functions();
/// The registry as a Markdown reference page (what docs/FUNCTIONS.md holds).
std::string functions_markdown();

/// A call of any registered function by name or alias, resolved as the text parser
/// resolves `name(args...)`: an aggregate, a window function (give it over() next; lag and
/// lead take an integer constant offset) or a scalar function. Throws: ParseError for an
/// unknown name (with the closest one) or a wrong number of arguments.
Expr function_call(std::string_view name, std::vector<Expr> args);

namespace fn {

using setl::engine::asc;
using setl::engine::call;
using setl::engine::col;
using setl::engine::desc;
using setl::engine::lit;

// Numbers.
Expr abs(Expr value);
/// Half away from zero, at `digits` decimal places (negative: tens, hundreds, ...).
Expr round(Expr value);
Expr round(Expr value, Expr digits);

// Conditionals.
Expr coalesce(std::vector<Expr> values);
/// CASE WHEN ... THEN ... [ELSE ...] END: when(c1, v1).when(c2, v2).otherwise(v3).
class [[nodiscard]] CaseBuilder {
 public:
  [[nodiscard]] CaseBuilder when(Expr condition, Expr value) &&;
  /// Finishes with an ELSE value.
  [[nodiscard]] Expr otherwise(Expr value) &&;
  /// Finishes without ELSE (NULL when nothing matches).
  [[nodiscard]] Expr end() &&;

 private:
  friend CaseBuilder when(Expr condition, Expr value);
  std::vector<Expr> args_;
};
CaseBuilder when(Expr condition, Expr value);

/// NULL, after checking that `condition` holds on every row (else the query fails with
/// StateError carrying `message`).
Expr assert_true(Expr condition);
Expr assert_true(Expr condition, Expr message);

// Strings (UTF-8; positions and lengths count code points).
Expr length(Expr text);
Expr lower(Expr text);
Expr upper(Expr text);
Expr trim(Expr text);
/// 1-based start, like SQL substr; without `count`, to the end.
Expr substr(Expr text, Expr start);
Expr substr(Expr text, Expr start, Expr count);
Expr contains(Expr text, Expr part);
Expr starts_with(Expr text, Expr prefix);
Expr ends_with(Expr text, Expr suffix);
Expr concat(std::vector<Expr> parts);
Expr replace(Expr text, Expr from, Expr to);
/// zstd-compressed text as base64 (how @Compress columns are stored), and back.
Expr compress(Expr text);
Expr decompress(Expr text);

// Dates and timestamps.
Expr year(Expr date);
Expr month(Expr date);
Expr day(Expr date);
/// date + days.
Expr date_add(Expr date, Expr days);
/// The date `months` later, its day clamped to the month's last.
Expr add_months(Expr date, Expr months);
/// Days from `start` to `end`.
Expr date_diff(Expr end, Expr start);
/// Parses "YYYY-MM-DD" text to date32.
Expr to_date(Expr text);
/// Truncates to "year", "month" or "day" (dates) or also "hour", "minute" (timestamps).
Expr date_trunc(std::string unit, Expr date);

// Aggregates, for group_by().agg() and aggregate().
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

}  // namespace fn
}  // namespace setl::engine
