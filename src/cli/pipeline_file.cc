#include "setl/cli/pipeline_file.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "setl/core/error.h"
#include "setl/core/file_status.h"
#include "setl/core/suggest.h"
#include "setl/workflow/composition.h"
#include "setl/workflow/setl.h"

namespace setl::cli {

// One factory of the file, checked.
struct PipelineFileEntry {
  std::string factory;
  std::string name;
  Config params;
  std::string id;
  std::vector<std::string> consumers;
  std::vector<std::string> depends_on;
  std::map<std::string, std::string> inputs;
  std::string run_if;
  std::string when;
  std::optional<workflow::FactoryBase::OnConditionFailure> on_condition_failure;
  std::optional<workflow::CachePolicy> cache;
  std::optional<bool> writable;
  std::vector<std::string> tags;
};

struct PipelineFile::Stage {
  std::string name;
  bool parallel = false;
  std::optional<bool> writable;
  std::string run_if;
  std::vector<PipelineFileEntry> factories;
};

struct PipelineFile::Template {
  std::string component;
  std::string version;
  Config params;
  workflow::ComposeOptions options;
};

namespace {

std::optional<workflow::CacheMode> cache_mode(const std::string& text) {
  static const std::map<std::string, workflow::CacheMode> kModes = {
      {"off", workflow::CacheMode::kOff},
      {"memory", workflow::CacheMode::kMemory},
      {"disk", workflow::CacheMode::kDisk},
      {"memory+disk", workflow::CacheMode::kMemoryAndDisk}};
  auto found = kModes.find(text);
  return found == kModes.end() ? std::nullopt : std::optional(found->second);
}

// A pipeline file is small: these bounds stop hostile ones (aliases that expand
// exponentially, nesting that would exhaust the stack) before anything walks them.
constexpr int kMaxDepth = 64;
constexpr int64_t kMaxNodes = 100'000;

void check_size(const YAML::Node& node, const std::string& source, int depth, int64_t& nodes) {
  if (depth > kMaxDepth || ++nodes > kMaxNodes) {
    YAML::Mark mark = node.Mark();
    throw ConfigError(
        source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
        ": " +
        (depth > kMaxDepth
             ? "nesting deeper than " + std::to_string(kMaxDepth) + " levels"
             : "more than " + std::to_string(kMaxNodes) + " values (aliases expanding?)"));
  }
  if (node.IsMap()) {
    for (const auto& item : node) {
      check_size(item.first, source, depth + 1, nodes);
      check_size(item.second, source, depth + 1, nodes);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      check_size(item, source, depth + 1, nodes);
    }
  }
}

// A plugin named relative to the file, or else found in a directory of SETL_PLUGIN_PATH.
std::filesystem::path find_plugin(const std::filesystem::path& next_to_file,
                                  const std::string& written) {
  if (setl::path_exists(next_to_file) || std::filesystem::path(written).is_absolute()) {
    return next_to_file;
  }
  const char* search = std::getenv("SETL_PLUGIN_PATH");
  std::string_view directories = search != nullptr ? search : "";
  while (!directories.empty()) {
    size_t colon = directories.find(':');
    std::filesystem::path candidate = std::filesystem::path(directories.substr(0, colon)) / written;
    if (!directories.substr(0, colon).empty() && setl::path_exists(candidate)) {
      return candidate;
    }
    directories.remove_prefix(colon == std::string_view::npos ? directories.size() : colon + 1);
  }
  return next_to_file;
}

}  // namespace

// Walks the YAML tree, collecting every problem with its location.
struct PipelineFileParser {
  std::string source;
  std::filesystem::path base;
  workflow::Registry& registry;
  std::vector<std::string> problems;

  std::string where(const YAML::Node& node, const std::string& key) const {
    YAML::Mark mark = node.Mark();
    std::string location = source;
    if (!mark.is_null()) {
      location += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }
    return location + ": " + key;
  }
  void problem(const YAML::Node& node, const std::string& key, const std::string& message) {
    problems.push_back(where(node, key) + ": " + message);
  }

  // Unknown keys of a map, with the closest known one.
  bool check_map(const YAML::Node& node, const std::string& key,
                 const std::vector<std::string>& known) {
    if (!node.IsMap()) {
      problem(node, key, "expected a map of keys");
      return false;
    }
    for (const auto& item : node) {
      std::string name = item.first.Scalar();
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        std::optional<std::string> hint = closest_match(name, known);
        std::string valid;
        for (const std::string& each : known) {
          valid += (valid.empty() ? "" : ", ") + each;
        }
        problem(item.first, join(key, name),
                "unknown key" + (hint ? "; did you mean '" + *hint + "'?" : "; valid: " + valid));
      }
    }
    return true;
  }

  static std::string join(const std::string& key, const std::string& child) {
    return key.empty() ? child : key + "." + child;
  }

  std::string text(const YAML::Node& map, const char* name, const std::string& key) {
    YAML::Node node = map[name];
    if (!node) {
      return {};
    }
    if (!node.IsScalar()) {
      problem(node, join(key, name), "expected a text value");
      return {};
    }
    return node.Scalar();
  }
  std::optional<bool> flag(const YAML::Node& map, const char* name, const std::string& key) {
    YAML::Node node = map[name];
    if (!node) {
      return std::nullopt;
    }
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      problem(node, join(key, name), "expected true or false");
      return std::nullopt;
    }
    return value;
  }
  std::vector<std::string> list(const YAML::Node& map, const char* name, const std::string& key) {
    YAML::Node node = map[name];
    std::vector<std::string> values;
    if (!node) {
      return values;
    }
    if (node.IsScalar()) {
      return {node.Scalar()};
    }
    if (!node.IsSequence()) {
      problem(node, join(key, name), "expected a list");
      return values;
    }
    for (const auto& item : node) {
      if (item.IsScalar()) {
        values.push_back(item.Scalar());
      } else {
        problem(item, join(key, name), "expected a list of text values");
      }
    }
    return values;
  }
  std::map<std::string, std::string> names(const YAML::Node& map, const char* name,
                                           const std::string& key) {
    YAML::Node node = map[name];
    std::map<std::string, std::string> values;
    if (!node) {
      return values;
    }
    if (!node.IsMap()) {
      problem(node, join(key, name), "expected a map of names");
      return values;
    }
    for (const auto& item : node) {
      if (!item.second.IsScalar()) {
        problem(item.second, join(join(key, name), item.first.Scalar()), "expected a name");
        continue;
      }
      values[item.first.Scalar()] = item.second.Scalar();
    }
    return values;
  }
  Config params(const YAML::Node& map, const std::string& key) {
    YAML::Node node = map["params"];
    if (!node) {
      return Config();
    }
    if (!node.IsMap()) {
      problem(node, join(key, "params"), "expected a map of parameters");
      return Config();
    }
    YAML::Emitter emitter;
    emitter << node;
    return Config::from_yaml(emitter.c_str(), where(node, join(key, "params")));
  }
  std::optional<workflow::CachePolicy> cache(const YAML::Node& map, const std::string& key) {
    std::string mode = text(map, "cache", key);
    std::string ttl = text(map, "cache_ttl", key);
    if (mode.empty()) {
      if (!ttl.empty()) {
        problem(map["cache_ttl"], join(key, "cache_ttl"), "needs cache: memory, disk or both");
      }
      return std::nullopt;
    }
    std::optional<workflow::CacheMode> parsed = cache_mode(mode);
    if (!parsed) {
      std::optional<std::string> hint =
          closest_match(mode, std::vector<std::string>{"off", "memory", "disk", "memory+disk"});
      problem(
          map["cache"], join(key, "cache"),
          "unknown cache mode '" + mode + "'" +
              (hint ? "; did you mean '" + *hint + "'?" : "; use off, memory, disk, memory+disk"));
      return std::nullopt;
    }
    workflow::CachePolicy policy{.mode = *parsed};
    if (!ttl.empty()) {
      try {
        policy.ttl = Config::from_yaml("ttl: " + ttl).get_duration("ttl");
      } catch (const ConfigError& error) {
        problem(map["cache_ttl"], join(key, "cache_ttl"), error.message());
      }
    }
    return policy;
  }

  PipelineFileEntry entry(const YAML::Node& node, const std::string& key) {
    PipelineFileEntry entry;
    if (!check_map(
            node, key,
            {"factory", "name", "params", "id", "consumers", "depends_on", "inputs", "run_if",
             "when", "on_condition_failure", "cache", "cache_ttl", "writable", "tags"})) {
      return entry;
    }
    entry.factory = text(node, "factory", key);
    if (entry.factory.empty()) {
      problem(node, key, "needs 'factory': the registered name of a factory");
    }
    entry.name = text(node, "name", key);
    entry.params = params(node, key);
    entry.id = text(node, "id", key);
    entry.consumers = list(node, "consumers", key);
    entry.depends_on = list(node, "depends_on", key);
    entry.inputs = names(node, "inputs", key);
    entry.run_if = text(node, "run_if", key);
    entry.when = text(node, "when", key);
    entry.cache = cache(node, key);
    entry.writable = flag(node, "writable", key);
    entry.tags = list(node, "tags", key);
    std::string failure = text(node, "on_condition_failure", key);
    if (failure == "fail") {
      entry.on_condition_failure = workflow::FactoryBase::OnConditionFailure::kFail;
    } else if (failure == "skip") {
      entry.on_condition_failure = workflow::FactoryBase::OnConditionFailure::kSkip;
    } else if (failure == "run") {
      entry.on_condition_failure = workflow::FactoryBase::OnConditionFailure::kRun;
    } else if (!failure.empty()) {
      problem(node["on_condition_failure"], join(key, "on_condition_failure"),
              "expected fail, skip or run, found '" + failure + "'");
    }
    if (!entry.factory.empty()) {
      try {
        const workflow::FactoryRecipe& recipe = registry.factory(entry.factory);
        workflow::Registry::check_params(recipe.params, entry.params,
                                         "factory '" + entry.factory + "'");
        check_inputs(entry, node, key);
      } catch (const Error& error) {
        problem(node["params"] && error.message().find("parameter") != std::string::npos
                    ? node["params"]
                    : node["factory"],
                join(key, "factory"), error.message());
      }
    }
    return entry;
  }

  // inputs: renames what the factory's deliveries ask for; each key must be one of them.
  void check_inputs(const PipelineFileEntry& entry, const YAML::Node& node,
                    const std::string& key) {
    if (entry.inputs.empty()) {
      return;
    }
    std::unique_ptr<workflow::FactoryBase> sample =
        registry.make_factory(entry.factory, entry.params);
    std::vector<std::string> asked;
    for (const workflow::DeliveryBase* delivery : sample->deliveries()) {
      for (const std::string& name : {delivery->id(), delivery->producer()}) {
        if (!name.empty()) {
          asked.push_back(name);
        }
      }
    }
    for (const auto& [from, to] : entry.inputs) {
      if (std::find(asked.begin(), asked.end(), from) == asked.end()) {
        std::optional<std::string> hint = closest_match(from, asked);
        problem(node["inputs"], join(join(key, "inputs"), from),
                "factory '" + entry.factory + "' reads no input named '" + from + "'" +
                    (hint ? "; did you mean '" + *hint + "'?" : std::string()));
      }
    }
  }

  std::vector<PipelineFileEntry> entries(const YAML::Node& map, const char* name,
                                         const std::string& key) {
    std::vector<PipelineFileEntry> found;
    YAML::Node node = map[name];
    if (!node) {
      return found;
    }
    if (!node.IsSequence()) {
      problem(node, join(key, name), "expected a list of factories");
      return found;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      found.push_back(entry(node[i], join(key, name) + "[" + std::to_string(i) + "]"));
    }
    return found;
  }

  PipelineFile::Template component(const YAML::Node& node, const std::string& key) {
    PipelineFile::Template parsed;
    if (!check_map(node, key,
                   {"component", "version", "ns", "params", "inputs", "outputs", "config",
                    "globals", "strict"})) {
      return parsed;
    }
    parsed.component = text(node, "component", key);
    parsed.version = text(node, "version", key);
    if (parsed.version.empty()) {
      parsed.version = "*";
    }
    parsed.params = params(node, key);
    parsed.options.ns = text(node, "ns", key);
    parsed.options.inputs = names(node, "inputs", key);
    parsed.options.outputs = names(node, "outputs", key);
    parsed.options.params = names(node, "config", key);
    parsed.options.globals = list(node, "globals", key);
    parsed.options.strict = flag(node, "strict", key).value_or(false);
    if (parsed.component.empty()) {
      problem(node, key, "needs 'component': the registered name of a component");
      return parsed;
    }
    try {
      const workflow::Component& found = registry.require(parsed.component, parsed.version);
      workflow::Registry::check_params(found.params, parsed.params,
                                       "component '" + found.id() + "'");
    } catch (const Error& error) {
      problem(node["component"], join(key, "component"), error.message());
    }
    return parsed;
  }
};

PipelineFile::PipelineFile() = default;
PipelineFile::PipelineFile(PipelineFile&&) noexcept = default;
PipelineFile& PipelineFile::operator=(PipelineFile&&) noexcept = default;
PipelineFile::~PipelineFile() = default;

PipelineFile PipelineFile::load(const std::filesystem::path& path, workflow::Registry& registry) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw IoError("pipeline file '" + path.string() + "' cannot be read");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.string(), path.parent_path(), registry);
}

PipelineFile PipelineFile::parse(std::string_view text, const std::string& source,
                                 const std::filesystem::path& base, workflow::Registry& registry) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    throw ConfigError(source + ":" + std::to_string(error.mark.line + 1) + ":" +
                      std::to_string(error.mark.column + 1) + ": " + error.msg);
  }
  int64_t nodes = 0;
  check_size(root, source, 0, nodes);
  PipelineFileParser parser{source, base, registry, {}};
  PipelineFile file;
  file.registry_ = &registry;
  if (!parser.check_map(
          root, "",
          {"name", "config", "plugins", "setup", "report", "targets", "dag", "benchmark",
           "max_concurrency", "cache", "stages", "factories", "templates"})) {
    throw ConfigError(parser.problems.front());
  }
  auto resolve = [&](const std::string& path) {
    return path.empty() || std::filesystem::path(path).is_absolute() ? path
                                                                     : (base / path).string();
  };
  // Plugins first: they register what the rest names.
  for (const std::string& plugin : parser.list(root, "plugins", "")) {
    try {
      std::filesystem::path path = find_plugin(resolve(plugin), plugin);
      if (setl::is_directory_path(path)) {
        registry.load_plugins(path);
      } else {
        registry.load_plugin(path);
      }
    } catch (const Error& error) {
      parser.problem(root["plugins"], "plugins", error.message());
    }
  }
  file.name_ = parser.text(root, "name", "");
  if (file.name_.empty()) {
    parser.problem(root, "name", "a pipeline file needs a name");
  }
  file.config_ = resolve(parser.text(root, "config", ""));
  file.setups_ = parser.list(root, "setup", "");
  for (const std::string& setup : file.setups_) {
    try {
      registry.setup(setup);
    } catch (const Error& error) {
      parser.problem(root["setup"], "setup", error.message());
    }
  }
  file.report_ = parser.text(root, "report", "");
  if (!file.report_.empty()) {
    try {
      registry.report(file.report_);
    } catch (const Error& error) {
      parser.problem(root["report"], "report", error.message());
    }
  }
  file.targets_ = parser.list(root, "targets", "");
  file.dag_ = parser.text(root, "dag", "");
  std::vector<std::string> formats = {"none", "text", "summary", "mermaid", "class", "dot"};
  if (!file.dag_.empty() && std::find(formats.begin(), formats.end(), file.dag_) == formats.end()) {
    std::optional<std::string> hint = closest_match(file.dag_, formats);
    parser.problem(root["dag"], "dag",
                   "unknown format '" + file.dag_ + "'" +
                       (hint ? "; did you mean '" + *hint + "'?" : std::string()));
  }
  file.benchmark_ = parser.flag(root, "benchmark", "").value_or(false);
  std::string concurrency = parser.text(root, "max_concurrency", "");
  if (!concurrency.empty()) {
    try {
      file.max_concurrency_ =
          static_cast<size_t>(Config::from_yaml("n: " + concurrency).get<uint32_t>("n"));
    } catch (const ConfigError&) {
      parser.problem(root["max_concurrency"], "max_concurrency", "expected a count of factories");
    }
  }
  file.cache_ = parser.cache(root, "");
  YAML::Node stages = root["stages"];
  if (stages && !stages.IsSequence()) {
    parser.problem(stages, "stages", "expected a list of stages");
  } else if (stages) {
    for (size_t i = 0; i < stages.size(); ++i) {
      std::string key = "stages[" + std::to_string(i) + "]";
      Stage stage;
      if (parser.check_map(stages[i], key,
                           {"name", "parallel", "writable", "run_if", "factories"})) {
        stage.name = parser.text(stages[i], "name", key);
        stage.parallel = parser.flag(stages[i], "parallel", key).value_or(false);
        stage.writable = parser.flag(stages[i], "writable", key);
        stage.run_if = parser.text(stages[i], "run_if", key);
        stage.factories = parser.entries(stages[i], "factories", key);
      }
      file.stages_.push_back(std::move(stage));
    }
  }
  file.factories_ = parser.entries(root, "factories", "");
  YAML::Node templates = root["templates"];
  if (templates && !templates.IsSequence()) {
    parser.problem(templates, "templates", "expected a list of components");
  } else if (templates) {
    for (size_t i = 0; i < templates.size(); ++i) {
      file.templates_.push_back(
          parser.component(templates[i], "templates[" + std::to_string(i) + "]"));
    }
  }
  if (!parser.problems.empty()) {
    std::string message = std::to_string(parser.problems.size()) + " problem(s) in " + source + ":";
    for (const std::string& problem : parser.problems) {
      message += "\n  " + problem;
    }
    throw ConfigError(message);
  }
  return file;
}

namespace {

void configure(workflow::FactoryBase& factory, const PipelineFileEntry& entry) {
  if (!entry.name.empty()) {
    factory.set_name(entry.name);
  }
  if (!entry.id.empty()) {
    factory.set_delivery_id(entry.id);
  }
  if (!entry.consumers.empty()) {
    factory.set_consumers(entry.consumers);
  }
  for (const std::string& before : entry.depends_on) {
    factory.depends_on(before);
  }
  if (!entry.run_if.empty()) {
    factory.run_if(entry.run_if);
  }
  if (!entry.when.empty()) {
    factory.when(entry.when);
  }
  if (entry.on_condition_failure) {
    factory.on_condition_failure(*entry.on_condition_failure);
  }
  if (entry.cache) {
    factory.set_cache_policy(*entry.cache);
  }
  if (entry.writable) {
    factory.set_writable(*entry.writable);
  }
  if (!entry.tags.empty()) {
    factory.set_tags(entry.tags);
  }
}

std::unique_ptr<workflow::FactoryBase> make(const workflow::Registry& registry,
                                            const PipelineFileEntry& entry) {
  std::unique_ptr<workflow::FactoryBase> factory =
      registry.make_factory(entry.factory, entry.params);
  configure(*factory, entry);
  if (!entry.inputs.empty()) {
    workflow::rename_inputs(*factory, entry.inputs);
  }
  return factory;
}

}  // namespace

workflow::Pipeline PipelineFile::build(workflow::Setl& setl) const {
  for (const std::string& setup : setups_) {
    registry_->setup(setup)(setl);
  }
  workflow::Pipeline pipeline = setl.new_pipeline(name_);
  pipeline.set_benchmark(benchmark_);
  pipeline.set_max_concurrency(max_concurrency_);
  if (cache_) {
    pipeline.set_default_cache_policy(*cache_);
  }
  for (const Stage& declared : stages_) {
    workflow::Stage& stage = pipeline.add_stage();
    if (!declared.name.empty()) {
      stage.set_name(declared.name);
    }
    stage.set_parallel(declared.parallel);
    if (declared.writable) {
      stage.set_writable(*declared.writable);
    }
    if (!declared.run_if.empty()) {
      stage.run_if(declared.run_if);
    }
    for (const PipelineFileEntry& entry : declared.factories) {
      stage.add(make(*registry_, entry));
    }
  }
  for (const PipelineFileEntry& entry : factories_) {
    pipeline.add(make(*registry_, entry));
  }
  for (const Template& declared : templates_) {
    registry_->instantiate(pipeline, declared.component, declared.version, declared.params,
                           declared.options);
  }
  return pipeline;
}

JobOptions PipelineFile::job_options() const {
  JobOptions options;
  options.description = "setl run: pipeline '" + name_ + "'";
  options.default_config = config_;
  options.config_optional = true;
  options.default_targets = targets_;
  if (!dag_.empty()) {
    options.default_dag = dag_;
  }
  if (!report_.empty()) {
    options.report = registry_->report(report_);
  }
  return options;
}

}  // namespace setl::cli
