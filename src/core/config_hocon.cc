// HOCON files through Debian's cpp-hocon. The library does the parsing, merging and
// substitution; around it this file adds what a hostile or mistaken file needs and the
// library lacks: a size cap, nesting and substitution bounds (its parser and resolver
// recurse, and a chain of substitutions costs cubic time), include cycles and depth,
// line numbers in parse errors (its messages carry none), and file order for keys.
#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
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
#include "setl/core/error.h"

namespace setl::config_detail {
namespace {

constexpr int64_t kMaxHoconFileBytes = 16 << 20;
constexpr int kMaxIncludeDepth = 8;
constexpr int kMaxIncludedFiles = 64;
// A chain of 300 substitutions takes the resolver a second, 1000 half a minute.
constexpr int kMaxSubstitutions = 256;

int line_at(std::string_view text, size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
}

[[noreturn]] void fail_at(const std::string& source, std::string_view text, size_t offset,
                          const std::string& message) {
  throw ConfigError(source + ":" + std::to_string(line_at(text, offset)) + ": " + message);
}

bool starts_token(std::string_view text, size_t i) {
  if (i == 0) {
    return true;
  }
  char before = text[i - 1];
  return std::isspace(static_cast<unsigned char>(before)) || before == '{' || before == ',';
}

std::vector<size_t> line_starts(std::string_view text) {
  std::vector<size_t> starts{0};
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      starts.push_back(i + 1);
    }
  }
  return starts;
}

// One line of a file as the expansion estimate sees it: the last segment of the key it
// assigns, what it refers to, and its length.
struct Assignment {
  std::string key;
  std::vector<std::string> references;  // last segments
  size_t length = 0;
};

struct ScanTotals {
  int substitutions = 0;
  std::vector<Assignment> assignments;
};

std::string last_segment(std::string_view path) {
  while (!path.empty() && std::isspace(static_cast<unsigned char>(path.back()))) {
    path.remove_suffix(1);
  }
  size_t dot = path.find_last_of(".{ \t");
  std::string segment(dot == std::string_view::npos ? path : path.substr(dot + 1));
  std::erase(segment, '"');
  return segment;
}

// The key a line assigns: what stands before its first separator.
std::string assigned_key(std::string_view line) {
  size_t separator = line.find_first_of("=:{");
  if (separator == std::string_view::npos) {
    return "";
  }
  std::string_view key = line.substr(0, separator);
  if (!key.empty() && key.back() == '+') {
    key.remove_suffix(1);
  }
  return last_segment(key);
}

// Concatenating substitutions (`l1 = ${l0} ${l0}`) doubles a value per line, and the
// resolver builds the result for real. Each line's size is estimated as its own length
// plus that of every line it refers to (matched by the key's last segment, which can only
// overestimate), and the largest must stay far below memory.
constexpr double kMaxExpansionBytes = 64.0 * 1024 * 1024;

void check_expansion(const std::vector<Assignment>& assignments, const std::string& source) {
  std::unordered_map<std::string, std::vector<size_t>> by_key;
  for (size_t i = 0; i < assignments.size(); ++i) {
    by_key[assignments[i].key].push_back(i);
  }
  std::vector<double> size(assignments.size(), -1);  // -1 unknown, -2 on the stack
  std::function<double(size_t)> estimate = [&](size_t i) -> double {
    if (size[i] >= 0) {
      return size[i];
    }
    if (size[i] == -2) {
      return 0;  // a cycle: the resolver reports it
    }
    size[i] = -2;
    double total = static_cast<double>(assignments[i].length);
    for (const std::string& reference : assignments[i].references) {
      double largest = 0;
      auto found = by_key.find(reference);
      if (found != by_key.end()) {
        for (size_t target : found->second) {
          largest = std::max(largest, estimate(target));
        }
      }
      total += largest;
      if (total > kMaxExpansionBytes) {
        break;
      }
    }
    size[i] = total;
    return total;
  };
  for (size_t i = 0; i < assignments.size(); ++i) {
    if (estimate(i) > kMaxExpansionBytes) {
      throw ConfigError(source + ": the substitutions of '" + assignments[i].key +
                        "' concatenate values that themselves concatenate substitutions, "
                        "which would expand to more than 64 MiB; refusing to resolve them");
    }
  }
}

// The library dereferences a null origin on a key with an empty path element (`a. = 1`,
// `.a`, `a..b`): such keys are refused here. Quoted parts are whole elements.
// Past the quoted or triple-quoted string that starts at `i`.
size_t skip_string(std::string_view text, size_t i) {
  if (text.substr(i, 3) == "\"\"\"") {
    // It ends at the last quote of the first run of three or more.
    size_t end = text.find("\"\"\"", i + 3);
    i = end == std::string_view::npos ? text.size() : end + 3;
    while (i < text.size() && text[i] == '"') {
      ++i;
    }
    return i;
  }
  ++i;
  while (i < text.size() && text[i] != '"' && text[i] != '\n') {
    i += text[i] == '\\' ? 2 : 1;
  }
  return i < text.size() && text[i] == '"' ? i + 1 : std::min(i, text.size());
}

void check_key(std::string_view text, size_t from, size_t to, const std::string& source) {
  std::string key;
  for (size_t k = from; k < to; ++k) {
    if (text[k] == '"') {
      key += 'q';
      k = skip_string(text, k) - 1;
    } else if (!std::isspace(static_cast<unsigned char>(text[k]))) {
      key += text[k];
    }
  }
  if (!key.empty() && key.back() == '+') {
    key.pop_back();
  }
  if (!key.empty() &&
      (key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos)) {
    fail_at(source, text, from,
            "key '" + std::string(text.substr(from, to - from)) +
                "' has an empty path element (a leading, trailing or doubled '.'); quote a key "
                "that holds a dot");
  }
}

// `${name}` or `${?name}` at `offset`: the name.
std::string_view reference_name(std::string_view text, size_t offset) {
  size_t close = text.find('}', offset);
  std::string_view name = text.substr(
      offset + 2, close == std::string_view::npos ? std::string_view::npos : close - offset - 2);
  if (!name.empty() && name.front() == '?') {
    name.remove_prefix(1);
  }
  return name;
}

bool is_include_at(std::string_view text, size_t i) {
  return text.substr(i, 7) == "include" && starts_token(text, i) && i + 7 < text.size() &&
         std::isspace(static_cast<unsigned char>(text[i + 7]));
}

// Checks the include statement at `i`, blanks it in `without_includes` (same length, same
// lines) and returns where scanning goes on.
size_t skip_include(std::string_view text, size_t i, const std::string& source,
                    bool includes_allowed, std::string& without_includes) {
  size_t argument = text.find_first_not_of(" \t", i + 7);
  std::string_view rest =
      argument == std::string_view::npos ? std::string_view() : text.substr(argument);
  for (std::string_view scheme : {"url(", "classpath(", "required("}) {
    if (rest.starts_with(scheme)) {
      fail_at(source, text, i,
              "include " + std::string(scheme) +
                  "...) is not supported; include a file by "
                  "its path (include \"other.conf\" or include file(\"other.conf\"))");
    }
  }
  if (!rest.starts_with("\"") && !rest.starts_with("file(")) {
    return i + 7;
  }
  if (!includes_allowed) {
    fail_at(source, text, i,
            "an include needs a file to be relative to; load the configuration with "
            "Config::load");
  }
  size_t open = text.find('"', argument);
  size_t close = open == std::string_view::npos ? open : text.find('"', open + 1);
  size_t end = close == std::string_view::npos ? text.size() : close + 1;
  if (rest.starts_with("file(") && end < text.size() && text[end] == ')') {
    ++end;
  }
  for (size_t k = i; k < end && k < without_includes.size(); ++k) {
    if (without_includes[k] != '\n') {
      without_includes[k] = ' ';
    }
  }
  return end;
}

// One Assignment per line that assigns a key, with the references found on it.
void add_assignments(std::string_view text,
                     std::vector<std::vector<std::string>>& references_by_line,
                     ScanTotals& totals) {
  size_t line_start = 0;
  for (size_t line = 0; line_start <= text.size(); ++line) {
    size_t line_end = text.find('\n', line_start);
    std::string_view content =
        text.substr(line_start, line_end == std::string_view::npos ? std::string_view::npos
                                                                   : line_end - line_start);
    Assignment assignment{assigned_key(content), {}, content.size()};
    if (line < references_by_line.size()) {
      assignment.references = std::move(references_by_line[line]);
    }
    if (!assignment.key.empty()) {
      totals.assignments.push_back(std::move(assignment));
    }
    if (line_end == std::string_view::npos) {
      break;
    }
    line_start = line_end + 1;
  }
}

// Checks bounds the parser does not and returns the text with every include statement
// blanked (same length, same lines), for locating parse errors without following includes.
struct Scan {
  std::string without_includes;
};

Scan scan(std::string_view text, const std::string& source, bool includes_allowed,
          ScanTotals& totals) {
  Scan result{std::string(text)};
  std::vector<std::vector<std::string>> references_by_line;
  std::vector<size_t> starts = line_starts(text);
  auto reference_at = [&](size_t offset) {
    auto line = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), offset) -
                                    starts.begin() - 1);
    if (references_by_line.size() <= line) {
      references_by_line.resize(line + 1);
    }
    references_by_line[line].push_back(last_segment(reference_name(text, offset)));
  };
  int depth = 0;
  size_t i = 0;
  size_t statement = 0;   // where the current key would start
  bool in_value = false;  // past the key's separator, or in a list
  std::vector<char> containers;
  auto in_object = [&] { return containers.empty() || containers.back() == '{'; };
  // A token in key position is parsed as a key even without a separator after it.
  auto end_statement = [&](size_t at) {
    if (!in_value && in_object()) {
      check_key(text, statement, at, source);
    }
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      i = skip_string(text, i);
    } else if (c == '#' || text.substr(i, 2) == "//") {
      end_statement(i);
      size_t end = text.find('\n', i);
      i = end == std::string_view::npos ? text.size() : end;
      statement = i;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxConfigDepth) {
        fail_at(source, text, i,
                "nesting deeper than " + std::to_string(kMaxConfigDepth) + " levels");
      }
      end_statement(i);
      containers.push_back(c);
      statement = i + 1;
      in_value = !in_object();
      ++i;
    } else if (c == '}' || c == ']') {
      end_statement(i);
      depth = std::max(0, depth - 1);
      if (!containers.empty()) {
        containers.pop_back();
      }
      statement = i + 1;
      in_value = true;
      ++i;
    } else if (c == ',' || c == '\n') {
      end_statement(i);
      statement = i + 1;
      in_value = !in_object();
      ++i;
    } else if ((c == '=' || c == ':') && !in_value && in_object()) {
      check_key(text, statement, i, source);
      in_value = true;
      ++i;
    } else if (text.substr(i, 2) == "${") {
      end_statement(i);
      reference_at(i);
      if (++totals.substitutions > kMaxSubstitutions) {
        fail_at(source, text, i,
                "more than " + std::to_string(kMaxSubstitutions) +
                    " substitutions (${...}) in the configuration; refusing to resolve them");
      }
      i += 2;
    } else if (is_include_at(text, i)) {
      i = skip_include(text, i, source, includes_allowed, result.without_includes);
    } else {
      ++i;
    }
  }
  end_statement(text.size());
  add_assignments(text, references_by_line, totals);
  return result;
}

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
  std::vector<std::filesystem::path> stack;                // files being read, outermost first
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
    if (!std::filesystem::exists(target, error)) {
      return hocon::config::parse_string("")->root();
    }
    return parse_file(target, state_);
  }

 private:
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
  Scan scanned = scan(text, source, true, state.totals);
  state.texts.emplace_back(source, text);
  state.stack.push_back(path);
  struct Pop {
    ReadState& state;
    ~Pop() { state.stack.pop_back(); }
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
  scan(text, source, false, state.totals);
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
