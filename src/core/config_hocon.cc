// HOCON files through Debian's cpp-hocon. The library does the parsing, merging and
// substitution; around it this file adds what a hostile or mistaken file needs and the
// library lacks: a size cap, include cycles and depth, line numbers in parse errors (its
// messages carry none), and file order for keys. The checks of the text itself (nesting,
// substitutions and their cycles) are in config_hocon_scan.h.
#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <vector>

#include <hocon/config.hpp>
#include <hocon/config_exception.hpp>
#include <hocon/config_includer.hpp>
#include <hocon/config_includer_file.hpp>
#include <hocon/config_list.hpp>
#include <hocon/config_object.hpp>
#include <hocon/config_parse_options.hpp>
#include <hocon/config_value.hpp>

#include "config_document.h"
#include "config_hocon_scan.h"
#include "setl/core/error.h"

namespace setl::config_detail {
namespace {

constexpr int64_t kMaxHoconFileBytes = 16 << 20;
constexpr int kMaxIncludeDepth = 8;
constexpr int kMaxIncludedFiles = 64;
// The library's messages start with the origin's description; ours add the line.
std::string without_origin(std::string message, const std::string& source) {
  for (const std::string& prefix : {"file: " + source + ": ", source + ": ", std::string(": ")}) {
    if (message.starts_with(prefix)) {
      return message.substr(prefix.size());
    }
  }
  return message;
}

// The first line whose prefix of the file already fails with `message`: the parser stops
// at its first error, so a prefix that holds the offending token fails the same way and
// a shorter one parses or fails at its end.
int locate_parse_error(const std::string& text, const std::string& message,
                       const std::string& source) {
  std::vector<size_t> starts = line_starts(text);
  auto fails_the_same = [&](size_t lines) {
    size_t end = lines < starts.size() ? starts[lines] : text.size();
    try {
      hocon::config::parse_string(text.substr(0, end),
                                  hocon::config_parse_options().set_origin_description(
                                      std::make_shared<std::string>(source)));
    } catch (const hocon::config_exception& error) {
      return without_origin(error.what(), source) == message;
    } catch (const std::exception&) {
      return false;
    }
    return false;
  };
  size_t low = 1;
  size_t high = starts.size();
  while (low < high) {
    size_t middle = low + (high - low) / 2;
    if (fails_the_same(middle)) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return static_cast<int>(low);
}

// A substitution the resolver could not resolve is named in its message; its line is
// where that text first appears in a file read.
std::string locate_substitution(const std::string& message,
                                const std::vector<std::pair<std::string, std::string>>& files) {
  size_t open = message.find("${");
  if (open == std::string::npos) {
    return "";
  }
  size_t close = message.find('}', open);
  std::string reference =
      message.substr(open, close == std::string::npos ? close : close - open + 1);
  for (const auto& [name, text] : files) {
    if (size_t at = text.find(reference); at != std::string::npos) {
      return name + ":" + std::to_string(line_at(text, at));
    }
  }
  return "";
}

std::string read_capped(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw ConfigError(path.string() + ": cannot open the configuration file (" +
                      (std::filesystem::is_directory(path, error) ? "a directory"
                       : std::filesystem::exists(path, error)     ? "not a regular file"
                                                                  : "no such file") +
                      ")");
  }
  auto size = std::filesystem::file_size(path, error);
  if (error || size > static_cast<uintmax_t>(kMaxHoconFileBytes)) {
    throw ConfigError(path.string() + ": larger than " + std::to_string(kMaxHoconFileBytes >> 20) +
                      " MiB; a configuration file is expected to be small");
  }
  std::ifstream file(path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  if (!file && !file.eof()) {
    throw ConfigError(path.string() + ": cannot read the configuration file");
  }
  return buffer.str();
}

struct ReadState {
  ScanTotals totals;
  int files = 0;
  std::vector<std::filesystem::path> stack;  // files being read, outermost first
  // For each file being read: its scan, and how many of its include statements the
  // parser has reached, which tells where the next included file goes.
  std::vector<std::pair<size_t, size_t>> scans;
  std::vector<std::pair<std::string, std::string>> texts;  // name, text: for locating
};

hocon::shared_object parse_file(const std::filesystem::path& path, ReadState& state);

// Follows includes with the bounds above, relative to the including file. A missing
// file is skipped, as the HOCON specification says.
class BoundedIncluder final : public hocon::config_includer,
                              public hocon::config_includer_file,
                              public std::enable_shared_from_this<BoundedIncluder> {
 public:
  explicit BoundedIncluder(ReadState& state) : state_(state) {}

  hocon::shared_includer with_fallback(hocon::shared_includer /*fallback*/) const override {
    return shared_from_this();
  }
  hocon::shared_object include(hocon::shared_include_context context,
                               std::string what) const override {
    return include_file(std::move(context), std::move(what));
  }
  hocon::shared_object include_file(hocon::shared_include_context /*context*/,
                                    std::string what) const override {
    std::filesystem::path target = what;
    if (target.is_relative()) {
      target = state_.stack.back().parent_path() / target;
    }
    std::error_code error;
    if (!target.has_extension() && !std::filesystem::exists(target, error)) {
      for (const char* extension : {".conf", ".json"}) {
        std::filesystem::path candidate = target;
        candidate += extension;
        if (std::filesystem::exists(candidate, error)) {
          target = candidate;
          break;
        }
      }
    }
    HoconInclude* site = next_include_site();
    if (!std::filesystem::exists(target, error)) {
      return hocon::config::parse_string("")->root();
    }
    if (site != nullptr) {
      site->file = static_cast<int>(state_.totals.files.size());
    }
    return parse_file(target, state_);
  }

 private:
  HoconInclude* next_include_site() const {
    if (state_.scans.empty()) {
      return nullptr;
    }
    auto& [file, reached] = state_.scans.back();
    std::vector<HoconInclude>& includes = state_.totals.files[file].includes;
    return reached < includes.size() ? &includes[reached++] : nullptr;
  }

  ReadState& state_;
};

hocon::shared_object parse_file(const std::filesystem::path& path, ReadState& state) {
  std::string includer_name = state.stack.empty() ? "" : state.stack.back().string();
  std::error_code error;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(path, error);
  for (const std::filesystem::path& open : state.stack) {
    if (std::filesystem::weakly_canonical(open, error) == canonical) {
      std::string cycle;
      for (const std::filesystem::path& file : state.stack) {
        cycle += file.string() + " -> ";
      }
      throw ConfigError(includer_name + ": include cycle: " + cycle + path.string());
    }
  }
  if (static_cast<int>(state.stack.size()) > kMaxIncludeDepth) {
    throw ConfigError(includer_name + ": includes nested deeper than " +
                      std::to_string(kMaxIncludeDepth) + " files (at " + path.string() + ")");
  }
  if (++state.files > kMaxIncludedFiles) {
    throw ConfigError(includer_name + ": more than " + std::to_string(kMaxIncludedFiles) +
                      " files included");
  }
  std::string source = path.string();
  std::string text = read_capped(path);
  Scan scanned = scan_hocon(text, source, true, state.totals);
  state.texts.emplace_back(source, text);
  state.stack.push_back(path);
  state.scans.emplace_back(scanned.file, 0);
  struct Pop {
    ReadState& state;
    ~Pop() {
      state.stack.pop_back();
      state.scans.pop_back();
    }
  } pop{state};
  auto options = hocon::config_parse_options()
                     .set_origin_description(std::make_shared<std::string>(source))
                     .set_includer(std::make_shared<BoundedIncluder>(state))
                     .set_allow_missing(false);
  try {
    return hocon::config::parse_file_any_syntax(source, options)->root();
  } catch (const hocon::config_exception& failure) {
    std::string message = without_origin(failure.what(), source);
    int line = locate_parse_error(scanned.without_includes, message, source);
    throw ConfigError(source + ":" + std::to_string(line) + ": invalid HOCON: " + message);
  } catch (const Error&) {
    throw;  // ours, from an included file
  } catch (const std::exception& failure) {
    throw ConfigError(source + ": invalid HOCON: " + failure.what());
  }
}

// ---- the resolved tree to JSON ------------------------------------------------------

struct Conversion {
  ConfigDocument document;
  std::string source;
  int64_t values = 0;
  // Dotted key -> the line it was written on, taken before resolution: a substituted
  // value's origin is where the value it copies was written.
  std::unordered_map<std::string, int> written_at;
};

void collect_lines(const hocon::shared_value& value, const std::string& key,
                   std::unordered_map<std::string, int>& lines, int depth) {
  auto object = std::dynamic_pointer_cast<const hocon::config_object>(value);
  if (!object || depth > kMaxConfigDepth) {
    return;
  }
  for (const std::string& name : object->key_set()) {
    hocon::shared_value child = object->get(name);
    std::string child_key = join_key(key, name);
    if (child && child->origin()) {
      lines[child_key] = child->origin()->line_number();
    }
    collect_lines(child, child_key, lines, depth + 1);
  }
}

std::string location_of(const hocon::shared_value& value) {
  hocon::shared_origin origin = value->origin();
  if (!origin || origin->description().empty() || origin->line_number() <= 0) {
    return "";
  }
  std::string description = origin->description();
  if (description.starts_with("file: ")) {
    description = description.substr(6);
  }
  return description + ":" + std::to_string(origin->line_number());
}

bool from_environment(const hocon::shared_value& value) {
  hocon::shared_origin origin = value->origin();
  return origin && origin->description().starts_with("env var");
}

Json number_of(const std::string& text) {
  int64_t integer = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), integer);
  if (error == std::errc() && end == text.data() + text.size()) {
    return integer;
  }
  double number = 0;
  auto [number_end, number_error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (number_error == std::errc() && number_end == text.data() + text.size()) {
    return number;
  }
  return text;  // beyond double's range: the text, which typed getters then refuse
}

Json to_json(const hocon::shared_value& value, const std::string& key, Conversion& conversion,
             int depth) {
  if (depth > kMaxConfigDepth) {
    throw ConfigError(conversion.source + ": key '" + key + "': nesting deeper than " +
                      std::to_string(kMaxConfigDepth) + " levels after substitution");
  }
  if (++conversion.values > kMaxConfigValues) {
    throw ConfigError(conversion.source + ": the configuration expands to more than " +
                      std::to_string(kMaxConfigValues) +
                      " values (substitutions of substitutions?); refusing to expand it");
  }
  if (!key.empty()) {
    if (std::string where = location_of(value); !where.empty()) {
      conversion.document.locations[key] = where;
    }
    if (from_environment(value)) {
      conversion.document.from_environment.insert(key);
    }
  }
  switch (value->value_type()) {
    case hocon::config_value::type::OBJECT: {
      auto object = std::dynamic_pointer_cast<const hocon::config_object>(value);
      std::vector<std::pair<int, std::string>> ordered;  // file order, as YAML keeps it
      for (const std::string& name : object->key_set()) {
        auto written = conversion.written_at.find(join_key(key, name));
        hocon::shared_origin origin = object->get(name)->origin();
        ordered.emplace_back(written != conversion.written_at.end() ? written->second
                             : origin                               ? origin->line_number()
                                                                    : 0,
                             name);
      }
      std::sort(ordered.begin(), ordered.end());
      Json out = Json::object();
      for (const auto& [line, name] : ordered) {
        out[name] = to_json(object->get(name), join_key(key, name), conversion, depth + 1);
      }
      return out;
    }
    case hocon::config_value::type::LIST: {
      auto list = std::dynamic_pointer_cast<const hocon::config_list>(value);
      Json out = Json::array();
      for (size_t i = 0; i < list->size(); ++i) {
        out.push_back(
            to_json(list->get(i), join_key(key, std::to_string(i)), conversion, depth + 1));
      }
      return out;
    }
    case hocon::config_value::type::NUMBER:
      return number_of(value->transform_to_string());
    case hocon::config_value::type::BOOLEAN:
      return value->transform_to_string() == "true";
    case hocon::config_value::type::CONFIG_NULL:
      return nullptr;
    default:
      return value->transform_to_string();
  }
}

ConfigDocument resolve(const hocon::shared_object& root, const std::string& source,
                       const ReadState& state) {
  check_expansion(state.totals.assignments, source);
  check_resolvable(state.totals);
  hocon::shared_config resolved;
  try {
    resolved = root->to_config()->resolve();
  } catch (const hocon::config_exception& failure) {
    std::string message = without_origin(failure.what(), source);
    std::string where = locate_substitution(message, state.texts);
    throw ConfigError((where.empty() ? source : where) + ": " + message);
  } catch (const std::exception& failure) {
    throw ConfigError(source + ": cannot resolve the configuration: " + failure.what());
  }
  Conversion conversion{{}, source};
  try {
    collect_lines(root, "", conversion.written_at, 0);
    conversion.document.root = to_json(resolved->root(), "", conversion, 0);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& failure) {
    throw ConfigError(source + ": cannot read the resolved configuration: " + failure.what());
  }
  return std::move(conversion.document);
}

}  // namespace

ConfigDocument read_hocon_file(const std::filesystem::path& path) {
  ReadState state;
  hocon::shared_object root = parse_file(path, state);
  return resolve(root, path.string(), state);
}

ConfigDocument read_hocon_text(std::string_view text, const std::string& source) {
  ReadState state;
  scan_hocon(text, source, false, state.totals);
  state.texts.emplace_back(source, std::string(text));
  hocon::shared_object root;
  try {
    auto options =
        hocon::config_parse_options().set_origin_description(std::make_shared<std::string>(source));
    root = hocon::config::parse_string(std::string(text), options)->root();
  } catch (const hocon::config_exception& failure) {
    std::string message = without_origin(failure.what(), source);
    int line = locate_parse_error(std::string(text), message, source);
    throw ConfigError(source + ":" + std::to_string(line) + ": invalid HOCON: " + message);
  } catch (const std::exception& failure) {
    throw ConfigError(source + ": invalid HOCON: " + failure.what());
  }
  return resolve(root, source, state);
}

}  // namespace setl::config_detail
