#include "setl/storage/connector_builder.h"

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "setl/core/error.h"
#include "setl/core/memory_budget.h"
#include "setl/core/suggest.h"
#include "setl/engine/parse_value.h"
#include "setl/storage/arrow_ipc_connector.h"
#include "setl/storage/arrow_ipc_stream_connector.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/delta_connector.h"
#include "setl/storage/excel_connector.h"
#include "setl/storage/file_set_connector.h"
#include "setl/storage/json_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/odbc_connector.h"
#include "setl/storage/parquet_connector.h"
#include "setl/storage/partitioned_connector.h"
#include "setl/storage/postgres_connector.h"
#include "setl/storage/sqlite_connector.h"

namespace setl::storage {
namespace {

std::string upper_case(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

std::string where(const Config& section) {
  return section.source() + ": section '" + section.prefix() + "'";
}

void check_keys(const Config& section, const std::set<std::string>& allowed,
                const std::string& storage) {
  std::vector<std::string> known(allowed.begin(), allowed.end());
  for (const std::string& key : section.keys()) {
    if (allowed.count(key) == 0) {
      std::string message = where(section) + ": unknown key '" + key + "' for storage " + storage;
      if (auto suggestion = closest_match(key, known)) {
        message += "; did you mean '" + *suggestion + "'?";
      }
      std::string list;
      for (const std::string& name : known) {
        list += (list.empty() ? "" : ", ") + name;
      }
      throw ConfigError(message + " (accepted: " + list + ")");
    }
  }
}

// The names SETL and PySetl configurations give options (Spark's reader and writer option
// names among them), and ours. Either spelling works; both at once is an error.
constexpr std::array<std::pair<const char*, const char*>, 15> kOptionAliases{{
    {"saveMode", "save_mode"},
    {"sep", "delimiter"},
    {"inferSchema", "infer_schema"},
    {"partitionBy", "partition_by"},
    {"nullValues", "null_values"},
    {"columnNames", "column_names"},
    {"dbtable", "table"},
    {"compressionLevel", "compression_level"},
    {"multiLine", "multi_line"},
    {"sheetName", "sheet"},
    {"dataAddress", "data_address"},
    {"useHeader", "header"},
    {"versionAsOf", "version"},
    {"timestampAsOf", "timestamp"},
    {"overwriteSchema", "overwrite_schema"},
}};

Config with_our_option_names(Config section) {
  for (const auto& [original, ours] : kOptionAliases) {
    section = section.with_key_renamed(original, ours);
  }
  return section;
}

char single_character(const Config& section, const std::string& key, char fallback) {
  if (!section.has(key)) {
    return fallback;
  }
  std::string text = section.get_string(key);
  if (text == "\\t") {
    return '\t';
  }
  if (text.size() != 1) {
    throw ConfigError(where(section) + ": key '" + key + "' must be one character, found \"" +
                      text + "\"");
  }
  return text[0];
}

// A path that is a directory or a pattern reads the files it names as one table; the
// reader options of its format apply to each file.
std::shared_ptr<Connector> file_set(const Config& section, FileFormat format,
                                    const std::function<void(FileSetOptions&)>& set_reader) {
  std::string path = section.get_string("path");
  if (!FileSetConnector::names_many_files(path)) {
    for (const char* key : {"source_column", "recursive"}) {
      if (section.has(key)) {
        throw ConfigError(where(section) + ": '" + key +
                          "' applies when 'path' is a directory or a pattern, and \"" + path +
                          "\" is neither");
      }
    }
    return nullptr;
  }
  FileSetOptions options;
  options.format = format;
  if (section.has("source_column")) {
    options.source_column = section.get_string("source_column");
  }
  options.recursive = section.get_or<bool>("recursive", false);
  set_reader(options);
  return make_connector<FileSetConnector>(path, options);
}

std::shared_ptr<Connector> build_csv(const Config& section) {
  CsvOptions options;
  options.header = section.get_or<bool>("header", true);
  options.delimiter = single_character(section, "delimiter", ',');
  options.quote = single_character(section, "quote", '"');
  options.escape = single_character(section, "escape", options.quote);
  if (section.has("null_values")) {
    options.null_values = section.get_string_list("null_values");
  }
  if (section.has("column_names")) {
    options.column_names = section.get_string_list("column_names");
  }
  options.trailing_delimiter = section.get_or<bool>("trailing_delimiter", false);
  options.infer_rows = section.get_or<int64_t>("infer_rows", options.infer_rows);
  options.infer_types = section.get_or<bool>("infer_schema", true);
  options.permissive = section.get_or<bool>("permissive", false);
  if (section.has("rejects_path")) {
    options.rejects_path = section.get_string("rejects_path");
  }
  options.batch_rows = section.get_or<int64_t>("batch_rows", options.batch_rows);
  if (auto files =
          file_set(section, FileFormat::kCsv, [&](FileSetOptions& o) { o.csv = options; })) {
    return files;
  }
  return make_connector<CsvConnector>(section.get_string("path"), options);
}

std::shared_ptr<Connector> build_sqlite(const Config& section) {
  bool has_table = section.has("table");
  bool has_query = section.has("query");
  if (has_table == has_query) {
    throw ConfigError(where(section) +
                      ": a SQLITE connector needs exactly one of 'table' and 'query'");
  }
  if (has_query) {
    return make_connector<SqliteConnector>(section.get_string("path"),
                                           SqlQuery{section.get_string("query")});
  }
  return make_connector<SqliteConnector>(section.get_string("path"), section.get_string("table"));
}

std::shared_ptr<Connector> build_parquet(const Config& section) {
  ParquetOptions options;
  if (section.has("compression")) {
    options.compression = parse_parquet_compression(section.get_string("compression"));
  }
  options.compression_level = section.get_or<int>("compression_level", options.compression_level);
  options.row_group_rows = section.get_or<int64_t>("row_group_rows", options.row_group_rows);
  if (section.has("row_group_bytes")) {
    options.row_group_bytes = memory::parse_memory_size(section.get_string("row_group_bytes"));
  }
  options.page_rows = section.get_or<int64_t>("page_rows", options.page_rows);
  options.data_page_version = section.get_or<int>("data_page_version", options.data_page_version);
  options.dictionary = section.get_or<bool>("dictionary", options.dictionary);
  options.write_checksums = section.get_or<bool>("write_checksums", options.write_checksums);
  options.verify_checksums = section.get_or<bool>("verify_checksums", options.verify_checksums);
  if (auto files = file_set(section, FileFormat::kParquet,
                            [&](FileSetOptions& o) { o.parquet = options; })) {
    return files;
  }
  return make_connector<ParquetConnector>(section.get_string("path"), options);
}

std::shared_ptr<Connector> build_arrow(const Config& section) {
  ArrowIpcOptions options;
  if (section.has("compression")) {
    options.compression = parse_arrow_ipc_compression(section.get_string("compression"));
  }
  options.compression_level = section.get_or<int>("compression_level", options.compression_level);
  if (auto files = file_set(section, FileFormat::kArrowIpc, [](FileSetOptions&) {})) {
    return files;
  }
  return make_connector<ArrowIpcConnector>(section.get_string("path"), options);
}

std::shared_ptr<Connector> build_arrow_stream(const Config& section) {
  ArrowIpcStreamOptions options;
  if (section.has("compression")) {
    options.write.compression = parse_arrow_ipc_compression(section.get_string("compression"));
  }
  options.write.compression_level =
      section.get_or<int>("compression_level", options.write.compression_level);
  int64_t timeout = section.get_or<int64_t>("timeout_ms", options.timeout.count());
  if (timeout < 0) {
    throw ConfigError(where(section) + ": 'timeout_ms' must not be negative");
  }
  options.timeout = std::chrono::milliseconds(timeout);
  return make_connector<ArrowIpcStreamConnector>(section.get_string("endpoint"), options);
}

std::shared_ptr<Connector> build_postgres(const Config& section) {
  PostgresConnection connection;
  connection.host = section.get_or<std::string>("host", connection.host);
  connection.port = section.get_or<int>("port", connection.port);
  connection.database = section.get_or<std::string>("database", connection.database);
  connection.user = section.get_or<std::string>("user", connection.user);
  connection.password_env = section.get_or<std::string>("password_env", "");
  connection.schema = section.get_or<std::string>("schema", connection.schema);
  if (section.has("table") == section.has("query")) {
    throw ConfigError(where(section) +
                      ": a POSTGRES connector needs exactly one of 'table' and 'query'");
  }
  if (section.has("query")) {
    return make_connector<PostgresConnector>(connection, SqlQuery{section.get_string("query")});
  }
  return make_connector<PostgresConnector>(connection, section.get_string("table"));
}

std::shared_ptr<Connector> build_partitioned(const Config& section) {
  std::string format = upper_case(section.get_or<std::string>("format", "CSV"));
  static const std::map<std::string, PartitionFormat> kFormats = {
      {"CSV", PartitionFormat::kCsv},
      {"JSONL", PartitionFormat::kJsonLines},
      {"PARQUET", PartitionFormat::kParquet},
      {"ARROW", PartitionFormat::kArrowIpc}};
  auto found = kFormats.find(format);
  if (found == kFormats.end()) {
    throw ConfigError(where(section) + ": unknown partition format '" + format +
                      "'; expected CSV, JSONL, PARQUET or ARROW");
  }
  std::vector<std::string> keys;
  if (section.has("partition_by")) {
    keys = section.get_string_list("partition_by");
  }
  return make_connector<PartitionedConnector>(section.get_string("path"), found->second, keys);
}

std::shared_ptr<Connector> build_json_lines(const Config& section) {
  JsonLinesOptions options;
  options.infer_rows = section.get_or<int64_t>("infer_rows", options.infer_rows);
  options.batch_rows = section.get_or<int64_t>("batch_rows", options.batch_rows);
  if (auto files = file_set(section, FileFormat::kJsonLines,
                            [&](FileSetOptions& o) { o.json_lines = options; })) {
    return files;
  }
  return make_connector<JsonLinesConnector>(section.get_string("path"), options);
}

// Spark's (and so SETL's) JSON source reads JSON Lines unless multiLine is true.
std::shared_ptr<Connector> build_json(const Config& section) {
  if (!section.get_or<bool>("multi_line", false)) {
    return build_json_lines(section);
  }
  JsonOptions options;
  options.infer_rows = section.get_or<int64_t>("infer_rows", options.infer_rows);
  if (auto files =
          file_set(section, FileFormat::kJson, [&](FileSetOptions& o) { o.json = options; })) {
    return files;
  }
  return make_connector<JsonConnector>(section.get_string("path"), options);
}

std::shared_ptr<Connector> build_excel(const Config& section) {
  ExcelOptions options;
  options.sheet = section.get_or<std::string>("sheet", "");
  options.data_address = section.get_or<std::string>("data_address", "");
  options.header = section.get_or<bool>("header", true);
  options.infer_schema = section.get_or<bool>("infer_schema", true);
  try {
    return make_connector<ExcelConnector>(section.get_string("path"), options);
  } catch (const ConfigError& error) {
    throw ConfigError(where(section) + ": " + error.what());
  }
}

std::shared_ptr<Connector> build_odbc(const Config& section) {
  OdbcConnection connection;
  connection.connection_string = section.get_string("connection_string");
  if (section.has("user")) {
    std::string& text = connection.connection_string;
    text += (text.empty() || text.back() == ';' ? "" : ";") + std::string("UID=") +
            section.get_string("user") + ";";
  }
  connection.password_env = section.get_or<std::string>("password_env", "");
  if (section.has("table") == section.has("query")) {
    throw ConfigError(where(section) +
                      ": an ODBC connector needs exactly one of 'table' and 'query'");
  }
  if (section.has("parameters") && !section.has("query")) {
    throw ConfigError(where(section) + ": 'parameters' go with a 'query'");
  }
  if (section.has("query")) {
    OdbcQuery query{section.get_string("query"), {}};
    if (section.has("parameters")) {
      for (const std::string& value : section.get_string_list("parameters")) {
        query.parameters.push_back(engine::Scalar::string(value));
      }
    }
    return make_connector<OdbcConnector>(connection, std::move(query));
  }
  return make_connector<OdbcConnector>(connection, section.get_string("table"));
}

std::shared_ptr<Connector> build_delta(const Config& section) {
  DeltaOptions options;
  if (section.has("partition_by")) {
    options.partition_by = section.get_string_list("partition_by");
  }
  if (section.has("version")) {
    options.version = section.get<int64_t>("version");
  }
  if (section.has("timestamp")) {
    std::string text = section.get_string("timestamp");
    int64_t micros = 0;
    if (!engine::parse_timestamp(text, micros)) {
      throw ConfigError(where(section) + ": timestamp \"" + text +
                        "\" is not a time such as 2024-03-01 12:00:00");
    }
    options.timestamp_ms = micros / 1000;
  }
  options.overwrite_schema = section.get_or<bool>("overwrite_schema", false);
  options.checkpoint_interval =
      section.get_or<int64_t>("checkpoint_interval", options.checkpoint_interval);
  options.compatible_protocol = section.get_or<bool>("compatible_protocol", false);
  return make_connector<DeltaConnector>(section.get_string("path"), options);
}

// Guarded: user code may register storages while configuration is being read.
struct Registry {
  std::mutex mutex;
  std::map<std::string, StorageType> by_name;  // upper-case name -> type
  std::map<std::string, std::string> aliases;  // upper-case alias -> name
  std::map<std::string, StorageType> classes;  // class name (as written) -> type
};

constexpr const char* kOther = "OTHER";

Registry& registry() {
  static Registry* instance = [] {
    auto* r = new Registry();  // never destroyed: connectors may be built during exit
    std::vector<StorageType> built_in = {
        {"CSV",
         {},
         {"path", "header", "delimiter", "quote", "escape", "null_values", "column_names",
          "trailing_delimiter", "infer_rows", "infer_schema", "permissive", "rejects_path",
          "batch_rows", "source_column", "recursive"},
         "CSV file (.gz/.zst compressed by name)",
         build_csv},
        {"JSONL",
         {"JSON_LINES"},
         {"path", "infer_rows", "batch_rows", "source_column", "recursive"},
         "JSON Lines file (.gz/.zst compressed by name)",
         build_json_lines},
        {"JSON",
         {},
         {"path", "multi_line", "infer_rows", "batch_rows", "source_column", "recursive"},
         "JSON: with multi_line true a document (an array of objects, or one object), else "
         "JSON Lines, as Spark reads JSON",
         build_json},
        {"PARQUET",
         {},
         {"path", "compression", "compression_level", "row_group_rows", "row_group_bytes",
          "page_rows", "data_page_version", "dictionary", "write_checksums", "verify_checksums",
          "source_column", "recursive"},
         "Parquet file",
         build_parquet},
        {"ARROW",
         {"IPC", "FEATHER"},
         {"path", "compression", "compression_level", "source_column", "recursive"},
         "Arrow IPC file (Feather v2), memory-mapped when read",
         build_arrow},
        {"ARROW_STREAM",
         {"IPC_STREAM"},
         {"endpoint", "compression", "compression_level", "timeout_ms"},
         "Arrow IPC stream to or from another process (FIFO, fd:N, tcp://, listen://)",
         build_arrow_stream},
        {"PARTITIONED",
         {},
         {"path", "format", "partition_by"},
         "hive-style partitioned directory of CSV, JSONL, Parquet or Arrow IPC files",
         build_partitioned},
        {"ODBC",
         {"JDBC"},
         {"connection_string", "user", "password_env", "table", "query", "parameters"},
         "table or query of any database with an ODBC driver (unixODBC)",
         build_odbc},
        {"SQLITE",
         {},
         {"path", "table", "query"},
         "table or query of a SQLite database",
         build_sqlite},
        {"POSTGRES",
         {"POSTGRESQL"},
         {"host", "port", "database", "user", "password_env", "schema", "table", "query"},
         "table or query of a PostgreSQL database",
         build_postgres},
        {"DELTA",
         {},
         {"path", "partition_by", "version", "timestamp", "overwrite_schema", "checkpoint_interval",
          "compatible_protocol"},
         "Delta Lake table (the Delta transaction protocol over Parquet)",
         build_delta},
        {"EXCEL",
         {"XLSX"},
         {"path", "sheet", "data_address", "header", "infer_schema"},
         "a sheet of an Excel workbook (.xlsx)",
         build_excel},
        // Resolved in build_connector(): the class decides the keys and the build.
        {kOther,
         {},
         {"class"},
         "a connector class of your own, registered with register_connector_class",
         nullptr},
    };
    for (StorageType& type : built_in) {
      for (const std::string& alias : type.aliases) {
        r->aliases[alias] = type.name;
      }
      r->by_name.emplace(type.name, std::move(type));
    }
    return r;
  }();
  return *instance;
}

}  // namespace

void register_storage(StorageType type) {
  type.name = upper_case(type.name);
  if (type.name.empty() || !type.build) {
    throw ConfigError("register_storage needs a name and a build function");
  }
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> names = type.aliases;
  names.push_back(type.name);
  for (std::string& name : names) {
    name = upper_case(name);
    if (r.by_name.count(name) > 0 || r.aliases.count(name) > 0) {
      throw ConfigError("storage type '" + name + "' is already registered");
    }
  }
  for (const std::string& alias : type.aliases) {
    r.aliases[upper_case(alias)] = type.name;
  }
  std::string name = type.name;
  r.by_name.emplace(name, std::move(type));
}

void register_connector_class(StorageType type) {
  if (type.name.empty() || !type.build) {
    throw ConfigError("register_connector_class needs a class name and a build function");
  }
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::string name = type.name;
  if (!r.classes.emplace(name, std::move(type)).second) {
    throw ConfigError("connector class '" + name + "' is already registered");
  }
}

std::vector<StorageType> connector_classes() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<StorageType> classes;
  for (const auto& [name, type] : r.classes) {
    classes.push_back(type);
  }
  return classes;
}

std::vector<StorageType> storage_types() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<StorageType> types;
  for (const auto& [name, type] : r.by_name) {
    types.push_back(type);
  }
  return types;
}

namespace {

// SETL's `storage: OTHER` with `class: <name>`: the registered class in its place.
StorageType connector_class(Registry& r, const Config& section) {
  if (!section.has("class")) {
    throw ConfigError(where(section) +
                      ": storage OTHER needs 'class', the name a connector class was "
                      "registered under (register_connector_class)");
  }
  std::string name = section.get_string("class");
  auto found = r.classes.find(name);
  if (found == r.classes.end()) {
    std::vector<std::string> known;
    for (const auto& [known_name, unused] : r.classes) {
      known.push_back(known_name);
    }
    std::string message = where(section) + ": no connector class '" + name + "' is registered";
    if (auto suggestion = closest_match(name, known)) {
      message += "; did you mean '" + *suggestion + "'?";
    }
    std::string list;
    for (const std::string& known_name : known) {
      list += (list.empty() ? "" : ", ") + known_name;
    }
    throw ConfigError(message + " (registered: " + (list.empty() ? "none" : list) + ")");
  }
  StorageType type = found->second;
  type.keys.push_back("class");
  return type;
}

}  // namespace

std::shared_ptr<Connector> build_connector(const Config& original) {
  Config section = with_our_option_names(original);
  std::string storage = section.get_string("storage");
  std::string name = upper_case(storage);
  StorageType type;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (auto alias = r.aliases.find(name); alias != r.aliases.end()) {
      name = alias->second;
    }
    auto found = r.by_name.find(name);
    if (found == r.by_name.end()) {
      std::string list;
      for (const auto& [known, unused] : r.by_name) {
        list += (list.empty() ? "" : ", ") + known;
      }
      throw ConfigError(where(section) + ": unknown storage '" + storage + "'; supported: " + list);
    }
    type = name == kOther ? connector_class(r, section) : found->second;
  }
  std::set<std::string> allowed(type.keys.begin(), type.keys.end());
  allowed.insert("storage");
  allowed.insert("save_mode");
  check_keys(section, allowed, name == kOther ? "OTHER (class " + type.name + ")" : type.name);
  std::shared_ptr<Connector> connector = type.build(section);
  if (!connector) {
    throw ConfigError(where(section) + ": the build function of " + type.name +
                      " returned no connector");
  }
  if (section.has("save_mode")) {
    try {
      connector->set_save_mode(parse_save_mode(section.get_string("save_mode")));
    } catch (const ConfigError& error) {
      throw ConfigError(where(section) + ": " + error.what());
    }
  }
  return connector;
}

}  // namespace setl::storage
