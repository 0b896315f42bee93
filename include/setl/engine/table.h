// A Table is a schema plus a list of RecordBatches (chunks of up to kDefaultBatchRows
// rows): the data factories hand to each other. Tables are immutable values; every
// operation returns a new Table that shares unchanged column buffers.
//
//   Table orders = ...;
//   Table big = orders.filter("amount > 100 and city in ('NYC', 'LA')")
//                     .with_column("net", col("amount") * (lit(1) - col("discount")))
//                     .group_by({"city"}).agg({sum(col("net")).alias("revenue"), count_all()})
//                     .sort({desc("revenue")});
//   big.show();
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "setl/engine/expr.h"
#include "setl/engine/functions.h"
#include "setl/engine/record_batch.h"

namespace setl::engine {

inline constexpr int64_t kDefaultBatchRows = 65'536;

enum class JoinType { kInner, kLeft, kRight, kFull, kSemi, kAnti };

class GroupedTable;

/// How a join matches rows besides equal keys, and what it outputs.
struct JoinOptions {
  JoinType type = JoinType::kInner;
  /// Added to right column names the left already has.
  std::string right_suffix = "_right";
  /// What a pair of rows with equal keys must also satisfy to match (TRUE; NULL does not
  /// match), such as `l_suppkey_right <> l_suppkey`. It reads the left columns by name and
  /// the right columns by name, with right_suffix where the left has the name (also for
  /// semi and anti joins, and for keys). An outer join keeps a row none of whose pairs
  /// satisfies it; a semi join keeps the rows one of whose pairs does, an anti join the
  /// rows none of whose pairs does. Evaluated on the candidate pairs only, so an error it
  /// raises can only come from a pair with equal keys.
  std::optional<Expr> condition;
};

class [[nodiscard]] Table {
 public:
  /// An empty table with no columns.
  Table();
  /// Throws: SchemaError if a batch's schema differs from `schema`.
  Table(SchemaPtr schema, std::vector<RecordBatch> batches);
  static Table from_batch(RecordBatch batch);
  /// A table from named columns of equal length.
  static Table from_columns(std::vector<std::pair<std::string, ColumnPtr>> columns);
  static Table empty(SchemaPtr schema);

  const SchemaPtr& schema() const noexcept { return schema_; }
  int64_t num_rows() const noexcept { return num_rows_; }
  size_t num_columns() const noexcept { return schema_->num_fields(); }
  const std::vector<RecordBatch>& batches() const noexcept { return batches_; }
  /// The chunks of one column. Throws: SchemaError for an unknown name.
  std::vector<ColumnPtr> column_chunks(std::string_view name) const;
  /// One column as a single chunk (copies when the table has several batches).
  ColumnPtr column(std::string_view name) const;
  /// The cell at a row and column (slow; for tests and display).
  Scalar at(int64_t row, std::string_view column) const;
  /// Bytes of memory the buffers the table references hold, each buffer counted once
  /// however many batches, slices or columns share it.
  int64_t memory_size() const;

  /// All rows in one batch (copies when there are several batches).
  RecordBatch combine() const;
  /// Batches of at most `rows` rows (slices; no copy).
  Table rechunk(int64_t rows = kDefaultBatchRows) const;
  /// Rows [offset, offset + length), sharing buffers.
  Table slice(int64_t offset, int64_t length) const;

  // Relational operations. Expressions are checked against the schema first and fail
  // with SchemaError naming the column (and a close match) or the type problem.
  Table select(const std::vector<Expr>& columns) const;
  Table select(const std::vector<std::string>& names) const;
  /// select({"a", "b"}) selects columns by name (a braced list of names, not literals).
  Table select(std::initializer_list<std::string_view> names) const;
  /// Adds or replaces a column; `value` may be a window function with over().
  Table with_column(std::string name, const Expr& value) const;
  Table rename(const std::vector<std::pair<std::string, std::string>>& renames) const;
  Table drop(const std::vector<std::string>& names) const;
  Table filter(const Expr& predicate) const;
  /// Parses the predicate text (parse_expr) first.
  Table filter(std::string_view predicate) const;
  Table filter(const char* predicate) const { return filter(std::string_view(predicate)); }
  Table filter(const std::string& predicate) const { return filter(std::string_view(predicate)); }
  Table limit(int64_t count, int64_t offset = 0) const;
  Table head(int64_t count) const { return limit(count); }
  /// Rows of both tables, matching columns by name (same names and types required).
  Table union_all(const Table& other) const;
  /// Multi-key, stable sort.
  Table sort(const std::vector<SortKey>& keys) const;
  /// Rows whose values are not all equal to an earlier row's (first occurrence kept).
  Table distinct() const;
  /// Hash join on equal keys; NULL keys never match. Output: left columns then right
  /// columns (right key columns dropped when named like the left ones; other clashing
  /// right names get `right_suffix`, and a suffixed name either side already has is a
  /// SchemaError). Semi and anti joins return left columns only.
  Table join(const Table& right, const std::vector<std::string>& left_on,
             const std::vector<std::string>& right_on, JoinType type = JoinType::kInner,
             std::string right_suffix = "_right") const;
  Table join(const Table& right, const std::string& on, JoinType type = JoinType::kInner) const {
    return join(right, {on}, {on}, type);
  }
  /// A join with a condition besides the keys (JoinOptions::condition).
  Table join(const Table& right, const std::vector<std::string>& left_on,
             const std::vector<std::string>& right_on, const JoinOptions& options) const;
  GroupedTable group_by(std::vector<std::string> keys) const;
  /// Aggregates over the whole table: one row.
  Table aggregate(const std::vector<Expr>& aggregates) const;

  /// An aligned text rendering of the first `max_rows` rows with the schema's types.
  std::string to_string(int64_t max_rows = 20) const;
  /// Prints to_string() to `out` (std::cout by default).
  void show(int64_t max_rows = 20) const;
  void show(std::ostream& out, int64_t max_rows = 20) const;

 private:
  SchemaPtr schema_;
  std::vector<RecordBatch> batches_;
  int64_t num_rows_ = 0;
};

class [[nodiscard]] GroupedTable {
 public:
  GroupedTable(Table table, std::vector<std::string> keys)
      : table_(std::move(table)), keys_(std::move(keys)) {}
  /// One row per distinct key (in first-seen order), the key columns then one column per
  /// aggregate (named by alias or by the expression text).
  Table agg(const std::vector<Expr>& aggregates) const;

 private:
  Table table_;
  std::vector<std::string> keys_;
};

}  // namespace setl::engine
