// Aggregate functions: each registry entry's type rule and accumulator. SQL semantics:
// sum/mean/min/max/first/last/stddev of no non-NULL value are NULL, count(x) counts
// non-NULL values, count(*) counts rows.
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "engine/functions/registry.h"
#include "engine/types/key_index.h"
#include "engine/types/pair_set.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"

namespace setl::engine::detail {
namespace {

class CountAccumulator : public Accumulator {
 public:
  void resize(int64_t groups) override { counts_.resize(static_cast<size_t>(groups), 0); }
  void update(const Column* input, const std::vector<int64_t>& groups, int64_t rows) override {
    if (input == nullptr || input->null_count() == 0) {
      for (int64_t row = 0; row < rows; ++row) {
        int64_t group_id = groups[static_cast<size_t>(row)];
        if (group_id >= 0) {
          ++counts_[static_cast<size_t>(group_id)];
        }
      }
      return;
    }
    for (int64_t row = 0; row < rows; ++row) {
      int64_t group_id = groups[static_cast<size_t>(row)];
      if (group_id >= 0 && input->is_valid(row)) {
        ++counts_[static_cast<size_t>(group_id)];
      }
    }
  }
  ColumnPtr finish(int64_t groups) override {
    ColumnBuilder builder(DataType::int64(), groups);
    for (int64_t count : counts_) {
      builder.append_int(count);
    }
    return builder.finish();
  }
  void merge(Accumulator& other, const std::vector<int64_t>& mapping) override {
    auto& partial = static_cast<CountAccumulator&>(other);
    for (size_t i = 0; i < mapping.size(); ++i) {
      if (mapping[i] >= 0) {
        counts_[static_cast<size_t>(mapping[i])] += partial.counts_[i];
      }
    }
  }

 private:
  std::vector<int64_t> counts_;
};

// Numeric input read as int64 or double.
double number_at(const Column& column, int64_t row) {
  switch (column.type().id()) {
    case TypeId::kFloat64:
      return column.values<double>()[row];
    case TypeId::kInt32:
      return column.values<int32_t>()[row];
    case TypeId::kDecimal:
      return decimal_to_double(column.values<int128>()[row], column.type().scale());
    default:
      return static_cast<double>(column.values<int64_t>()[row]);
  }
}

// sum and mean of decimals: an exact 128-bit total and a count per group. sum gives
// decimal(38, scale) and more than 38 digits is an error rather than a rounded or wrapped
// total; mean divides once at the end (converting every value to double cost more than
// the rest of the aggregation).
class DecimalTotalAccumulator : public Accumulator {
 public:
  DecimalTotalAccumulator(DataType result, int scale) : result_(std::move(result)), scale_(scale) {}
  void resize(int64_t groups) override {
    totals_.resize(static_cast<size_t>(groups), 0);
    counts_.resize(static_cast<size_t>(groups), 0);
  }
  void update(const Column* input, const std::vector<int64_t>& groups, int64_t rows) override {
    const int128* values = input->values<int128>();
    bool has_nulls = input->null_count() > 0;
    bool overflowed = false;
    for (int64_t row = 0; row < rows; ++row) {
      int64_t group_id = groups[static_cast<size_t>(row)];
      if (group_id < 0 || (has_nulls && input->is_null(row))) {
        continue;
      }
      size_t group = static_cast<size_t>(group_id);
      overflowed |= __builtin_add_overflow(totals_[group], values[row], &totals_[group]);
      ++counts_[group];
    }
    if (overflowed) {
      fail();
    }
  }
  ColumnPtr finish(int64_t groups) override {
    ColumnBuilder builder(result_, groups);
    for (size_t group = 0; group < static_cast<size_t>(groups); ++group) {
      if (counts_[group] == 0) {
        builder.append_null();
      } else if (!result_.is_decimal()) {  // mean
        builder.append_double(decimal_to_double(totals_[group], scale_) /
                              static_cast<double>(counts_[group]));
      } else if (!fits_precision(totals_[group], result_.precision())) {
        fail();
      } else {
        builder.append_decimal(totals_[group]);
      }
    }
    return builder.finish();
  }
  void merge(Accumulator& other, const std::vector<int64_t>& mapping) override {
    auto& partial = static_cast<DecimalTotalAccumulator&>(other);
    for (size_t i = 0; i < mapping.size(); ++i) {
      if (mapping[i] < 0) {
        continue;
      }
      size_t group = static_cast<size_t>(mapping[i]);
      counts_[group] += partial.counts_[i];
      if (__builtin_add_overflow(totals_[group], partial.totals_[i], &totals_[group])) {
        fail();
      }
    }
  }

 private:
  [[noreturn]] void fail() const {
    throw SchemaError(std::string("decimal overflow in ") +
                      (result_.is_decimal()
                           ? "sum(): the total does not fit in " + result_.to_string()
                           : std::string("mean(): the sum exceeds 128 bits")) +
                      "; cast the input to float64");
  }
  DataType result_;  // decimal(38, scale) for sum, float64 for mean
  int scale_;
  std::vector<int128> totals_;
  std::vector<int64_t> counts_;
};

class SumAccumulator : public Accumulator {
 public:
  explicit SumAccumulator(DataType type) : type_(std::move(type)) {}
  void resize(int64_t groups) override {
    ints_.resize(static_cast<size_t>(groups), 0);
    doubles_.resize(static_cast<size_t>(groups), 0);
    seen_.resize(static_cast<size_t>(groups), 0);
  }
  void update(const Column* input, const std::vector<int64_t>& groups, int64_t rows) override {
    bool floating = type_.id() == TypeId::kFloat64;
    bool is32 = input->type().id() == TypeId::kInt32;
    if (floating && input->null_count() == 0 && input->type().id() == TypeId::kFloat64) {
      const double* values = input->values<double>();
      for (int64_t row = 0; row < rows; ++row) {
        int64_t group_id = groups[static_cast<size_t>(row)];
        if (group_id < 0) {
          continue;  // row filtered out by a selection
        }
        size_t group = static_cast<size_t>(group_id);
        doubles_[group] += values[row];
        seen_[group] = 1;
      }
      return;
    }
    for (int64_t row = 0; row < rows; ++row) {
      if (input->is_null(row)) {
        continue;
      }
      int64_t group_id = groups[static_cast<size_t>(row)];
      if (group_id < 0) {
        continue;  // row filtered out by a selection
      }
      size_t group = static_cast<size_t>(group_id);
      seen_[group] = 1;
      if (floating) {
        doubles_[group] += number_at(*input, row);
      } else {
        int64_t value = is32 ? input->values<int32_t>()[row] : input->values<int64_t>()[row];
        if (__builtin_add_overflow(ints_[group], value, &ints_[group])) {
          throw SchemaError("integer overflow in sum(); cast the input to float64");
        }
      }
    }
  }
  ColumnPtr finish(int64_t groups) override {
    ColumnBuilder builder(type_, groups);
    for (size_t group = 0; group < static_cast<size_t>(groups); ++group) {
      if (!seen_[group]) {
        builder.append_null();
      } else if (type_.id() == TypeId::kFloat64) {
        builder.append_double(doubles_[group]);
      } else {
        builder.append_int(ints_[group]);
      }
    }
    return builder.finish();
  }

  void merge(Accumulator& other, const std::vector<int64_t>& mapping) override {
    auto& partial = static_cast<SumAccumulator&>(other);
    for (size_t i = 0; i < mapping.size(); ++i) {
      if (mapping[i] < 0) {
        continue;
      }
      size_t group = static_cast<size_t>(mapping[i]);
      if (!partial.seen_[i]) {
        continue;
      }
      seen_[group] = 1;
      doubles_[group] += partial.doubles_[i];
      if (__builtin_add_overflow(ints_[group], partial.ints_[i], &ints_[group])) {
        throw SchemaError("integer overflow in sum(); cast the input to float64");
      }
    }
  }

 private:
  DataType type_;
  std::vector<int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<uint8_t> seen_;
};

// mean and stddev: Welford's running mean and sum of squared deviations.
class MomentsAccumulator : public Accumulator {
 public:
  explicit MomentsAccumulator(bool stddev) : stddev_(stddev) {}
  void resize(int64_t groups) override {
    counts_.resize(static_cast<size_t>(groups), 0);
    means_.resize(static_cast<size_t>(groups), 0);
    squares_.resize(static_cast<size_t>(groups), 0);
    sums_.resize(static_cast<size_t>(groups), 0);
  }
  void update(const Column* input, const std::vector<int64_t>& groups, int64_t rows) override {
    if (!stddev_) {
      // A mean needs only sums and counts; finish() divides.
      bool dense = input->null_count() == 0 && input->type().id() == TypeId::kFloat64;
      const double* values = dense ? input->values<double>() : nullptr;
      for (int64_t row = 0; row < rows; ++row) {
        if (!dense && input->is_null(row)) {
          continue;
        }
        int64_t group_id = groups[static_cast<size_t>(row)];
        if (group_id < 0) {
          continue;  // row filtered out by a selection
        }
        size_t group = static_cast<size_t>(group_id);
        sums_[group] += dense ? values[row] : number_at(*input, row);
        ++counts_[group];
      }
      return;
    }
    for (int64_t row = 0; row < rows; ++row) {
      if (input->is_null(row)) {
        continue;
      }
      int64_t group_id = groups[static_cast<size_t>(row)];
      if (group_id < 0) {
        continue;  // row filtered out by a selection
      }
      size_t group = static_cast<size_t>(group_id);
      double value = number_at(*input, row);
      sums_[group] += value;
      double count = static_cast<double>(++counts_[group]);
      double delta = value - means_[group];
      means_[group] += delta / count;
      squares_[group] += delta * (value - means_[group]);
    }
  }
  ColumnPtr finish(int64_t groups) override {
    ColumnBuilder builder(DataType::float64(), groups);
    for (size_t group = 0; group < static_cast<size_t>(groups); ++group) {
      int64_t count = counts_[group];
      if (count == 0 || (stddev_ && count < 2)) {
        builder.append_null();
      } else {
        // The mean is sum / count (what SQL engines return); Welford's running mean only
        // feeds the deviation sum.
        builder.append_double(stddev_ ? std::sqrt(squares_[group] / static_cast<double>(count - 1))
                                      : sums_[group] / static_cast<double>(count));
      }
    }
    return builder.finish();
  }

  void merge(Accumulator& other, const std::vector<int64_t>& mapping) override {
    auto& partial = static_cast<MomentsAccumulator&>(other);
    for (size_t i = 0; i < mapping.size(); ++i) {
      if (mapping[i] < 0) {
        continue;
      }
      size_t group = static_cast<size_t>(mapping[i]);
      int64_t n_b = partial.counts_[i];
      if (n_b == 0) {
        continue;
      }
      int64_t n_a = counts_[group];
      double n = static_cast<double>(n_a + n_b);
      double delta = partial.means_[i] - means_[group];
      means_[group] += delta * static_cast<double>(n_b) / n;
      squares_[group] += partial.squares_[i] +
                         delta * delta * static_cast<double>(n_a) * static_cast<double>(n_b) / n;
      sums_[group] += partial.sums_[i];
      counts_[group] = n_a + n_b;
    }
  }

 private:
  bool stddev_;
  std::vector<int64_t> counts_;
  std::vector<double> means_;
  std::vector<double> squares_;
  std::vector<double> sums_;
};

enum class PickRule { kMin, kMax, kFirst, kLast };

// min, max, first and last keep one value per group, in the storage of their type
// (int64_t for bool, integers, dates and timestamps): the input type is dispatched once per
// batch, not per row.
template <class Stored>
class PickAccumulator final : public Accumulator {
 public:
  PickAccumulator(PickRule rule, DataType type) : rule_(rule), type_(std::move(type)) {}
  void resize(int64_t groups) override {
    seen_.resize(static_cast<size_t>(groups), 0);
    values_.resize(static_cast<size_t>(groups));
  }
  void update(const Column* input, const std::vector<int64_t>& groups, int64_t rows) override {
    const Column& column = *input;
    if constexpr (std::is_same_v<Stored, std::string>) {
      pick(column, groups, rows, [&](int64_t row) { return column.string_value(row); });
    } else if constexpr (!std::is_same_v<Stored, int64_t>) {  // double, int128
      const Stored* values = column.values<Stored>();
      pick(column, groups, rows, [&](int64_t row) { return values[row]; });
    } else if (column.type().id() == TypeId::kBool) {
      pick(column, groups, rows, [&](int64_t row) { return int64_t{column.bool_value(row)}; });
    } else if (column.type().byte_width() == 4) {
      const int32_t* values = column.values<int32_t>();
      pick(column, groups, rows, [&](int64_t row) { return int64_t{values[row]}; });
    } else if (column.type().id() != TypeId::kNull) {
      const int64_t* values = column.values<int64_t>();
      pick(column, groups, rows, [&](int64_t row) { return values[row]; });
    }
  }
  ColumnPtr finish(int64_t groups) override {
    ColumnBuilder builder(type_, groups);
    for (size_t group = 0; group < static_cast<size_t>(groups); ++group) {
      if (!seen_[group]) {
        builder.append_null();
        continue;
      }
      const Stored& value = values_[group];
      if constexpr (std::is_same_v<Stored, std::string>) {
        builder.append_string(value);
      } else if constexpr (std::is_same_v<Stored, double>) {
        builder.append_double(value);
      } else if constexpr (std::is_same_v<Stored, int128>) {
        builder.append_decimal(value);
      } else {
        type_.id() == TypeId::kBool ? builder.append_bool(value != 0) : builder.append_int(value);
      }
    }
    return builder.finish();
  }

  void merge(Accumulator& other, const std::vector<int64_t>& mapping) override {
    auto& partial = static_cast<PickAccumulator&>(other);
    for (size_t i = 0; i < mapping.size(); ++i) {
      if (mapping[i] < 0 || !partial.seen_[i]) {
        continue;
      }
      size_t group = static_cast<size_t>(mapping[i]);
      bool take = !seen_[group] || rule_ == PickRule::kLast ||
                  (rule_ == PickRule::kMin && partial.values_[i] < values_[group]) ||
                  (rule_ == PickRule::kMax && partial.values_[i] > values_[group]);
      if (take) {
        seen_[group] = 1;
        values_[group] = partial.values_[i];
      }
    }
  }

 private:
  template <class Get>
  void pick(const Column& input, const std::vector<int64_t>& groups, int64_t rows, Get get) {
    bool has_nulls = input.null_count() > 0;
    for (int64_t row = 0; row < rows; ++row) {
      int64_t group_id = groups[static_cast<size_t>(row)];
      if (group_id < 0 || (has_nulls && input.is_null(row))) {
        continue;  // filtered out by a selection, or NULL
      }
      size_t group = static_cast<size_t>(group_id);
      bool first_value = !seen_[group];
      seen_[group] = 1;
      if (rule_ == PickRule::kFirst && !first_value) {
        continue;
      }
      auto value = get(row);
      if (first_value || rule_ == PickRule::kLast ||
          (rule_ == PickRule::kMin ? value < values_[group] : value > values_[group])) {
        values_[group] = Stored(value);
      }
    }
  }

  PickRule rule_;
  DataType type_;
  std::vector<uint8_t> seen_;
  std::vector<Stored> values_;
};

// The first `groups` counts as an int64 column.
ColumnPtr counts_column(const std::vector<int64_t>& counts, int64_t groups) {
  ColumnBuilder builder(DataType::int64(), groups);
  for (size_t group = 0; group < static_cast<size_t>(groups); ++group) {
    builder.append_int(counts[group]);
  }
  return builder.finish();
}

// count_distinct: distinct (group, value) pairs, counted per group.
class CountDistinctAccumulator : public Accumulator {
 public:
  explicit CountDistinctAccumulator(const DataType& type) : pairs_({DataType::int64(), type}) {}
  void resize(int64_t groups) override { counts_.resize(static_cast<size_t>(groups), 0); }
  void update(const Column* input, const std::vector<int64_t>& groups, int64_t rows) override {
    ColumnBuilder group_ids(DataType::int64(), rows);
    for (int64_t row = 0; row < rows; ++row) {
      group_ids.append_int(groups[static_cast<size_t>(row)]);
    }
    // A non-owning handle: the caller keeps `input` alive for this call.
    ColumnPtr values(ColumnPtr(), input);
    std::vector<int64_t> ids;
    int64_t next_new_id = pairs_.size();
    pairs_.insert({group_ids.finish(), values}, rows, ids);
    // New pairs get consecutive ids at their first row, so a row carrying the next new id
    // is the first occurrence of its pair.
    for (int64_t row = 0; row < rows; ++row) {
      if (ids[static_cast<size_t>(row)] == next_new_id) {
        ++next_new_id;
        int64_t group_id = groups[static_cast<size_t>(row)];
        if (group_id >= 0 && input->is_valid(row)) {
          ++counts_[static_cast<size_t>(group_id)];
        }
      }
    }
  }
  ColumnPtr finish(int64_t groups) override { return counts_column(counts_, groups); }

  void merge(Accumulator& other, const std::vector<int64_t>& mapping) override {
    auto& partial = static_cast<CountDistinctAccumulator&>(other);
    std::vector<ColumnPtr> pairs = partial.pairs_.key_columns();
    int64_t rows = partial.pairs_.size();
    std::vector<int64_t> groups(static_cast<size_t>(rows));
    for (int64_t row = 0; row < rows; ++row) {
      int64_t local = pairs[0]->values<int64_t>()[row];
      groups[static_cast<size_t>(row)] = local < 0 ? -1 : mapping[static_cast<size_t>(local)];
    }
    update(pairs[1].get(), groups, rows);
  }

 private:
  KeyIndex pairs_;
  std::vector<int64_t> counts_;
};

// count_distinct of integers, dates and timestamps. Most groups see few distinct values
// (an order's suppliers), so each group keeps its values in a chain through flat arrays,
// searched in place; a group past kChainLimit values moves them to a hash set of
// (group, value) pairs. TPC-H Q21 counts the suppliers of 1.5 M orders: 6 s with the
// general key index, a single pair set still thrashed the cache.
class IntegerCountDistinctAccumulator : public Accumulator {
 public:
  explicit IntegerCountDistinctAccumulator(bool narrow) : narrow_(narrow) {}
  void resize(int64_t groups) override {
    counts_.resize(static_cast<size_t>(groups), 0);
    heads_.resize(static_cast<size_t>(groups), kEnd);
  }
  void update(const Column* input, const std::vector<int64_t>& groups, int64_t rows) override {
    for (int64_t row = 0; row < rows; ++row) {
      int64_t group_id = groups[static_cast<size_t>(row)];
      if (group_id >= 0 && input->is_valid(row)) {
        add(group_id, narrow_ ? input->values<int32_t>()[row] : input->values<int64_t>()[row]);
      }
    }
  }
  ColumnPtr finish(int64_t groups) override { return counts_column(counts_, groups); }
  void merge(Accumulator& other, const std::vector<int64_t>& mapping) override {
    auto& partial = static_cast<IntegerCountDistinctAccumulator&>(other);
    for (size_t local = 0; local < partial.heads_.size(); ++local) {
      int64_t group_id = mapping[local];
      if (group_id < 0) {
        continue;
      }
      for (int64_t at = partial.heads_[local]; at >= 0;
           at = partial.next_[static_cast<size_t>(at)]) {
        add(group_id, partial.values_[static_cast<size_t>(at)]);
      }
    }
    partial.large_.for_each([&](int64_t local, int64_t value) {
      int64_t group_id = mapping[static_cast<size_t>(local)];
      if (group_id >= 0) {
        add(group_id, value);
      }
    });
  }

 private:
  static constexpr int64_t kEnd = -1;
  static constexpr int64_t kInLargeSet = -2;  // the group's values are in large_
  static constexpr int64_t kChainLimit = 32;

  void add(int64_t group_id, int64_t value) {
    size_t group = static_cast<size_t>(group_id);
    int64_t& head = heads_[group];
    if (head == kInLargeSet) {
      counts_[group] += large_.insert(group_id, value) ? 1 : 0;
      return;
    }
    for (int64_t at = head; at >= 0; at = next_[static_cast<size_t>(at)]) {
      if (values_[static_cast<size_t>(at)] == value) {
        return;
      }
    }
    if (counts_[group] == kChainLimit) {
      // The chain's entries stay in the arrays unused: at most kChainLimit per large group.
      for (int64_t at = head; at >= 0; at = next_[static_cast<size_t>(at)]) {
        large_.insert(group_id, values_[static_cast<size_t>(at)]);
      }
      head = kInLargeSet;
      large_.insert(group_id, value);
      ++counts_[group];
      return;
    }
    values_.push_back(value);
    next_.push_back(head);
    head = static_cast<int64_t>(values_.size()) - 1;
    ++counts_[group];
  }

  bool narrow_;  // int32 or date32 values
  std::vector<int64_t> counts_;
  std::vector<int64_t> heads_;  // per group: its chain's first entry, kEnd or kInLargeSet
  std::vector<int64_t> values_;
  std::vector<int64_t> next_;
  PairSet large_;
};

void require_numeric(const Expr& call, const DataType& input) {
  if (!input.is_numeric() && input.id() != TypeId::kNull) {
    throw SchemaError(call.name() + "() needs a numeric input; " + call.args()[0].to_string() +
                      " is " + input.to_string());
  }
}

DataType count_type(const Expr&, const DataType&) {
  return DataType::int64();
}
DataType sum_type(const Expr& call, const DataType& input) {
  require_numeric(call, input);
  if (input.is_decimal()) {
    return DataType::decimal(kMaxDecimalPrecision, input.scale());
  }
  return input.id() == TypeId::kFloat64 ? DataType::float64() : DataType::int64();
}
DataType moments_type(const Expr& call, const DataType& input) {
  require_numeric(call, input);
  return DataType::float64();
}
DataType pick_type(const Expr&, const DataType& input) {
  return input.id() == TypeId::kNull ? DataType::int64() : input;
}

std::unique_ptr<Accumulator> make_count(const DataType&, const DataType&) {
  return std::make_unique<CountAccumulator>();
}
std::unique_ptr<Accumulator> make_count_distinct(const DataType& input, const DataType&) {
  if (input.is_integer() || input.is_temporal()) {
    bool narrow = input.id() == TypeId::kInt32 || input.id() == TypeId::kDate32;
    return std::make_unique<IntegerCountDistinctAccumulator>(narrow);
  }
  return std::make_unique<CountDistinctAccumulator>(input);
}
std::unique_ptr<Accumulator> make_sum(const DataType&, const DataType& result) {
  if (result.is_decimal()) {
    return std::make_unique<DecimalTotalAccumulator>(result, result.scale());
  }
  return std::make_unique<SumAccumulator>(result);
}
template <bool stddev>
std::unique_ptr<Accumulator> make_moments(const DataType& input, const DataType&) {
  if (!stddev && input.is_decimal()) {
    return std::make_unique<DecimalTotalAccumulator>(DataType::float64(), input.scale());
  }
  return std::make_unique<MomentsAccumulator>(stddev);
}
template <PickRule rule>
std::unique_ptr<Accumulator> make_pick(const DataType&, const DataType& result) {
  switch (result.id()) {
    case TypeId::kString:
      return std::make_unique<PickAccumulator<std::string>>(rule, result);
    case TypeId::kFloat64:
      return std::make_unique<PickAccumulator<double>>(rule, result);
    case TypeId::kDecimal:
      return std::make_unique<PickAccumulator<int128>>(rule, result);
    default:
      return std::make_unique<PickAccumulator<int64_t>>(rule, result);
  }
}

constexpr const char* kSkipsNulls = "NULL values are skipped; NULL when no value is left";

FunctionInfo info(const char* name, const char* signature, const char* doc,
                  const char* nulls = kSkipsNulls, std::vector<std::string> aliases = {}) {
  return {name, FunctionKind::kAggregate, "aggregate", 1, 1, signature, nulls,
          doc,  std::move(aliases)};
}

}  // namespace

void register_aggregate_functions(FunctionRegistry& r) {
  using Rule = PickRule;
  r.add(AggregateFunction{info("count", "count(x) -> int64", "Number of non-NULL values",
                               "counts non-NULL values; 0 for an empty group"),
                          count_type, make_count});
  FunctionInfo count_all =
      info("count_all", "count(*) -> int64", "Number of rows", "counts every row");
  count_all.min_args = count_all.max_args = 0;
  r.add(AggregateFunction{std::move(count_all), count_type, make_count});
  r.add(AggregateFunction{
      info("count_distinct", "count_distinct(x) -> int64", "Number of distinct non-NULL values",
           "NULL is not counted; 0 for an empty group"),
      count_type, make_count_distinct});
  r.add(
      AggregateFunction{info("sum", "sum(x: number) -> int64 | float64 | decimal(38,s)",
                             "Sum; integer and decimal overflow are errors; decimals sum exactly"),
                        sum_type, make_sum});
  r.add(AggregateFunction{
      info("mean", "mean(x: number) -> float64", "Arithmetic mean", kSkipsNulls, {"avg"}),
      moments_type, make_moments<false>});
  r.add(AggregateFunction{
      info("stddev", "stddev(x: number) -> float64", "Sample standard deviation (n - 1)",
           "NULL values are skipped; NULL with fewer than two values"),
      moments_type, make_moments<true>});
  r.add(AggregateFunction{info("min", "min(x) -> type of x", "Smallest value"), pick_type,
                          make_pick<Rule::kMin>});
  r.add(AggregateFunction{info("max", "max(x) -> type of x", "Largest value"), pick_type,
                          make_pick<Rule::kMax>});
  r.add(AggregateFunction{
      info("first", "first(x) -> type of x", "First non-NULL value in input order"), pick_type,
      make_pick<Rule::kFirst>});
  r.add(
      AggregateFunction{info("last", "last(x) -> type of x", "Last non-NULL value in input order"),
                        pick_type, make_pick<Rule::kLast>});
}

}  // namespace setl::engine::detail
