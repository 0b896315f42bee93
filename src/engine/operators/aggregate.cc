// group_by().agg(), aggregate() and distinct(): hash aggregation with one accumulator per
// aggregate. SQL semantics: sum/mean/min/max/first/last/stddev of no non-NULL value are
// NULL, count(x) counts non-NULL values, count(*) counts rows, NULL keys form one group.
#include <cmath>
#include <limits>
#include <unordered_set>

#include "engine/operators/aggregate.h"
#include "engine/operators/parallel.h"
#include "engine/expr/expr_eval.h"
#include "engine/expr/expr_node.h"
#include "engine/operators/key_index.h"
#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/engine/builder.h"
#include "setl/engine/execution.h"
#include "setl/engine/table.h"

namespace setl::engine {
namespace {

using detail::BoundExpr;
using detail::KeyIndex;

class Accumulator {
 public:
  virtual ~Accumulator() = default;
  virtual void resize(int64_t groups) = 0;
  /// `input` is null for count(*).
  virtual void update(const Column* input, const std::vector<int64_t>& groups, int64_t rows) = 0;
  virtual ColumnPtr finish(int64_t groups) = 0;
  /// Adds another accumulator's partial state (of the same kind); its group i is this
  /// accumulator's group mapping[i].
  virtual void merge(Accumulator& other, const std::vector<int64_t>& mapping) = 0;
};

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
      counts_[static_cast<size_t>(mapping[i])] += partial.counts_[i];
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
    default:
      return static_cast<double>(column.values<int64_t>()[row]);
  }
}

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

// min, max, first and last keep one value per group: the row it came from is copied
// into typed storage.
class PickAccumulator : public Accumulator {
 public:
  enum class Rule { kMin, kMax, kFirst, kLast };
  PickAccumulator(Rule rule, DataType type) : rule_(rule), type_(std::move(type)) {}
  void resize(int64_t groups) override {
    seen_.resize(static_cast<size_t>(groups), 0);
    ints_.resize(static_cast<size_t>(groups), 0);
    doubles_.resize(static_cast<size_t>(groups), 0);
    strings_.resize(static_cast<size_t>(groups));
  }
  void update(const Column* input, const std::vector<int64_t>& groups, int64_t rows) override {
    TypeId id = input->type().id();
    for (int64_t row = 0; row < rows; ++row) {
      if (input->is_null(row)) {
        continue;
      }
      int64_t group_id = groups[static_cast<size_t>(row)];
      if (group_id < 0) {
        continue;  // row filtered out by a selection
      }
      size_t group = static_cast<size_t>(group_id);
      bool first_value = !seen_[group];
      seen_[group] = 1;
      if (rule_ == Rule::kFirst && !first_value) {
        continue;
      }
      bool take = first_value || rule_ == Rule::kLast;
      if (id == TypeId::kString) {
        std::string_view value = input->string_value(row);
        take = take || (rule_ == Rule::kMin ? value < strings_[group] : value > strings_[group]);
        if (take) {
          strings_[group].assign(value);
        }
      } else if (id == TypeId::kFloat64) {
        double value = input->values<double>()[row];
        take = take || (rule_ == Rule::kMin ? value < doubles_[group] : value > doubles_[group]);
        if (take) {
          doubles_[group] = value;
        }
      } else {
        int64_t value = id == TypeId::kBool ? input->bool_value(row)
                        : (id == TypeId::kInt32 || id == TypeId::kDate32)
                            ? input->values<int32_t>()[row]
                            : input->values<int64_t>()[row];
        take = take || (rule_ == Rule::kMin ? value < ints_[group] : value > ints_[group]);
        if (take) {
          ints_[group] = value;
        }
      }
    }
  }
  ColumnPtr finish(int64_t groups) override {
    ColumnBuilder builder(type_, groups);
    for (size_t group = 0; group < static_cast<size_t>(groups); ++group) {
      if (!seen_[group]) {
        builder.append_null();
      } else if (type_.id() == TypeId::kString) {
        builder.append_string(strings_[group]);
      } else if (type_.id() == TypeId::kFloat64) {
        builder.append_double(doubles_[group]);
      } else if (type_.id() == TypeId::kBool) {
        builder.append_bool(ints_[group] != 0);
      } else {
        builder.append_int(ints_[group]);
      }
    }
    return builder.finish();
  }

  void merge(Accumulator& other, const std::vector<int64_t>& mapping) override {
    auto& partial = static_cast<PickAccumulator&>(other);
    for (size_t i = 0; i < mapping.size(); ++i) {
      size_t group = static_cast<size_t>(mapping[i]);
      if (!partial.seen_[i]) {
        continue;
      }
      bool take = !seen_[group] || rule_ == Rule::kLast;
      if (!take && rule_ != Rule::kFirst) {
        bool less = type_.id() == TypeId::kString    ? partial.strings_[i] < strings_[group]
                    : type_.id() == TypeId::kFloat64 ? partial.doubles_[i] < doubles_[group]
                                                     : partial.ints_[i] < ints_[group];
        bool greater = type_.id() == TypeId::kString    ? partial.strings_[i] > strings_[group]
                       : type_.id() == TypeId::kFloat64 ? partial.doubles_[i] > doubles_[group]
                                                        : partial.ints_[i] > ints_[group];
        take = rule_ == Rule::kMin ? less : greater;
      }
      if (take) {
        seen_[group] = 1;
        ints_[group] = partial.ints_[i];
        doubles_[group] = partial.doubles_[i];
        strings_[group] = partial.strings_[i];
      }
    }
  }

 private:
  Rule rule_;
  DataType type_;
  std::vector<uint8_t> seen_;
  std::vector<int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<std::string> strings_;
};

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
  ColumnPtr finish(int64_t groups) override {
    ColumnBuilder builder(DataType::int64(), groups);
    for (size_t group = 0; group < static_cast<size_t>(groups); ++group) {
      builder.append_int(counts_[group]);
    }
    return builder.finish();
  }

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

struct AggregatePlan {
  std::string name;
  std::string function;
  std::optional<BoundExpr> input;  // none for count(*)
  DataType type;
};

AggregatePlan plan_aggregate(const Expr& expr, const Schema& schema) {
  if (expr.kind() != ExprKind::kAggregate) {
    throw SchemaError("agg() takes aggregates such as sum(col(\"x\")) or count_all(); " +
                      expr.to_string() + " is not one");
  }
  AggregatePlan plan;
  plan.name = expr.output_name();
  plan.function = expr.name();
  if (plan.function == "count_all") {
    plan.type = DataType::int64();
    return plan;
  }
  for (const Expr& arg : expr.args()) {
    if (arg.kind() == ExprKind::kAggregate) {
      throw SchemaError("aggregates cannot be nested: " + expr.to_string());
    }
  }
  plan.input = detail::bind(expr.args()[0], schema);
  const DataType& input = plan.input->type;
  auto require_numeric = [&] {
    if (!input.is_numeric() && input.id() != TypeId::kNull) {
      throw SchemaError(plan.function + "() needs a numeric input; " + expr.args()[0].to_string() +
                        " is " + input.to_string());
    }
  };
  if (plan.function == "count" || plan.function == "count_distinct") {
    plan.type = DataType::int64();
  } else if (plan.function == "sum") {
    require_numeric();
    plan.type = input.id() == TypeId::kFloat64 ? DataType::float64() : DataType::int64();
  } else if (plan.function == "mean" || plan.function == "stddev") {
    require_numeric();
    plan.type = DataType::float64();
  } else {
    plan.type = input.id() == TypeId::kNull ? DataType::int64() : input;
  }
  return plan;
}

std::unique_ptr<Accumulator> make_accumulator(const AggregatePlan& plan) {
  const std::string& f = plan.function;
  if (f == "count" || f == "count_all") {
    return std::make_unique<CountAccumulator>();
  }
  if (f == "sum") {
    return std::make_unique<SumAccumulator>(plan.type);
  }
  if (f == "mean" || f == "stddev") {
    return std::make_unique<MomentsAccumulator>(f == "stddev");
  }
  if (f == "count_distinct") {
    return std::make_unique<CountDistinctAccumulator>(plan.input->type);
  }
  PickAccumulator::Rule rule = f == "min"     ? PickAccumulator::Rule::kMin
                               : f == "max"   ? PickAccumulator::Rule::kMax
                               : f == "first" ? PickAccumulator::Rule::kFirst
                                              : PickAccumulator::Rule::kLast;
  return std::make_unique<PickAccumulator>(rule, plan.type);
}

}  // namespace

Table aggregate_batches(const Schema& schema, size_t batch_count, const BatchSource& batch_at,
                        const std::vector<std::string>& keys, const std::vector<Expr>& aggregates) {
  std::vector<size_t> key_indexes;
  std::vector<DataType> key_types;
  std::vector<Field> fields;
  for (const std::string& key : keys) {
    size_t index = schema.index_of(key);
    key_indexes.push_back(index);
    key_types.push_back(schema.field(index).type);
    fields.push_back(schema.field(index));
  }
  std::vector<AggregatePlan> plans;
  for (const Expr& aggregate : aggregates) {
    plans.push_back(plan_aggregate(aggregate, schema));
    fields.push_back({plans.back().name, plans.back().type, true});
  }
  auto output_schema = std::make_shared<Schema>(std::move(fields));

  // Each worker aggregates a contiguous range of batches into a partial state; partials
  // merge in order, so groups keep their first-seen order whatever the thread count.
  struct Partial {
    KeyIndex index;
    std::vector<std::unique_ptr<Accumulator>> accumulators;
  };
  size_t workers =
      std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(num_threads()), batch_count));
  std::vector<Partial> partials;
  for (size_t w = 0; w < workers; ++w) {
    Partial partial{KeyIndex(key_types), {}};
    for (const AggregatePlan& plan : plans) {
      partial.accumulators.push_back(make_accumulator(plan));
    }
    partials.push_back(std::move(partial));
  }
  detail::parallel_for(workers, [&](size_t w) {
    Partial& partial = partials[w];
    size_t first = batch_count * w / workers;
    size_t last = batch_count * (w + 1) / workers;
    std::vector<int64_t> groups;
    for (size_t b = first; b < last; ++b) {
      current_cancellation().check();
      std::optional<SelectedBatch> produced = batch_at(b);
      if (!produced || produced->batch.num_rows() == 0) {
        continue;
      }
      const RecordBatch& batch = produced->batch;
      const uint8_t* selection = produced->selection ? produced->selection->data() : nullptr;
      int64_t rows = batch.num_rows();
      report_progress(rows);
      if (keys.empty()) {
        groups.assign(static_cast<size_t>(rows), 0);
        if (selection != nullptr) {
          for (int64_t row = 0; row < rows; ++row) {
            if (!get_bit(selection, row)) {
              groups[static_cast<size_t>(row)] = -1;
            }
          }
        }
      } else {
        std::vector<ColumnPtr> key_columns;
        for (size_t key : key_indexes) {
          key_columns.push_back(batch.column(key));
        }
        partial.index.insert(key_columns, rows, groups, selection);
      }
      int64_t group_count = keys.empty() ? 1 : partial.index.size();
      for (size_t a = 0; a < plans.size(); ++a) {
        partial.accumulators[a]->resize(group_count);
        ColumnPtr input;
        if (plans[a].input) {
          input = detail::evaluate_column(*plans[a].input, batch);
        }
        partial.accumulators[a]->update(input.get(), groups, rows);
      }
    }
  });
  KeyIndex index(key_types);
  std::vector<std::unique_ptr<Accumulator>>& accumulators = partials.front().accumulators;
  if (!keys.empty()) {
    std::vector<int64_t> first_ids;
    index.insert(partials.front().index.key_columns(), partials.front().index.size(), first_ids);
  }
  for (size_t w = 1; w < workers; ++w) {
    Partial& partial = partials[w];
    int64_t local_groups = keys.empty() ? 1 : partial.index.size();
    std::vector<int64_t> mapping(static_cast<size_t>(local_groups), 0);
    if (!keys.empty()) {
      index.insert(partial.index.key_columns(), local_groups, mapping);
    }
    int64_t global_groups = keys.empty() ? 1 : index.size();
    for (size_t a = 0; a < plans.size(); ++a) {
      accumulators[a]->resize(global_groups);
      partial.accumulators[a]->resize(local_groups);
      accumulators[a]->merge(*partial.accumulators[a], mapping);
    }
  }
  // Without keys there is always exactly one output row, even for an empty input.
  int64_t group_count = keys.empty() ? 1 : index.size();
  std::vector<ColumnPtr> columns = keys.empty() ? std::vector<ColumnPtr>{} : index.key_columns();
  for (auto& accumulator : accumulators) {
    accumulator->resize(group_count);
    columns.push_back(accumulator->finish(group_count));
  }
  RecordBatch result(output_schema, std::move(columns), group_count);
  return Table(output_schema, {std::move(result)});
}

namespace {

Table aggregate_table(const Table& table, const std::vector<std::string>& keys,
                      const std::vector<Expr>& aggregates) {
  const std::vector<RecordBatch>& batches = table.batches();
  return aggregate_batches(
      *table.schema(), batches.size(),
      [&](size_t b) {
        return std::optional<SelectedBatch>({batches[b], nullptr});
      },
      keys, aggregates);
}

}  // namespace

Table GroupedTable::agg(const std::vector<Expr>& aggregates) const {
  if (keys_.empty()) {
    throw SchemaError("group_by needs at least one key column; use aggregate() for totals");
  }
  return aggregate_table(table_, keys_, aggregates);
}

GroupedTable Table::group_by(std::vector<std::string> keys) const {
  for (const std::string& key : keys) {
    schema_->index_of(key);
  }
  return GroupedTable(*this, std::move(keys));
}

Table Table::aggregate(const std::vector<Expr>& aggregates) const {
  return aggregate_table(*this, {}, aggregates);
}

Table Table::distinct() const {
  Table keys = aggregate_table(*this, schema_->names(), {});
  // Keep the input's nullability flags.
  std::vector<RecordBatch> batches;
  for (const RecordBatch& batch : keys.batches()) {
    batches.emplace_back(schema_, batch.columns(), batch.num_rows());
  }
  return Table(schema_, std::move(batches));
}

}  // namespace setl::engine
