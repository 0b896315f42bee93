// A LazyFrame records a query as a logical plan and runs it only on collect(), after an
// optimizer has folded constants, merged filters, pushed predicates down through
// projections, sorts, unions, aggregates and joins (where that keeps the result), and
// pruned unused columns all the way into the scans. explain() prints the optimized plan.
//
//   LazyFrame orders = LazyFrame::scan(connector_source);     // or LazyFrame::from(table)
//   Table result = orders.filter("amount > 100")
//                        .group_by({"city"}).agg({sum(col("amount")).alias("total")})
//                        .collect();
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "setl/engine/expr.h"
#include "setl/engine/functions.h"
#include "setl/engine/table.h"

namespace setl::engine {

/// What a scan is asked for: only these columns (all when empty) and, as a hint, rows
/// matching `filter` (a source may skip data it can prove does not match; the engine
/// still applies the filter unless the source reports it exact).
struct ScanRequest {
  std::vector<std::string> columns;
  std::optional<Expr> filter;
};

/// What one scan did, returned with its rows (a value: concurrent scans of one source
/// each get their own).
struct ScanStats {
  int64_t rows = 0;           ///< rows returned
  int64_t rejected_rows = 0;  ///< malformed records sent to a rejects file (permissive reads)
  /// Units the source holds and how many it read after pruning by the request's filter:
  /// row groups (Parquet), partitions (partitioned datasets); 0 when the source has none.
  int64_t units_total = 0;
  int64_t units_read = 0;
  int64_t bytes_read = 0;  ///< bytes read from storage, where the source knows them
};

struct ScanResult {
  Table table;
  ScanStats stats;
};

/// A source of rows a LazyFrame can scan; the storage layer's connectors implement it.
class ScanSource {
 public:
  virtual ~ScanSource() = default;
  virtual SchemaPtr schema() const = 0;
  /// A short description for explain(), e.g. "csv orders.csv".
  virtual std::string describe() const = 0;
  /// Reads the requested columns (in the schema's order), with what the scan did.
  [[nodiscard]] virtual ScanResult scan(const ScanRequest& request) const = 0;
  /// True if scan() returns only rows matching the request's filter.
  virtual bool applies_filter_exactly() const { return false; }
};

class LazyGroupBy;
namespace detail {
struct PlanNode;
}  // namespace detail

class [[nodiscard]] LazyFrame {
 public:
  /// A plan over an in-memory table.
  static LazyFrame from(Table table);
  /// A plan over a scan source.
  static LazyFrame scan(std::shared_ptr<const ScanSource> source);

  /// The schema collect() will produce (computed without running anything).
  /// Throws what the operations would throw for unknown columns or bad types.
  SchemaPtr schema() const;

  LazyFrame select(const std::vector<Expr>& columns) const;
  LazyFrame select(std::initializer_list<std::string_view> names) const;
  LazyFrame with_column(std::string name, const Expr& value) const;
  LazyFrame rename(const std::vector<std::pair<std::string, std::string>>& renames) const;
  LazyFrame drop(const std::vector<std::string>& names) const;
  LazyFrame filter(const Expr& predicate) const;
  /// Parses the predicate text (a std::string is a predicate here, not a string literal).
  LazyFrame filter(std::string_view predicate) const;
  LazyFrame filter(const char* predicate) const { return filter(std::string_view(predicate)); }
  LazyFrame filter(const std::string& predicate) const {
    return filter(std::string_view(predicate));
  }
  LazyFrame limit(int64_t count, int64_t offset = 0) const;
  LazyFrame sort(const std::vector<SortKey>& keys) const;
  LazyFrame distinct() const;
  LazyFrame union_all(const LazyFrame& other) const;
  LazyFrame join(const LazyFrame& right, const std::vector<std::string>& left_on,
                 const std::vector<std::string>& right_on, JoinType type = JoinType::kInner) const;
  LazyFrame join(const LazyFrame& right, const std::string& on,
                 JoinType type = JoinType::kInner) const {
    return join(right, {on}, {on}, type);
  }
  LazyGroupBy group_by(std::vector<std::string> keys) const;
  LazyFrame aggregate(const std::vector<Expr>& aggregates) const;

  /// Optimizes and runs the plan.
  Table collect() const;
  /// The optimized plan, one operator per line, children indented.
  std::string explain() const;
  /// The plan as written, before optimization.
  std::string explain_unoptimized() const;

  /// The engine's plan node (opaque outside the engine).
  explicit LazyFrame(std::shared_ptr<const detail::PlanNode> node) : node_(std::move(node)) {}
  const std::shared_ptr<const detail::PlanNode>& node() const noexcept { return node_; }

 private:
  std::shared_ptr<const detail::PlanNode> node_;
};

class [[nodiscard]] LazyGroupBy {
 public:
  LazyGroupBy(LazyFrame input, std::vector<std::string> keys)
      : input_(std::move(input)), keys_(std::move(keys)) {}
  LazyFrame agg(const std::vector<Expr>& aggregates) const;

 private:
  LazyFrame input_;
  std::vector<std::string> keys_;
};

}  // namespace setl::engine
