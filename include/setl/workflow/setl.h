// The Setl context: configuration plus a registry of shared resources (connectors,
// repositories, clients) by id, and the place pipelines are created from so that their
// factories can reach both through FactoryBase::context().
//
//   auto setl = Setl::builder().with_config_file("pipeline.yaml").build();
//   setl.register_resource<Warehouse>("warehouse", std::make_shared<Warehouse>(...));
//   Pipeline pipeline = setl.new_pipeline("daily");
//   ... inside a factory: context().resource<Warehouse>("warehouse")
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "setl/core/config.h"
#include "setl/core/type_name.h"
#include "setl/workflow/deliverable.h"
#include "setl/workflow/pipeline.h"

namespace setl::workflow {

class Setl {
 public:
  class Builder {
   public:
    /// Loads configuration from a YAML or JSON file when build() runs.
    Builder& with_config_file(std::filesystem::path path);
    Builder& with_config(Config config);
    /// Selects the profile instead of SETL_ENV.
    Builder& with_profile(std::string profile);
    /// Throws: ConfigError if the file cannot be loaded.
    Setl build() const;

   private:
    std::optional<std::filesystem::path> path_;
    std::optional<Config> config_;
    std::optional<std::string> profile_;
  };

  static Builder builder() { return Builder(); }

  explicit Setl(Config config = Config());
  // Pipelines keep a pointer to their context, so it stays where it was built.
  Setl(const Setl&) = delete;
  Setl& operator=(const Setl&) = delete;

  const Config& config() const noexcept { return config_; }

  /// Registers a shared object under an id. Throws: StateError if the id is taken.
  template <class T>
  Setl& register_resource(std::string id, std::shared_ptr<T> resource) {
    return add_resource(std::move(id), std::shared_ptr<void>(std::move(resource)),
                        type_info_of<T>());
  }
  /// The resource registered under `id`.
  /// Throws: DeliveryError if no resource has that id or it is not a T.
  template <class T>
  T& resource(std::string_view id) const {
    return *static_cast<T*>(find_resource(id, type_info_of<T>()));
  }
  bool has_resource(std::string_view id) const;
  std::vector<std::string> resource_ids() const;

  /// The result caches configured by the `cache` section (null when absent):
  ///
  ///   cache:
  ///     mode: memory+disk      # default policy of factories that set none: off, memory,
  ///     ttl: 24h               #   disk or memory+disk; ttl 0 or absent: no expiry
  ///     memory_bytes: 1073741824
  ///     dir: .setl-cache       # needed for disk modes
  ///
  /// Pipelines from new_pipeline() share them. Register codecs on the disk cache for the
  /// types it should hold (setl::add_table_codecs for tables).
  const std::shared_ptr<ResultCache>& memory_cache() const noexcept { return memory_cache_; }
  const std::shared_ptr<DiskCache>& disk_cache() const noexcept { return disk_cache_; }
  const CachePolicy& default_cache_policy() const noexcept { return default_policy_; }

  /// A new, empty pipeline bound to this context.
  Pipeline new_pipeline(std::string name = "pipeline") const;

 private:
  struct Resource {
    std::shared_ptr<void> object;
    const TypeInfo* type;
  };
  Setl& add_resource(std::string id, std::shared_ptr<void> object, const TypeInfo& type);
  void* find_resource(std::string_view id, const TypeInfo& type) const;

  Config config_;
  std::shared_ptr<ResultCache> memory_cache_;
  std::shared_ptr<DiskCache> disk_cache_;
  CachePolicy default_policy_;
  std::map<std::string, Resource, std::less<>> resources_;
};

}  // namespace setl::workflow
