#include "migrate/api_table.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "setl/core/error.h"

namespace setl::migrate {
namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) {
      return fields;
    }
    start = tab + 1;
  }
}

std::vector<std::string> split_effects(const std::string& effects) {
  std::vector<std::string> tokens;
  if (effects == "-") {
    return tokens;
  }
  std::istringstream in(effects);
  std::string token;
  while (std::getline(in, token, ',')) {
    tokens.push_back(token);
  }
  return tokens;
}

bool valid_effects(const std::string& effects, const std::set<std::string>& known) {
  std::vector<std::string> tokens = split_effects(effects);
  return effects == "-" || (!tokens.empty() && std::all_of(tokens.begin(), tokens.end(),
                                                           [&](const std::string& token) {
                                                             return known.contains(token);
                                                           }));
}

std::vector<ApiEntry> parse_table() {
  static const std::set<std::string> kCategories = {"direct", "rewrite", "helper", "unsupported",
                                                    "ignorable"};
  static const std::set<std::string> kEffects = {"reads",   "writes",   "inplace",
                                                 "mutates", "projects", "whole"};
  std::vector<ApiEntry> entries;
  std::istringstream in(kApiTableText);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::vector<std::string> fields = split_tabs(line);
    if (fields.size() != 5 || !kCategories.contains(fields[1]) ||
        !valid_effects(fields[2], kEffects)) {
      throw Error(ErrorKind::kInternal,
                  "api_table.tsv:" + std::to_string(number) + ": malformed row: " + line);
    }
    entries.push_back({fields[0], fields[1], fields[2], fields[3], fields[4]});
  }
  return entries;
}

}  // namespace

bool has_effect(const ApiEntry& entry, std::string_view effect) {
  for (const std::string& token : split_effects(entry.effects)) {
    if (token == effect) {
      return true;
    }
  }
  return false;
}

const std::vector<ApiEntry>& api_table() {
  static const std::vector<ApiEntry> table = parse_table();
  return table;
}

const ApiEntry* find_api(std::string_view api) {
  static const std::map<std::string, const ApiEntry*, std::less<>> index = [] {
    std::map<std::string, const ApiEntry*, std::less<>> built;
    for (const ApiEntry& entry : api_table()) {
      built.emplace(entry.api, &entry);
    }
    return built;
  }();
  auto found = index.find(api);
  return found == index.end() ? nullptr : found->second;
}

}  // namespace setl::migrate
