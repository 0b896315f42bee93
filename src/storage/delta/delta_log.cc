#include "storage/delta/delta_log.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "setl/core/atomic_file.h"
#include "setl/core/error.h"
#include "setl/core/parse_number.h"

namespace setl::storage::detail {
namespace {

using Json = nlohmann::json;

constexpr int kMaxJsonDepth = 64;
constexpr std::uintmax_t kMaxLogFileBytes = std::uintmax_t{256} << 20;

class ActionReader {
 public:
  ActionReader(const Json& object, std::string where) : object_(object), where_(std::move(where)) {}

  const Json& required(const char* key) const {
    auto found = object_.find(key);
    if (found == object_.end() || found->is_null()) {
      throw ParseError(where_ + ": missing \"" + key + "\"");
    }
    return *found;
  }
  std::string string(const char* key) const {
    const Json& value = required(key);
    if (!value.is_string()) {
      throw ParseError(where_ + ": \"" + key + "\" is not a string");
    }
    return value.get<std::string>();
  }
  int64_t integer(const char* key) const {
    const Json& value = required(key);
    if (!value.is_number_integer()) {
      throw ParseError(where_ + ": \"" + key + "\" is not an integer");
    }
    return value.get<int64_t>();
  }
  std::optional<int64_t> optional_integer(const char* key) const {
    auto found = object_.find(key);
    if (found == object_.end() || found->is_null()) {
      return std::nullopt;
    }
    return integer(key);
  }
  bool boolean(const char* key, bool fallback) const {
    auto found = object_.find(key);
    if (found == object_.end() || found->is_null()) {
      return fallback;
    }
    if (!found->is_boolean()) {
      throw ParseError(where_ + ": \"" + key + "\" is not a boolean");
    }
    return found->get<bool>();
  }
  std::vector<std::string> strings(const char* key, bool required_key) const {
    auto found = object_.find(key);
    if (found == object_.end() || found->is_null()) {
      if (required_key) {
        throw ParseError(where_ + ": missing \"" + key + "\"");
      }
      return {};
    }
    if (!found->is_array()) {
      throw ParseError(where_ + ": \"" + key + "\" is not an array");
    }
    std::vector<std::string> out;
    for (const Json& item : *found) {
      if (!item.is_string()) {
        throw ParseError(where_ + ": \"" + key + "\" holds a value that is not a string");
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  PartitionValues partition_values(const char* key, bool required_key) const {
    PartitionValues out;
    auto found = object_.find(key);
    if (found == object_.end() || found->is_null()) {
      if (required_key) {
        throw ParseError(where_ + ": missing \"" + key + "\"");
      }
      return out;
    }
    if (!found->is_object()) {
      throw ParseError(where_ + ": \"" + key + "\" is not an object");
    }
    for (const auto& [name, value] : found->items()) {
      if (value.is_null()) {
        out[name] = std::nullopt;
      } else if (value.is_string()) {
        // The protocol: an empty string is a NULL partition value.
        std::string text = value.get<std::string>();
        out[name] = text.empty() ? std::nullopt : std::optional<std::string>(text);
      } else {
        throw ParseError(where_ + ": partition value \"" + name + "\" is not a string");
      }
    }
    return out;
  }
  std::map<std::string, std::string> string_map(const char* key) const {
    std::map<std::string, std::string> out;
    auto found = object_.find(key);
    if (found == object_.end() || found->is_null()) {
      return out;
    }
    if (!found->is_object()) {
      throw ParseError(where_ + ": \"" + key + "\" is not an object");
    }
    for (const auto& [name, value] : found->items()) {
      if (!value.is_string()) {
        throw ParseError(where_ + ": \"" + key + "\"." + name + " is not a string");
      }
      out[name] = value.get<std::string>();
    }
    return out;
  }

 private:
  const Json& object_;
  std::string where_;
};

void read_action(const std::string& kind, const Json& body, const std::string& where,
                 DeltaActions& actions) {
  if (!body.is_object()) {
    if (kind == "commitInfo") {
      return;  // free-form by the protocol
    }
    throw ParseError(where + ": action \"" + kind + "\" is not an object");
  }
  ActionReader read(body, where + " (" + kind + ")");
  if (kind == "protocol") {
    DeltaProtocol protocol;
    protocol.reader = static_cast<int>(read.integer("minReaderVersion"));
    protocol.writer = static_cast<int>(read.integer("minWriterVersion"));
    protocol.reader_features = read.strings("readerFeatures", false);
    protocol.writer_features = read.strings("writerFeatures", false);
    actions.protocol = std::move(protocol);
  } else if (kind == "metaData") {
    DeltaMetadata metadata;
    metadata.id = read.string("id");
    metadata.schema_string = read.string("schemaString");
    metadata.partition_columns = read.strings("partitionColumns", true);
    metadata.configuration = read.string_map("configuration");
    metadata.created_time = read.optional_integer("createdTime");
    actions.metadata = std::move(metadata);
  } else if (kind == "add") {
    DeltaAdd add;
    add.path = decode_delta_path(read.string("path"));
    add.partition_values = read.partition_values("partitionValues", true);
    add.size = read.integer("size");
    add.modification_time = read.integer("modificationTime");
    add.data_change = read.boolean("dataChange", true);
    if (auto stats = body.find("stats"); stats != body.end() && stats->is_string()) {
      add.stats = stats->get<std::string>();
    }
    auto vector = body.find("deletionVector");
    add.deletion_vector = vector != body.end() && !vector->is_null();
    if (add.size < 0) {
      throw ParseError(where + " (add): negative size");
    }
    actions.adds.push_back(std::move(add));
  } else if (kind == "remove") {
    DeltaRemove remove;
    remove.path = decode_delta_path(read.string("path"));
    remove.deletion_timestamp = read.optional_integer("deletionTimestamp").value_or(0);
    remove.data_change = read.boolean("dataChange", true);
    remove.partition_values = read.partition_values("partitionValues", false);
    remove.size = read.optional_integer("size");
    actions.removes.push_back(std::move(remove));
  } else if (kind == "txn") {
    actions.transactions[read.string("appId")] = read.integer("version");
  } else if (kind == "checkpointMetadata") {
    actions.checkpoint_version = read.integer("version");
  } else if (kind == "commitInfo") {
    if (auto operation = body.find("operation");
        operation != body.end() && operation->is_string()) {
      actions.operation = operation->get<std::string>();
    }
    if (auto stamp = body.find("timestamp"); stamp != body.end() && stamp->is_number_integer()) {
      actions.commit_timestamp = stamp->get<int64_t>();
    }
  }
  // Other actions (cdc, domainMetadata, sidecar, ...) are ignored, as the protocol asks of
  // readers that do not use them; sidecars are refused where a checkpoint is read.
}

Json partition_json(const PartitionValues& values) {
  Json out = Json::object();
  for (const auto& [name, value] : values) {
    out[name] = value ? Json(*value) : Json(nullptr);
  }
  return out;
}

}  // namespace

DeltaActions parse_delta_actions(std::string_view text, const std::string& where) {
  DeltaActions actions;
  size_t line_number = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    std::string_view line =
        text.substr(start, end == std::string_view::npos ? text.npos : end - start);
    start = end == std::string_view::npos ? text.size() + 1 : end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      continue;
    }
    std::string at = where + ":" + std::to_string(line_number);
    Json parsed;
    try {
      parsed = Json::parse(line, [&](int depth, Json::parse_event_t, Json&) {
        if (depth > kMaxJsonDepth) {
          throw ParseError(at + ": JSON nests deeper than " + std::to_string(kMaxJsonDepth));
        }
        return true;
      });
    } catch (const Json::exception& error) {
      throw ParseError(at + ": not JSON: " + error.what());
    }
    if (!parsed.is_object() || parsed.size() != 1) {
      throw ParseError(at + ": a log line must be an object holding one action");
    }
    read_action(parsed.begin().key(), parsed.begin().value(), at, actions);
  }
  return actions;
}

std::string serialize_delta_actions(const DeltaActions& actions) {
  std::string out;
  auto line = [&](const char* kind, Json body) {
    out += Json{{kind, std::move(body)}}.dump() + "\n";
  };
  if (actions.checkpoint_version) {
    line("checkpointMetadata",
         {{"version", *actions.checkpoint_version}, {"tags", Json::object()}});
  }
  if (!actions.operation.empty()) {
    line("commitInfo", {{"timestamp", actions.commit_timestamp.value_or(0)},
                        {"operation", actions.operation},
                        {"engineInfo", "setlpp"}});
  }
  if (actions.protocol) {
    Json protocol = {{"minReaderVersion", actions.protocol->reader},
                     {"minWriterVersion", actions.protocol->writer}};
    if (actions.protocol->reader >= 3) {
      protocol["readerFeatures"] = actions.protocol->reader_features;
    }
    if (actions.protocol->writer >= 7) {
      protocol["writerFeatures"] = actions.protocol->writer_features;
    }
    line("protocol", protocol);
  }
  if (actions.metadata) {
    const DeltaMetadata& m = *actions.metadata;
    Json metadata = {{"id", m.id},
                     {"format", {{"provider", "parquet"}, {"options", Json::object()}}},
                     {"schemaString", m.schema_string},
                     {"partitionColumns", m.partition_columns},
                     {"configuration", m.configuration}};
    if (m.created_time) {
      metadata["createdTime"] = *m.created_time;
    }
    line("metaData", metadata);
  }
  for (const auto& [app, version] : actions.transactions) {
    line("txn", {{"appId", app}, {"version", version}});
  }
  for (const DeltaAdd& add : actions.adds) {
    Json body = {{"path", encode_delta_path(add.path)},
                 {"partitionValues", partition_json(add.partition_values)},
                 {"size", add.size},
                 {"modificationTime", add.modification_time},
                 {"dataChange", add.data_change}};
    if (add.stats) {
      body["stats"] = *add.stats;
    }
    line("add", body);
  }
  for (const DeltaRemove& remove : actions.removes) {
    Json body = {{"path", encode_delta_path(remove.path)},
                 {"deletionTimestamp", remove.deletion_timestamp},
                 {"dataChange", remove.data_change},
                 {"extendedFileMetadata", remove.size.has_value()},
                 {"partitionValues", partition_json(remove.partition_values)}};
    if (remove.size) {
      body["size"] = *remove.size;
    }
    line("remove", body);
  }
  return out;
}

void DeltaSnapshot::apply(const DeltaActions& actions) {
  if (actions.protocol) {
    protocol = *actions.protocol;
  }
  if (actions.metadata) {
    metadata = *actions.metadata;
    any_invariants =
        any_invariants || metadata.schema_string.find("delta.invariants") != std::string::npos;
  }
  for (const auto& [app, txn_version] : actions.transactions) {
    transactions[app] = txn_version;
  }
  // Within one version, removes and adds of different paths; a path both removed and
  // added is re-added (the add wins, as the newest reference).
  for (const DeltaRemove& remove : actions.removes) {
    files.erase(remove.path);
    tombstones[remove.path] = remove;
  }
  for (const DeltaAdd& add : actions.adds) {
    tombstones.erase(add.path);
    files[add.path] = add;
  }
}

std::filesystem::path delta_log_directory(const std::filesystem::path& table) {
  return table / "_delta_log";
}

std::string delta_commit_name(int64_t version) {
  return fmt::format("{:020d}.json", version);
}

DeltaLogListing list_delta_log(const std::filesystem::path& table) {
  static const std::regex kCommit(R"(^(\d{20})\.json$)");
  static const std::regex kCheckpoint(R"(^(\d{20})\.checkpoint\.[0-9a-fA-F-]{36}\.json$)");
  static const std::regex kParquetCheckpoint(R"(^(\d{20})\.checkpoint(\..*)?\.parquet$)");
  DeltaLogListing listing;
  std::error_code error;
  std::filesystem::path log = delta_log_directory(table);
  if (!std::filesystem::is_directory(log, error)) {
    return listing;
  }
  auto version_of = [&](const std::smatch& match, const std::string& name) {
    std::optional<int64_t> version = parse_number<int64_t>(match.str(1));
    if (!version) {
      throw IoError("Delta log " + log.string() + " holds " + name +
                    ", whose version is past the largest a log may have");
    }
    return *version;
  };
  std::filesystem::directory_iterator it(log, error);
  for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    std::string name = it->path().filename().string();
    std::smatch match;
    if (std::regex_match(name, match, kCommit)) {
      listing.commits[version_of(match, name)] = it->path();
    } else if (std::regex_match(name, match, kCheckpoint)) {
      listing.checkpoints[version_of(match, name)] = it->path();
    } else if (std::regex_match(name, match, kParquetCheckpoint)) {
      listing.parquet_checkpoints[version_of(match, name)] = it->path();
    }
  }
  if (error) {
    throw IoError("cannot list " + log.string() + ": " + error.message());
  }
  return listing;
}

std::string read_log_file(const std::filesystem::path& file) {
  std::error_code error;
  std::uintmax_t size = std::filesystem::file_size(file, error);
  if (error) {
    throw IoError("cannot read " + file.string() + ": " + error.message());
  }
  if (size > kMaxLogFileBytes) {
    throw ResourceError(file.string() + " is " + std::to_string(size) +
                        " bytes, more than a Delta log file may be (256 MiB)");
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) {
    throw IoError("cannot read " + file.string());
  }
  return text.str();
}

int64_t delta_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t file_time_ms(const std::filesystem::path& file) {
  std::error_code error;
  auto time = std::filesystem::last_write_time(file, error);
  if (error) {
    throw IoError("cannot stat " + file.string() + ": " + error.message());
  }
  auto system = std::chrono::file_clock::to_sys(time);
  return std::chrono::duration_cast<std::chrono::milliseconds>(system.time_since_epoch()).count();
}

DeltaSnapshot load_delta_snapshot(const std::filesystem::path& table,
                                  std::optional<int64_t> version) {
  DeltaLogListing listing = list_delta_log(table);
  if (listing.commits.empty() && listing.checkpoints.empty()) {
    throw IoError("no Delta table at " + table.string() + " (no _delta_log commits)");
  }
  int64_t latest = listing.commits.empty() ? listing.checkpoints.rbegin()->first
                                           : listing.commits.rbegin()->first;
  int64_t target = version.value_or(latest);
  if (target < 0 || target > latest) {
    throw IoError("Delta table " + table.string() + " has no version " + std::to_string(target) +
                  " (latest: " + std::to_string(latest) + ")");
  }
  DeltaSnapshot snapshot;
  int64_t from = 0;
  auto checkpoint = listing.checkpoints.upper_bound(target);
  if (checkpoint != listing.checkpoints.begin()) {
    --checkpoint;
    std::string where = checkpoint->second.string();
    DeltaActions actions = parse_delta_actions(read_log_file(checkpoint->second), where);
    if (actions.checkpoint_version != checkpoint->first || !actions.protocol || !actions.metadata) {
      throw ParseError(where + ": not a complete checkpoint of version " +
                       std::to_string(checkpoint->first));
    }
    snapshot.apply(actions);
    snapshot.version = checkpoint->first;
    from = checkpoint->first + 1;
  } else if (!listing.commits.count(0)) {
    auto parquet = listing.parquet_checkpoints.upper_bound(target);
    throw IoError("Delta table " + table.string() + ": the log starts after version 0" +
                  (parquet != listing.parquet_checkpoints.begin()
                       ? std::string(" and its Parquet checkpoints cannot be read here; write a "
                                     "JSON checkpoint with another client")
                       : std::string()));
  }
  for (int64_t v = from; v <= target; ++v) {
    auto commit = listing.commits.find(v);
    if (commit == listing.commits.end()) {
      throw IoError("Delta table " + table.string() + ": the log is missing version " +
                    std::to_string(v));
    }
    snapshot.apply(parse_delta_actions(read_log_file(commit->second), commit->second.string()));
    snapshot.version = v;
  }
  if (snapshot.metadata.schema_string.empty()) {
    throw ParseError("Delta table " + table.string() + ": no metaData action up to version " +
                     std::to_string(target));
  }
  if (auto commit = listing.commits.find(target); commit != listing.commits.end()) {
    snapshot.timestamp_ms = file_time_ms(commit->second);
  }
  return snapshot;
}

bool put_delta_commit(const std::filesystem::path& table, int64_t version,
                      const std::string& text) {
  std::filesystem::path log = delta_log_directory(table);
  std::error_code error;
  std::filesystem::create_directories(log, error);
  if (error) {
    throw IoError("cannot create " + log.string() + ": " + error.message());
  }
  // Written and synced under a temporary name, then linked to the version's name: link()
  // fails when that name exists, so of two writers exactly one creates each version, and
  // readers never see a commit file partly written.
  std::filesystem::path temporary =
      log / ("." + delta_commit_name(version) + "." + random_uuid() + ".tmp");
  write_atomically(temporary, text);
  std::filesystem::path target = log / delta_commit_name(version);
  int status = ::link(temporary.c_str(), target.c_str());
  int link_error = errno;
  std::filesystem::remove(temporary, error);
  if (status == 0) {
    int directory = ::open(log.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory >= 0) {
      ::fsync(directory);
      ::close(directory);
    }
    return true;
  }
  if (link_error == EEXIST) {
    return false;
  }
  throw IoError("cannot commit " + target.string() + ": " + std::strerror(link_error));
}

std::string random_uuid() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  uint64_t high = generator();
  uint64_t low = generator();
  high = (high & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  low = (low & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;    // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xFFFF,
                     high & 0xFFFF, low >> 48, low & 0xFFFFFFFFFFFFull);
}

std::string encode_delta_path(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool plain =
        std::isalnum(c) != 0 ||
        std::string_view("-_.!~*'()/=").find(static_cast<char>(c)) != std::string_view::npos;
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string decode_delta_path(std::string_view path) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() + 0 && hex(path[i + 1]) >= 0 &&
        hex(path[i + 2]) >= 0) {
      out += static_cast<char>(hex(path[i + 1]) * 16 + hex(path[i + 2]));
      i += 2;
    } else if (path[i] == '%') {
      throw ParseError("Delta log path '" + std::string(path) + "' has a malformed % escape");
    } else {
      out += path[i];
    }
  }
  return out;
}

}  // namespace setl::storage::detail
