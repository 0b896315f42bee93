#include "setl/cli/sql_command.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "setl/cli/job_runner.h"
#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/core/file_status.h"
#include "setl/sql/session.h"
#include "setl/storage/arrow_ipc.h"
#include "setl/storage/connector_builder.h"

namespace setl::cli {
namespace {

namespace fs = std::filesystem;

struct Options {
  std::vector<std::string> tables;
  std::string config;
  std::string file;
  std::string format = "table";
  int64_t max_rows = 1000;
  std::vector<std::string> statements;
};

std::string lower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

// The storage type a file's name says ("orders.csv.gz" is CSV).
std::string storage_of(const fs::path& path) {
  std::string name = lower(path.filename().string());
  for (const char* suffix : {".gz", ".zst"}) {
    if (name.ends_with(suffix)) {
      name.resize(name.size() - std::string(suffix).size());
    }
  }
  if (name.ends_with(".csv") || name.ends_with(".tsv") || name.ends_with(".tbl")) {
    return "CSV";
  }
  if (name.ends_with(".parquet")) {
    return "PARQUET";
  }
  if (name.ends_with(".arrow") || name.ends_with(".feather") || name.ends_with(".ipc")) {
    return "ARROW";
  }
  if (name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json")) {
    return "JSONL";
  }
  return "";
}

// The format of a partitioned dataset: its first data file's.
std::string format_of_directory(const fs::path& root) {
  for (const auto& entry : directory_entries(root, true)) {
    if (entry.is_regular_file() && !entry.path().filename().string().starts_with(".") &&
        !entry.path().filename().string().starts_with("_")) {
      if (std::string storage = storage_of(entry.path()); !storage.empty()) {
        return storage;
      }
    }
  }
  throw ConfigError("no CSV, Parquet, Arrow IPC or JSON Lines file under " + root.string() +
                    " to tell the dataset's format");
}

// A connector section for NAME=SOURCE's SOURCE.
std::string section_for(const std::string& source) {
  auto quoted = [](const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
      out += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
    }
    return out + "\"";
  };
  if (source.starts_with("sqlite:")) {
    std::string rest = source.substr(7);
    size_t colon = rest.rfind(':');
    if (colon == std::string::npos) {
      throw ConfigError("'" + source + "': write sqlite:FILE:TABLE");
    }
    return "{storage: SQLITE, path: " + quoted(rest.substr(0, colon)) +
           ", table: " + quoted(rest.substr(colon + 1)) + "}";
  }
  // Another process's Arrow IPC stream.
  for (const char* prefix : {"fd:", "tcp://", "listen://"}) {
    if (source.starts_with(prefix)) {
      return "{storage: ARROW_STREAM, endpoint: " + quoted(source) + "}";
    }
  }
  if (source.starts_with("postgres:")) {
    std::string section = "{storage: POSTGRES";
    std::stringstream parts(source.substr(9));
    std::string part;
    while (std::getline(parts, part, ',')) {
      size_t equals = part.find('=');
      if (equals == std::string::npos) {
        throw ConfigError("'" + part + "' in '" + source + "': write key=value");
      }
      section += ", " + part.substr(0, equals) + ": " + quoted(part.substr(equals + 1));
    }
    return section + "}";
  }
  fs::path path(source);
  if (is_directory_path(path)) {
    return "{storage: PARTITIONED, path: " + quoted(source) +
           ", format: " + format_of_directory(path) + "}";
  }
  std::string storage = storage_of(path);
  if (storage.empty()) {
    throw ConfigError("cannot tell the format of '" + source +
                      "': name it .csv, .tsv, .parquet, .arrow, .jsonl or .json, or use "
                      "sqlite:, postgres: or a stream's fd:, tcp:// or listen://");
  }
  if (!path_exists(path)) {
    throw ConfigError("no file '" + source + "'");
  }
  std::string extra = lower(path.filename().string()).find(".tsv") != std::string::npos
                          ? ", delimiter: \"\\t\""
                          : "";
  return "{storage: " + storage + ", path: " + quoted(source) + extra + "}";
}

void register_tables(sql::Session& session, const Options& options) {
  if (!options.config.empty()) {
    Config config = Config::load(options.config);
    if (config.has("connectors")) {
      for (const std::string& name : config.section("connectors").keys()) {
        session.register_source(name,
                                storage::build_connector(config.section("connectors." + name)));
      }
    }
  }
  for (const std::string& table : options.tables) {
    size_t equals = table.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw ConfigError("'" + table + "': write NAME=SOURCE");
    }
    Config section = Config::from_yaml(section_for(table.substr(equals + 1)), table);
    session.register_source(table.substr(0, equals), storage::build_connector(section));
  }
}

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) {
    return text;
  }
  std::string out = "\"";
  for (char c : text) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

// A value as a CSV cell holds it: strings as they are, the rest as printed.
std::string plain_text(const engine::Scalar& value) {
  return value.type().id() == engine::TypeId::kString ? value.as_string() : value.to_string();
}

nlohmann::json json_cell(const engine::Scalar& value) {
  if (value.is_null()) {
    return nullptr;
  }
  switch (value.type().id()) {
    case engine::TypeId::kBool:
      return value.as_bool();
    case engine::TypeId::kInt32:
    case engine::TypeId::kInt64:
      return value.as_int();
    case engine::TypeId::kFloat64:
      return value.as_double();
    case engine::TypeId::kString:
      return value.as_string();
    default:
      return value.to_string();  // dates, timestamps, decimals: exact text
  }
}

void print(const engine::Table& table, const Options& options, std::ostream& out) {
  const std::vector<std::string> names = table.schema()->names();
  if (options.format == "csv") {
    for (size_t i = 0; i < names.size(); ++i) {
      out << (i ? "," : "") << csv_cell(names[i]);
    }
    out << "\n";
    for (int64_t row = 0; row < table.num_rows(); ++row) {
      for (size_t i = 0; i < names.size(); ++i) {
        engine::Scalar value = table.at(row, names[i]);
        out << (i ? "," : "") << (value.is_null() ? "" : csv_cell(plain_text(value)));
      }
      out << "\n";
    }
    return;
  }
  if (options.format == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (int64_t row = 0; row < table.num_rows(); ++row) {
      nlohmann::json object = nlohmann::json::object();
      for (const std::string& name : names) {
        object[name] = json_cell(table.at(row, name));
      }
      rows.push_back(std::move(object));
    }
    out << rows.dump(2) << "\n";
    return;
  }
  out << table.to_string(options.max_rows);  // ends with the row count
}

// Runs one statement and prints what it gives.
void run_statement(sql::Session& session, const std::string& text, const Options& options,
                   std::ostream& out) {
  sql::StatementResult result = session.execute(text);
  if (options.format == "arrow" && result.kind != sql::StatementResult::Kind::kQuery) {
    return;  // only results go into the binary stream
  }
  switch (result.kind) {
    case sql::StatementResult::Kind::kQuery:
      if (options.format == "arrow") {
        // Batches go out as the query makes them: the reader starts before the end.
        std::unique_ptr<engine::BatchStream> rows = result.frame.stream();
        storage::ArrowIpcStreamWriter writer(out, rows->schema());
        while (std::optional<engine::RecordBatch> batch = rows->next()) {
          writer.write(*batch);
        }
        writer.close();
        return;
      }
      print(result.frame.collect(), options, out);
      return;
    case sql::StatementResult::Kind::kExplain:
      out << result.frame.collect().at(0, "plan").as_string();
      return;
    case sql::StatementResult::Kind::kCreateView:
      out << "created view " << result.view << "\n";
      return;
    case sql::StatementResult::Kind::kDropView:
      out << "dropped view " << result.view << "\n";
      return;
  }
}

fs::path history_file() {
  if (const char* path = std::getenv("SETL_SQL_HISTORY")) {
    return path;
  }
  const char* home = std::getenv("HOME");
  return home ? fs::path(home) / ".setl_sql_history" : fs::path();
}

int prompt(sql::Session& session, const Options& options, std::istream& in, std::ostream& out,
           std::ostream& err) {
  out << "setl sql: statements end with ';'; .tables lists the views, .quit leaves\n";
  fs::path history = history_file();
  std::string buffer;
  std::string line;
  bool failed = false;
  while (true) {
    out << (buffer.empty() ? "setl> " : "   -> ") << std::flush;
    if (!std::getline(in, line)) {
      break;
    }
    if (buffer.empty()) {
      std::string command = lower(line);
      command.erase(0, command.find_first_not_of(" \t"));
      command.erase(command.find_last_not_of(" \t\r") + 1);
      if (command == ".quit" || command == ".exit" || command == "\\q" || command == "exit") {
        break;
      }
      if (command == ".tables" || command == "\\d") {
        for (const std::string& name : session.views()) {
          out << name << "\n";
        }
        continue;
      }
    }
    buffer += line + "\n";
    size_t end = buffer.find_last_not_of(" \t\r\n");
    if (end == std::string::npos || buffer[end] != ';') {
      continue;
    }
    if (!history.empty()) {
      std::ofstream(history, std::ios::app) << buffer.substr(0, end + 1) << "\n";
    }
    try {
      for (const auto& [offset, statement] : sql::split_statements(buffer)) {
        run_statement(session, statement, options, out);
      }
    } catch (const Error& error) {
      err << "error: " << error.what() << "\n";
      failed = true;
    }
    buffer.clear();
  }
  out << "\n";
  return failed ? kExitFailed : kExitOk;
}

}  // namespace

int sql_command(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                std::ostream& err, bool interactive) {
  Options options;
  CLI::App app{"Runs SQL (Spark's dialect) over files and databases.", "setl sql"};
  app.add_option("-t,--table", options.tables,
                 "NAME=SOURCE: a file (.csv .tsv .parquet .arrow .jsonl .json, optionally .gz "
                 "or .zst), a partitioned dataset's directory, sqlite:FILE:TABLE, "
                 "postgres:host=H,database=D,user=U,password_env=VAR,table=T, or an Arrow IPC "
                 "stream: fd:N (fd:0 is stdin), tcp://HOST:PORT, listen://HOST:PORT")
      ->allow_extra_args(false);
  app.add_option("-c,--config", options.config,
                 "a configuration file whose `connectors` section's entries become views");
  app.add_option("-f,--file", options.file, "a file of statements separated by ';'");
  app.add_option("--format", options.format,
                 "table (default), csv, json, or arrow (each query's result as an Arrow IPC "
                 "stream, batch by batch, for another process)")
      ->check(CLI::IsMember({"table", "csv", "json", "arrow"}));
  app.add_option("--max-rows", options.max_rows, "rows a table shows (default 1000)")
      ->check(CLI::PositiveNumber);
  app.add_option("statements", options.statements, "statements to run, in order");
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::ParseError& error) {
    err << "setl sql: " << error.what() << "\n" << app.help();
    return kExitUsage;
  }
  sql::Session session;
  try {
    register_tables(session, options);
  } catch (const Error& error) {
    err << "setl sql: " << error.what() << "\n";
    return kExitInvalidInput;
  }
  std::string script;
  if (!options.file.empty()) {
    std::ifstream file(options.file);
    if (!file) {
      err << "setl sql: cannot read " << options.file << "\n";
      return kExitInvalidInput;
    }
    script.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  for (const std::string& statement : options.statements) {
    script += (script.empty() ? "" : ";\n") + statement;
  }
  if (script.empty()) {
    if (interactive) {
      return prompt(session, options, in, out, err);
    }
    script.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  try {
    for (const auto& [offset, statement] : sql::split_statements(script)) {
      run_statement(session, statement, options, out);
    }
  } catch (const Error& error) {
    err << "setl sql: " << error.what() << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace setl::cli
