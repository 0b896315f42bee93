#include "setl/workflow/registry.h"

#include <algorithm>
#include <charconv>
#include <mutex>

#include <dlfcn.h>

#include "composer.h"
#include "setl/core/error.h"
#include "setl/core/file_status.h"
#include "setl/core/suggest.h"

namespace setl::workflow {
namespace {

std::string names_of(const auto& map) {
  std::string text;
  for (const auto& [name, value] : map) {
    text += (text.empty() ? "" : ", ") + name;
  }
  return text.empty() ? "none" : text;
}

template <class Map>
const typename Map::mapped_type& find_named(const Map& map, std::string_view name,
                                            const char* what) {
  auto found = map.find(name);
  if (found != map.end()) {
    return found->second;
  }
  std::vector<std::string> names;
  for (const auto& [known, value] : map) {
    names.push_back(known);
  }
  std::optional<std::string> hint = closest_match(std::string(name), names);
  throw ConfigError(std::string("unknown ") + what + " '" + std::string(name) + "'" +
                    (hint ? "; did you mean '" + *hint + "'?" : std::string()) +
                    " (registered: " + names_of(map) + ")");
}

std::optional<int64_t> parse_number(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() || value < 0) {
    return std::nullopt;
  }
  return value;
}

// "1.2" -> 1.2.0; parts beyond what is written are 0. nullopt if malformed.
std::optional<std::pair<SemanticVersion, int>> parse_partial(std::string_view text) {
  SemanticVersion version;
  int64_t* parts[] = {&version.major, &version.minor, &version.patch};
  int count = 0;
  while (!text.empty()) {
    if (count == 3) {
      return std::nullopt;
    }
    size_t dot = text.find('.');
    std::optional<int64_t> part = parse_number(text.substr(0, dot));
    if (!part) {
      return std::nullopt;
    }
    *parts[count++] = *part;
    if (dot == std::string_view::npos) {
      break;
    }
    text.remove_prefix(dot + 1);
    if (text.empty()) {
      return std::nullopt;
    }
  }
  if (count == 0) {
    return std::nullopt;
  }
  return std::pair{version, count};
}

bool kind_matches(const Config& values, const std::string& key, ParamSpec::Kind kind) {
  Config::ValueKind found = values.value_kind(key);
  try {
    switch (kind) {
      case ParamSpec::Kind::kString:
        return found != Config::ValueKind::kSection;
      case ParamSpec::Kind::kInteger:
        values.get_int(key);
        return true;
      case ParamSpec::Kind::kFloat:
        values.get_double(key);
        return true;
      case ParamSpec::Kind::kBool:
        values.get_bool(key);
        return true;
    }
  } catch (const ConfigError&) {
    return false;
  }
  return false;
}

// The parameters as text, for FactoryBase::set_param.
std::string text_of(const Config& values, const std::string& key) {
  return values.get_string(key);
}

}  // namespace

SemanticVersion SemanticVersion::parse(std::string_view text) {
  std::optional<std::pair<SemanticVersion, int>> parsed = parse_partial(text);
  if (!parsed || parsed->second != 3) {
    throw ConfigError("version '" + std::string(text) +
                      "' is not a semantic version: write MAJOR.MINOR.PATCH, e.g. 1.2.0");
  }
  return parsed->first;
}

std::string SemanticVersion::to_string() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

VersionRange VersionRange::parse(std::string_view text) {
  VersionRange range;
  range.text_ = std::string(text);
  size_t at = 0;
  std::string all(text);
  while (at < all.size()) {
    size_t end = all.find(' ', at);
    std::string part = all.substr(at, end == std::string::npos ? std::string::npos : end - at);
    at = end == std::string::npos ? all.size() : end + 1;
    if (part.empty() || part == "*") {
      continue;
    }
    auto fail = [&] {
      throw ConfigError("version range '" + range.text_ + "': cannot read '" + part +
                        "'; write ^1.2, ~1.2.3, 1.2.3, >=1.2, <2 or *");
    };
    std::string_view rest = part;
    std::string op;
    for (const char* candidate : {">=", "<=", "^", "~", ">", "<", "="}) {
      if (rest.starts_with(candidate)) {
        op = candidate;
        rest.remove_prefix(op.size());
        break;
      }
    }
    std::optional<std::pair<SemanticVersion, int>> parsed = parse_partial(rest);
    if (!parsed) {
      fail();
    }
    auto [version, parts] = *parsed;
    using Op = Bound::Op;
    if (op == "^") {
      SemanticVersion upper = version.major > 0 || parts == 1
                                  ? SemanticVersion{version.major + 1, 0, 0}
                                  : SemanticVersion{0, version.minor + 1, 0};
      range.bounds_.push_back({Op::kGreaterEqual, version});
      range.bounds_.push_back({Op::kLess, upper});
    } else if (op == "~") {
      SemanticVersion upper = parts == 1 ? SemanticVersion{version.major + 1, 0, 0}
                                         : SemanticVersion{version.major, version.minor + 1, 0};
      range.bounds_.push_back({Op::kGreaterEqual, version});
      range.bounds_.push_back({Op::kLess, upper});
    } else if (op.empty() || op == "=") {
      if (parts == 3) {
        range.bounds_.push_back({Op::kEqual, version});
      } else {  // "1.2" is every 1.2.x
        SemanticVersion upper = parts == 1 ? SemanticVersion{version.major + 1, 0, 0}
                                           : SemanticVersion{version.major, version.minor + 1, 0};
        range.bounds_.push_back({Op::kGreaterEqual, version});
        range.bounds_.push_back({Op::kLess, upper});
      }
    } else {
      Op kind = op == ">="   ? Op::kGreaterEqual
                : op == ">"  ? Op::kGreater
                : op == "<=" ? Op::kLessEqual
                             : Op::kLess;
      range.bounds_.push_back({kind, version});
    }
  }
  return range;
}

bool VersionRange::contains(const SemanticVersion& version) const {
  return std::all_of(bounds_.begin(), bounds_.end(), [&](const Bound& bound) {
    switch (bound.op) {
      case Bound::Op::kGreaterEqual:
        return version >= bound.version;
      case Bound::Op::kGreater:
        return version > bound.version;
      case Bound::Op::kLessEqual:
        return version <= bound.version;
      case Bound::Op::kLess:
        return version < bound.version;
      case Bound::Op::kEqual:
        return version == bound.version;
    }
    return false;
  });
}

std::string_view to_string(ParamSpec::Kind kind) {
  switch (kind) {
    case ParamSpec::Kind::kString:
      return "string";
    case ParamSpec::Kind::kInteger:
      return "integer";
    case ParamSpec::Kind::kFloat:
      return "number";
    case ParamSpec::Kind::kBool:
      return "bool";
  }
  return "?";
}

std::string Component::id() const {
  return name + "@" + version.to_string() + "#" + interface_hash;
}

Registry& Registry::global() {
  static Registry registry;
  return registry;
}

FactoryParams Registry::check_params(const std::vector<ParamSpec>& specs, const Config& values,
                                     const std::string& where) {
  std::vector<std::string> problems;
  std::vector<std::string> known;
  for (const ParamSpec& spec : specs) {
    known.push_back(spec.name);
  }
  for (const std::string& key : values.keys()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::optional<std::string> hint = closest_match(key, known);
      std::string listed;
      for (const std::string& name : known) {
        listed += (listed.empty() ? "" : ", ") + name;
      }
      problems.push_back("unknown parameter '" + key + "'" +
                         (hint ? "; did you mean '" + *hint + "'?"
                               : "; parameters: " + (listed.empty() ? "none" : listed)));
    }
  }
  Config checked = values;
  for (const ParamSpec& spec : specs) {
    if (!values.has(spec.name)) {
      if (spec.required) {
        problems.push_back("parameter '" + spec.name + "' (" + std::string(to_string(spec.kind)) +
                           ") is required" + (spec.help.empty() ? "" : ": " + spec.help));
      } else {
        checked = checked.with_value(spec.name, spec.fallback);
      }
      continue;
    }
    if (!kind_matches(values, spec.name, spec.kind)) {
      problems.push_back("parameter '" + spec.name + "' must be of type " +
                         std::string(to_string(spec.kind)) + ", found " +
                         (values.value_kind(spec.name) == Config::ValueKind::kSection
                              ? std::string("a section")
                              : "'" + values.get_string(spec.name) + "'"));
    }
  }
  if (!problems.empty()) {
    std::string message = where + ": ";
    for (size_t i = 0; i < problems.size(); ++i) {
      message += (i == 0 ? "" : "; ") + problems[i];
    }
    throw ConfigError(message);
  }
  return checked;
}

Registry& Registry::add_factory(FactoryRecipe recipe) {
  if (recipe.name.empty() || !recipe.make) {
    throw ConfigError("add_factory needs a name and a constructor");
  }
  std::string name = recipe.name;
  if (!factories_.emplace(name, std::move(recipe)).second) {
    throw ConfigError("a factory named '" + name + "' is registered already");
  }
  return *this;
}

std::unique_ptr<FactoryBase> Registry::make_factory(std::string_view name,
                                                    const Config& values) const {
  const FactoryRecipe& recipe = find_named(factories_, name, "factory");
  FactoryParams params = check_params(recipe.params, values, "factory '" + recipe.name + "'");
  std::unique_ptr<FactoryBase> factory = recipe.make(params);
  for (const ParamSpec& spec : recipe.params) {
    factory->set_param(spec.name, text_of(params, spec.name));
  }
  return factory;
}

Registry& Registry::add_component(std::string name, std::string version,
                                  std::function<Pipeline(const FactoryParams&)> build,
                                  std::vector<ParamSpec> params, std::string help) {
  if (name.empty() || !build) {
    throw ConfigError("add_component needs a name and a builder");
  }
  Component component{name,
                      SemanticVersion::parse(version),
                      {},
                      std::move(help),
                      std::move(params),
                      std::move(build)};
  Config defaults;
  for (const ParamSpec& spec : component.params) {
    std::string value = spec.fallback;
    if (spec.required) {
      value = spec.kind == ParamSpec::Kind::kString ? ""
              : spec.kind == ParamSpec::Kind::kBool ? "false"
                                                    : "0";
    }
    defaults = defaults.with_value(spec.name, value);
  }
  try {
    component.interface_hash = component.build(defaults).interface().hash();
  } catch (const Error& error) {
    throw ConfigError("component '" + name + "' " + version +
                      ": building it with its fallback parameters failed, so its interface "
                      "is unknown: " +
                      error.what());
  }
  std::vector<Component>& versions = components_[name];
  for (const Component& existing : versions) {
    if (existing.version == component.version) {
      throw ConfigError("component '" + name + "' " + version + " is registered already");
    }
    if (existing.version.major == component.version.major &&
        existing.interface_hash != component.interface_hash) {
      throw ConfigError("component '" + name + "': " + version + " changes the interface of " +
                        existing.version.to_string() + " (" + existing.interface_hash + " -> " +
                        component.interface_hash +
                        ") without a major version bump; release it as " +
                        std::to_string(component.version.major + 1) + ".0.0");
    }
  }
  versions.push_back(std::move(component));
  std::sort(versions.begin(), versions.end(),
            [](const Component& a, const Component& b) { return a.version < b.version; });
  return *this;
}

const Component& Registry::require(std::string_view name, std::string_view range_text) const {
  const std::vector<Component>& versions = find_named(components_, name, "component");
  VersionRange range = VersionRange::parse(range_text);
  for (auto version = versions.rbegin(); version != versions.rend(); ++version) {
    if (range.contains(version->version)) {
      return *version;
    }
  }
  std::string available;
  for (const Component& component : versions) {
    available += (available.empty() ? "" : ", ") + component.version.to_string();
  }
  throw ConfigError("component '" + std::string(name) + "': no version matches '" +
                    std::string(range_text) + "' (registered: " + available + ")");
}

Pipeline Registry::build(std::string_view name, std::string_view range,
                         const Config& values) const {
  const Component& component = require(name, range);
  FactoryParams params =
      check_params(component.params, values, "component '" + component.id() + "'");
  Pipeline fragment = component.build(params);
  detail::Composer::mark_component(fragment, component.id());
  return fragment;
}

Pipeline& Registry::instantiate(Pipeline& into, std::string_view name, std::string_view range,
                                const Config& values, const ComposeOptions& options) const {
  return into.include(build(name, range, values), options);
}

Registry& Registry::add_setup(std::string name, std::function<void(Setl&)> setup) {
  if (!setups_.emplace(name, std::move(setup)).second) {
    throw ConfigError("a setup named '" + name + "' is registered already");
  }
  return *this;
}

Registry& Registry::add_report(std::string name, std::function<void(const RunReport&)> report) {
  if (!reports_.emplace(name, std::move(report)).second) {
    throw ConfigError("a report named '" + name + "' is registered already");
  }
  return *this;
}

const FactoryRecipe& Registry::factory(std::string_view name) const {
  return find_named(factories_, name, "factory");
}

const std::function<void(Setl&)>& Registry::setup(std::string_view name) const {
  return find_named(setups_, name, "setup");
}

const std::function<void(const RunReport&)>& Registry::report(std::string_view name) const {
  return find_named(reports_, name, "report");
}

std::vector<std::string> Registry::factory_names() const {
  std::vector<std::string> names;
  for (const auto& [name, recipe] : factories_) {
    names.push_back(name);
  }
  return names;
}

std::vector<const Component*> Registry::components() const {
  std::vector<const Component*> all;
  for (const auto& [name, versions] : components_) {
    for (const Component& component : versions) {
      all.push_back(&component);
    }
  }
  return all;
}

void Registry::load_plugin(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::path canonical = std::filesystem::canonical(path, error);
  if (error) {
    throw IoError("plugin '" + path.string() + "' not found: " + error.message());
  }
  if (std::find(plugins_.begin(), plugins_.end(), canonical) != plugins_.end()) {
    return;
  }
  // Kept open for the life of the process: registered factories' code lives in it.
  void* handle = ::dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* message = ::dlerror();
    throw ConfigError("plugin '" + path.string() +
                      "' cannot be loaded: " + (message != nullptr ? message : "unknown error") +
                      " (a plugin resolves setlpp from the program loading it: link that "
                      "program with setl_export_for_plugins)");
  }
  using AbiFunction = const char* (*)();
  using LayoutFunction = uint64_t (*)();
  using RegisterFunction = void (*)(Registry&);
  auto abi = reinterpret_cast<AbiFunction>(::dlsym(handle, "setl_plugin_abi"));
  auto layout = reinterpret_cast<LayoutFunction>(::dlsym(handle, "setl_plugin_layout"));
  auto entry = reinterpret_cast<RegisterFunction>(::dlsym(handle, "setl_register_components"));
  if (abi == nullptr || layout == nullptr || entry == nullptr) {
    ::dlclose(handle);
    throw ConfigError("plugin '" + path.string() +
                      "' has no setlpp entry point; define one with SETL_PLUGIN(registry) { ... }");
  }
  if (std::string(abi()) != SETL_PLUGIN_ABI || layout() != plugin_layout()) {
    std::string built = abi();
    ::dlclose(handle);
    throw ConfigError("plugin '" + path.string() + "' was built for " + built +
                      ", this program is " + SETL_PLUGIN_ABI +
                      (built == SETL_PLUGIN_ABI ? " with other class layouts" : "") +
                      "; rebuild it against these headers");
  }
  entry(*this);
  plugins_.push_back(canonical);
}

void Registry::load_plugins(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> found;
  for (const auto& entry : directory_entries(directory)) {
    if (entry.path().extension() == ".so") {
      found.push_back(entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  for (const std::filesystem::path& path : found) {
    load_plugin(path);
  }
}

}  // namespace setl::workflow
