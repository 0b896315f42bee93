// The text-level checks of HOCON files (config_hocon_scan.h). A scan walks the text once,
// keeping track of the object and list it is in, so that every key it meets has its full
// path and every substitution belongs to the field whose value holds it.
#include "config_hocon_scan.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <unordered_map>

#include "config_document.h"
#include "setl/core/error.h"

namespace setl::config_detail {
namespace {

// A chain of 300 substitutions takes the resolver a second, 1000 half a minute.
constexpr int kMaxSubstitutions = 256;

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

std::string_view trimmed(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  size_t last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// A key or a substitution's path (`a.b`, `a."b.c"`) as segments joined by
// kPathSeparator; a quoted part keeps its dots.
std::string parse_path(std::string_view text) {
  std::string path;
  std::string segment;
  auto finish_segment = [&] {
    path += trimmed(segment);
    segment.clear();
  };
  for (size_t k = 0; k < text.size();) {
    if (text[k] == '"') {
      size_t end = skip_string(text, k);
      std::string_view quoted = text.substr(k + 1, end - k - 1);
      if (!quoted.empty() && quoted.back() == '"') {
        quoted.remove_suffix(1);
      }
      segment += quoted;
      k = end;
    } else if (text[k] == '.') {
      finish_segment();
      path += kPathSeparator;
      ++k;
    } else {
      segment += text[k++];
    }
  }
  finish_segment();
  return path;
}

// One pass over a file's text: the bounds checks, the per-line assignments for the
// expansion estimate, and the file's fields with their full paths and references.
class HoconScanner {
 public:
  HoconScanner(std::string_view text, const std::string& source, bool includes_allowed,
               ScanTotals& totals, HoconFileScan& file)
      : text_(text),
        source_(source),
        includes_allowed_(includes_allowed),
        totals_(totals),
        file_(file),
        starts_(line_starts(text)) {}

  // Returns the text with every include statement blanked.
  std::string run() {
    std::string without_includes(text_);
    size_t i = 0;
    while (i < text_.size()) {
      char c = text_[i];
      if (c == '"') {
        i = skip_string(text_, i);
      } else if (c == '#' || text_.substr(i, 2) == "//") {
        end_statement(i);
        size_t end = text_.find('\n', i);
        i = end == std::string_view::npos ? text_.size() : end;
        statement_ = i;
      } else if (c == '{' || c == '[') {
        open(i++);
      } else if (c == '}' || c == ']') {
        close(i++);
      } else if (c == ',' || c == '\n') {
        end_statement(i);
        if (in_object()) {
          field_ = kNoField;  // a field's value ends here
        }
        statement_ = ++i;
        in_value_ = !in_object();
      } else if ((c == '=' || c == ':') && !in_value_ && in_object()) {
        separator(i++);
        in_value_ = true;
      } else if (text_.substr(i, 2) == "${") {
        i = reference(i);
      } else if (is_include_at(text_, i)) {
        size_t end = skip_include(text_, i, source_, includes_allowed_, without_includes);
        if (end != i + 7) {
          file_.includes.push_back({file_.fields.size(), top().prefix, -1});
        }
        i = end;
      } else {
        ++i;
      }
    }
    end_statement(text_.size());
    add_assignments(text_, references_by_line_, totals_);
    return without_includes;
  }

 private:
  static constexpr size_t kNoField = static_cast<size_t>(-1);
  static constexpr size_t kNested = static_cast<size_t>(-1);

  struct Container {
    char kind = '{';
    std::string prefix;             // the object's path; a list's elements have none
    bool addressable = true;        // its fields can be referred to by path
    size_t owner = kNoField;        // the field whose value holds it
    size_t saved_field = kNoField;  // the field being read when it opened
    size_t saved_level = kNested;
  };

  const Container& top() const { return containers_.empty() ? root_ : containers_.back(); }
  bool in_object() const { return top().kind == '{'; }
  // Whether a reference or an object here is the current field's own value rather than
  // inside an object or list in it.
  bool in_own_value() const { return field_ != kNoField && level_ == containers_.size(); }

  // The 0-based line `at` is on.
  size_t line_of(size_t at) const {
    return static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), at) -
                               starts_.begin() - 1);
  }

  // A token in key position is parsed as a key even without a separator after it.
  void end_statement(size_t at) {
    if (!in_value_ && in_object()) {
      check_key(text_, statement_, at, source_);
    }
  }

  void begin_field(std::string_view key, size_t at, bool appends) {
    if (!top().addressable) {
      field_ = top().owner;  // a key in an object in a list: its references are the list's
      level_ = kNested;
      return;
    }
    HoconField field{join_path(top().prefix, parse_path(key)), !appends, appends, {},
                     static_cast<int>(line_of(at)) + 1,        ""};
    if (appends) {
      auto block = std::find_if(containers_.begin(), containers_.end(),
                                [](const Container& c) { return !c.prefix.empty(); });
      field.append_block = block == containers_.end() ? "" : block->prefix;
    }
    file_.fields.push_back(std::move(field));
    field_ = file_.fields.size() - 1;
    // `a += x` is `a = ${?a} [x]`: what follows is inside a list.
    level_ = appends ? kNested : containers_.size();
  }

  void separator(size_t i) {
    check_key(text_, statement_, i, source_);
    std::string_view key = trimmed(text_.substr(statement_, i - statement_));
    bool appends = text_[i] == '=' && !key.empty() && key.back() == '+';
    begin_field(appends ? key.substr(0, key.size() - 1) : key, i, appends);
  }

  void open(size_t i) {
    if (containers_.size() + 1 > static_cast<size_t>(kMaxConfigDepth)) {
      fail_at(source_, text_, i,
              "nesting deeper than " + std::to_string(kMaxConfigDepth) + " levels");
    }
    bool key_position = !in_value_ && in_object();
    end_statement(i);
    std::string_view key = trimmed(text_.substr(statement_, i - statement_));
    if (text_[i] == '{' && key_position && !key.empty()) {
      begin_field(key, i, false);  // `a.b { ... }`
    }
    Container next{text_[i], "", false, top().owner, field_, level_};
    if (text_[i] == '{' && in_own_value() && in_object()) {
      HoconField& field = file_.fields[field_];
      field.replaces = false;  // an object merges with what was there
      next.prefix = field.path;
      next.addressable = true;
      next.owner = field_;
    } else if (text_[i] == '{' && key_position) {
      next.prefix = top().prefix;  // braces around the whole file
      next.addressable = top().addressable;
    } else if (field_ != kNoField) {
      next.owner = field_;
    }
    containers_.push_back(std::move(next));
    statement_ = i + 1;
    in_value_ = !in_object();
  }

  void close(size_t i) {
    end_statement(i);
    if (!containers_.empty()) {
      field_ = containers_.back().saved_field;
      level_ = containers_.back().saved_level;
      containers_.pop_back();
    }
    statement_ = i + 1;
    in_value_ = true;
  }

  // Returns where scanning goes on: past the substitution, whose closing brace closes
  // nothing.
  size_t reference(size_t i) {
    end_statement(i);
    size_t line = line_of(i);
    if (references_by_line_.size() <= line) {
      references_by_line_.resize(line + 1);
    }
    std::string_view name = reference_name(text_, i);
    references_by_line_[line].push_back(last_segment(name));
    if (++totals_.substitutions > kMaxSubstitutions) {
      fail_at(source_, text_, i,
              "more than " + std::to_string(kMaxSubstitutions) +
                  " substitutions (${...}) in the configuration; refusing to resolve them");
    }
    size_t close = text_.find_first_of("}\n", i);
    size_t end = close != std::string_view::npos && text_[close] == '}' ? close + 1 : i + 2;
    size_t owner = field_ != kNoField ? field_ : top().owner;
    if (owner == kNoField) {
      return end;  // not in a value: the parser rejects it
    }
    HoconField& field = file_.fields[owner];
    bool direct = in_own_value();
    if (direct) {
      field.replaces = false;
    }
    field.references.push_back({parse_path(name), std::string(text_.substr(i, end - i)),
                                static_cast<int>(line) + 1, direct});
    return end;
  }

  std::string_view text_;
  const std::string& source_;
  bool includes_allowed_;
  ScanTotals& totals_;
  HoconFileScan& file_;
  std::vector<size_t> starts_;
  std::vector<std::vector<std::string>> references_by_line_;
  size_t statement_ = 0;   // where the current key would start
  bool in_value_ = false;  // past the key's separator, or in a list
  Container root_;
  std::vector<Container> containers_;
  size_t field_ = kNoField;  // the field whose value is being read
  size_t level_ = kNested;   // how many containers were open when it began
};

}  // namespace

int line_at(std::string_view text, size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
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

std::string dotted(std::string_view path) {
  std::string out(path);
  std::replace(out.begin(), out.end(), kPathSeparator, '.');
  return out;
}

std::string join_path(std::string_view prefix, std::string_view path) {
  if (prefix.empty() || path.empty()) {
    return std::string(prefix.empty() ? path : prefix);
  }
  std::string out(prefix);
  out += kPathSeparator;
  out += path;
  return out;
}

Scan scan_hocon(std::string_view text, const std::string& source, bool includes_allowed,
                ScanTotals& totals) {
  totals.files.push_back({source, {}, {}});
  size_t file = totals.files.size() - 1;
  HoconScanner scanner(text, source, includes_allowed, totals, totals.files[file]);
  return {scanner.run(), file};
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
}  // namespace setl::config_detail
