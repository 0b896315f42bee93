#include "setl/storage/connector.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "setl/core/error.h"

namespace setl::storage {

std::string_view to_string(SaveMode mode) {
  switch (mode) {
    case SaveMode::kOverwrite:
      return "overwrite";
    case SaveMode::kAppend:
      return "append";
    case SaveMode::kErrorIfExists:
      return "error_if_exists";
    case SaveMode::kIgnore:
      return "ignore";
  }
  return "?";
}

SaveMode parse_save_mode(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "overwrite") {
    return SaveMode::kOverwrite;
  }
  if (lower == "append") {
    return SaveMode::kAppend;
  }
  if (lower == "error_if_exists" || lower == "errorifexists") {
    return SaveMode::kErrorIfExists;
  }
  if (lower == "ignore") {
    return SaveMode::kIgnore;
  }
  throw ConfigError("unknown save mode '" + std::string(name) +
                    "'; expected overwrite, append, error_if_exists or ignore");
}

std::optional<std::string> Connector::fingerprint(bool) const {
  return std::nullopt;
}

engine::Table Connector::read() const {
  return scan(engine::ScanRequest{}).table;
}

engine::LazyFrame Connector::lazy() const {
  std::shared_ptr<const Connector> self = weak_from_this().lock();
  if (!self) {
    // make_connector() is the only way to construct one; this is called mid-construction.
    throw InternalError("connector " + describe() + " is not owned by a std::shared_ptr yet");
  }
  return engine::LazyFrame::scan(self);
}

namespace {

[[noreturn]] void unsupported(const Connector& connector, const std::string& operation) {
  throw StateError(connector.describe() + ": " + operation + " is not supported by this connector");
}

}  // namespace

void Connector::upsert(const engine::Table& /*rows*/,
                       const std::vector<std::string>& /*keys*/) const {
  unsupported(*this, "upsert (update by key)");
}

void Connector::delete_where(const engine::Expr& /*condition*/) const {
  unsupported(*this, "delete");
}

void Connector::drop() const {
  unsupported(*this, "drop");
}

void Connector::write_with_suffix(const engine::Table& /*table*/, SaveMode /*mode*/,
                                  const std::string& /*suffix*/) const {
  unsupported(*this, "a write with a suffix (use a PARTITIONED storage)");
}

std::vector<std::string> Connector::list_partitions() const {
  unsupported(*this, "listing partitions");
}

engine::Table Connector::load_partitions(const std::vector<std::string>& /*partitions*/) const {
  unsupported(*this, "loading partitions");
}

engine::Table Connector::auto_load(std::string_view condition) const {
  if (condition.empty()) {
    return read();
  }
  return lazy().filter(engine::parse_expr(std::string(condition))).collect();
}

}  // namespace setl::storage
