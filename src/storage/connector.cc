#include "setl/storage/connector.h"

#include <algorithm>
#include <cctype>

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

engine::Table Connector::read() const {
  return scan(engine::ScanRequest{});
}

engine::LazyFrame Connector::lazy() const {
  std::shared_ptr<const Connector> self = weak_from_this().lock();
  if (!self) {
    throw StateError("connector " + describe() +
                     " is not owned by a std::shared_ptr; create it with std::make_shared to "
                     "scan it lazily");
  }
  return engine::LazyFrame::scan(self);
}

}  // namespace setl::storage
