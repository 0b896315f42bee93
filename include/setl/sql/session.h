// SQL over tables, connectors, typed datasets and any LazyFrame: Spark's `spark.sql` for
// setlpp. A statement compiles into the same LazyFrame plan the dataframe API builds, so
// SQL gets the same optimizer (filters and column lists pushed into connectors), the
// same executor, memory budget and spilling, and explain()/explain_analyze().
//
//   setl::sql::Session session;
//   session.register_table("orders", orders_table);
//   session.register_source("customers", customers_connector);   // scanned lazily
//   engine::Table top = session.sql(R"(
//       SELECT c.name, sum(o.amount) AS total
//       FROM orders o JOIN customers c ON o.customer_id = c.id
//       WHERE o.day >= DATE '2024-01-01'
//       GROUP BY c.name ORDER BY total DESC LIMIT 10)").collect();
//
// The dialect is Spark SQL's (docs/SQL.md lists what is supported): names are
// case-insensitive, "text" is a string like 'text', `name` quotes a name, and
// subqueries in WHERE (IN, EXISTS, scalar, correlated or not) become joins.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "setl/engine/dataset.h"
#include "setl/engine/lazy_frame.h"
#include "setl/engine/scan_source.h"
#include "setl/engine/table.h"

namespace setl::sql {

/// What a statement did: a query's plan (also for EXPLAIN, whose plan is a one-column
/// table `plan`), or the view a CREATE or DROP statement changed.
struct StatementResult {
  enum class Kind { kQuery, kExplain, kCreateView, kDropView };
  Kind kind = Kind::kQuery;
  engine::LazyFrame frame = engine::LazyFrame::from(engine::Table());
  std::string view;
};

class Session {
 public:
  Session() = default;

  /// Registers `name` (case-insensitive, replacing a view of that name) over a plan.
  /// Throws: ParseError for a name that is not an identifier.
  Session& register_view(std::string_view name, engine::LazyFrame frame);
  /// A table held in memory.
  Session& register_table(std::string_view name, engine::Table table);
  /// A connector or any scan source, read when a query runs, with the query's filters
  /// and columns pushed into the scan.
  Session& register_source(std::string_view name, std::shared_ptr<const engine::ScanSource> source);
  /// A typed dataset's rows.
  template <class T>
  Session& register_dataset(std::string_view name, const engine::Dataset<T>& dataset) {
    return register_table(name, dataset.table());
  }
  /// Removes a view; false if there was none.
  bool drop_view(std::string_view name);
  /// The registered views' names, sorted.
  std::vector<std::string> views() const;
  /// The view's plan, if there is one.
  std::optional<engine::LazyFrame> view(std::string_view name) const;

  /// Plans one SQL statement and returns its result as a LazyFrame, not yet run: a query
  /// (SELECT, WITH, set operations); EXPLAIN query (a table with one column `plan`, the
  /// optimized plan) or EXPLAIN ANALYZE query (runs it now and returns the plan with what
  /// each operator did); CREATE [OR REPLACE] TEMP VIEW name AS query (registers it and
  /// returns an empty frame); DROP VIEW [IF EXISTS] name. Every name and type is checked
  /// here, before anything runs. Throws: ParseError for a syntax error, SchemaError for an
  /// unknown table or column (with the closest name) or a type error, both with line,
  /// column and a caret; StateError for CREATE of an existing view without OR REPLACE or
  /// DROP of a missing one without IF EXISTS.
  engine::LazyFrame sql(std::string_view statement);
  /// sql() with what kind of statement it was.
  StatementResult execute(std::string_view statement);
  /// Runs statements separated by ';' in order (views created by one are seen by the
  /// next); returns each one's result. Errors name the statement's line in the script.
  std::vector<StatementResult> execute_script(std::string_view script);

 private:
  std::map<std::string, engine::LazyFrame> views_;
};

/// The statements of a script, split at ';' outside strings, quoted names and comments,
/// with the byte offset where each starts. Throws: ParseError for an unterminated string.
std::vector<std::pair<size_t, std::string>> split_statements(std::string_view script);

}  // namespace setl::sql
