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
#include "setl/engine/scan_source.h"
#include "setl/engine/table.h"

namespace setl::engine {

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
  /// A plan over this rank's part of a table spread across the ranks of a distributed run
  /// (setl/engine/distributed.h); from() is for a table every rank holds whole. Without a
  /// distributed run it is the whole table.
  static LazyFrame from_partition(Table part);

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
  /// As Table::join: right columns named like left ones get `right_suffix`.
  LazyFrame join(const LazyFrame& right, const std::vector<std::string>& left_on,
                 const std::vector<std::string>& right_on, JoinType type = JoinType::kInner,
                 std::string right_suffix = "_right") const;
  LazyFrame join(const LazyFrame& right, const std::string& on,
                 JoinType type = JoinType::kInner) const {
    return join(right, {on}, {on}, type);
  }
  /// A join with a condition besides the keys (JoinOptions::condition). With no keys,
  /// every pair of rows is a candidate (a nested-loop join: mind the sizes).
  LazyFrame join(const LazyFrame& right, const std::vector<std::string>& left_on,
                 const std::vector<std::string>& right_on, const JoinOptions& options) const;
  /// Every left row with every right row (right columns the left has get the suffix).
  LazyFrame cross_join(const LazyFrame& right, std::string right_suffix = "_right") const;
  LazyGroupBy group_by(std::vector<std::string> keys) const;
  LazyFrame aggregate(const std::vector<Expr>& aggregates) const;

  /// Optimizes and runs the plan. Under a DistributedScope every rank runs it and gets
  /// the whole result.
  Table collect() const;
  /// Under a DistributedScope: this rank's part of the result (for from_partition() or a
  /// rank's own writes); otherwise collect().
  Table collect_partition() const;
  /// Optimizes and runs the plan, returning the rows as a stream read batch by batch:
  /// memory stays bounded when the result is larger than RAM (write it with a file
  /// connector's sink()). Runs under the memory context current here.
  [[nodiscard]] std::unique_ptr<BatchStream> stream() const;
  /// The optimized plan, one operator per line, children indented.
  std::string explain() const;
  /// The optimizer's estimate of the rows collect() gives (from table sizes, source
  /// statistics such as Parquet footers, and textbook selectivities); nullopt when a
  /// source cannot say how many rows it has. A guide for planning, not a promise.
  std::optional<double> estimated_rows() const;
  /// An estimate of how many distinct values `column` has, from a sample of the
  /// in-memory table it is read from; a column whose sampled values are mostly unique
  /// counts as a key (as many values as that table has rows). nullopt when the column is
  /// computed, comes from a scan, or is not in the result. A guide for planning joins.
  std::optional<double> estimated_distinct(const std::string& column) const;
  /// The plan as written, before optimization.
  std::string explain_unoptimized() const;
  /// Runs the optimized plan (the result is dropped) and returns explain() with what each
  /// operator did: rows and batches it produced, time in its own code (summed over
  /// threads), and for sorts, aggregates, joins and windows the peak of the memory they
  /// reserved; then the result's rows and the wall time:
  ///
  ///   Sort [amount DESC]  (rows=3 batches=1 time=0.1 ms peak=64.0 KiB)
  ///     Filter (amount > 6)  (rows=3 batches=1 time=0.0 ms)
  ///       Table (5 rows) [id, amount]  (rows=5 batches=1 time=0.0 ms)
  ///   3 rows in 0.4 ms (operator times are summed over threads)
  std::string explain_analyze() const;

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
