#include "setl/storage/partitioned_connector.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include <fmt/format.h>

#include "setl/core/atomic_file.h"
#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/core/file_status.h"
#include "setl/engine/builder.h"
#include "setl/engine/parse_value.h"
#include "setl/storage/arrow_ipc_connector.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/parquet_connector.h"
#include "storage/partition_manifest.h"
#include "storage/partition_split.h"
#include "storage/table_edits.h"

namespace setl::storage {
namespace {

using engine::DataType;
using engine::Expr;
using engine::Table;

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
    case PartitionFormat::kArrowIpc:
      return ".arrow";
  }
  return "";
}

std::shared_ptr<Connector> file_connector(const std::filesystem::path& file, PartitionFormat format,
                                          engine::SchemaPtr schema = nullptr) {
  if (format == PartitionFormat::kParquet) {
    return make_connector<ParquetConnector>(file);  // each part carries its own schema
  }
  if (format == PartitionFormat::kArrowIpc) {
    return make_connector<ArrowIpcConnector>(file);
  }
  if (format == PartitionFormat::kCsv) {
    CsvOptions options;
    options.schema = std::move(schema);
    return make_connector<CsvConnector>(file, options);
  }
  JsonLinesOptions options;
  options.schema = std::move(schema);
  return make_connector<JsonLinesConnector>(file, options);
}

// Splits "k1=v1/k2=v2/part.ext" (relative to the root) into keys and values.
PartitionFile parse_partition_path(const std::filesystem::path& root,
                                   const std::filesystem::path& relative) {
  PartitionFile file{root / relative, {}, {}};
  for (auto part = relative.begin(); part != relative.end(); ++part) {
    if (std::next(part) == relative.end()) {
      break;
    }
    std::string component = part->string();
    size_t equals = component.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw IoError("partitioned dataset " + root.string() + ": directory '" + component + "' in " +
                    relative.string() + " is not key=value");
    }
    file.keys.push_back(detail::decode_partition_component(component.substr(0, equals)));
    std::string value = component.substr(equals + 1);
    file.values.push_back(
        value == detail::kNullPartition
            ? std::nullopt
            : std::optional<std::string>(detail::decode_partition_component(value)));
  }
  return file;
}

// The dataset's files: those its manifest lists, else (written by another tool) every
// data file below the root.
std::vector<PartitionFile> discover(const std::filesystem::path& root, PartitionFormat format,
                                    std::string* manifest_text = nullptr) {
  std::vector<PartitionFile> files;
  if (!setl::is_directory_path(root)) {
    throw IoError("partitioned dataset " + root.string() + " does not exist or is not a directory");
  }
  if (std::optional<detail::PartitionManifest> manifest = detail::read_partition_manifest(root)) {
    for (const std::string& relative : manifest->files) {
      files.push_back(parse_partition_path(root, relative));
    }
    if (manifest_text != nullptr) {
      *manifest_text = manifest->text;
    }
  } else {
    std::string extension = extension_of(format);
    std::error_code error;
    std::filesystem::recursive_directory_iterator it(root, error);
    for (; !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      std::error_code kind_error;
      if (!it->is_regular_file(kind_error)) {
        continue;
      }
      std::filesystem::path relative = it->path().lexically_relative(root);
      std::string name = relative.filename().string();
      if (name.starts_with(".") || name.starts_with("_") || it->path().extension() != extension) {
        continue;
      }
      files.push_back(parse_partition_path(root, relative));
    }
    if (error) {  // a listing cut short would read part of the dataset as if it were all
      throw IoError("cannot list partitioned dataset " + root.string() + ": " + error.message());
    }
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
  bool all_floats = true;
  bool all_dates = true;
  bool any = false;
  for (const PartitionFile& file : files) {
    if (!file.values[key]) {
      continue;
    }
    any = true;
    int64_t integer = 0;
    int32_t days = 0;
    double number = 0;
    all_ints = all_ints && engine::parse_int64(*file.values[key], integer);
    all_floats = all_floats && engine::parse_float64(*file.values[key], number);
    all_dates = all_dates && engine::parse_date(*file.values[key], days);
  }
  if (!any) {
    return DataType::string();
  }
  return all_ints     ? DataType::int64()
         : all_dates  ? DataType::date32()
         : all_floats ? DataType::float64()
                      : DataType::string();
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
  if (type.id() == engine::TypeId::kFloat64) {
    double number = 0;
    engine::parse_float64(*text, number);
    return engine::Scalar::float64(number);
  }
  return engine::Scalar::string(*text);
}

struct Layout {
  engine::SchemaPtr schema;       // file columns, then partition columns
  engine::SchemaPtr file_schema;  // columns inside the files
  std::vector<DataType> partition_types;
  std::vector<PartitionFile> files;
};

Layout layout_of(const std::filesystem::path& root, PartitionFormat format,
                 std::string* manifest_text = nullptr) {
  Layout layout;
  layout.files = discover(root, format, manifest_text);
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

PartitionedConnector::PartitionedConnector(ConnectorKey key, std::filesystem::path root,
                                           PartitionFormat format,
                                           std::vector<std::string> partition_by)
    : FileConnector(key, std::move(root), "partitioned " + extension_of(format).substr(1)),
      format_(format),
      partition_by_(std::move(partition_by)) {}

bool PartitionedConnector::exists() const {
  std::error_code error;
  // discover() lists the manifest's files, or the directories' where there is none.
  return std::filesystem::is_directory(path(), error) && !discover(path(), format_).empty();
}

namespace {

// An overwrite commits a new manifest and then removes the files of the old one: a reader
// that listed the old files may find one gone. It then reads the new state instead.
template <class Read>
auto read_committed(const std::filesystem::path& root, Read&& read) {
  constexpr int kAttempts = 8;
  for (int attempt = 1;; ++attempt) {
    std::string manifest_text;
    try {
      return read(manifest_text);
    } catch (const IoError&) {
      std::optional<detail::PartitionManifest> now = detail::read_partition_manifest(root);
      if (attempt >= kAttempts || !now || now->text == manifest_text) {
        throw;
      }
    }
  }
}

}  // namespace

engine::SchemaPtr PartitionedConnector::schema() const {
  return read_committed(path(), [&](std::string& manifest_text) {
    return layout_of(path(), format_, &manifest_text).schema;
  });
}

engine::ScanResult PartitionedConnector::scan(const engine::ScanRequest& request) const {
  return read_committed(
      path(), [&](std::string& manifest_text) { return scan_once(request, manifest_text); });
}

namespace {

// What a scan of a partitioned dataset reads: the files left after pruning by partition
// values, the columns read from them and the filter that goes down to them.
struct PartitionedScan {
  Layout layout;
  std::vector<std::string> keys;
  std::set<std::string> key_set;
  std::optional<Expr> file_filter;
  std::vector<std::string> wanted;  // output columns
  std::vector<std::string> read;    // columns read from the files
  engine::SchemaPtr output;
  std::vector<size_t> selected;  // into layout.files
};

PartitionedScan plan_partitioned_scan(const std::filesystem::path& root, PartitionFormat format,
                                      const engine::ScanRequest& request,
                                      std::string* manifest_text) {
  PartitionedScan scan;
  scan.layout = layout_of(root, format, manifest_text);
  const Layout& layout = scan.layout;
  scan.keys = layout.files.front().keys;
  scan.key_set = std::set<std::string>(scan.keys.begin(), scan.keys.end());

  // Conditions on partition columns alone decide which directories are read.
  // Conditions on file columns alone go down to the files (Parquet skips row groups).
  std::vector<Expr> pruning;
  if (request.filter) {
    std::vector<Expr> parts;
    detail::conjuncts(*request.filter, parts);
    for (const Expr& part : parts) {
      std::set<std::string> used;
      detail::collect_columns(part, used);
      if (!used.empty() &&
          std::includes(scan.key_set.begin(), scan.key_set.end(), used.begin(), used.end())) {
        pruning.push_back(part);
      } else if (std::none_of(used.begin(), used.end(), [&](const std::string& name) {
                   return scan.key_set.count(name) > 0;
                 })) {
        scan.file_filter = scan.file_filter ? (*scan.file_filter && part) : part;
      }
    }
  }
  scan.wanted = request.columns;
  if (scan.wanted.empty()) {
    scan.wanted = layout.schema->names();
  }
  std::vector<engine::Field> fields;
  for (const std::string& name : scan.wanted) {
    fields.push_back(layout.schema->field(layout.schema->index_of(name)));
    if (scan.key_set.count(name) == 0) {
      scan.read.push_back(name);
    }
  }
  // Read at least one column so that the row count is known.
  if (scan.read.empty()) {
    scan.read.push_back(layout.file_schema->field(0).name);
  }
  scan.output = std::make_shared<engine::Schema>(std::move(fields));
  for (size_t f = 0; f < layout.files.size(); ++f) {
    const PartitionFile& file = layout.files[f];
    if (!pruning.empty()) {
      std::vector<std::pair<std::string, engine::ColumnPtr>> values;
      for (size_t k = 0; k < scan.keys.size(); ++k) {
        values.emplace_back(scan.keys[k],
                            engine::Column::constant(
                                partition_value(file.values[k], layout.partition_types[k]), 1));
      }
      Table one = Table::from_columns(values);
      bool keep = true;
      for (const Expr& condition : pruning) {
        keep = keep && one.filter(condition).num_rows() == 1;
      }
      if (!keep) {
        continue;
      }
    }
    scan.selected.push_back(f);
  }
  // A distributed scan's share: every shards-th file of those selected.
  if (request.shards > 1) {
    std::vector<size_t> share;
    for (size_t i = 0; i < scan.selected.size(); ++i) {
      if (static_cast<int>(i % static_cast<size_t>(request.shards)) == request.shard) {
        share.push_back(scan.selected[i]);
      }
    }
    scan.selected = std::move(share);
  }
  return scan;
}

// A batch read from `file` in the scan's output columns, with its partition values.
engine::RecordBatch with_partition_values(const PartitionedScan& scan, const PartitionFile& file,
                                          const engine::RecordBatch& batch) {
  std::vector<engine::ColumnPtr> columns;
  for (const std::string& name : scan.wanted) {
    if (scan.key_set.count(name) > 0) {
      size_t k = static_cast<size_t>(std::find(scan.keys.begin(), scan.keys.end(), name) -
                                     scan.keys.begin());
      columns.push_back(engine::Column::constant(
          partition_value(file.values[k], scan.layout.partition_types[k]), batch.num_rows()));
    } else {
      columns.push_back(batch.column(name));
    }
  }
  return engine::RecordBatch(scan.output, std::move(columns), batch.num_rows());
}

// The selected files one after another, each streamed by its own format's reader.
class PartitionedStream : public engine::BatchStream {
 public:
  PartitionedStream(PartitionedScan scan, PartitionFormat format, int64_t batch_bytes)
      : scan_(std::move(scan)), format_(format), batch_bytes_(batch_bytes) {}
  const engine::SchemaPtr& schema() const override { return scan_.output; }
  std::optional<engine::RecordBatch> next() override {
    while (true) {
      if (!current_) {
        if (next_file_ == scan_.selected.size()) {
          return std::nullopt;
        }
        file_ = &scan_.layout.files[scan_.selected[next_file_++]];
        current_ = file_connector(file_->file, format_, scan_.layout.file_schema)
                       ->scan_stream({scan_.read, scan_.file_filter}, batch_bytes_);
      }
      if (std::optional<engine::RecordBatch> batch = current_->next()) {
        return with_partition_values(scan_, *file_, *batch);
      }
      current_.reset();
    }
  }

 private:
  PartitionedScan scan_;
  PartitionFormat format_;
  int64_t batch_bytes_;
  size_t next_file_ = 0;
  const PartitionFile* file_ = nullptr;
  std::unique_ptr<engine::BatchStream> current_;
};

}  // namespace

namespace {

// The scan's selected files, read whole into its output columns.
engine::ScanResult read_selected(const PartitionedScan& scan, PartitionFormat format) {
  std::vector<engine::RecordBatch> batches;
  engine::ScanStats stats;
  for (size_t f : scan.selected) {
    const PartitionFile& file = scan.layout.files[f];
    engine::ScanResult part = file_connector(file.file, format, scan.layout.file_schema)
                                  ->scan({scan.read, scan.file_filter});
    stats.rejected_rows += part.stats.rejected_rows;
    stats.bytes_read += part.stats.bytes_read;
    for (const engine::RecordBatch& batch : part.table.batches()) {
      batches.push_back(with_partition_values(scan, file, batch));
    }
  }
  Table table(scan.output, std::move(batches));
  stats.rows = table.num_rows();
  stats.units_total = static_cast<int64_t>(scan.layout.files.size());
  stats.units_read = static_cast<int64_t>(scan.selected.size());
  return {std::move(table), stats};
}

// "k1=v1/k2=v2": the partition directory of a file, relative to the root.
std::string partition_of(const std::filesystem::path& root, const PartitionFile& file) {
  return std::filesystem::relative(file.file.parent_path(), root).generic_string();
}

}  // namespace

engine::ScanResult PartitionedConnector::scan_once(const engine::ScanRequest& request,
                                                   std::string& manifest_text) const {
  return read_selected(plan_partitioned_scan(path(), format_, request, &manifest_text), format_);
}

std::vector<std::string> PartitionedConnector::list_partitions() const {
  std::set<std::string> partitions;
  std::error_code error;
  if (!std::filesystem::is_directory(path(), error)) {
    return {};
  }
  for (const PartitionFile& file : discover(path(), format_)) {
    partitions.insert(partition_of(path(), file));
  }
  return {partitions.begin(), partitions.end()};
}

engine::Table PartitionedConnector::load_partitions(
    const std::vector<std::string>& partitions) const {
  return read_committed(path(), [&](std::string& manifest_text) {
    PartitionedScan scan = plan_partitioned_scan(path(), format_, {}, &manifest_text);
    std::set<std::string> wanted(partitions.begin(), partitions.end());
    std::set<std::string> found;
    std::vector<size_t> selected;
    for (size_t f : scan.selected) {
      std::string partition = partition_of(path(), scan.layout.files[f]);
      if (wanted.count(partition) > 0) {
        selected.push_back(f);
        found.insert(partition);
      }
    }
    for (const std::string& partition : wanted) {
      if (found.count(partition) == 0) {
        std::string list;
        for (const PartitionFile& file : scan.layout.files) {
          std::string known = partition_of(path(), file);
          if (list.find("'" + known + "'") == std::string::npos) {
            list += (list.empty() ? "'" : ", '") + known + "'";
          }
        }
        throw IoError("partitioned dataset " + path().string() + " has no partition '" + partition +
                      "' (partitions: " + list + ")");
      }
    }
    scan.selected = std::move(selected);
    return read_selected(scan, format_).table;
  });
}

std::unique_ptr<engine::BatchStream> PartitionedConnector::scan_stream(
    const engine::ScanRequest& request, int64_t batch_bytes) const {
  // The layout is read once: a file an overwrite removes while the stream reads fails it
  // with an IoError (a whole scan() would retry on the new state instead).
  std::string manifest_text;
  return std::make_unique<PartitionedStream>(
      plan_partitioned_scan(path(), format_, request, &manifest_text), format_, batch_bytes);
}

namespace {

std::string random_write_id() {
  std::random_device random;
  return fmt::format("{:08x}{:08x}", random(), random());
}

}  // namespace

void PartitionedConnector::write_file(const engine::Table&, bool) const {
  throw InternalError("PartitionedConnector writes through its manifest, not write_file");
}

void PartitionedConnector::write_stream(engine::BatchStream& rows, SaveMode mode) const {
  write(engine::collect_stream(rows), mode);
}

void PartitionedConnector::write(const engine::Table& table, SaveMode mode) const {
  if (partition_by_.empty()) {
    throw ConfigError("connector " + describe() + " needs partition_by columns to write");
  }
  check_partition_columns(table);
  FileLock lock = lock_dataset();
  write_locked(table, mode, partition_by_, "");
}

void PartitionedConnector::write_with_suffix(const engine::Table& table, SaveMode mode,
                                             const std::string& suffix) const {
  if (suffix.empty()) {
    throw ConfigError("connector " + describe() + ": a write suffix must not be empty");
  }
  if (table.schema()->find(kSuffixColumn)) {
    throw SchemaError("connector " + describe() + ": the table already has a column '" +
                      std::string(kSuffixColumn) + "', which a suffixed write adds");
  }
  check_partition_columns(table);
  std::vector<Expr> columns;
  for (const std::string& name : table.schema()->names()) {
    columns.push_back(engine::col(name));
  }
  columns.push_back(engine::lit(suffix).alias(std::string(kSuffixColumn)));
  std::vector<std::string> keys = {std::string(kSuffixColumn)};
  keys.insert(keys.end(), partition_by_.begin(), partition_by_.end());
  FileLock lock = lock_dataset();
  write_locked(table.select(columns), mode, keys,
               detail::encode_partition_component(kSuffixColumn) + "=" +
                   detail::encode_partition_component(suffix) + "/");
}

void PartitionedConnector::check_partition_columns(const engine::Table& table) const {
  for (const std::string& key : partition_by_) {
    if (key.empty()) {
      throw ConfigError("connector " + describe() + ": a partition column name is empty");
    }
    table.schema()->index_of(key);
  }
  if (partition_by_.size() >= table.num_columns()) {
    throw ConfigError("connector " + describe() +
                      ": partition_by names every column; the files need at least one other");
  }
}

// One writer at a time; whatever a killed writer left unlisted is removed by the writer.
FileLock PartitionedConnector::lock_dataset() const {
  std::error_code error;
  std::filesystem::create_directories(path(), error);
  if (error) {
    throw IoError("cannot create " + path().string() + ": " + error.message());
  }
  return FileLock(path() / detail::kDatasetLockName);
}

void PartitionedConnector::edit(
    const std::function<engine::Table(const engine::Table*)>& change) const {
  FileLock lock = lock_dataset();
  std::optional<engine::Table> stored;
  if (exists()) {
    stored = read();
  }
  write_locked(change(stored ? &*stored : nullptr), SaveMode::kOverwrite, partition_by_, "");
}

void PartitionedConnector::upsert(const engine::Table& rows,
                                  const std::vector<std::string>& keys) const {
  edit([&](const engine::Table* stored) {
    return detail::upserted(stored, rows, keys, describe());
  });
}

void PartitionedConnector::delete_where(const engine::Expr& condition) const {
  if (exists()) {
    edit([&](const engine::Table* stored) { return detail::without_rows(*stored, condition); });
  }
}

void PartitionedConnector::drop() const {
  std::error_code error;
  if (!std::filesystem::is_directory(path(), error)) {
    return;
  }
  FileLock lock(path() / detail::kDatasetLockName);  // no writer is halfway through
  std::filesystem::remove_all(path(), error);
  if (error) {
    throw IoError("cannot drop " + path().string() + ": " + error.message());
  }
}

std::optional<std::vector<std::string>> PartitionedConnector::prepare_write(
    SaveMode mode, const std::vector<std::string>& keys, const std::string& scope) const {
  std::vector<std::string> committed;
  if (std::optional<detail::PartitionManifest> manifest = detail::read_partition_manifest(path())) {
    committed = manifest->files;
    detail::remove_unlisted_files(path(), committed);
  } else {
    // Written before manifests (or by another tool): record what is there, so that its
    // files stay visible and only files of this write are new.
    for (const PartitionFile& file : discover(path(), format_)) {
      committed.push_back(std::filesystem::relative(file.file, path()).generic_string());
    }
    if (!committed.empty()) {
      detail::write_partition_manifest(path(), committed);
    }
  }
  // The files this write may replace: all, or those below its suffix's directory.
  auto in_scope = [&](const std::string& file) { return file.starts_with(scope); };
  bool present = std::any_of(committed.begin(), committed.end(), in_scope);
  if (present && mode == SaveMode::kErrorIfExists) {
    throw IoError(path().string() + (scope.empty() ? "" : "/" + scope) +
                  " already exists (save mode error_if_exists)");
  }
  if (present && mode == SaveMode::kIgnore) {
    return std::nullopt;
  }
  bool overwrite = mode != SaveMode::kAppend;
  // Files that stay must be partitioned as this write is, or the dataset stops reading.
  for (const std::string& file : committed) {
    if (overwrite && in_scope(file)) {
      continue;
    }
    std::vector<std::string> kept_keys = parse_partition_path(path(), file).keys;
    if (kept_keys != keys) {
      auto list = [](const std::vector<std::string>& names) {
        std::string text;
        for (const std::string& name : names) {
          text += (text.empty() ? "" : ", ") + name;
        }
        return "(" + text + ")";
      };
      throw SchemaError("connector " + describe() + ": the dataset is partitioned by " +
                        list(kept_keys) + ", this write by " + list(keys) +
                        (scope.empty() ? "" : " (suffixed writes add _user_defined_suffix)"));
    }
    break;  // every committed file has the same keys
  }
  std::vector<std::string> kept;
  std::copy_if(committed.begin(), committed.end(), std::back_inserter(kept),
               [&](const std::string& file) { return !overwrite || !in_scope(file); });
  return kept;
}

std::vector<std::string> PartitionedConnector::write_part_files(
    const engine::Table& table, const std::vector<std::string>& keys) const {
  std::string write_id = random_write_id();
  std::vector<std::string> written;
  try {
    int64_t number = 0;
    for (const auto& [directory, values, part] : detail::split_by_partition(table, keys)) {
      std::string relative =
          directory + "/part-" + write_id + "-" + std::to_string(number++) + extension_of(format_);
      written.push_back(relative);
      file_connector(path() / relative, format_)->write(part, SaveMode::kOverwrite);
    }
  } catch (...) {
    remove_part_files(written);
    throw;
  }
  return written;
}

void PartitionedConnector::remove_part_files(const std::vector<std::string>& written) const {
  std::error_code error;
  for (const std::string& relative : written) {
    std::filesystem::remove(path() / relative, error);
    for (std::filesystem::path dir = (path() / relative).parent_path(); dir != path();
         dir = dir.parent_path()) {
      if (!std::filesystem::remove(dir, error)) {
        break;  // not empty: other partitions' files live there
      }
    }
  }
}

void PartitionedConnector::commit(std::vector<std::string> kept,
                                  const std::vector<std::string>& written) const {
  kept.insert(kept.end(), written.begin(), written.end());
  detail::write_partition_manifest(path(), kept);  // the commit: all at once
  detail::remove_unlisted_files(path(), kept);     // what an overwrite replaced
}

void PartitionedConnector::write_locked(const engine::Table& table, SaveMode mode,
                                        const std::vector<std::string>& keys,
                                        const std::string& scope) const {
  std::optional<std::vector<std::string>> kept = prepare_write(mode, keys, scope);
  if (!kept) {
    return;
  }
  std::vector<std::string> written = write_part_files(table, keys);
  try {
    current_cancellation().check();  // the last point where a cancel still changes nothing
    commit(std::move(*kept), written);
  } catch (...) {
    remove_part_files(written);
    throw;
  }
}

}  // namespace setl::storage
