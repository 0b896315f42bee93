#include "migrate/column_use.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "migrate/translator.h"
#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/core/parse_number.h"
#include "setl/storage/connector_builder.h"

namespace setl::migrate {
namespace {

/// Reads the C++ string literal starting at `text[at]` (a '"'), as cpp_string() spells it.
/// Returns the position after its closing quote, or npos when it is not one.
size_t read_string_literal(std::string_view text, size_t at, std::string& value) {
  if (at >= text.size() || text[at] != '"') {
    return std::string_view::npos;
  }
  value.clear();
  for (size_t i = at + 1; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      return i + 1;
    }
    if (c != '\\' || i + 1 >= text.size()) {
      value += c;
      continue;
    }
    char escaped = text[++i];
    switch (escaped) {
      case 'n':
        value += '\n';
        break;
      case 't':
        value += '\t';
        break;
      case 'r':
        value += '\r';
        break;
      case 'x':
        if (std::optional<unsigned> code = i + 2 < text.size()
                                               ? parse_number<unsigned>(text.substr(i + 1, 2), 16)
                                               : std::nullopt) {
          value += static_cast<char>(*code);
          i += 2;
        }
        break;
      default:
        value += escaped;
    }
  }
  return std::string_view::npos;
}

/// What the code around one col("x") says about x's type, with the literal it meets.
struct Evidence {
  std::string type;  ///< "", int64, double, string, date, bool
  std::string literal;
};

/// A literal at `text[at]`: lit("..."), lit(int64_t{N}), lit(1.5), lit(true).
Evidence literal_at(std::string_view text, size_t at) {
  if (text.substr(at, 4) != "lit(") {
    return {};
  }
  size_t start = at + 4;
  std::string value;
  if (read_string_literal(text, start, value) != std::string_view::npos) {
    return {"string", value};
  }
  if (text.substr(start, 8) == "int64_t{") {
    size_t end = text.find('}', start + 8);
    return {"int64", std::string(text.substr(start + 8, end - start - 8))};
  }
  if (text.substr(start, 4) == "true" || text.substr(start, 5) == "false") {
    return {"bool", ""};
  }
  size_t end = text.find(')', start);
  std::string number(text.substr(start, end == std::string_view::npos ? 0 : end - start));
  if (!number.empty() && (std::isdigit(static_cast<unsigned char>(number[0])) != 0 ||
                          number[0] == '-' || number[0] == '.')) {
    return {"double", number};
  }
  return {};
}

Evidence evidence_after(std::string_view text, size_t end) {
  size_t at = end;
  while (at < text.size() && (text[at] == ')' || text[at] == ' ')) {
    ++at;
  }
  for (std::string_view op : {"==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/"}) {
    if (text.substr(at, op.size()) == op) {
      at += op.size();
      while (at < text.size() && text[at] == ' ') {
        ++at;
      }
      return literal_at(text, at);
    }
  }
  for (std::string_view method : {".isin({", ".between("}) {
    if (text.substr(at, method.size()) == method) {
      return literal_at(text, at + method.size());
    }
  }
  if (text.substr(at).starts_with(".cast(DataType::date32())")) {
    return {"date", ""};
  }
  if (text.substr(at, 2) == ", ") {  // fn::coalesce({col("x"), lit(0)})
    return literal_at(text, at + 2);
  }
  return {};
}

Evidence evidence_before(std::string_view text, size_t start) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kWrappers = {
      {"fn::upper(", "string"},
      {"fn::lower(", "string"},
      {"fn::trim(", "string"},
      {"fn::length(", "string"},
      {"fn::contains(", "string"},
      {"fn::starts_with(", "string"},
      {"fn::ends_with(", "string"},
      {"fn::substr(", "string"},
      {"fn::concat({", "string"},
      {"fn::year(", "date"},
      {"fn::month(", "date"},
      {"fn::day(", "date"},
      {"fn::date_diff(", "date"},
      {"fn::date_add(", "date"},
      {"fn::sum(", "int64"},
      {"fn::mean(", "int64"},
      {"fn::avg(", "int64"},
      {"fn::round(", "double"},
      {"function_call(\"upper\", {", "string"},
      {"function_call(\"lower\", {", "string"},
      {"function_call(\"trim\", {", "string"},
      {"function_call(\"length\", {", "string"},
      {"function_call(\"year\", {", "date"},
      {"function_call(\"month\", {", "date"},
      {"function_call(\"round\", {", "double"}};
  for (const auto& [prefix, type] : kWrappers) {
    if (start >= prefix.size() && text.substr(start - prefix.size(), prefix.size()) == prefix) {
      return {std::string(type), ""};
    }
  }
  return {};
}

int type_rank(const std::string& type) {
  static const std::vector<std::string> kOrder = {"", "bool", "int64", "double", "string", "date"};
  auto found = std::find(kOrder.begin(), kOrder.end(), type);
  return static_cast<int>(found - kOrder.begin());
}

/// The type and compared literals of every column name the generated code uses.
std::map<std::string, InferredColumn> infer_types(const std::vector<Step>& steps) {
  std::map<std::string, InferredColumn> columns;
  for (const Step& step : steps) {
    for (const std::string& line : step.lines) {
      std::string_view text = line;
      for (size_t at = text.find("col(\""); at != std::string_view::npos;
           at = text.find("col(\"", at + 1)) {
        if (at > 0 &&
            (std::isalnum(static_cast<unsigned char>(text[at - 1])) != 0 || text[at - 1] == '_')) {
          continue;  // not col(, e.g. a longer name ending in col(
        }
        std::string name;
        size_t end = read_string_literal(text, at + 4, name);
        if (end == std::string_view::npos) {
          continue;
        }
        InferredColumn& column = columns[name];
        column.name = name;
        for (const Evidence& evidence : {evidence_before(text, at), evidence_after(text, end)}) {
          if (type_rank(evidence.type) > type_rank(column.type)) {
            column.type = evidence.type;
          }
          if (!evidence.literal.empty() &&
              std::find(column.literals.begin(), column.literals.end(), evidence.literal) ==
                  column.literals.end() &&
              column.literals.size() < 16) {
            column.literals.push_back(evidence.literal);
          }
        }
      }
    }
  }
  return columns;
}

/// The columns of a read's file when it is present: the header of a CSV file, the keys of
/// a JSON Lines file's first records, a Parquet file's schema, a SQLite table's columns.
std::vector<std::string> present_columns(const ConnectorPlan& plan,
                                         const std::vector<std::filesystem::path>& directories) {
  if (!plan.options.empty() && plan.options.contains("query")) {
    return {};
  }
  for (const std::filesystem::path& directory : directories) {
    std::filesystem::path file = directory / plan.path;
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error)) {
      continue;
    }
    Json section = {{"storage", plan.storage}, {"path", file.string()}};
    if (!plan.table.empty()) {
      section["table"] = plan.table;
    }
    for (const auto& [key, value] : plan.options) {
      section[key] = value;
    }
    try {
      std::vector<std::string> names;
      auto connector = storage::build_connector(Config::from_json(section.dump()));
      for (const engine::Field& field : connector->schema()->fields()) {
        names.push_back(field.name);
      }
      return names;
    } catch (const Error&) {
      return {};  // an unreadable file says nothing about which columns are used
    }
  }
  return {};
}

void collect_names(const Json& node, std::set<std::string>& names, int depth) {
  if (depth > 400) {
    return;
  }
  if (node.is_string()) {
    // The whole text ("Unit Price"), and each identifier in it: a column named in a SQL
    // string, an expression string or a message.
    const std::string& text = node.get_ref<const std::string&>();
    names.insert(text);
    for (size_t at = 0; at < text.size();) {
      auto word = [&](size_t i, bool first) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        return std::isalpha(c) != 0 || c == '_' || (!first && std::isdigit(c) != 0);
      };
      if (!word(at, true)) {
        ++at;
        continue;
      }
      size_t end = at + 1;
      while (end < text.size() && word(end, false)) {
        ++end;
      }
      names.insert(text.substr(at, end - at));
      at = end;
    }
  } else if (node.is_array() || node.is_object()) {
    for (const Json& child : node) {
      collect_names(child, names, depth + 1);
    }
  }
}

}  // namespace

std::vector<std::string> column_references(const std::string& code) {
  std::vector<std::string> names;
  for (size_t at = code.find("col(\""); at != std::string::npos; at = code.find("col(\"", at + 1)) {
    if (at > 0 &&
        (std::isalnum(static_cast<unsigned char>(code[at - 1])) != 0 || code[at - 1] == '_')) {
      continue;
    }
    std::string name;
    if (read_string_literal(code, at + 4, name) != std::string::npos &&
        std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }
  return names;
}

std::vector<std::string> sort_key_columns(const std::string& code) {
  std::string name;
  if (code.starts_with("SortKey{") && read_string_literal(code, 8, name) != std::string::npos) {
    return {name};
  }
  return column_references(code);
}

std::set<std::string> names_in_tree(const Json& tree) {
  std::set<std::string> names;
  collect_names(tree, names, 0);
  return names;
}

void ColumnUse::use(const std::set<std::string>& origins, const std::string& name) {
  if (origins.empty() || name.empty()) {
    return;
  }
  if (origins.size() == 1) {
    std::vector<std::string>& names = definite_[*origins.begin()];
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
    return;
  }
  ambiguous_.emplace_back(std::vector<std::string>(origins.begin(), origins.end()), name);
}

void ColumnUse::use_all(const std::set<std::string>& origins) {
  whole_.insert(origins.begin(), origins.end());
}

void ColumnUse::finish(ModuleAnalysis& analysis, const std::vector<Step>& steps,
                       const std::set<std::string>& named,
                       const std::vector<std::filesystem::path>& directories) const {
  std::map<std::string, std::vector<std::string>> used = definite_;
  std::map<std::string, std::vector<std::string>> present;
  for (const ConnectorPlan& plan : analysis.connectors) {
    if (plan.read) {
      present[plan.id] = present_columns(plan, directories);
    }
  }
  auto has = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  auto read_line = [&](const std::string& origin) {
    auto found = read_lines_.find(origin);
    return found == read_lines_.end() ? 0 : found->second;
  };
  // A name used on a frame that joins several inputs belongs to the input whose file has
  // it, or that already has it; failing that, to the input read first (scripts tend to
  // read the main table first).
  for (const auto& [choices, used_name] : ambiguous_) {
    std::vector<std::string> candidates = choices;
    const std::string& name = used_name;  // lambdas may not capture structured bindings
    std::stable_sort(
        candidates.begin(), candidates.end(),
        [&](const std::string& a, const std::string& b) { return read_line(a) < read_line(b); });
    auto owner = std::find_if(candidates.begin(), candidates.end(),
                              [&](const std::string& c) { return has(present[c], name); });
    if (owner == candidates.end()) {
      owner = std::find_if(candidates.begin(), candidates.end(),
                           [&](const std::string& c) { return has(used[c], name); });
    }
    std::vector<std::string>& names = used[owner == candidates.end() ? candidates.front() : *owner];
    if (!has(names, name)) {
      names.push_back(name);
    }
  }
  std::map<std::string, InferredColumn> types = infer_types(steps);
  for (ConnectorPlan& plan : analysis.connectors) {
    if (!plan.read) {
      continue;
    }
    for (const std::string& name : used[plan.id]) {
      InferredColumn column = types.contains(name) ? types[name] : InferredColumn{.name = name};
      column.type = column.type.empty() ? "int64" : column.type;
      plan.columns.push_back(column);
    }
    if (whole_.contains(plan.id) || projected_.contains(plan.id)) {
      continue;
    }
    std::vector<std::string> unused;
    for (const std::string& name : present[plan.id]) {
      if (!named.contains(name) && !has(used[plan.id], name)) {
        unused.push_back(name);
      }
    }
    if (!unused.empty()) {
      std::string list;
      for (const std::string& name : unused) {
        list += (list.empty() ? "" : ", ") + name;
      }
      analysis.findings.push_back(
          {"MIG304", "hint", read_lines_.contains(plan.id) ? read_lines_.at(plan.id) : 0,
           plan.path + ": column" + (unused.size() > 1 ? "s " : " ") + list +
               (unused.size() > 1 ? " are" : " is") +
               " never used: the migrated job's scan reads only the columns it needs; in the "
               "original, usecols= (or a select after the read) would skip them"});
    }
  }
}

std::set<std::string> created_columns(const std::string& code) {
  std::set<std::string> created;
  std::string name;
  for (size_t at = code.find(".with_column("); at != std::string::npos;
       at = code.find(".with_column(", at + 1)) {
    if (read_string_literal(code, at + 13, name) != std::string::npos) {
      created.insert(name);
    }
  }
  for (size_t at = code.find(".alias("); at != std::string::npos;
       at = code.find(".alias(", at + 1)) {
    if (read_string_literal(code, at + 7, name) != std::string::npos) {
      created.insert(name);
    }
  }
  for (size_t at = code.find(".rename({"); at != std::string::npos;
       at = code.find(".rename({", at + 1)) {
    size_t pair = at + 9;
    while (pair < code.size() && code[pair] == '{') {
      size_t first_end = read_string_literal(code, pair + 1, name);
      if (first_end == std::string::npos || code.compare(first_end, 2, ", ") != 0) {
        break;
      }
      size_t second_end = read_string_literal(code, first_end + 2, name);
      if (second_end == std::string::npos) {
        break;
      }
      created.insert(name);
      pair = second_end + 1;
      pair += code.compare(pair, 2, ", ") == 0 ? 2 : 0;
    }
  }
  return created;
}

}  // namespace setl::migrate
