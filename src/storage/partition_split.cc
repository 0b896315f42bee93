#include "storage/partition_split.h"

#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "setl/engine/builder.h"
#include "setl/engine/parse_value.h"

namespace setl::storage::detail {

using engine::DataType;
using engine::Table;

// Partition keys and values become directory names: '/', '=', '%', '\\' and control
// characters are %-escaped, so neither can leave the dataset root or split a component.
// A value equal to the NULL marker gets its first character escaped, so that the string
// "__HIVE_DEFAULT_PARTITION__" and NULL land in different directories.
std::string encode_partition_component(std::string_view value) {
  if (value == kNullPartition) {
    return "%5F" + std::string(value.substr(1));
  }
  if (value.empty()) {
    return "%";  // an empty string ("%" alone never results from escaping)
  }
  // Bytes that are not UTF-8 are escaped too: names must survive the JSON manifest.
  bool escape_high = !engine::is_valid_utf8(value);
  std::string out;
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '%' || c == '/' || c == '=' || c == '\\' || u < 0x20 || (escape_high && u >= 0x80)) {
      out += fmt::format("%{:02X}", u);
    } else {
      out += c;
    }
  }
  return out;
}

std::string decode_partition_component(std::string_view text) {
  if (text == "%") {
    return "";
  }
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      unsigned value = 0;
      if (std::sscanf(std::string(text.substr(i + 1, 2)).c_str(), "%2x", &value) == 1) {
        out += static_cast<char>(value);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

// The relative directory of each row's partition ("k1=v1/k2=v2"), by row.
std::vector<std::string> partition_directories(const Table& table,
                                               const std::vector<std::string>& keys) {
  std::vector<std::string> directories;
  directories.reserve(static_cast<size_t>(table.num_rows()));
  std::vector<size_t> indexes;
  for (const std::string& key : keys) {
    indexes.push_back(table.schema()->index_of(key));
  }
  for (const engine::RecordBatch& batch : table.batches()) {
    for (int64_t row = 0; row < batch.num_rows(); ++row) {
      std::string directory;
      for (size_t k = 0; k < keys.size(); ++k) {
        engine::Scalar value = batch.column(indexes[k])->scalar(row);
        directory += (k > 0 ? "/" : "") + encode_partition_component(keys[k]) + "=" +
                     (value.is_null() ? std::string(kNullPartition)
                                      : encode_partition_component(value.to_display()));
      }
      directories.push_back(std::move(directory));
    }
  }
  return directories;
}

std::vector<PartitionPart> split_by_partition(const Table& table,
                                              const std::vector<std::string>& keys) {
  // Rows are grouped by the directory they are written to, so that two values go to one
  // file exactly when they share a directory (NaN included: NaN = NaN is false).
  std::vector<std::string> directories = partition_directories(table, keys);
  std::map<std::string, int64_t> group_of;
  for (const std::string& directory : directories) {
    group_of.emplace(directory, static_cast<int64_t>(group_of.size()));
  }
  constexpr std::string_view kGroupColumn = "__setl_partition_group";
  std::vector<engine::Field> fields = table.schema()->fields();
  fields.push_back({std::string(kGroupColumn), DataType::int64(), false});
  auto schema = std::make_shared<engine::Schema>(std::move(fields));
  std::vector<engine::RecordBatch> batches;
  size_t next = 0;
  for (const engine::RecordBatch& batch : table.batches()) {
    engine::ColumnBuilder ids(DataType::int64(), batch.num_rows());
    for (int64_t row = 0; row < batch.num_rows(); ++row) {
      ids.append_int(group_of[directories[next++]]);
    }
    std::vector<engine::ColumnPtr> columns = batch.columns();
    columns.push_back(ids.finish());
    batches.emplace_back(schema, std::move(columns), batch.num_rows());
  }
  Table sorted = Table(schema, std::move(batches)).sort({engine::asc(std::string(kGroupColumn))});
  std::vector<int64_t> sizes(group_of.size(), 0);
  for (const std::string& directory : directories) {
    ++sizes[static_cast<size_t>(group_of[directory])];
  }
  std::vector<std::string> names(group_of.size());
  for (const auto& [directory, id] : group_of) {
    names[static_cast<size_t>(id)] = directory;
  }
  std::vector<std::string> drop = keys;
  drop.emplace_back(kGroupColumn);
  std::vector<PartitionPart> parts;
  int64_t offset = 0;
  for (size_t id = 0; id < sizes.size(); ++id) {
    Table rows = sorted.slice(offset, sizes[id]);
    std::vector<engine::Scalar> values;
    for (const std::string& key : keys) {
      values.push_back(rows.at(0, key));
    }
    parts.push_back({names[id], std::move(values), rows.drop(drop)});
    offset += sizes[id];
  }
  return parts;
}

void collect_columns(const engine::Expr& expr, std::set<std::string>& out) {
  if (expr.kind() == engine::ExprKind::kColumn) {
    out.insert(expr.name());
  }
  for (const engine::Expr& arg : expr.args()) {
    collect_columns(arg, out);
  }
}

void conjuncts(const engine::Expr& expr, std::vector<engine::Expr>& out) {
  if (expr.kind() == engine::ExprKind::kCall && expr.name() == "and" && expr.args().size() == 2) {
    conjuncts(expr.args()[0], out);
    conjuncts(expr.args()[1], out);
  } else {
    out.push_back(expr);
  }
}

}  // namespace setl::storage::detail
