#include "setl/storage/connector_builder.h"

#include <algorithm>
#include <set>

#include "setl/core/error.h"
#include "setl/core/suggest.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/parquet_connector.h"
#include "setl/storage/partitioned_connector.h"
#include "setl/storage/postgres_connector.h"
#include "setl/storage/sqlite_connector.h"

namespace setl::storage {
namespace {

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

std::shared_ptr<Connector> build_csv(const Config& section) {
  check_keys(section,
             {"storage", "path", "header", "delimiter", "quote", "escape", "null_values",
              "infer_rows", "permissive", "rejects_path", "batch_rows"},
             "CSV");
  CsvOptions options;
  options.header = section.get_or<bool>("header", true);
  options.delimiter = single_character(section, "delimiter", ',');
  options.quote = single_character(section, "quote", '"');
  options.escape = single_character(section, "escape", options.quote);
  if (section.has("null_values")) {
    options.null_values = section.get_string_list("null_values");
  }
  options.infer_rows = section.get_or<int64_t>("infer_rows", options.infer_rows);
  options.permissive = section.get_or<bool>("permissive", false);
  if (section.has("rejects_path")) {
    options.rejects_path = section.get_string("rejects_path");
  }
  options.batch_rows = section.get_or<int64_t>("batch_rows", options.batch_rows);
  return std::make_shared<CsvConnector>(section.get_string("path"), options);
}

std::shared_ptr<Connector> build_sqlite(const Config& section) {
  check_keys(section, {"storage", "path", "table", "query"}, "SQLITE");
  bool has_table = section.has("table");
  bool has_query = section.has("query");
  if (has_table == has_query) {
    throw ConfigError(where(section) +
                      ": a SQLITE connector needs exactly one of 'table' and 'query'");
  }
  if (has_query) {
    return SqliteConnector::query(section.get_string("path"), section.get_string("query"));
  }
  return std::make_shared<SqliteConnector>(section.get_string("path"), section.get_string("table"));
}

std::shared_ptr<Connector> build_parquet(const Config& section) {
  check_keys(section,
             {"storage", "path", "compression", "compression_level", "row_group_rows", "page_rows",
              "data_page_version", "dictionary", "write_checksums", "verify_checksums"},
             "PARQUET");
  ParquetOptions options;
  if (section.has("compression")) {
    options.compression = parse_parquet_compression(section.get_string("compression"));
  }
  options.compression_level = section.get_or<int>("compression_level", options.compression_level);
  options.row_group_rows = section.get_or<int64_t>("row_group_rows", options.row_group_rows);
  options.page_rows = section.get_or<int64_t>("page_rows", options.page_rows);
  options.data_page_version = section.get_or<int>("data_page_version", options.data_page_version);
  options.dictionary = section.get_or<bool>("dictionary", options.dictionary);
  options.write_checksums = section.get_or<bool>("write_checksums", options.write_checksums);
  options.verify_checksums = section.get_or<bool>("verify_checksums", options.verify_checksums);
  return std::make_shared<ParquetConnector>(section.get_string("path"), options);
}

}  // namespace

std::shared_ptr<Connector> build_connector(const Config& section) {
  std::string storage = section.get_string("storage");
  std::string upper = storage;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "CSV") {
    return build_csv(section);
  }
  if (upper == "SQLITE") {
    return build_sqlite(section);
  }
  if (upper == "POSTGRES" || upper == "POSTGRESQL") {
    check_keys(
        section,
        {"storage", "host", "port", "database", "user", "password_env", "schema", "table", "query"},
        "POSTGRES");
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
      return PostgresConnector::query(connection, section.get_string("query"));
    }
    return std::make_shared<PostgresConnector>(connection, section.get_string("table"));
  }
  if (upper == "PARTITIONED") {
    check_keys(section, {"storage", "path", "format", "partition_by"}, "PARTITIONED");
    std::string format = section.get_or<std::string>("format", "CSV");
    std::transform(format.begin(), format.end(), format.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (format != "CSV" && format != "JSONL" && format != "PARQUET") {
      throw ConfigError(where(section) + ": unknown partition format '" + format +
                        "'; expected CSV, JSONL or PARQUET");
    }
    std::vector<std::string> keys;
    if (section.has("partition_by")) {
      keys = section.get_string_list("partition_by");
    }
    return std::make_shared<PartitionedConnector>(section.get_string("path"),
                                                  format == "CSV"     ? PartitionFormat::kCsv
                                                  : format == "JSONL" ? PartitionFormat::kJsonLines
                                                                      : PartitionFormat::kParquet,
                                                  keys);
  }
  if (upper == "JSONL" || upper == "JSON_LINES") {
    check_keys(section, {"storage", "path", "infer_rows", "batch_rows"}, "JSONL");
    JsonLinesOptions options;
    options.infer_rows = section.get_or<int64_t>("infer_rows", options.infer_rows);
    options.batch_rows = section.get_or<int64_t>("batch_rows", options.batch_rows);
    return std::make_shared<JsonLinesConnector>(section.get_string("path"), options);
  }
  if (upper == "PARQUET") {
    return build_parquet(section);
  }
  throw ConfigError(where(section) + ": unknown storage '" + storage +
                    "'; supported: CSV, JSONL, PARQUET, PARTITIONED, POSTGRES, SQLITE");
}

}  // namespace setl::storage
