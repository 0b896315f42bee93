// What a configuration file becomes before profiles and substitution apply: the value
// tree plus where each key was written. Shared by the YAML/JSON reader (config.cc) and
// the HOCON reader (config_hocon.cc).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

namespace setl::config_detail {

using Json = nlohmann::ordered_json;
// Dotted key -> "file:line[:column]" where it was written.
using Locations = std::unordered_map<std::string, std::string>;

// A configuration is small; these bounds stop hostile files (deep nesting that would
// overflow the stack, aliases or substitutions that expand exponentially) with a clear
// error.
constexpr int kMaxConfigDepth = 64;
constexpr int64_t kMaxConfigValues = 200'000;

struct ConfigDocument {
  Json root;
  Locations locations;
  // Keys whose value came from the environment: errors never quote them.
  std::unordered_set<std::string> from_environment;
};

std::string join_key(std::string_view prefix, std::string_view key);
// The whole text as an integer or a number (a leading '+' allowed).
bool parse_int(std::string_view text, int64_t& out);
bool parse_double(std::string_view text, double& out);
// A plain (unquoted) scalar as YAML 1.2's core schema types it.
Json yaml_plain_scalar(const std::string& text);

// Throws: ConfigError naming the line and column.
ConfigDocument read_yaml_text(std::string_view text, const std::string& source);

// Reads a HOCON (Typesafe Config) file: includes relative to the including file,
// substitutions resolved (`${a.b}`, `${VAR}`, `${?VAR}`), objects merged. Errors name the
// file and line.
// Throws: ConfigError.
ConfigDocument read_hocon_file(const std::filesystem::path& path);
// The same for text that has no file; an include in it is an error.
ConfigDocument read_hocon_text(std::string_view text, const std::string& source);

}  // namespace setl::config_detail
