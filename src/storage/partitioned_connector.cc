#include "setl/storage/partitioned_connector.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include <fmt/format.h>

#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/engine/parse_value.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/parquet_connector.h"

namespace setl::storage {
namespace {

using engine::DataType;
using engine::Expr;
using engine::Table;

constexpr std::string_view kNullPartition = "__HIVE_DEFAULT_PARTITION__";

std::string encode(std::string_view value) {
  std::string out;
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '%' || c == '/' || c == '=' || c == '\\' || u < 0x20) {
      out += fmt::format("%{:02X}", u);
    } else {
      out += c;
    }
  }
  return out;
}

std::string decode(std::string_view text) {
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

struct PartitionFile {
  std::filesystem::path file;
  std::vector<std::string> keys;
  std::vector<std::optional<std::string>> values;  // nullopt: the NULL partition
};

std::string extension_of(PartitionFormat format) {
  switch (format) {
    case PartitionFormat::kCsv:
      return ".csv";
    case PartitionFormat::kJsonLines:
      return ".jsonl";
    case PartitionFormat::kParquet:
      return ".parquet";
  }
  return "";
}

std::shared_ptr<Connector> file_connector(const std::filesystem::path& file, PartitionFormat format,
                                          engine::SchemaPtr schema = nullptr) {
  if (format == PartitionFormat::kParquet) {
    return std::make_shared<ParquetConnector>(file);  // each part carries its own schema
  }
  if (format == PartitionFormat::kCsv) {
    CsvOptions options;
    options.schema = std::move(schema);
    return std::make_shared<CsvConnector>(file, options);
  }
  JsonLinesOptions options;
  options.schema = std::move(schema);
  return std::make_shared<JsonLinesConnector>(file, options);
}

std::vector<PartitionFile> discover(const std::filesystem::path& root, PartitionFormat format) {
  std::vector<PartitionFile> files;
  if (!std::filesystem::is_directory(root)) {
    throw IoError("partitioned dataset " + root.string() + " does not exist or is not a directory");
  }
  std::string extension = extension_of(format);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    std::filesystem::path relative = std::filesystem::relative(entry.path(), root);
    std::string name = relative.filename().string();
    if (name.starts_with(".") || name.starts_with("_") || entry.path().extension() != extension) {
      continue;
    }
    PartitionFile file{entry.path(), {}, {}};
    for (auto part = relative.begin(); part != relative.end(); ++part) {
      if (std::next(part) == relative.end()) {
        break;
      }
      std::string component = part->string();
      size_t equals = component.find('=');
      if (equals == std::string::npos || equals == 0) {
        throw IoError("partitioned dataset " + root.string() + ": directory '" + component +
                      "' in " + relative.string() + " is not key=value");
      }
      file.keys.push_back(component.substr(0, equals));
      std::string value = component.substr(equals + 1);
      file.values.push_back(value == kNullPartition ? std::nullopt
                                                    : std::optional<std::string>(decode(value)));
    }
    files.push_back(std::move(file));
  }
  std::sort(files.begin(), files.end(),
            [](const PartitionFile& a, const PartitionFile& b) { return a.file < b.file; });
  for (const PartitionFile& file : files) {
    if (file.keys != files.front().keys) {
      throw IoError("partitioned dataset " + root.string() + ": " + file.file.string() +
                    " is partitioned by other keys than " + files.front().file.string());
    }
  }
  return files;
}

DataType partition_type(const std::vector<PartitionFile>& files, size_t key) {
  bool all_ints = true;
  bool all_dates = true;
  bool any = false;
  for (const PartitionFile& file : files) {
    if (!file.values[key]) {
      continue;
    }
    any = true;
    int64_t integer = 0;
    int32_t days = 0;
    all_ints = all_ints && engine::parse_int64(*file.values[key], integer);
    all_dates = all_dates && engine::parse_date(*file.values[key], days);
  }
  if (!any) {
    return DataType::string();
  }
  return all_ints ? DataType::int64() : all_dates ? DataType::date32() : DataType::string();
}

engine::Scalar partition_value(const std::optional<std::string>& text, const DataType& type) {
  if (!text) {
    return engine::Scalar::null(type);
  }
  if (type.id() == engine::TypeId::kInt64) {
    int64_t value = 0;
    engine::parse_int64(*text, value);
    return engine::Scalar::int64(value);
  }
  if (type.id() == engine::TypeId::kDate32) {
    int32_t days = 0;
    engine::parse_date(*text, days);
    return engine::Scalar::date32(days);
  }
  return engine::Scalar::string(*text);
}

void collect_columns(const Expr& expr, std::set<std::string>& out) {
  if (expr.kind() == engine::ExprKind::kColumn) {
    out.insert(expr.name());
  }
  for (const Expr& arg : expr.args()) {
    collect_columns(arg, out);
  }
}

void conjuncts(const Expr& expr, std::vector<Expr>& out) {
  if (expr.kind() == engine::ExprKind::kCall && expr.name() == "and" && expr.args().size() == 2) {
    conjuncts(expr.args()[0], out);
    conjuncts(expr.args()[1], out);
  } else {
    out.push_back(expr);
  }
}

struct Layout {
  engine::SchemaPtr schema;       // file columns, then partition columns
  engine::SchemaPtr file_schema;  // columns inside the files
  std::vector<DataType> partition_types;
  std::vector<PartitionFile> files;
};

Layout layout_of(const std::filesystem::path& root, PartitionFormat format) {
  Layout layout;
  layout.files = discover(root, format);
  if (layout.files.empty()) {
    throw IoError("partitioned dataset " + root.string() + " holds no " + extension_of(format) +
                  " files");
  }
  layout.file_schema = file_connector(layout.files.front().file, format)->schema();
  std::vector<engine::Field> fields = layout.file_schema->fields();
  for (size_t k = 0; k < layout.files.front().keys.size(); ++k) {
    DataType type = partition_type(layout.files, k);
    layout.partition_types.push_back(type);
    fields.push_back({layout.files.front().keys[k], type, true});
  }
  layout.schema = std::make_shared<engine::Schema>(std::move(fields));
  return layout;
}

}  // namespace

PartitionedConnector::PartitionedConnector(std::filesystem::path root, PartitionFormat format,
                                           std::vector<std::string> partition_by)
    : root_(std::move(root)), format_(format), partition_by_(std::move(partition_by)) {}

std::string PartitionedConnector::describe() const {
  return "partitioned " + extension_of(format_).substr(1) + " " + root_.string();
}

bool PartitionedConnector::exists() const {
  return std::filesystem::exists(root_);
}

int64_t PartitionedConnector::last_partitions_read() const {
  std::lock_guard lock(mutex_);
  return last_partitions_read_;
}

engine::SchemaPtr PartitionedConnector::schema() const {
  return layout_of(root_, format_).schema;
}

engine::Table PartitionedConnector::scan(const engine::ScanRequest& request) const {
  Layout layout = layout_of(root_, format_);
  const std::vector<std::string>& keys = layout.files.front().keys;
  std::set<std::string> key_set(keys.begin(), keys.end());

  // Conditions on partition columns alone decide which directories are read.
  // Conditions on file columns alone go down to the files (Parquet skips row groups).
  std::vector<Expr> pruning;
  std::optional<Expr> file_filter;
  if (request.filter) {
    std::vector<Expr> parts;
    conjuncts(*request.filter, parts);
    for (const Expr& part : parts) {
      std::set<std::string> used;
      collect_columns(part, used);
      if (!used.empty() &&
          std::includes(key_set.begin(), key_set.end(), used.begin(), used.end())) {
        pruning.push_back(part);
      } else if (std::none_of(used.begin(), used.end(),
                              [&](const std::string& name) { return key_set.count(name) > 0; })) {
        file_filter = file_filter ? (*file_filter && part) : part;
      }
    }
  }
  std::vector<std::string> wanted = request.columns;
  if (wanted.empty()) {
    wanted = layout.schema->names();
  }
  std::vector<engine::Field> fields;
  std::vector<std::string> file_columns;
  for (const std::string& name : wanted) {
    fields.push_back(layout.schema->field(layout.schema->index_of(name)));
    if (key_set.count(name) == 0) {
      file_columns.push_back(name);
    }
  }
  auto output = std::make_shared<engine::Schema>(std::move(fields));
  std::vector<engine::RecordBatch> batches;
  int64_t partitions = 0;
  for (const PartitionFile& file : layout.files) {
    std::vector<std::pair<std::string, engine::ColumnPtr>> values;
    for (size_t k = 0; k < keys.size(); ++k) {
      values.emplace_back(
          keys[k],
          engine::Column::constant(partition_value(file.values[k], layout.partition_types[k]), 1));
    }
    if (!pruning.empty()) {
      Table one = Table::from_columns(values);
      bool keep = true;
      for (const Expr& condition : pruning) {
        keep = keep && one.filter(condition).num_rows() == 1;
      }
      if (!keep) {
        continue;
      }
    }
    ++partitions;
    // Read at least one column so that the row count is known.
    std::vector<std::string> read = file_columns;
    if (read.empty()) {
      read.push_back(layout.file_schema->field(0).name);
    }
    Table data = file_connector(file.file, format_, layout.file_schema)->scan({read, file_filter});
    for (const engine::RecordBatch& batch : data.batches()) {
      std::vector<engine::ColumnPtr> columns;
      for (const std::string& name : wanted) {
        if (key_set.count(name) > 0) {
          size_t k = static_cast<size_t>(std::find(keys.begin(), keys.end(), name) - keys.begin());
          columns.push_back(engine::Column::constant(
              partition_value(file.values[k], layout.partition_types[k]), batch.num_rows()));
        } else {
          columns.push_back(batch.column(name));
        }
      }
      batches.emplace_back(output, std::move(columns), batch.num_rows());
    }
  }
  std::lock_guard lock(mutex_);
  last_partitions_read_ = partitions;
  return Table(output, std::move(batches));
}

void PartitionedConnector::write(const engine::Table& table, SaveMode mode) {
  if (partition_by_.empty()) {
    throw ConfigError("connector " + describe() + " needs partition_by columns to write");
  }
  for (const std::string& key : partition_by_) {
    table.schema()->index_of(key);
  }
  if (partition_by_.size() >= table.num_columns()) {
    throw ConfigError("connector " + describe() +
                      ": partition_by names every column; the files need at least one other");
  }
  bool present = exists();
  if (present && mode == SaveMode::kErrorIfExists) {
    throw IoError(root_.string() + " already exists (save mode error_if_exists)");
  }
  if (present && mode == SaveMode::kIgnore) {
    return;
  }
  std::random_device random;
  std::string suffix = std::to_string(random());
  bool overwrite = !(present && mode == SaveMode::kAppend);
  std::filesystem::path target =
      overwrite ? root_.parent_path() / ("." + root_.filename().string() + ".tmp-" + suffix)
                : root_;
  std::vector<std::filesystem::path> appended;  // removed again if the append fails
  try {
    Table combos = table.select(std::vector<std::string>(partition_by_)).distinct();
    for (int64_t row = 0; row < combos.num_rows(); ++row) {
      Expr condition = Expr(engine::Scalar::boolean(true));
      std::filesystem::path directory = target;
      for (const std::string& key : partition_by_) {
        engine::Scalar value = combos.at(row, key);
        condition = condition && (value.is_null() ? engine::col(key).is_null()
                                                  : engine::col(key) == engine::lit(value));
        directory /= key + "=" +
                     (value.is_null() ? std::string(kNullPartition) : encode(value.to_display()));
      }
      Table part = table.filter(condition).drop(partition_by_);
      std::filesystem::path file =
          directory / ("part-" + (overwrite ? std::string("0") : suffix) + extension_of(format_));
      file_connector(file, format_)->write(part, SaveMode::kOverwrite);
      if (!overwrite) {
        appended.push_back(file);
      }
    }
    current_cancellation().check();  // the last point where a cancel still changes nothing
    if (overwrite) {
      std::filesystem::create_directories(target);
      std::filesystem::path old =
          root_.parent_path() / ("." + root_.filename().string() + ".old-" + suffix);
      if (present) {
        std::filesystem::rename(root_, old);
      }
      std::filesystem::rename(target, root_);
      if (present) {
        std::filesystem::remove_all(old);
      }
    }
  } catch (...) {
    std::error_code ignored;
    if (overwrite) {
      std::filesystem::remove_all(target, ignored);
    }
    for (const std::filesystem::path& file : appended) {
      std::filesystem::remove(file, ignored);
      // Directories this append created are left empty: remove them (non-empty ones stay).
      for (std::filesystem::path dir = file.parent_path(); dir != root_ && dir.has_parent_path();
           dir = dir.parent_path()) {
        if (!std::filesystem::remove(dir, ignored)) {
          break;
        }
      }
    }
    throw;
  }
}

}  // namespace setl::storage
