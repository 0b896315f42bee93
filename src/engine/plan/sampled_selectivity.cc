// What share of rows a filter keeps, measured rather than assumed. When every column a
// predicate reads comes unchanged from one in-memory table, the predicate runs on a
// sample of that table's rows: a date range keeping a third of lineitem, a LIKE keeping almost
// nothing and an OR of two nations all come out as they are, where fixed selectivities (a range
// keeps a third, LIKE a tenth) can be off tenfold and steer the join order wrong. Measured once per
// table and predicate text: plans are made again and again over the same tables.
#include <mutex>
#include <unordered_map>

#include "engine/plan/cardinality.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/engine/table.h"

namespace setl::engine::plan {
namespace {

// The sampled rows of one column of `table`.
ColumnPtr sample_of(const Table& table, const std::string& name) {
  ColumnBuilder builder(table.schema()->field(table.schema()->index_of(name)).type);
  for_sampled_rows(table, name, kSampleRows,
                   [&](const Column& column, int64_t row) { builder.append_from(column, row); });
  return builder.finish();
}

class SelectivityCache {
 public:
  std::optional<SampledSelectivity> find(const std::string& key,
                                         const std::shared_ptr<const Column>& column) {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(key);
    if (found == entries_.end() || found->second.column.lock() != column) {
      return std::nullopt;
    }
    return found->second.result;
  }

  void add(const std::string& key, const std::shared_ptr<const Column>& column,
           SampledSelectivity result) {
    std::lock_guard lock(mutex_);
    if (entries_.size() > kMaxEntries) {
      std::erase_if(entries_, [](const auto& entry) { return entry.second.column.expired(); });
      if (entries_.size() > kMaxEntries) {
        entries_.clear();
      }
    }
    entries_[key] = {column, result};
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  struct Entry {
    std::weak_ptr<const Column> column;
    SampledSelectivity result;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

SelectivityCache& cache() {
  static SelectivityCache instance;
  return instance;
}

}  // namespace

std::optional<SampledSelectivity> sampled_selectivity(const Expr& predicate, const NodePtr& input) {
  if (!input) {
    return std::nullopt;
  }
  std::set<std::string> names = columns_of(predicate);
  if (names.empty()) {
    return std::nullopt;
  }
  NodePtr table;
  std::vector<std::pair<std::string, std::string>> columns;  // (predicate's, table's)
  for (const std::string& name : names) {
    std::optional<TracedColumn> traced = trace_column(input, name);
    if (!traced || (table && traced->table != table)) {
      return std::nullopt;
    }
    table = traced->table;
    columns.emplace_back(name, traced->column);
  }
  const Table& rows = *table->table;
  std::vector<ColumnPtr> first = rows.column_chunks(columns.front().second);
  if (rows.num_rows() == 0 || first.empty()) {
    return std::nullopt;
  }
  // The table is known by its first chunk of the first column (alive while it is).
  std::string key = std::to_string(reinterpret_cast<uintptr_t>(first.front().get())) + "|" +
                    std::to_string(rows.num_rows()) + "|" + predicate.to_string();
  for (const auto& [name, column] : columns) {
    key += "|" + std::to_string(name.size()) + ":" + name + "=" + column;
  }
  if (std::optional<SampledSelectivity> known = cache().find(key, first.front())) {
    return known;
  }
  std::vector<std::pair<std::string, ColumnPtr>> sampled;
  for (const auto& [name, column] : columns) {
    sampled.emplace_back(name, sample_of(rows, column));
  }
  SampledSelectivity result;
  try {
    Table sample = Table::from_columns(sampled);
    result = {static_cast<double>(sample.filter(predicate).num_rows()),
              static_cast<double>(sample.num_rows())};
  } catch (const Error&) {
    return std::nullopt;  // the plan's own typing reports what is wrong
  }
  cache().add(key, first.front(), result);
  return result;
}

}  // namespace setl::engine::plan
