// Builds connectors from configuration sections, SETL's ConnectorBuilder:
//
//   connectors:
//     orders:   {storage: CSV, path: data/orders.csv, delimiter: ",", permissive: true}
//     warehouse: {storage: SQLITE, path: out/warehouse.db, table: revenue}
//
//   auto orders = setl::storage::build_connector(config.section("connectors.orders"));
//
// Every storage accepts save_mode (overwrite, append, error_if_exists, ignore): what
// Connector::save() and Repository::save(data) use.
// CSV keys: path (required), header, delimiter, quote, escape, null_values, column_names,
// trailing_delimiter, infer_rows, infer_schema (false: every column a string), permissive,
// rejects_path, batch_rows. JSONL keys: path,
// infer_rows, batch_rows. PARQUET keys: path (required), compression (none, snappy, gzip, zstd,
// lz4_raw), compression_level, row_group_rows, page_rows, data_page_version (1 or 2), dictionary,
// write_checksums, verify_checksums.
// PARTITIONED keys: path, format (CSV, JSONL or PARQUET), partition_by (a list).
// DELTA keys: path, partition_by, version (versionAsOf), timestamp (timestampAsOf, text),
// overwrite_schema (overwriteSchema), checkpoint_interval, compatible_protocol.
// EXCEL keys: path, sheet (sheetName), data_address (dataAddress), header (useHeader),
// infer_schema. ODBC (also JDBC) keys: connection_string, user, password_env, and table or
// query with parameters (a list, bound to its ? markers as text).
// A CSV, JSONL, JSON or PARQUET path that is a directory or a glob pattern reads its files
// as one table (FileSetConnector), with source_column (a column naming each row's file)
// and recursive (a directory's subdirectories too).
// SQLITE keys: path (required), and table or query. POSTGRES keys: host, port, database,
// user, password_env (the name of a variable holding the password), schema, and table or
// query.
// The option names of SETL and PySetl configurations are accepted too: saveMode, sep,
// inferSchema, partitionBy, nullValues, columnNames, dbtable, compressionLevel (one spelling
// per option: both is a ConfigError). Values such as header: "true" or saveMode: Append are
// read as SETL writes them.
// Unknown keys and storages are ConfigErrors naming the key and listing what is accepted.
// `storage: OTHER` with `class: <name>` builds a connector class registered with
// register_connector_class(), as SETL builds custom connectors from their class name.
//
// Storage types live in a registry that user code extends, so a connector of your own is
// configured like the built-in ones:
//
//   register_storage({"DELTA", {}, {"path", "version"}, "Delta table", [](const Config& s) {
//     return make_connector<DeltaConnector>(s.get_string("path"));
//   }});
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "setl/core/config.h"
#include "setl/storage/connector.h"

namespace setl::storage {

/// A storage type a configuration section can name (`storage: CSV`; case-insensitive).
struct StorageType {
  std::string name;                  ///< "CSV"
  std::vector<std::string> aliases;  ///< other accepted names ("JSON_LINES" for JSONL)
  std::vector<std::string> keys;     ///< the section keys it accepts besides `storage`
  std::string doc;                   ///< one line
  std::function<std::shared_ptr<Connector>(const Config& section)> build;
};

/// Adds a storage type. Throws: ConfigError if the name or an alias is taken.
void register_storage(StorageType type);
/// The registered storage types, by name (built in: CSV, JSON, JSONL, OTHER, PARQUET,
/// PARTITIONED, POSTGRES, SQLITE).
std::vector<StorageType> storage_types();

/// Adds a connector class, SETL's custom connector: a section with `storage: OTHER` and
/// `class: <type.name>` (matched exactly, as SETL matches class names) is built by
/// `type.build`, accepting `type.keys` besides storage, class and save_mode.
///
///   register_connector_class({"com.example.KafkaConnector", {}, {"topic", "brokers"},
///                             "Kafka topic", [](const Config& s) { return ...; }});
///
/// Throws: ConfigError if the name is taken or there is no build function.
void register_connector_class(StorageType type);
/// The registered connector classes, by name.
std::vector<StorageType> connector_classes();

/// Builds the connector a section describes: looks `storage` up in the registry, refuses
/// keys the type does not accept, and calls its build function.
std::shared_ptr<Connector> build_connector(const Config& section);

}  // namespace setl::storage
