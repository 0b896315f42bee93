#include "setl/storage/delta_connector.h"

#include <chrono>
#include <set>

#include "setl/core/error.h"
#include "setl/core/file_status.h"
#include "setl/engine/builder.h"
#include "storage/delta/delta_schema.h"
#include "storage/delta/delta_table.h"
#include "storage/partition_split.h"
#include "storage/table_edits.h"

namespace setl::storage {

using detail::DeltaActions;
using detail::DeltaSnapshot;
using engine::Expr;
using engine::Table;

namespace {

// A data file named by the log, which must stay inside the table's directory.
std::filesystem::path data_file(const std::filesystem::path& table, const std::string& path) {
  std::filesystem::path relative(path);
  bool escapes = relative.is_absolute() || path.find(':') != std::string::npos;
  for (const auto& part : relative) {
    escapes = escapes || part == ".." || part.empty();
  }
  if (escapes || path.empty()) {
    throw IoError("Delta table " + table.string() + ": the log names the file '" + path +
                  "', which is not a path inside the table");
  }
  return table / relative;
}

// What a scan of one snapshot reads: the output columns, the conditions that prune files
// by partition values, and those that go down to the files.
struct SnapshotScan {
  engine::SchemaPtr schema;
  std::set<std::string> keys;
  std::vector<std::string> wanted;
  std::vector<engine::Field> output_fields;
  engine::SchemaPtr output;
  std::vector<Expr> pruning;
  std::vector<Expr> file_conditions;
};

SnapshotScan plan_scan(const std::filesystem::path& table, const DeltaSnapshot& snapshot,
                       const engine::ScanRequest& request) {
  SnapshotScan scan;
  scan.schema = detail::schema_from_delta(snapshot.metadata.schema_string, table.string());
  scan.keys = {snapshot.metadata.partition_columns.begin(),
               snapshot.metadata.partition_columns.end()};
  scan.wanted = request.columns.empty() ? scan.schema->names() : request.columns;
  for (const std::string& name : scan.wanted) {
    scan.output_fields.push_back(scan.schema->field(scan.schema->index_of(name)));
  }
  scan.output = std::make_shared<engine::Schema>(scan.output_fields);
  if (request.filter) {
    std::vector<Expr> parts;
    detail::conjuncts(*request.filter, parts);
    for (const Expr& part : parts) {
      std::set<std::string> used;
      detail::collect_columns(part, used);
      bool on_keys = !used.empty() &&
                     std::includes(scan.keys.begin(), scan.keys.end(), used.begin(), used.end());
      bool on_files = std::none_of(used.begin(), used.end(), [&](const std::string& name) {
        return scan.keys.count(name) > 0;
      });
      if (on_keys) {
        scan.pruning.push_back(part);
      } else if (on_files) {
        scan.file_conditions.push_back(part);
      }  // mixed: the engine applies it after the scan
    }
  }
  return scan;
}

// The partition values of a file, or nullopt when the pruning conditions rule it out.
std::optional<std::map<std::string, engine::Scalar>> partition_of(const SnapshotScan& scan,
                                                                  const detail::DeltaAdd& add) {
  std::vector<std::pair<std::string, engine::ColumnPtr>> values;
  std::map<std::string, engine::Scalar> partition;
  for (const std::string& key : scan.keys) {
    auto text = add.partition_values.find(key);
    engine::Scalar value =
        detail::partition_value(text == add.partition_values.end() ? std::nullopt : text->second,
                                scan.schema->field(scan.schema->index_of(key)).type, key);
    partition.emplace(key, value);
    values.emplace_back(key, engine::Column::constant(value, 1));
  }
  if (!scan.pruning.empty()) {
    Table one = Table::from_columns(values);
    for (const Expr& condition : scan.pruning) {
      if (one.filter(condition).num_rows() != 1) {
        return std::nullopt;
      }
    }
  }
  return partition;
}

// One data file in the scan's output columns: missing columns NULL, partition values
// restored, types made the table's.
engine::ScanResult read_data_file(const SnapshotScan& scan, const std::filesystem::path& file,
                                  const std::map<std::string, engine::Scalar>& partition,
                                  const ParquetOptions& options) {
  auto reader = make_connector<ParquetConnector>(file, options);
  engine::SchemaPtr file_schema = reader->schema();
  auto in_file = [&](const std::string& name) { return file_schema->find(name).has_value(); };
  std::vector<std::string> read;
  for (const std::string& name : scan.wanted) {
    if (scan.keys.count(name) == 0 && in_file(name)) {
      read.push_back(name);
    }
  }
  if (read.empty()) {
    read.push_back(file_schema->field(0).name);  // for the row count
  }
  std::optional<Expr> filter;
  for (const Expr& condition : scan.file_conditions) {
    std::set<std::string> used;
    detail::collect_columns(condition, used);
    if (std::all_of(used.begin(), used.end(), in_file)) {
      filter = filter ? (*filter && condition) : condition;
    }
  }
  engine::ScanResult part = reader->scan({read, filter});
  std::vector<Expr> columns;
  for (const engine::Field& field : scan.output_fields) {
    Expr column = engine::col(field.name);
    if (scan.keys.count(field.name) > 0) {
      column = engine::lit(partition.at(field.name));
    } else if (!in_file(field.name)) {
      column = Expr().cast(field.type);
    } else if (!(file_schema->field(*file_schema->find(field.name)).type == field.type)) {
      column = column.cast(field.type);
    }
    columns.push_back(column.alias(field.name));
  }
  Table shaped = part.table.select(columns);
  std::vector<engine::RecordBatch> batches;
  for (const engine::RecordBatch& batch : shaped.batches()) {
    batches.emplace_back(scan.output, batch.columns(), batch.num_rows());
  }
  return {Table(scan.output, std::move(batches)), part.stats};
}

// The table's rows of one snapshot: the live files the partition values do not rule out.
engine::ScanResult read_snapshot(const std::filesystem::path& table, const DeltaSnapshot& snapshot,
                                 const engine::ScanRequest& request,
                                 const ParquetOptions& options) {
  SnapshotScan scan = plan_scan(table, snapshot, request);
  std::vector<engine::RecordBatch> batches;
  engine::ScanStats stats;
  stats.units_total = static_cast<int64_t>(snapshot.files.size());
  for (const auto& [path, add] : snapshot.files) {
    std::optional<std::map<std::string, engine::Scalar>> partition = partition_of(scan, add);
    if (!partition) {
      continue;
    }
    ++stats.units_read;
    std::filesystem::path file = data_file(table, path);
    if (!setl::path_exists(file)) {
      throw IoError("Delta table " + table.string() + " version " +
                    std::to_string(snapshot.version) + ": data file " + path +
                    " is gone (removed by vacuum?)");
    }
    engine::ScanResult part = read_data_file(scan, file, *partition, options);
    stats.bytes_read += part.stats.bytes_read;
    for (const engine::RecordBatch& batch : part.table.batches()) {
      batches.push_back(batch);
    }
  }
  Table rows(scan.output, std::move(batches));
  stats.rows = rows.num_rows();
  return {std::move(rows), stats};
}

// `rows` in the table's columns: the same names, types equal or widening (int32 to int64),
// no NULL in a column that holds none.
Table conform_rows(const Table& rows, const engine::Schema& schema, const std::string& where) {
  std::string problems;
  std::vector<Expr> columns;
  for (const engine::Field& field : schema.fields()) {
    std::optional<size_t> index = rows.schema()->find(field.name);
    if (!index) {
      problems += "\n  - missing column \"" + field.name + "\" (" + field.type.to_string() + ")";
      continue;
    }
    const engine::DataType& type = rows.schema()->field(*index).type;
    bool widening =
        type.id() == engine::TypeId::kInt32 && field.type.id() == engine::TypeId::kInt64;
    if (!(type == field.type) && !widening && type.id() != engine::TypeId::kNull &&
        !(type.id() == field.type.id() && type.id() == engine::TypeId::kTimestamp)) {
      problems += "\n  - column \"" + field.name + "\" is " + type.to_string() +
                  ", the table's is " + field.type.to_string();
      continue;
    }
    if (!field.nullable && rows.filter(engine::col(field.name).is_null()).num_rows() > 0) {
      problems += "\n  - column \"" + field.name + "\" has NULLs, the table's holds none";
    }
    columns.push_back(engine::col(field.name).cast(field.type).alias(field.name));
  }
  for (const engine::Field& field : rows.schema()->fields()) {
    if (!schema.find(field.name)) {
      problems += "\n  - column \"" + field.name + "\" is not in the table";
    }
  }
  if (!problems.empty()) {
    throw SchemaError(where + ": the rows do not fit the table's schema (" + schema.to_string() +
                      "; overwrite with overwrite_schema to replace it):" + problems);
  }
  return rows.select(columns);
}

std::optional<std::string> data_conflict(const DeltaActions& winner) {
  for (const detail::DeltaAdd& add : winner.adds) {
    if (add.data_change) {
      return std::optional<std::string>("added " + add.path + ", which this change did not read");
    }
  }
  for (const detail::DeltaRemove& remove : winner.removes) {
    if (remove.data_change) {
      return std::optional<std::string>("removed " + remove.path + ", which this change read");
    }
  }
  return std::nullopt;
}

}  // namespace

DeltaConnector::DeltaConnector(ConnectorKey key, std::filesystem::path path, DeltaOptions options)
    : Connector(key), path_(std::move(path)), options_(std::move(options)) {}

std::string DeltaConnector::describe() const {
  std::string travel = options_.version ? " version " + std::to_string(*options_.version)
                       : options_.timestamp_ms
                           ? " as of " + std::to_string(*options_.timestamp_ms) + " ms"
                           : "";
  return "delta " + path_.string() + travel;
}

engine::SchemaPtr DeltaConnector::schema() const {
  DeltaSnapshot snapshot = detail::delta_snapshot_for_read(path_, options_);
  detail::check_delta_readable(snapshot, describe());
  return detail::schema_from_delta(snapshot.metadata.schema_string, describe());
}

engine::ScanResult DeltaConnector::scan(const engine::ScanRequest& request) const {
  DeltaSnapshot snapshot = detail::delta_snapshot_for_read(path_, options_);
  detail::check_delta_readable(snapshot, describe());
  return read_snapshot(path_, snapshot, request, options_.parquet);
}

bool DeltaConnector::exists() const {
  return latest_version() >= 0;
}

int64_t DeltaConnector::latest_version() const {
  detail::DeltaLogListing listing = detail::list_delta_log(path_);
  if (listing.commits.empty()) {
    return listing.checkpoints.empty() ? -1 : listing.checkpoints.rbegin()->first;
  }
  return listing.commits.rbegin()->first;
}

std::optional<std::string> DeltaConnector::fingerprint(bool /*content*/) const {
  try {
    DeltaSnapshot snapshot = detail::delta_snapshot_for_read(path_, options_);
    return "delta:" + path_.string() + ":" + snapshot.metadata.id + ":v" +
           std::to_string(snapshot.version) + ":" + std::to_string(snapshot.timestamp_ms);
  } catch (const IoError&) {
    return "missing:" + path_.string();
  }
}

namespace {

// Data files for `rows` under the table, one per partition, and their add actions.
std::vector<detail::DeltaAdd> write_data_files(const std::filesystem::path& table,
                                               const Table& rows,
                                               const std::vector<std::string>& keys,
                                               const ParquetOptions& options,
                                               std::vector<std::filesystem::path>& written) {
  std::vector<detail::PartitionPart> parts;
  if (keys.empty()) {
    if (rows.num_rows() > 0) {
      parts.push_back({"", {}, rows});
    }
  } else {
    parts = detail::split_by_partition(rows, keys);
  }
  std::vector<detail::DeltaAdd> adds;
  for (const detail::PartitionPart& part : parts) {
    std::string name = "part-00000-" + detail::random_uuid() + "-c000.parquet";
    std::string relative = part.directory.empty() ? name : part.directory + "/" + name;
    std::filesystem::path file = table / relative;
    written.push_back(file);
    make_connector<ParquetConnector>(file, options)->write(part.rows, SaveMode::kOverwrite);
    detail::DeltaAdd add;
    add.path = relative;
    for (size_t k = 0; k < keys.size(); ++k) {
      add.partition_values[keys[k]] = detail::partition_value_text(part.values[k]);
    }
    add.size = static_cast<int64_t>(regular_file_size(file));
    add.modification_time = detail::delta_now_ms();
    add.stats = detail::delta_file_stats(part.rows);
    adds.push_back(std::move(add));
  }
  return adds;
}

// The protocol and metadata that create a table of `schema`.
void create_table(DeltaActions& actions, const engine::Schema& schema,
                  const std::vector<std::string>& keys, bool compatible_protocol) {
  actions.protocol =
      compatible_protocol
          ? detail::DeltaProtocol{1, 2, {}, {}}
          : detail::DeltaProtocol{3, 7, {"v2Checkpoint"}, {"appendOnly", "v2Checkpoint"}};
  actions.metadata = detail::DeltaMetadata{
      detail::random_uuid(), detail::schema_to_delta(schema), keys, {}, detail::delta_now_ms()};
}

// A `remove` for every live file of the snapshot read.
void remove_every_file(DeltaActions& actions, const DeltaSnapshot& read) {
  for (const auto& [path, add] : read.files) {
    actions.removes.push_back({path, detail::delta_now_ms(), true, add.partition_values, add.size});
  }
}

void refuse_time_travel(const DeltaOptions& options, const std::string& connector) {
  if (options.version || options.timestamp_ms) {
    throw StateError("connector " + connector + " reads an old version and cannot write");
  }
}

// Commits the plan; when it fails, the data files it wrote (listed in `written`) go.
void commit_or_clean_up(const std::filesystem::path& table, const DeltaOptions& options,
                        const detail::DeltaCommitPlan& plan,
                        const std::vector<std::filesystem::path>& written) {
  try {
    detail::commit_delta(table, options, plan);
  } catch (...) {
    std::error_code ignored;
    for (const std::filesystem::path& file : written) {
      std::filesystem::remove(file, ignored);
    }
    throw;
  }
}

}  // namespace

void DeltaConnector::write(const Table& table, SaveMode mode) const {
  refuse_time_travel(options_, describe());
  bool overwrite = mode == SaveMode::kOverwrite;
  std::vector<std::filesystem::path> written;
  detail::DeltaCommitPlan plan;
  plan.build = [&](const std::optional<DeltaSnapshot>& read) {
    DeltaActions actions;
    std::vector<std::string> keys = options_.partition_by;
    const engine::SchemaPtr& schema = table.schema();
    Table rows = table;
    if (read) {
      detail::check_delta_writable(*read, describe());
      if (mode == SaveMode::kErrorIfExists) {
        throw IoError("Delta table " + path_.string() +
                      " already exists (save mode error_if_exists)");
      }
      if (mode == SaveMode::kIgnore) {
        return actions;
      }
      if (overwrite && read->metadata.configuration.count("delta.appendOnly") > 0 &&
          read->metadata.configuration.at("delta.appendOnly") == "true") {
        throw StateError("Delta table " + path_.string() + " is append-only (delta.appendOnly)");
      }
      engine::SchemaPtr current =
          detail::schema_from_delta(read->metadata.schema_string, describe());
      if (overwrite && options_.overwrite_schema) {
        actions.metadata = read->metadata;
        actions.metadata->schema_string = detail::schema_to_delta(*schema);
        if (!keys.empty()) {
          actions.metadata->partition_columns = keys;
        }
      } else {
        rows = conform_rows(table, *current, "write to " + describe());
      }
      keys =
          actions.metadata ? actions.metadata->partition_columns : read->metadata.partition_columns;
      if (overwrite) {
        remove_every_file(actions, *read);
      }
    } else {
      create_table(actions, *schema, keys, options_.compatible_protocol);
    }
    for (const std::string& key : keys) {
      if (!rows.schema()->find(key)) {
        throw SchemaError("Delta table " + path_.string() + ": partition column \"" + key +
                          "\" is not a column of the rows (" + rows.schema()->to_string() + ")");
      }
    }
    actions.adds = write_data_files(path_, rows, keys, options_.parquet, written);
    actions.operation = "WRITE";
    return actions;
  };
  plan.conflicts = [&](const DeltaActions& winner, int64_t) {
    return overwrite ? data_conflict(winner) : std::nullopt;
  };
  commit_or_clean_up(path_, options_, plan, written);
}

namespace {

// A copy-on-write change of every live file: `change` makes the new rows from the old.
void rewrite(const DeltaConnector& connector, const std::filesystem::path& path,
             const DeltaOptions& options, const std::function<Table(const Table*)>& change,
             const std::string& operation) {
  std::vector<std::filesystem::path> written;
  detail::DeltaCommitPlan plan;
  plan.build = [&](const std::optional<DeltaSnapshot>& read) {
    DeltaActions actions;
    if (!read) {
      Table rows = change(nullptr);
      create_table(actions, *rows.schema(), options.partition_by, options.compatible_protocol);
      actions.adds = write_data_files(path, rows, options.partition_by, options.parquet, written);
      actions.operation = operation;
      return actions;
    }
    detail::check_delta_writable(*read, connector.describe());
    Table stored = read_snapshot(path, *read, {}, options.parquet).table;
    engine::SchemaPtr schema =
        detail::schema_from_delta(read->metadata.schema_string, path.string());
    Table rows = conform_rows(change(&stored), *schema, operation + " on " + connector.describe());
    remove_every_file(actions, *read);
    actions.adds =
        write_data_files(path, rows, read->metadata.partition_columns, options.parquet, written);
    actions.operation = operation;
    return actions;
  };
  plan.conflicts = [](const DeltaActions& winner, int64_t) { return data_conflict(winner); };
  commit_or_clean_up(path, options, plan, written);
}

}  // namespace

void DeltaConnector::upsert(const Table& rows, const std::vector<std::string>& keys) const {
  refuse_time_travel(options_, describe());
  rewrite(
      *this, path_, options_,
      [&](const Table* stored) { return detail::upserted(stored, rows, keys, describe()); },
      "MERGE");
}

void DeltaConnector::delete_where(const Expr& condition) const {
  refuse_time_travel(options_, describe());
  if (!exists()) {
    return;
  }
  rewrite(
      *this, path_, options_,
      [&](const Table* stored) { return detail::without_rows(*stored, condition); }, "DELETE");
}

void DeltaConnector::drop() const {
  std::error_code error;
  std::filesystem::remove_all(path_, error);
  if (error) {
    throw IoError("cannot drop " + path_.string() + ": " + error.message());
  }
}

}  // namespace setl::storage
