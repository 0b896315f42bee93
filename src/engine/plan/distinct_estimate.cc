// How many distinct values a plan's column has, estimated from a sample of the table it
// comes from. Join planning needs to tell a key joined to a foreign key (each row meets
// about one partner) from two low-cardinality columns joined to each other (customers
// and suppliers of one nation: every pair meets). A sample tells the two apart: how often
// its values repeat says how many there are (a column whose sampled values never repeat
// is taken to be a key). The sample's rows are drawn at random: rows stored by value
// (a line item's order) would never repeat in evenly spaced ones. Only columns read
// straight from an in-memory table are sampled; for others (scans, computed columns)
// nothing is known.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <numeric>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "engine/plan/cardinality.h"

namespace setl::engine::plan {
namespace {

using Kind = detail::PlanNode::Kind;

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

// A hash of one cell; NULLs are skipped by the caller.
uint64_t cell_hash(const Column& column, int64_t row) {
  switch (column.type().id()) {
    case TypeId::kInt32:
    case TypeId::kDate32:
      return mix(static_cast<uint64_t>(column.values<int32_t>()[row]));
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      return mix(static_cast<uint64_t>(column.values<int64_t>()[row]));
    case TypeId::kFloat64: {
      uint64_t bits = 0;
      std::memcpy(&bits, column.values<double>() + row, sizeof bits);
      return mix(bits);
    }
    case TypeId::kString:
      return std::hash<std::string_view>{}(column.string_value(row));
    default:
      return std::hash<std::string>{}(column.scalar(row).to_string());
  }
}

// Distinct values of a table's column from a sample: the sample's count when its values
// repeat a lot (the sample has seen them all), the row count when none repeats (a key),
// and in between the number of equally frequent values that would give as many distinct
// ones in a sample of this size: d (1 - (1 - 1/d)^s) = seen.
double distinct_from_sample(double seen, double sampled, double rows) {
  if (seen * 4 <= sampled) {
    return seen;
  }
  if (seen >= sampled) {
    return rows;
  }
  auto expected_seen = [&](double d) { return d * -std::expm1(sampled * std::log1p(-1 / d)); };
  if (expected_seen(rows) <= seen) {
    return rows;
  }
  double low = seen;
  double high = rows;
  for (int i = 0; i < 60; ++i) {
    double middle = (low + high) / 2;
    (expected_seen(middle) < seen ? low : high) = middle;
  }
  return high;
}

double sampled_distinct(const Table& table, const std::string& name) {
  int64_t rows = table.num_rows();
  if (rows <= 0) {
    return 0;
  }
  std::unordered_map<uint64_t, int64_t> counts;
  int64_t sampled = 0;
  for_sampled_rows(table, name, kDistinctSampleRows, [&](const Column& column, int64_t row) {
    if (column.is_valid(row)) {
      ++counts[cell_hash(column, row)];
      ++sampled;
    }
  });
  if (sampled == 0) {
    return static_cast<double>(rows);
  }
  return distinct_from_sample(static_cast<double>(counts.size()), static_cast<double>(sampled),
                              static_cast<double>(rows));
}

// One value per table column, computed once: plans over the same tables are made again
// and again. A column is known by its first chunk, kept weakly so that a freed table's
// entry is never mistaken for a new one at the same address.
template <typename Value>
class PerColumnCache {
 public:
  using Compute = Value (*)(const Table& table, const std::string& name);

  explicit PerColumnCache(Compute compute) : compute_(compute) {}

  Value get(const Table& table, const std::string& name) {
    std::vector<ColumnPtr> chunks = table.column_chunks(name);
    if (chunks.empty()) {
      return compute_(table, name);
    }
    const Column* key = chunks.front().get();
    {
      std::lock_guard lock(mutex_);
      auto found = entries_.find(key);
      if (found != entries_.end() && found->second.column.lock() == chunks.front() &&
          found->second.rows == table.num_rows()) {
        return found->second.value;
      }
    }
    Value value = compute_(table, name);
    std::lock_guard lock(mutex_);
    if (entries_.size() > kMaxEntries) {
      std::erase_if(entries_, [](const auto& entry) { return entry.second.column.expired(); });
    }
    entries_[key] = {chunks.front(), table.num_rows(), value};
    return value;
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  struct Entry {
    std::weak_ptr<const Column> column;
    int64_t rows = 0;
    Value value{};
  };
  Compute compute_;
  std::mutex mutex_;
  std::unordered_map<const Column*, Entry> entries_;
};

double cached_distinct(const Table& table, const std::string& name) {
  static PerColumnCache<double> cache(sampled_distinct);
  return cache.get(table, name);
}

}  // namespace

void for_sampled_rows(const Table& table, const std::string& column, int64_t count,
                      const std::function<void(const Column&, int64_t)>& visit) {
  std::vector<ColumnPtr> chunks = table.column_chunks(column);
  int64_t rows = table.num_rows();
  std::vector<int64_t> positions;
  if (rows <= count) {
    positions.resize(static_cast<size_t>(std::max<int64_t>(rows, 0)));
    std::iota(positions.begin(), positions.end(), 0);
  } else {
    // Random rows, not evenly spaced ones: on a column clustered by value (a line item's
    // order) evenly spaced rows never share a value, and it would pass for a key. The
    // seed is fixed so that a plan is the same on every run.
    std::mt19937_64 random(static_cast<uint64_t>(rows));
    std::unordered_set<int64_t> chosen;
    while (static_cast<int64_t>(chosen.size()) < count) {
      chosen.insert(static_cast<int64_t>(random() % static_cast<uint64_t>(rows)));
    }
    positions.assign(chosen.begin(), chosen.end());
    std::sort(positions.begin(), positions.end());
  }
  int64_t chunk_start = 0;
  size_t chunk = 0;
  for (int64_t row : positions) {
    while (chunk < chunks.size() && row >= chunk_start + chunks[chunk]->length()) {
      chunk_start += chunks[chunk]->length();
      ++chunk;
    }
    if (chunk == chunks.size()) {
      return;
    }
    visit(*chunks[chunk], row - chunk_start);
  }
}

std::optional<TracedColumn> trace_column(const NodePtr& node, const std::string& column,
                                         int depth) {
  if (depth > kMaxTraceDepth || !node->schema->find(column)) {
    return std::nullopt;
  }
  switch (node->kind) {
    case Kind::kTable:
      if (node->partition) {
        return std::nullopt;  // one rank's part: every rank must plan alike
      }
      return TracedColumn{node, column};
    case Kind::kFilter:
    case Kind::kSort:
    case Kind::kLimit:
    case Kind::kDistinct:
    case Kind::kWindow:
      if (node->kind == Kind::kWindow && node->name == column) {
        return std::nullopt;
      }
      return trace_column(node->inputs[0], column, depth + 1);
    case Kind::kProject:
      for (const Expr& expr : node->exprs) {
        if (expr.output_name() == column) {
          return expr.kind() == ExprKind::kColumn
                     ? trace_column(node->inputs[0], expr.name(), depth + 1)
                     : std::nullopt;
        }
      }
      return std::nullopt;
    case Kind::kJoin:
      if (node->join_type == JoinType::kSemi || node->join_type == JoinType::kAnti) {
        return trace_column(node->inputs[0], column, depth + 1);  // the left's columns
      }
      for (const auto& [where, name] : output_names(node)) {
        if (name == column) {
          return trace_column(node->inputs[static_cast<size_t>(where.first)], where.second,
                              depth + 1);
        }
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

namespace {

// Whether no value of a table column repeats (one NULL at most), hashing every row. Equal
// values always hash alike, so a "yes" is exact; a collision only costs a "no". Floats
// are left out: 0.0 and -0.0 group together but differ in bits.
bool unique_in_table(const Table& table, const std::string& name) {
  std::vector<ColumnPtr> chunks = table.column_chunks(name);
  if (chunks.empty() || chunks.front()->type().id() == TypeId::kFloat64 ||
      chunks.front()->type().id() == TypeId::kBool) {
    return false;
  }
  // A repeat in the (cached) sample settles it without reading every row.
  if (cached_distinct(table, name) < static_cast<double>(table.num_rows())) {
    return false;
  }
  // Sorted hashes: 8 bytes a row, where a hash set would take several times that.
  std::vector<uint64_t> hashes;
  hashes.reserve(static_cast<size_t>(table.num_rows()));
  int64_t nulls = 0;
  for (const ColumnPtr& chunk : chunks) {
    for (int64_t row = 0; row < chunk->length(); ++row) {
      if (chunk->is_null(row)) {
        ++nulls;
      } else {
        hashes.push_back(cell_hash(*chunk, row));
      }
    }
  }
  std::sort(hashes.begin(), hashes.end());
  return nulls <= 1 && std::adjacent_find(hashes.begin(), hashes.end()) == hashes.end();
}

}  // namespace

bool unique_column(const NodePtr& node, const std::string& column, int depth) {
  if (depth > kMaxTraceDepth || !node->schema->find(column)) {
    return false;
  }
  switch (node->kind) {
    case Kind::kTable: {
      if (node->partition) {
        return false;
      }
      static PerColumnCache<bool> cache(unique_in_table);
      return cache.get(*node->table, column);
    }
    case Kind::kFilter:
    case Kind::kSort:
    case Kind::kLimit:
    case Kind::kDistinct:
      return unique_column(node->inputs[0], column, depth + 1);
    case Kind::kWindow:
      return node->name != column && unique_column(node->inputs[0], column, depth + 1);
    case Kind::kProject: {
      int shown = 0;  // a column shown twice is still unique in each
      std::optional<std::string> from;
      for (const Expr& expr : node->exprs) {
        if (expr.output_name() == column) {
          ++shown;
          from = expr.kind() == ExprKind::kColumn ? std::optional(expr.name()) : std::nullopt;
        }
      }
      return shown == 1 && from && unique_column(node->inputs[0], *from, depth + 1);
    }
    case Kind::kJoin:
      // A semi or anti join keeps some of its left rows once; other joins repeat them.
      return (node->join_type == JoinType::kSemi || node->join_type == JoinType::kAnti) &&
             unique_column(node->inputs[0], column, depth + 1);
    default:
      return false;
  }
}

std::optional<double> estimated_distinct(const NodePtr& node, const std::string& column) {
  std::optional<TracedColumn> traced = trace_column(node, column);
  if (!traced) {
    return std::nullopt;
  }
  return cached_distinct(*traced->table->table, traced->column);
}

}  // namespace setl::engine::plan
