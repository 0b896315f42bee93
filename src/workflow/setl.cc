#include "setl/workflow/setl.h"

#include <cstdlib>

#include "factory_runner.h"
#include "setl/core/memory_budget.h"
#include "setl/core/parse_number.h"

namespace setl::workflow {

Setl::Builder& Setl::Builder::with_config_file(std::filesystem::path path) {
  path_ = std::move(path);
  return *this;
}

Setl::Builder& Setl::Builder::with_config(Config config) {
  config_ = std::move(config);
  return *this;
}

Setl::Builder& Setl::Builder::with_profile(std::string profile) {
  profile_ = std::move(profile);
  return *this;
}

Setl Setl::Builder::build() const {
  if (path_ && config_) {
    throw ConfigError("Setl::Builder: both with_config_file(\"" + path_->string() +
                      "\") and with_config() were given; use one");
  }
  if (path_) {
    return Setl(Config::load(*path_, {.profile = profile_}));
  }
  return Setl(config_.value_or(Config()));
}

namespace {

// memory.pause / memory.target: "90%" or 0.9, a share of memory.limit; absent: 0.
double threshold(const Config& memory, const std::string& key) {
  if (!memory.has(key)) {
    return 0;
  }
  std::string text = memory.get_string(key);
  bool percent = text.ends_with('%');
  double value =
      parse_number<double>(std::string_view(text).substr(0, text.size() - (percent ? 1 : 0)))
          .value_or(-1);
  if (percent && value > 0) {
    value /= 100;
  }
  if (!(value > 0 && value <= 1)) {
    throw ConfigError("memory." + key + " '" + text +
                      "': expected a share of memory.limit such as 90% or 0.9");
  }
  return value;
}

// engine.threads: the engine threads of this context's runs (0 or absent: the process's).
int read_engine_threads(const Config& config) {
  if (!config.has("engine")) {
    return 0;
  }
  Config engine = config.section("engine");
  for (const std::string& key : engine.keys()) {
    if (key != "threads") {
      throw ConfigError("section 'engine': unknown key '" + key + "' (expected threads)");
    }
  }
  int64_t threads = engine.get_or<int64_t>("threads", 0);
  if (threads < 0 || threads > 1024) {
    throw ConfigError("engine.threads must be between 1 and 1024 (0: every core), found " +
                      std::to_string(threads));
  }
  return static_cast<int>(threads);
}

// The `memory:` section; SETL_MEMORY_LIMIT is the limit when memory.limit is absent.
MemoryOptions read_memory_section(const Config& config) {
  MemoryOptions options;
  std::string limit;
  if (config.has("memory")) {
    Config memory = config.section("memory");
    for (const std::string& key : memory.keys()) {
      if (key != "limit" && key != "spill_dir" && key != "max_spill" && key != "batch_bytes" &&
          key != "max_memory" && key != "pause" && key != "target" &&
          key != "release_intermediates" && key != "batches_in_flight") {
        throw ConfigError("section 'memory': unknown key '" + key +
                          "' (expected limit, spill_dir, max_spill, batch_bytes, max_memory, "
                          "pause, target, release_intermediates, batches_in_flight)");
      }
    }
    if (memory.has("max_memory")) {
      Config caps = memory.section("max_memory");
      for (const std::string& factory : caps.keys()) {
        int64_t bytes = memory::parse_memory_size(caps.get_string(factory));
        if (bytes <= 0) {
          throw ConfigError("memory.max_memory." + factory + " must be a size such as 512MiB");
        }
        options.max_memory[factory] = bytes;
      }
    }
    options.release_intermediates = memory.get_or<bool>("release_intermediates", false);
    options.max_batches_in_flight = memory.get_or<int64_t>("batches_in_flight", 0);
    if (options.max_batches_in_flight < 0) {
      throw ConfigError("memory.batches_in_flight must be 1 or more (0: twice the threads)");
    }
    options.pause = threshold(memory, "pause");
    options.target = memory.has("target") ? threshold(memory, "target") : options.pause;
    if (options.target > options.pause) {
      throw ConfigError("memory.target must not be above memory.pause");
    }
    limit = memory.get_or<std::string>("limit", "");
    options.spill_dir = memory.get_or<std::string>("spill_dir", "");
    options.max_spill_bytes =
        memory::parse_memory_size(memory.get_or<std::string>("max_spill", ""));
    if (memory.has("batch_bytes")) {
      options.batch_bytes = memory::parse_memory_size(memory.get_string("batch_bytes"));
      if (options.batch_bytes <= 0) {
        throw ConfigError("memory.batch_bytes must be a positive size such as 8MiB");
      }
    }
  }
  const char* environment = std::getenv("SETL_MEMORY_LIMIT");
  if (limit.empty() && environment != nullptr) {
    limit = environment;
  }
  options.limit = memory::parse_memory_size(limit);
  if (options.pause > 0 && options.limit == 0) {
    throw ConfigError("memory.pause is a share of memory.limit; set a limit as well");
  }
  options.threads = read_engine_threads(config);
  return options;
}

}  // namespace

Setl::Setl(Config config) : config_(std::move(config)), memory_(read_memory_section(config_)) {
  if (!config_.has("cache")) {
    return;
  }
  Config cache = config_.section("cache");
  for (const std::string& key : cache.keys()) {
    if (key != "mode" && key != "ttl" && key != "memory_bytes" && key != "dir") {
      throw ConfigError("section 'cache': unknown key '" + key +
                        "' (expected mode, ttl, memory_bytes, dir)");
    }
  }
  default_policy_.mode = parse_cache_mode(cache.get_or<std::string>("mode", "off"));
  if (cache.has("ttl")) {
    default_policy_.ttl = cache.get_duration("ttl");
  }
  memory_cache_ = std::make_shared<ResultCache>(
      cache.get_or<int64_t>("memory_bytes", ResultCache().max_bytes()));
  if (cache.has("dir")) {
    disk_cache_ = std::make_shared<DiskCache>(cache.get_string("dir"));
    disk_cache_->add_builtin_codecs();
  } else if (uses_disk(default_policy_.mode)) {
    throw ConfigError("section 'cache': mode '" + cache.get_string("mode") +
                      "' needs 'dir', the cache directory");
  }
}

Setl& Setl::add_resource(Source source, std::shared_ptr<void> object,
                         std::function<void()> throw_pointer) {
  std::string id = source.id;
  auto [it, inserted] = resources_.try_emplace(
      std::move(id), Resource{std::move(source), std::move(object), std::move(throw_pointer)});
  if (!inserted) {
    throw StateError("a resource with id '" + it->first + "' is already registered (a " +
                     it->second.source.deliverable.payload_type().name() +
                     "); ids are unique within a Setl context");
  }
  return *this;
}

void Setl::throw_null_resource(const std::string& id) {
  throw StateError("register_resource(\"" + id + "\"): the resource is null");
}

bool Setl::has_resource(std::string_view id) const {
  return resources_.find(id) != resources_.end();
}

std::vector<std::string> Setl::resource_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, resource] : resources_) {
    ids.push_back(id);
  }
  return ids;
}

std::vector<Source> Setl::sources() const {
  std::vector<Source> sources;
  for (const auto& [id, resource] : resources_) {
    sources.push_back(resource.source);
  }
  return sources;
}

const Setl::Resource& Setl::find_resource(std::string_view id) const {
  detail::note_context_resource_access();
  auto found = resources_.find(id);
  if (found == resources_.end()) {
    std::string registered;
    for (const auto& [known, resource] : resources_) {
      registered += (registered.empty() ? "" : ", ") + known + " (" +
                    resource.source.deliverable.payload_type().name() + ")";
    }
    throw DeliveryError("no resource '" + std::string(id) +
                        "' is registered in the Setl context; registered: " +
                        (registered.empty() ? std::string("none") : registered));
  }
  return found->second;
}

void Setl::throw_wrong_resource_type(std::string_view id, const Resource& found,
                                     const TypeInfo& requested) {
  throw DeliveryError("resource '" + std::string(id) + "' is a " +
                      found.source.deliverable.payload_type().name() + ", not a " +
                      requested.name() + " (nor derived from one)");
}

Pipeline Setl::new_pipeline(std::string name) const {
  Pipeline pipeline(std::move(name), *this);
  pipeline.set_memory(memory_);
  if (memory_cache_) {
    pipeline.set_cache(memory_cache_);
    pipeline.set_default_cache_policy(default_policy_);
  }
  if (disk_cache_) {
    pipeline.set_disk_cache(disk_cache_);
  }
  return pipeline;
}

}  // namespace setl::workflow
