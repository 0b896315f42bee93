#include "engine/operators/hash_join.h"

#include <set>

#include "engine/expr/expr_eval.h"
#include "engine/operators/parallel.h"
#include "engine/types/column_ops.h"
#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"

namespace setl::engine::detail {
namespace {

bool compatible_keys(const DataType& a, const DataType& b) {
  return a == b || (a.is_integer() && b.is_integer()) ||
         (a.is_decimal() && b.is_decimal() && a.scale() == b.scale());
}

// COALESCE(left, right) of two columns of the same type, row by row.
ColumnPtr coalesce_columns(const Column& left, const Column& right) {
  ColumnBuilder builder(left.type(), left.length());
  for (int64_t row = 0; row < left.length(); ++row) {
    builder.append_from(left.is_valid(row) ? left : right, row);
  }
  return builder.finish();
}

bool semi_or_anti(JoinType type) {
  return type == JoinType::kSemi || type == JoinType::kAnti;
}

void column_names(const Expr& expr, std::set<std::string>& names) {
  if (expr.kind() == ExprKind::kColumn) {
    names.insert(expr.name());
  }
  for (const Expr& arg : expr.args()) {
    column_names(arg, names);
  }
}

}  // namespace

SchemaPtr condition_schema(const Schema& left, const Schema& right, const std::string& suffix) {
  std::vector<Field> fields = left.fields();
  for (Field field : right.fields()) {
    if (left.find(field.name)) {
      field.name += suffix;
    }
    fields.push_back(std::move(field));
  }
  return std::make_shared<Schema>(std::move(fields));
}

// The condition reads only some columns: pairs are gathered for those alone.
struct JoinHashTable::BoundCondition {
  std::vector<size_t> left_columns;
  std::vector<size_t> right_columns;
  SchemaPtr schema;
  BoundExpr bound;
};

JoinHashTable::JoinHashTable(SchemaPtr left, SchemaPtr right, JoinSpec spec)
    : left_(std::move(left)), right_(std::move(right)), spec_(std::move(spec)), index_({}) {
  const auto& left_on = spec_.left_on;
  const auto& right_on = spec_.right_on;
  if (left_on.empty() || left_on.size() != right_on.size()) {
    throw SchemaError("join needs the same, non-zero number of left and right keys (got " +
                      std::to_string(left_on.size()) + " and " + std::to_string(right_on.size()) +
                      ")");
  }
  for (size_t k = 0; k < left_on.size(); ++k) {
    left_keys_.push_back(left_->index_of(left_on[k]));
    right_keys_.push_back(right_->index_of(right_on[k]));
    const DataType& l = left_->field(left_keys_.back()).type;
    const DataType& r = right_->field(right_keys_.back()).type;
    if (!compatible_keys(l, r)) {
      throw SchemaError("join key \"" + left_on[k] + "\" is " + l.to_string() + " but \"" +
                        right_on[k] + "\" is " + r.to_string() + "; cast one side");
    }
    key_types_.push_back(r);
  }
  index_ = KeyIndex(key_types_);
  if (spec_.condition) {
    SchemaPtr pairs = condition_schema(*left_, *right_, spec_.right_suffix);
    std::set<std::string> used;
    column_names(*spec_.condition, used);
    auto condition = std::make_shared<BoundCondition>();
    std::vector<Field> fields;
    for (size_t i = 0; i < pairs->num_fields(); ++i) {
      if (used.count(pairs->field(i).name) > 0) {
        (i < left_->num_fields() ? condition->left_columns : condition->right_columns)
            .push_back(i < left_->num_fields() ? i : i - left_->num_fields());
        fields.push_back(pairs->field(i));
      }
    }
    for (const std::string& name : used) {
      pairs->index_of(name);  // an unknown column: SchemaError with the closest name
    }
    condition->schema = std::make_shared<Schema>(std::move(fields));
    condition->bound = bind(*spec_.condition, *condition->schema);
    if (condition->bound.type.id() != TypeId::kBool &&
        condition->bound.type.id() != TypeId::kNull) {
      throw SchemaError("a join condition must be a bool, but " + spec_.condition->to_string() +
                        " is " + condition->bound.type.to_string());
    }
    condition_ = std::move(condition);
  }
  if (semi_or_anti(spec_.type)) {
    output_ = left_;
    return;
  }
  std::set<size_t> merged_right_keys;
  for (size_t k = 0; k < left_keys_.size(); ++k) {
    if (left_on[k] == right_on[k]) {
      merged_right_keys.insert(right_keys_[k]);
      merged_.emplace_back(left_keys_[k], right_keys_[k]);
    }
  }
  bool left_may_be_missing = spec_.type == JoinType::kRight || spec_.type == JoinType::kFull;
  bool right_may_be_missing = spec_.type == JoinType::kLeft || spec_.type == JoinType::kFull;
  std::vector<Field> fields;
  for (const Field& field : left_->fields()) {
    fields.push_back({field.name, field.type, field.nullable || left_may_be_missing});
  }
  for (size_t i = 0; i < right_->num_fields(); ++i) {
    if (merged_right_keys.count(i) > 0) {
      continue;
    }
    Field field = right_->field(i);
    if (left_->find(field.name)) {
      field.name += spec_.right_suffix;
      bool clashes_left = left_->find(field.name).has_value();
      if (clashes_left || right_->find(field.name)) {
        throw SchemaError("join: renaming the right column \"" + right_->field(i).name +
                          "\" to \"" + field.name + "\" clashes with " +
                          (clashes_left ? "a left" : "another right") +
                          " column; rename one of them before the join, or pick another "
                          "right_suffix");
      }
    }
    field.nullable = field.nullable || right_may_be_missing;
    fields.push_back(std::move(field));
    right_output_.push_back(i);
  }
  output_ = std::make_shared<Schema>(std::move(fields));
}

void JoinHashTable::build(RecordBatch right) {
  build_ = std::move(right);
  std::vector<ColumnPtr> keys;
  for (size_t key : right_keys_) {
    keys.push_back(build_.column(key));
  }
  if (spec_.type == JoinType::kRight || spec_.type == JoinType::kFull) {
    size_t rows = static_cast<size_t>(std::max<int64_t>(build_.num_rows(), 0));
    matched_ = std::make_unique<std::atomic<uint8_t>[]>(rows);  // only they report unmatched
  }
  packed_ = PackedKeyTable::try_build(keys, build_.num_rows());
  if (packed_) {
    current_cancellation().check();
    return;
  }
  // Key id per build row (rows with a NULL key are left out), chained by id in row order.
  std::vector<int64_t> ids;
  index_.insert(keys, build_.num_rows(), ids);
  head_.assign(static_cast<size_t>(index_.size()), -1);
  next_.assign(static_cast<size_t>(build_.num_rows()), -1);
  for (int64_t row = build_.num_rows() - 1; row >= 0; --row) {
    bool has_null = false;
    for (const ColumnPtr& key : keys) {
      has_null = has_null || key->is_null(row);
    }
    if (has_null) {
      continue;
    }
    size_t id = static_cast<size_t>(ids[static_cast<size_t>(row)]);
    next_[static_cast<size_t>(row)] = head_[id];
    head_[id] = row;
  }
  current_cancellation().check();
}

RecordBatch JoinHashTable::probe(const RecordBatch& left) {
  std::vector<ColumnPtr> keys;
  for (size_t key : left_keys_) {
    keys.push_back(left.column(key));
  }
  // The first matching build row of each left row (-1: none).
  std::vector<int64_t> first;
  if (packed_) {
    packed_->find(keys, left.num_rows(), first);
  } else {
    index_.find(keys, left.num_rows(), first);
    for (int64_t& id : first) {
      id = id < 0 ? -1 : head_[static_cast<size_t>(id)];
    }
  }
  std::vector<int64_t> left_rows;
  std::vector<int64_t> right_rows;
  JoinType type = spec_.type;
  bool track = type == JoinType::kRight || type == JoinType::kFull;
  if (!condition_) {
    for (int64_t row = 0; row < left.num_rows(); ++row) {
      int64_t match = first[static_cast<size_t>(row)];
      if (semi_or_anti(type)) {
        if ((match >= 0) == (type == JoinType::kSemi)) {
          left_rows.push_back(row);
        }
        continue;
      }
      if (match < 0) {
        if (type == JoinType::kLeft || type == JoinType::kFull) {
          left_rows.push_back(row);
          right_rows.push_back(-1);
        }
        continue;
      }
      for (; match >= 0; match = next_match(match)) {
        left_rows.push_back(row);
        right_rows.push_back(match);
        if (track) {
          matched_[static_cast<size_t>(match)].store(1, std::memory_order_relaxed);
        }
      }
    }
    return assemble(left, left_rows, right_rows);
  }
  // Every pair with equal keys is a candidate; the condition decides which match.
  for (int64_t row = 0; row < left.num_rows(); ++row) {
    for (int64_t match = first[static_cast<size_t>(row)]; match >= 0; match = next_match(match)) {
      left_rows.push_back(row);
      right_rows.push_back(match);
    }
  }
  keep_satisfying(left, left_rows, right_rows);
  std::vector<int64_t> out_left;
  std::vector<int64_t> out_right;
  size_t pair = 0;
  for (int64_t row = 0; row < left.num_rows(); ++row) {
    size_t first_pair = pair;
    while (pair < left_rows.size() && left_rows[pair] == row) {
      ++pair;
    }
    bool matched = pair > first_pair;
    if (semi_or_anti(type)) {
      if (matched == (type == JoinType::kSemi)) {
        out_left.push_back(row);
      }
      continue;
    }
    if (!matched) {
      if (type == JoinType::kLeft || type == JoinType::kFull) {
        out_left.push_back(row);
        out_right.push_back(-1);
      }
      continue;
    }
    for (size_t p = first_pair; p < pair; ++p) {
      out_left.push_back(row);
      out_right.push_back(right_rows[p]);
      if (track) {
        matched_[static_cast<size_t>(right_rows[p])].store(1, std::memory_order_relaxed);
      }
    }
  }
  return assemble(left, out_left, out_right);
}

void JoinHashTable::keep_satisfying(const RecordBatch& left, std::vector<int64_t>& left_rows,
                                    std::vector<int64_t>& right_rows) const {
  if (left_rows.empty()) {
    return;
  }
  const BoundCondition& condition = *condition_;
  std::vector<ColumnPtr> columns;
  for (size_t column : condition.left_columns) {
    columns.push_back(take(*left.column(column), left_rows));
  }
  for (size_t column : condition.right_columns) {
    columns.push_back(take(*build_.column(column), right_rows));
  }
  auto rows = static_cast<int64_t>(left_rows.size());
  RecordBatch pairs(condition.schema, std::move(columns), rows);
  ColumnPtr holds = evaluate_column(condition.bound, pairs);
  size_t kept = 0;
  for (int64_t i = 0; i < rows; ++i) {
    if (holds->is_valid(i) && holds->bool_value(i)) {
      left_rows[kept] = left_rows[static_cast<size_t>(i)];
      right_rows[kept] = right_rows[static_cast<size_t>(i)];
      ++kept;
    }
  }
  left_rows.resize(kept);
  right_rows.resize(kept);
}

int64_t JoinHashTable::next_match(int64_t match) const {
  return packed_ ? packed_->next(match) : next_[static_cast<size_t>(match)];
}

std::optional<RecordBatch> JoinHashTable::unmatched_build_rows() const {
  if (spec_.type != JoinType::kRight && spec_.type != JoinType::kFull) {
    return std::nullopt;
  }
  std::vector<int64_t> left_rows;
  std::vector<int64_t> right_rows;
  for (int64_t row = 0; row < build_.num_rows(); ++row) {
    if (!matched_[static_cast<size_t>(row)].load(std::memory_order_relaxed)) {
      left_rows.push_back(-1);
      right_rows.push_back(row);
    }
  }
  if (left_rows.empty()) {
    return std::nullopt;
  }
  std::vector<ColumnPtr> no_columns;
  for (const Field& field : left_->fields()) {
    no_columns.push_back(Column::nulls(field.type, 0));
  }
  return assemble(RecordBatch(left_, std::move(no_columns), 0), left_rows, right_rows);
}

RecordBatch JoinHashTable::assemble(const RecordBatch& left, const std::vector<int64_t>& left_rows,
                                    const std::vector<int64_t>& right_rows) const {
  int64_t rows = static_cast<int64_t>(left_rows.size());
  size_t left_count = left_->num_fields();
  if (semi_or_anti(spec_.type)) {
    std::vector<ColumnPtr> columns(left_count);
    parallel_for(columns.size(), [&](size_t i) { columns[i] = take(*left.column(i), left_rows); });
    return RecordBatch(output_, std::move(columns), rows);
  }
  std::vector<ColumnPtr> columns(left_count + right_output_.size());
  parallel_for(columns.size(), [&](size_t i) {
    columns[i] = i < left_count ? take(*left.column(i), left_rows)
                                : take(*build_.column(right_output_[i - left_count]), right_rows);
  });
  if (spec_.type == JoinType::kRight || spec_.type == JoinType::kFull) {
    // A key present on both sides under one name shows the right value for right-only rows.
    for (const auto& [left_column, right_column] : merged_) {
      ColumnPtr right_values = take(*build_.column(right_column), right_rows);
      if (right_values->type() == columns[left_column]->type()) {
        columns[left_column] = coalesce_columns(*columns[left_column], *right_values);
      }
    }
  }
  return RecordBatch(output_, std::move(columns), rows);
}

int64_t JoinHashTable::memory_bytes() const {
  int64_t bytes = (packed_ ? packed_->memory_bytes() : 0) + index_.memory_bytes() +
                  static_cast<int64_t>(head_.capacity() + next_.capacity()) * 8 + build_.num_rows();
  for (const ColumnPtr& column : build_.columns()) {
    bytes += column->data_size();
  }
  return bytes;
}

}  // namespace setl::engine::detail
