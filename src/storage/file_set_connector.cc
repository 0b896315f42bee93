#include "setl/storage/file_set_connector.h"

#include <algorithm>
#include <map>

#include <glob.h>

#include "setl/core/error.h"
#include "setl/core/file_status.h"
#include "setl/core/parallel.h"
#include "setl/storage/arrow_ipc_connector.h"

namespace setl::storage {

using engine::DataType;
using engine::TypeId;

struct FileSetConnector::Layout {
  std::vector<std::filesystem::path> files;
  std::vector<engine::SchemaPtr> file_schemas;
  engine::SchemaPtr schema;  // the united columns, then the source column
  std::string fingerprint;
};

namespace {

bool has_glob_characters(const std::string& text) {
  return text.find_first_of("*?[") != std::string::npos;
}

std::vector<std::string> extensions_of(FileFormat format) {
  switch (format) {
    case FileFormat::kCsv:
      return {".csv", ".csv.gz", ".csv.zst"};
    case FileFormat::kJsonLines:
      return {".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz"};
    case FileFormat::kJson:
      return {".json"};
    case FileFormat::kParquet:
      return {".parquet"};
    case FileFormat::kArrowIpc:
      return {".arrow", ".feather", ".ipc"};
  }
  return {};
}

bool has_extension(const std::string& name, const std::vector<std::string>& extensions) {
  return std::any_of(extensions.begin(), extensions.end(),
                     [&](const std::string& extension) { return name.ends_with(extension); });
}

std::vector<std::filesystem::path> glob_files(const std::string& pattern) {
  glob_t matches{};
  int status = ::glob(pattern.c_str(), GLOB_ERR, nullptr, &matches);
  std::vector<std::filesystem::path> files;
  if (status == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) {
      std::error_code error;
      if (std::filesystem::is_regular_file(matches.gl_pathv[i], error)) {
        files.emplace_back(matches.gl_pathv[i]);
      }
    }
  }
  globfree(&matches);
  if (status != 0 && status != GLOB_NOMATCH) {
    throw IoError("cannot list the files matching '" + pattern + "'" +
                  (status == GLOB_ABORTED ? " (a directory could not be read)" : ""));
  }
  return files;
}

std::vector<std::filesystem::path> directory_files(const std::filesystem::path& directory,
                                                   const FileSetOptions& options) {
  std::vector<std::string> extensions = extensions_of(options.format);
  std::vector<std::filesystem::path> files;
  auto consider = [&](const std::filesystem::directory_entry& entry) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && !name.starts_with(".") && !name.starts_with("_") &&
        has_extension(name, extensions)) {
      files.push_back(entry.path());
    }
  };
  for (const auto& entry : directory_entries(directory, options.recursive)) {
    consider(entry);
  }
  return files;
}

// A type holding the values of both.
DataType united(const DataType& a, const DataType& b) {
  if (a == b || b.id() == TypeId::kNull) {
    return a;
  }
  if (a.id() == TypeId::kNull) {
    return b;
  }
  auto numeric = [](const DataType& t) {
    return t.id() == TypeId::kInt32 || t.id() == TypeId::kInt64 || t.id() == TypeId::kFloat64;
  };
  if (numeric(a) && numeric(b)) {
    return a.id() == TypeId::kFloat64 || b.id() == TypeId::kFloat64 ? DataType::float64()
                                                                    : DataType::int64();
  }
  auto temporal = [](const DataType& t) {
    return t.id() == TypeId::kDate32 || t.id() == TypeId::kTimestamp;
  };
  if (temporal(a) && temporal(b)) {
    return DataType::timestamp();
  }
  return DataType::string();
}

}  // namespace

FileSetConnector::FileSetConnector(ConnectorKey key, std::filesystem::path location,
                                   FileSetOptions options)
    : Connector(key), location_(std::move(location)), options_(std::move(options)) {
  if (options_.source_column && options_.source_column->empty()) {
    throw ConfigError("connector " + describe() + ": the source column name is empty");
  }
}

bool FileSetConnector::names_many_files(const std::filesystem::path& location) {
  std::error_code error;
  return has_glob_characters(location.string()) || std::filesystem::is_directory(location, error);
}

std::string FileSetConnector::describe() const {
  static constexpr const char* kNames[] = {"csv", "jsonl", "json", "parquet", "arrow"};
  static_assert(std::size(kNames) == static_cast<size_t>(FileFormat::kArrowIpc) + 1);
  return std::string(kNames[static_cast<int>(options_.format)]) + " files " + location_.string();
}

std::vector<std::filesystem::path> FileSetConnector::files() const {
  std::error_code error;
  std::vector<std::filesystem::path> files = std::filesystem::is_directory(location_, error)
                                                 ? directory_files(location_, options_)
                                                 : glob_files(location_.string());
  if (files.empty()) {
    throw IoError("connector " + describe() + ": no " +
                  (has_glob_characters(location_.string()) ? "file matches the pattern"
                                                           : "file of its format is there"));
  }
  if (files.size() > options_.max_files) {
    throw ResourceError("connector " + describe() + ": " + std::to_string(files.size()) +
                        " files match, more than max_files (" + std::to_string(options_.max_files) +
                        ")");
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool FileSetConnector::exists() const {
  try {
    return !files().empty();
  } catch (const IoError&) {
    return false;
  }
}

std::optional<std::string> FileSetConnector::fingerprint(bool content) const {
  try {
    return fingerprint_files(files(), content);
  } catch (const IoError&) {
    return "missing:" + location_.string();
  }
}

std::shared_ptr<Connector> FileSetConnector::reader(const std::filesystem::path& file,
                                                    engine::SchemaPtr schema) const {
  // A file's schema, once known, is handed to its reader so that it is not inferred again.
  switch (options_.format) {
    case FileFormat::kCsv: {
      CsvOptions options = options_.csv;
      if (schema && !options.schema && options.column_names.empty()) {
        options.schema = std::move(schema);
      }
      return make_connector<CsvConnector>(file, options);
    }
    case FileFormat::kJsonLines: {
      JsonLinesOptions options = options_.json_lines;
      options.schema = options.schema ? options.schema : std::move(schema);
      return make_connector<JsonLinesConnector>(file, options);
    }
    case FileFormat::kJson: {
      JsonOptions options = options_.json;
      options.schema = options.schema ? options.schema : std::move(schema);
      return make_connector<JsonConnector>(file, options);
    }
    case FileFormat::kParquet:
      return make_connector<ParquetConnector>(file, options_.parquet);
    case FileFormat::kArrowIpc:
      return make_connector<ArrowIpcConnector>(file);
  }
  throw InternalError("unknown file format");
}

// Built once per version of the files: every file's schema is read (in parallel) and
// united.
std::shared_ptr<const FileSetConnector::Layout> FileSetConnector::layout() const {
  std::vector<std::filesystem::path> files = this->files();
  std::string fingerprint = fingerprint_files(files, false);
  {
    std::lock_guard lock(mutex_);
    if (cached_ && cached_->fingerprint == fingerprint) {
      return cached_;
    }
  }
  auto layout = std::make_shared<Layout>();
  layout->files = std::move(files);
  layout->fingerprint = std::move(fingerprint);
  layout->file_schemas.resize(layout->files.size());
  run_parallel(layout->files.size(), options_.threads,
               [&](size_t i) { layout->file_schemas[i] = reader(layout->files[i])->schema(); });
  std::vector<engine::Field> fields;
  std::map<std::string, size_t> index;
  for (const engine::SchemaPtr& schema : layout->file_schemas) {
    for (const engine::Field& field : schema->fields()) {
      auto [at, added] = index.emplace(field.name, fields.size());
      if (added) {
        fields.push_back({field.name, field.type, true});
      } else {
        fields[at->second].type = united(fields[at->second].type, field.type);
      }
    }
  }
  if (options_.source_column) {
    if (index.count(*options_.source_column) > 0) {
      throw SchemaError("connector " + describe() + ": the files have a column '" +
                        *options_.source_column + "', the name given to the source column");
    }
    fields.push_back({*options_.source_column, DataType::string(), false});
  }
  layout->schema = std::make_shared<engine::Schema>(std::move(fields));
  std::lock_guard lock(mutex_);
  cached_ = layout;
  return layout;
}

engine::SchemaPtr FileSetConnector::schema() const {
  return layout()->schema;
}

namespace {

// A distributed scan reads every shards-th file.
bool in_share(size_t file, const engine::ScanRequest& request) {
  return request.shards <= 1 ||
         static_cast<int>(file % static_cast<size_t>(request.shards)) == request.shard;
}

}  // namespace

engine::ScanResult FileSetConnector::scan(const engine::ScanRequest& request) const {
  std::shared_ptr<const Layout> layout = this->layout();
  const engine::Schema& schema = *layout->schema;
  std::vector<std::string> wanted = request.columns.empty() ? schema.names() : request.columns;
  std::vector<engine::Field> output_fields;
  for (const std::string& name : wanted) {
    output_fields.push_back(schema.field(schema.index_of(name)));
  }
  auto output = std::make_shared<engine::Schema>(output_fields);

  std::vector<engine::ScanResult> parts(layout->files.size());
  run_parallel(layout->files.size(), options_.threads, [&](size_t i) {
    if (!in_share(i, request)) {
      parts[i].table = engine::Table::empty(output);  // another rank's file
      return;
    }
    const engine::Schema& own = *layout->file_schemas[i];
    std::vector<std::string> read;
    for (const std::string& name : wanted) {
      if (own.find(name)) {
        read.push_back(name);
      }
    }
    if (read.empty()) {
      read.push_back(own.field(0).name);  // for the row count
    }
    // A filter naming a column this file lacks cannot go down to it.
    std::optional<engine::Expr> filter;
    if (request.filter) {
      try {
        (void)engine::result_type(*request.filter, own);
        filter = request.filter;
      } catch (const Error&) {
        filter.reset();
      }
    }
    engine::ScanResult part =
        reader(layout->files[i], layout->file_schemas[i])->scan({read, filter});
    std::vector<engine::Expr> columns;
    for (const engine::Field& field : output_fields) {
      engine::Expr column = engine::col(field.name);
      if (options_.source_column && field.name == *options_.source_column) {
        column = engine::lit(layout->files[i].string());
      } else if (!own.find(field.name)) {
        column = engine::Expr().cast(field.type);
      } else if (!(own.field(*own.find(field.name)).type == field.type)) {
        column = column.cast(field.type);
      }
      columns.push_back(column.alias(field.name));
    }
    engine::Table shaped = part.table.select(columns);
    std::vector<engine::RecordBatch> batches;
    for (const engine::RecordBatch& batch : shaped.batches()) {
      batches.emplace_back(output, batch.columns(), batch.num_rows());
    }
    parts[i] = {engine::Table(output, std::move(batches)), part.stats};
  });

  std::vector<engine::RecordBatch> batches;
  engine::ScanStats stats;
  for (engine::ScanResult& part : parts) {
    stats.rejected_rows += part.stats.rejected_rows;
    stats.bytes_read += part.stats.bytes_read;
    for (const engine::RecordBatch& batch : part.table.batches()) {
      batches.push_back(batch);
    }
  }
  engine::Table table(output, std::move(batches));
  stats.rows = table.num_rows();
  stats.units_total = static_cast<int64_t>(layout->files.size());
  for (size_t i = 0; i < layout->files.size(); ++i) {
    stats.units_read += in_share(i, request) ? 1 : 0;
  }
  return {std::move(table), stats};
}

void FileSetConnector::write(const engine::Table& /*table*/, SaveMode /*mode*/) const {
  throw StateError("connector " + describe() +
                   " reads many files and cannot be written to; write to a PARTITIONED storage "
                   "or to one file");
}

}  // namespace setl::storage
