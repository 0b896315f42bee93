// Hash joins: the right table is the build side (a KeyIndex of its keys with row chains),
// the left table probes it. NULL keys never match.
#include <set>

#include "engine/types/column_ops.h"
#include "engine/operators/parallel.h"
#include "engine/types/key_index.h"
#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/engine/table.h"

namespace setl::engine {
namespace {

bool compatible_keys(const DataType& a, const DataType& b) {
  return a == b || (a.is_integer() && b.is_integer());
}

// COALESCE(left, right) of two columns of the same type, row by row.
ColumnPtr coalesce_columns(const Column& left, const Column& right) {
  ColumnBuilder builder(left.type(), left.length());
  for (int64_t row = 0; row < left.length(); ++row) {
    builder.append_from(left.is_valid(row) ? left : right, row);
  }
  return builder.finish();
}

}  // namespace

Table Table::join(const Table& right, const std::vector<std::string>& left_on,
                  const std::vector<std::string>& right_on, JoinType type,
                  std::string right_suffix) const {
  if (left_on.empty() || left_on.size() != right_on.size()) {
    throw SchemaError("join needs the same, non-zero number of left and right keys (got " +
                      std::to_string(left_on.size()) + " and " + std::to_string(right_on.size()) +
                      ")");
  }
  const Schema& left_schema = *schema_;
  const Schema& right_schema = *right.schema();
  std::vector<size_t> left_keys;
  std::vector<size_t> right_keys;
  std::vector<DataType> key_types;
  for (size_t k = 0; k < left_on.size(); ++k) {
    left_keys.push_back(left_schema.index_of(left_on[k]));
    right_keys.push_back(right_schema.index_of(right_on[k]));
    const DataType& l = left_schema.field(left_keys.back()).type;
    const DataType& r = right_schema.field(right_keys.back()).type;
    if (!compatible_keys(l, r)) {
      throw SchemaError("join key \"" + left_on[k] + "\" is " + l.to_string() + " but \"" +
                        right_on[k] + "\" is " + r.to_string() + "; cast one side");
    }
    key_types.push_back(r);
  }

  RecordBatch build = right.combine();
  RecordBatch probe = combine();
  std::vector<ColumnPtr> build_keys;
  for (size_t key : right_keys) {
    build_keys.push_back(build.column(key));
  }
  std::vector<ColumnPtr> probe_keys;
  for (size_t key : left_keys) {
    probe_keys.push_back(probe.column(key));
  }

  // Build: key id per right row (rows with a NULL key are left out), chained by id.
  detail::KeyIndex index(key_types);
  std::vector<int64_t> build_ids;
  index.insert(build_keys, build.num_rows(), build_ids);
  std::vector<int64_t> head(static_cast<size_t>(index.size()), -1);
  std::vector<int64_t> next(static_cast<size_t>(build.num_rows()), -1);
  for (int64_t row = build.num_rows() - 1; row >= 0; --row) {
    bool has_null = false;
    for (const ColumnPtr& key : build_keys) {
      has_null = has_null || key->is_null(row);
    }
    if (has_null) {
      continue;
    }
    size_t id = static_cast<size_t>(build_ids[static_cast<size_t>(row)]);
    next[static_cast<size_t>(row)] = head[id];
    head[id] = row;
  }
  current_cancellation().check();

  std::vector<int64_t> probe_ids;
  index.find(probe_keys, probe.num_rows(), probe_ids);
  std::vector<int64_t> left_rows;
  std::vector<int64_t> right_rows;
  std::vector<uint8_t> right_matched(static_cast<size_t>(build.num_rows()), 0);
  for (int64_t row = 0; row < probe.num_rows(); ++row) {
    int64_t id = probe_ids[static_cast<size_t>(row)];
    int64_t match = id < 0 ? -1 : head[static_cast<size_t>(id)];
    if (type == JoinType::kSemi || type == JoinType::kAnti) {
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
    for (; match >= 0; match = next[static_cast<size_t>(match)]) {
      left_rows.push_back(row);
      right_rows.push_back(match);
      right_matched[static_cast<size_t>(match)] = 1;
    }
  }
  if (type == JoinType::kRight || type == JoinType::kFull) {
    for (int64_t row = 0; row < build.num_rows(); ++row) {
      if (!right_matched[static_cast<size_t>(row)]) {
        left_rows.push_back(-1);
        right_rows.push_back(row);
      }
    }
  }

  if (type == JoinType::kSemi || type == JoinType::kAnti) {
    std::vector<ColumnPtr> columns(probe.num_columns());
    detail::parallel_for(columns.size(),
                         [&](size_t i) { columns[i] = detail::take(*probe.column(i), left_rows); });
    return Table(schema_, {RecordBatch(schema_, std::move(columns),
                                       static_cast<int64_t>(left_rows.size()))});
  }

  // Output columns: left columns, then right columns except keys named like their left key.
  std::set<size_t> merged_right_keys;
  std::vector<std::pair<size_t, size_t>> merged;  // left column, right column
  for (size_t k = 0; k < left_keys.size(); ++k) {
    if (left_on[k] == right_on[k]) {
      merged_right_keys.insert(right_keys[k]);
      merged.emplace_back(left_keys[k], right_keys[k]);
    }
  }
  bool left_may_be_missing = type == JoinType::kRight || type == JoinType::kFull;
  bool right_may_be_missing = type == JoinType::kLeft || type == JoinType::kFull;
  std::vector<Field> fields;
  for (const Field& field : left_schema.fields()) {
    fields.push_back({field.name, field.type, field.nullable || left_may_be_missing});
  }
  std::vector<size_t> right_output;
  for (size_t i = 0; i < right_schema.num_fields(); ++i) {
    if (merged_right_keys.count(i) > 0) {
      continue;
    }
    Field field = right_schema.field(i);
    if (left_schema.find(field.name)) {
      field.name += right_suffix;
      if (left_schema.find(field.name)) {
        throw SchemaError("join: renaming the right column \"" + right_schema.field(i).name +
                          "\" to \"" + field.name +
                          "\" clashes with a left column; pick another "
                          "right_suffix");
      }
    }
    field.nullable = field.nullable || right_may_be_missing;
    fields.push_back(std::move(field));
    right_output.push_back(i);
  }
  auto schema = std::make_shared<Schema>(std::move(fields));
  size_t left_count = left_schema.num_fields();
  std::vector<ColumnPtr> columns(left_count + right_output.size());
  detail::parallel_for(columns.size(), [&](size_t i) {
    columns[i] = i < left_count
                     ? detail::take(*probe.column(i), left_rows)
                     : detail::take(*build.column(right_output[i - left_count]), right_rows);
  });
  if (left_may_be_missing) {
    // A key present on both sides under one name shows the right value for right-only rows.
    for (const auto& [left_column, right_column] : merged) {
      ColumnPtr right_values = detail::take(*build.column(right_column), right_rows);
      if (right_values->type() == columns[left_column]->type()) {
        columns[left_column] = coalesce_columns(*columns[left_column], *right_values);
      }
    }
  }
  int64_t rows = static_cast<int64_t>(left_rows.size());
  return Table(schema, {RecordBatch(schema, std::move(columns), rows)});
}

}  // namespace setl::engine
