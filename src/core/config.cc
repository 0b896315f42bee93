#include "setl/core/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "config_document.h"
#include "setl/core/error.h"
#include "setl/core/file_status.h"

namespace setl {

using config_detail::ConfigDocument;
using config_detail::join_key;
using config_detail::Json;
using config_detail::kMaxConfigDepth;
using config_detail::kMaxConfigValues;
using config_detail::Locations;
using config_detail::parse_double;
using config_detail::parse_int;
using config_detail::yaml_plain_scalar;

namespace config_detail {

std::string join_key(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) {
    return std::string(key);
  }
  std::string joined(prefix);
  joined += '.';
  joined += key;
  return joined;
}

}  // namespace config_detail

struct Config::State {
  Json root = Json::object();
  std::string source;
  std::string profile;
  // Effective dotted key -> "file:line[:column]" where it was written.
  std::unordered_map<std::string, std::string> locations;
  // Keys whose value came (partly) from the environment: errors never quote them.
  std::unordered_set<std::string> from_environment;
  // Keys set by with_value (command-line text): their kind is what the text would be
  // unquoted in YAML, while getters still see the text as given.
  std::unordered_set<std::string> plain_text;
};

namespace {

std::string type_of(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "map";
    case Json::value_t::array:
      return "list";
    case Json::value_t::string:
      return "string \"" + value.get<std::string>() + "\"";
    case Json::value_t::boolean:
      return std::string("boolean ") + (value.get<bool>() ? "true" : "false");
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer " + value.dump();
    case Json::value_t::number_float:
      return "number " + value.dump();
    default:
      return "value " + value.dump();
  }
}

// ---- profiles -----------------------------------------------------------------------

void deep_merge(Json& base, const Json& overlay) {
  if (!base.is_object() || !overlay.is_object()) {
    base = overlay;
    return;
  }
  for (const auto& [key, value] : overlay.items()) {
    if (base.contains(key)) {
      deep_merge(base[key], value);
    } else {
      base[key] = value;
    }
  }
}

// Moves the locations recorded under "<section>." to the effective key space.
void lift_locations(const Locations& all, std::string_view section, Locations& out) {
  std::string prefix = std::string(section) + ".";
  for (const auto& [key, where] : all) {
    if (key.starts_with(prefix)) {
      out[key.substr(prefix.size())] = where;
    }
  }
}

std::string selected_profile(const ConfigLoadOptions& options) {
  if (options.profile) {
    return *options.profile;
  }
  const char* env = std::getenv("SETL_ENV");
  return env ? env : "";
}

void apply_profile(Config::State& state, Json document, const Locations& locations,
                   const std::string& profile) {
  if (!document.is_object()) {
    state.root = std::move(document);
    state.locations = locations;
    return;
  }
  if (document.contains("default")) {
    Json merged = document["default"].is_null() ? Json::object() : document["default"];
    lift_locations(locations, "default", state.locations);
    if (!profile.empty()) {
      if (!document.contains(profile)) {
        std::string defined;
        for (const auto& [key, value] : document.items()) {
          if (key != "default") {
            defined += defined.empty() ? key : ", " + key;
          }
        }
        throw ConfigError(state.source + ": profile '" + profile +
                          "' (from SETL_ENV or the load options) is not defined; profiles "
                          "defined next to 'default': " +
                          (defined.empty() ? std::string("none") : defined));
      }
      deep_merge(merged, document[profile]);
      lift_locations(locations, profile, state.locations);
    }
    state.root = std::move(merged);
    state.profile = profile;
    return;
  }
  state.locations = locations;
  if (!profile.empty() && document.contains(profile) && document[profile].is_object()) {
    Json overlay = document[profile];
    document.erase(profile);
    deep_merge(document, overlay);
    lift_locations(locations, profile, state.locations);
    state.profile = profile;
  }
  state.root = std::move(document);
}

// ---- ${VAR} substitution --------------------------------------------------------------

std::string where(const Config::State& state, const std::string& key) {
  auto found = state.locations.find(key);
  std::string text = found != state.locations.end() ? found->second : state.source;
  return text + ": key '" + key + "'";
}

// `description` of the value at `key` for an error message, unless the value came from
// the environment: a password substituted into the wrong key must not end up in a log.
std::string shown(const Config::State& state, const std::string& key, std::string description) {
  if (state.from_environment.count(key) > 0) {
    return "a value from the environment (not shown)";
  }
  return description;
}

std::string substitute(const std::string& text, const Config::State& state,
                       const std::string& key) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out.push_back(text[i]);
      continue;
    }
    if (text[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (text[i + 1] != '{') {
      out.push_back('$');
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos) {
      throw ConfigError(where(state, key) + ": unterminated '${' in \"" + text +
                        "\"; expected ${VAR} or ${VAR:-default} (write $$ for a literal $)");
    }
    std::string body = text.substr(i + 2, close - i - 2);
    std::optional<std::string> fallback;
    if (size_t dash = body.find(":-"); dash != std::string::npos) {
      fallback = body.substr(dash + 2);
      body.resize(dash);
    }
    bool valid_name = !body.empty() && std::all_of(body.begin(), body.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    if (!valid_name) {
      throw ConfigError(where(state, key) + ": '${" + text.substr(i + 2, close - i - 2) +
                        "}' is not a variable reference; expected a name of letters, digits "
                        "and '_'");
    }
    const char* value = std::getenv(body.c_str());
    if (value != nullptr && (*value != '\0' || !fallback)) {
      out += value;
    } else if (fallback) {
      out += *fallback;
    } else {
      throw ConfigError(where(state, key) + ": environment variable " + body +
                        " is not set; set it or write ${" + body + ":-default}");
    }
    i = close;
  }
  return out;
}

void substitute_all(Json& value, Config::State& state, const std::string& key) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text.find('$') != std::string::npos) {
      std::string replaced = substitute(text, state, key);
      if (text.find("${") != std::string::npos) {
        state.from_environment.insert(key);
      }
      value = std::move(replaced);
    }
  } else if (value.is_object()) {
    for (auto& [child_key, child] : value.items()) {
      substitute_all(child, state, join_key(key, child_key));
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      substitute_all(value[i], state, join_key(key, std::to_string(i)));
    }
  }
}

// Iterative, so that checking a hostile document cannot itself overflow the stack.
void check_depth(const Json& document, const std::string& source) {
  std::vector<std::pair<const Json*, int>> pending{{&document, 0}};
  while (!pending.empty()) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    if (depth > kMaxConfigDepth) {
      throw ConfigError(source + ": nesting deeper than " + std::to_string(kMaxConfigDepth) +
                        " levels");
    }
    if (node->is_structured()) {
      for (const Json& child : *node) {
        pending.emplace_back(&child, depth + 1);
      }
    }
  }
}

// Whether string values still hold ${VAR} references for us to substitute: YAML and
// JSON do; HOCON resolved its own while parsing.
enum class Substitution { kEnvironment, kDoneByFormat };

std::shared_ptr<Config::State> finish(std::string source, ConfigDocument document,
                                      const ConfigLoadOptions& options, Substitution substitution) {
  check_depth(document.root, source);
  auto state = std::make_shared<Config::State>();
  state->source = std::move(source);
  std::string profile = selected_profile(options);
  apply_profile(*state, std::move(document.root), document.locations, profile);
  if (state->root.is_null()) {
    state->root = Json::object();
  }
  for (const std::string& key : document.from_environment) {
    state->from_environment.insert(key);
    for (const std::string& section : {std::string("default"), profile}) {
      if (!section.empty() && key.starts_with(section + ".")) {
        state->from_environment.insert(key.substr(section.size() + 1));
      }
    }
  }
  if (substitution == Substitution::kEnvironment) {
    substitute_all(state->root, *state, "");
  }
  return state;
}

const Json* find(const Json& root, std::string_view key) {
  const Json* node = &root;
  while (!key.empty()) {
    size_t dot = key.find('.');
    std::string_view part = key.substr(0, dot);
    key = dot == std::string_view::npos ? std::string_view() : key.substr(dot + 1);
    if (node->is_object()) {
      auto it = node->find(std::string(part));
      if (it == node->end()) {
        return nullptr;
      }
      node = &*it;
    } else if (node->is_array()) {
      int64_t index = 0;
      if (!parse_int(part, index) || index < 0 || static_cast<size_t>(index) >= node->size()) {
        return nullptr;
      }
      node = &(*node)[static_cast<size_t>(index)];
    } else {
      return nullptr;
    }
  }
  return node;
}

constexpr const char* kApplicationConf = "application.conf";

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

Config::Config() : state_(std::make_shared<State>()) {}

Config::Config(std::shared_ptr<const State> state, std::string prefix)
    : state_(std::move(state)), prefix_(std::move(prefix)) {}

Config Config::from_yaml(std::string_view text, std::string source,
                         const ConfigLoadOptions& options) {
  ConfigDocument document = config_detail::read_yaml_text(text, source);
  return Config(finish(std::move(source), std::move(document), options, Substitution::kEnvironment),
                "");
}

Config Config::from_json(std::string_view text, std::string source,
                         const ConfigLoadOptions& options) {
  Json document;
  try {
    document = Json::parse(text);
  } catch (const Json::exception& error) {
    throw ConfigError(source + ": invalid JSON: " + error.what());
  }
  return Config(
      finish(std::move(source), {std::move(document), {}, {}}, options, Substitution::kEnvironment),
      "");
}

Config Config::from_hocon(std::string_view text, std::string source,
                          const ConfigLoadOptions& options) {
  ConfigDocument document = config_detail::read_hocon_text(text, source);
  return Config(
      finish(std::move(source), std::move(document), options, Substitution::kDoneByFormat), "");
}

Config Config::load(const std::filesystem::path& path, const ConfigLoadOptions& options) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error) || path.filename() == kApplicationConf) {
    return load_application(path, options);
  }
  std::string extension = lower(path.extension().string());
  if (extension == ".conf" || extension == ".hocon") {
    return Config(finish(path.string(), config_detail::read_hocon_file(path), options,
                         Substitution::kDoneByFormat),
                  "");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file || std::filesystem::is_directory(path, error)) {
    throw ConfigError(path.string() + ": cannot open the configuration file (" +
                      (std::filesystem::exists(path, error) ? "not readable" : "no such file") +
                      ")");
  }
  std::stringstream buffer;
  buffer << file.rdbuf();
  if (extension == ".json") {
    return from_json(buffer.str(), path.string(), options);
  }
  if (extension == ".yaml" || extension == ".yml") {
    return from_yaml(buffer.str(), path.string(), options);
  }
  throw ConfigError(path.string() + ": unknown configuration format '" + extension +
                    "'; expected .yaml, .yml, .json or .conf (HOCON)");
}

namespace {

// The environment SETL's ConfigLoader would pick: given, else SETL_ENV, else the
// application file's own app.environment.
std::pair<std::string, std::string> application_environment(const ConfigLoadOptions& options,
                                                            const Json& application) {
  if (options.profile && !options.profile->empty()) {
    return {*options.profile, "the load options"};
  }
  if (const char* env = std::getenv("SETL_ENV"); env != nullptr && *env != '\0') {
    return {env, "SETL_ENV"};
  }
  const Json* named = find(application, "app.environment");
  if (named != nullptr && named->is_string() && !named->get<std::string>().empty()) {
    return {named->get<std::string>(), "app.environment"};
  }
  return {"", ""};
}

std::string conf_files_in(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  try {
    for (const auto& entry : directory_entries(directory)) {
      if (entry.path().extension() == ".conf") {
        names.push_back(entry.path().filename().string());
      }
    }
  } catch (const IoError&) {  // only a message is made of them
  }
  std::sort(names.begin(), names.end());
  std::string text;
  for (const std::string& name : names) {
    text += (text.empty() ? "" : ", ") + name;
  }
  return text.empty() ? "none" : text;
}

}  // namespace

Config Config::load_application(const std::filesystem::path& directory_or_file,
                                const ConfigLoadOptions& options) {
  std::error_code error;
  bool is_directory = std::filesystem::is_directory(directory_or_file, error);
  std::filesystem::path directory =
      is_directory ? directory_or_file : directory_or_file.parent_path();
  std::filesystem::path application =
      is_directory ? directory / kApplicationConf : directory_or_file;
  if (!std::filesystem::exists(application, error)) {
    throw ConfigError(application.string() +
                      ": no such file; a SETL-style configuration "
                      "directory has an application.conf (found: " +
                      conf_files_in(directory) + ")");
  }
  ConfigDocument document = config_detail::read_hocon_file(application);
  auto [environment, chosen_by] = application_environment(options, document.root);
  std::string source = application.string();
  if (!environment.empty()) {
    std::filesystem::path overlay = directory / (environment + ".conf");
    if (environment.find('/') != std::string::npos || environment.find("..") != std::string::npos ||
        !std::filesystem::exists(overlay, error)) {
      throw ConfigError(application.string() + ": environment '" + environment + "' (from " +
                        chosen_by + ") has no " + environment +
                        ".conf beside it (found: " + conf_files_in(directory) + ")");
    }
    ConfigDocument environment_document = config_detail::read_hocon_file(overlay);
    deep_merge(document.root, environment_document.root);
    for (auto& [key, where] : environment_document.locations) {
      document.locations[key] = where;
    }
    document.from_environment.merge(environment_document.from_environment);
    source = overlay.string();
  }
  // The environment is a file here, not a section: no profile is applied on top.
  ConfigLoadOptions no_profile;
  no_profile.profile = "";
  return Config(
      finish(std::move(source), std::move(document), no_profile, Substitution::kDoneByFormat), "");
}

Config Config::with_value(std::string_view key, std::string value) const {
  auto state = std::make_shared<State>(*state_);
  std::string full_key = join_key(prefix_, key);
  Json* node = &state->root;
  std::string_view rest = full_key;
  std::string walked;
  while (true) {
    size_t dot = rest.find('.');
    std::string part(rest.substr(0, dot));
    if (!node->is_object()) {
      throw ConfigError(state->source + ": cannot set '" + full_key + "': '" + walked + "' is " +
                        type_of(*node) + ", not a map");
    }
    walked = join_key(walked, part);
    if (dot == std::string_view::npos) {
      (*node)[part] = std::move(value);
      break;
    }
    Json& child = (*node)[part];
    if (child.is_null()) {
      child = Json::object();
    }
    node = &child;
    rest = rest.substr(dot + 1);
  }
  state->locations.erase(full_key);
  state->plain_text.insert(full_key);
  return Config(std::move(state), prefix_);
}

Config Config::with_key_renamed(std::string_view from, std::string_view to) const {
  if (!has(from)) {
    return *this;
  }
  std::string old_key = join_key(prefix_, from);
  std::string new_key = join_key(prefix_, to);
  if (has(to)) {
    throw ConfigError(where(*state_, old_key) + " and '" + new_key +
                      "' are the same option; set only one");
  }
  auto state = std::make_shared<State>(*state_);
  // find() gives a const node of the copy, which this function owns.
  auto* parent = const_cast<Json*>(find(state->root, prefix_));
  (*parent)[std::string(to)] = std::move((*parent)[std::string(from)]);
  parent->erase(std::string(from));
  // Locations and origins of the key and of everything under it move along.
  auto moved = [&](const std::string& key) -> std::optional<std::string> {
    if (key == old_key) {
      return new_key;
    }
    if (key.starts_with(old_key + ".")) {
      return new_key + key.substr(old_key.size());
    }
    return std::nullopt;
  };
  Locations locations;
  for (auto& [key, line] : state->locations) {
    locations[moved(key).value_or(key)] = line;
  }
  state->locations = std::move(locations);
  for (auto* keys : {&state->from_environment, &state->plain_text}) {
    std::unordered_set<std::string> renamed;
    for (const std::string& key : *keys) {
      renamed.insert(moved(key).value_or(key));
    }
    *keys = std::move(renamed);
  }
  return Config(std::move(state), prefix_);
}

const std::string& Config::source() const {
  return state_->source;
}
const std::string& Config::profile() const {
  return state_->profile;
}

std::string Config::to_json() const {
  const Json* node = find(state_->root, prefix_);
  return node ? node->dump(-1, ' ', false, Json::error_handler_t::replace) : "null";
}

bool Config::has(std::string_view key) const {
  const Json* node = find(state_->root, join_key(prefix_, key));
  return node != nullptr && !node->is_null();
}

Config::ValueKind Config::value_kind(std::string_view key) const {
  std::string full_key = join_key(prefix_, key);
  const Json* node = find(state_->root, full_key);
  if (node == nullptr || node->is_null()) {
    return ValueKind::kMissing;
  }
  Json typed;
  if (node->is_string() && state_->plain_text.count(full_key) > 0) {
    typed = yaml_plain_scalar(node->get<std::string>());
    node = typed.is_null() ? node : &typed;
  }
  if (node->is_boolean()) {
    return ValueKind::kBool;
  }
  if (node->is_number_integer()) {
    return ValueKind::kInteger;
  }
  if (node->is_number()) {
    return ValueKind::kFloat;
  }
  return node->is_string() ? ValueKind::kString : ValueKind::kSection;
}

std::vector<std::string> Config::keys() const {
  std::vector<std::string> names;
  const Json* node = find(state_->root, prefix_);
  if (node != nullptr && node->is_object()) {
    for (const auto& [key, value] : node->items()) {
      names.push_back(key);
    }
  } else if (node != nullptr && node->is_array()) {
    for (size_t i = 0; i < node->size(); ++i) {
      names.push_back(std::to_string(i));
    }
  }
  return names;
}

namespace {

// Finds a key or throws an error naming the deepest section that exists and its keys.
const Json& require(const Config::State& state, const std::string& full_key) {
  const Json* node = find(state.root, full_key);
  if (node != nullptr && !node->is_null()) {
    return *node;
  }
  std::string parent = full_key;
  const Json* parent_node = nullptr;
  while (parent_node == nullptr || !(parent_node->is_object() || parent_node->is_array())) {
    size_t dot = parent.rfind('.');
    parent = dot == std::string::npos ? std::string() : parent.substr(0, dot);
    parent_node = find(state.root, parent);
    if (parent.empty()) {
      break;
    }
  }
  std::string available;
  if (parent_node != nullptr && parent_node->is_object()) {
    for (const auto& [key, value] : parent_node->items()) {
      available += available.empty() ? key : ", " + key;
    }
  }
  std::string message =
      state.source + ": key '" + full_key + "' is " + (node == nullptr ? "missing" : "null");
  message += parent.empty() ? "; top-level keys: " : "; keys under '" + parent + "': ";
  message += available.empty() ? "none" : available;
  throw ConfigError(message);
}

[[noreturn]] void wrong_type(const Config::State& state, const std::string& key,
                             std::string_view expected, const Json& found) {
  throw ConfigError(where(state, key) + ": expected " + std::string(expected) + ", found " +
                    shown(state, key, type_of(found)));
}

}  // namespace

Config Config::section(std::string_view key) const {
  std::string full_key = join_key(prefix_, key);
  const Json& node = require(*state_, full_key);
  if (!node.is_object() && !node.is_array()) {
    wrong_type(*state_, full_key, "a section (map or list)", node);
  }
  return Config(state_, full_key);
}

std::string Config::get_string(std::string_view key) const {
  std::string full_key = join_key(prefix_, key);
  const Json& node = require(*state_, full_key);
  if (node.is_string()) {
    return node.get<std::string>();
  }
  if (node.is_number() || node.is_boolean()) {
    return node.dump();
  }
  wrong_type(*state_, full_key, "a string", node);
}

int64_t Config::get_int(std::string_view key) const {
  std::string full_key = join_key(prefix_, key);
  const Json& node = require(*state_, full_key);
  if (node.is_number_integer()) {
    if (node.is_number_unsigned() &&
        node.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      wrong_type(*state_, full_key, "an integer that fits in 64 bits", node);
    }
    return node.get<int64_t>();
  }
  int64_t value = 0;
  if (node.is_string() && parse_int(node.get<std::string>(), value)) {
    return value;
  }
  wrong_type(*state_, full_key, "an integer", node);
}

double Config::get_double(std::string_view key) const {
  std::string full_key = join_key(prefix_, key);
  const Json& node = require(*state_, full_key);
  if (node.is_number()) {
    return node.get<double>();
  }
  double value = 0;
  if (node.is_string() && parse_double(node.get<std::string>(), value)) {
    return value;
  }
  wrong_type(*state_, full_key, "a number", node);
}

bool Config::get_bool(std::string_view key) const {
  std::string full_key = join_key(prefix_, key);
  const Json& node = require(*state_, full_key);
  if (node.is_boolean()) {
    return node.get<bool>();
  }
  if (node.is_string()) {
    std::string text = lower(node.get<std::string>());
    if (text == "true" || text == "yes" || text == "on" || text == "1") {
      return true;
    }
    if (text == "false" || text == "no" || text == "off" || text == "0") {
      return false;
    }
  }
  wrong_type(*state_, full_key, "a boolean (true/false, yes/no, on/off, 1/0)", node);
}

std::vector<std::string> Config::get_string_list(std::string_view key) const {
  std::string full_key = join_key(prefix_, key);
  const Json& node = require(*state_, full_key);
  if (!node.is_array()) {
    wrong_type(*state_, full_key, "a list of strings", node);
  }
  std::vector<std::string> values;
  for (size_t i = 0; i < node.size(); ++i) {
    const Json& item = node[i];
    if (item.is_string()) {
      values.push_back(item.get<std::string>());
    } else if (item.is_number() || item.is_boolean()) {
      values.push_back(item.dump());
    } else {
      wrong_type(*state_, join_key(full_key, std::to_string(i)), "a string", item);
    }
  }
  return values;
}

namespace {

// Milliseconds per unit, by every name HOCON and our own short forms use; 0 if unknown.
double millis_per_unit(std::string_view unit) {
  struct Unit {
    double millis;
    std::initializer_list<std::string_view> names;
  };
  static const Unit kUnits[] = {
      {1e-6, {"ns", "nano", "nanos", "nanosecond", "nanoseconds"}},
      {1e-3, {"us", "micro", "micros", "microsecond", "microseconds"}},
      {1, {"ms", "milli", "millis", "millisecond", "milliseconds"}},
      {1e3, {"s", "second", "seconds"}},
      {6e4, {"m", "minute", "minutes"}},
      {3.6e6, {"h", "hour", "hours"}},
      {8.64e7, {"d", "day", "days"}},
  };
  for (const Unit& candidate : kUnits) {
    if (std::find(candidate.names.begin(), candidate.names.end(), unit) != candidate.names.end()) {
      return candidate.millis;
    }
  }
  return 0;
}

}  // namespace

std::chrono::milliseconds Config::get_duration(std::string_view key) const {
  std::string full_key = join_key(prefix_, key);
  const Json& node = require(*state_, full_key);
  constexpr std::string_view kExpected = "a duration such as 250ms, 30s, 5m, 24h, 7d or 10 seconds";
  if (!node.is_string()) {
    wrong_type(*state_, full_key, kExpected, node);
  }
  std::string text = node.get<std::string>();
  size_t unit_start = text.find_first_not_of("0123456789.");
  double amount = 0;
  if (unit_start == 0 || unit_start == std::string::npos ||
      !parse_double(std::string_view(text).substr(0, unit_start), amount)) {
    wrong_type(*state_, full_key, kExpected, node);
  }
  std::string_view unit = std::string_view(text).substr(unit_start);
  unit.remove_prefix(std::min(unit.size(), unit.find_first_not_of(" \t")));
  double per_unit = millis_per_unit(unit);
  if (per_unit == 0) {
    wrong_type(*state_, full_key, kExpected, node);
  }
  double millis = amount * per_unit;
  // Casting a double beyond int64's range is undefined: check first (~292 million years).
  if (!(millis >= 0 && millis < 9.2e18)) {
    throw ConfigError(where(*state_, full_key) + ": duration " +
                      shown(*state_, full_key, "'" + text + "'") + " is out of range");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(millis));
}

void Config::throw_out_of_range(std::string_view key, int64_t value, int64_t min,
                                uint64_t max) const {
  std::string full_key = join_key(prefix_, key);
  throw ConfigError(where(*state_, full_key) + ": expected an integer in [" + std::to_string(min) +
                    ", " + std::to_string(max) + "], found " +
                    shown(*state_, full_key, std::to_string(value)));
}

}  // namespace setl
