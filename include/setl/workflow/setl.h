// The Setl context: configuration plus a registry of shared resources (connectors,
// repositories, clients) by id, and the place pipelines are created from. Every resource
// is a source (setl/workflow/source.h): pipelines from new_pipeline() offer it to their
// factories as a delivery, so it is a node of the DAG and its fingerprint is part of its
// consumers' cache keys.
//
//   auto setl = Setl::builder().with_config_file("pipeline.yaml").build();
//   setl.register_resource<Warehouse>("warehouse", std::make_shared<Warehouse>(...));
//   setl::set_connector(setl, "connectors.orders");   // from config: setl/sources.h
//   Pipeline pipeline = setl.new_pipeline("daily");
//   ... in a factory: Delivery<Warehouse> warehouse{this, {.id = "warehouse"}};
#pragma once

#include <filesystem>
#include <functional>
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
#include "setl/workflow/source.h"

namespace setl::workflow {

struct ResourceOptions {
  /// The delivery id factories name it by (`Delivery<T>{.id = ...}`); default: the
  /// resource id. Empty: matched by type alone (SETL's repositories).
  std::optional<std::string> delivery_id;
  /// Factory names allowed to receive it; empty means all.
  std::vector<std::string> consumers;
};

class Setl {
 public:
  class Builder {
   public:
    /// Loads configuration when build() runs: a YAML, JSON or HOCON file, or a directory
    /// with application.conf and <env>.conf (Config::load).
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

  /// Registers a shared object under an id and offers it to pipelines as a source of
  /// type T. Throws: StateError if the id is taken or the resource is null.
  template <class T>
  Setl& register_resource(std::string id, std::shared_ptr<T> resource,
                          ResourceOptions options = {}) {
    if (!resource) {
      throw_null_resource(id);
    }
    DeliverableOptions offer{.producer = std::string(kExternalProducer),
                             .id = options.delivery_id.value_or(id),
                             .consumers = std::move(options.consumers),
                             .fingerprint = {}};
    Source source = Source::of<T>(id, resource, std::move(offer));
    return add_resource(std::move(source), std::shared_ptr<void>(resource),
                        [pointer = resource.get()] { throw pointer; });
  }
  /// The resource registered under `id`, as a T: its registered type or a public base of
  /// it (a PartitionedConnector registered as such is also a Connector).
  /// Throws: DeliveryError if no resource has that id or it is not a T.
  template <class T>
  T& resource(std::string_view id) const {
    const Resource& found = find_resource(id);
    if (found.source.deliverable.payload_type() == type_info_of<T>()) {
      return *static_cast<T*>(found.object.get());
    }
    // A thrown T* is caught as Base* exactly when Base is a public, unambiguous base.
    try {
      found.throw_pointer();
    } catch (T* base) {
      return *base;
    } catch (...) {
    }
    throw_wrong_resource_type(id, found, type_info_of<T>());
  }
  bool has_resource(std::string_view id) const;
  std::vector<std::string> resource_ids() const;
  /// Every resource as a source, in id order; pipelines of this context offer them.
  std::vector<Source> sources() const;

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

  /// The memory settings of the `memory` section, given to every pipeline from
  /// new_pipeline() (SETL_MEMORY_LIMIT is the limit when memory.limit is absent):
  ///
  ///   memory:
  ///     limit: 2GiB            # or 60% (of RAM); absent, 0 or unlimited: no limit
  ///     spill_dir: /data/spill # default: .setl-spill in the working directory
  ///     max_spill: 100GiB      # cap on one query's spill files; absent: none
  ///     batch_bytes: 8MiB      # the size streams cut batches to
  ///   engine:
  ///     threads: 4             # engine threads per query of these runs; 0: every core
  const MemoryOptions& memory_options() const noexcept { return memory_; }

  /// A new, empty pipeline bound to this context.
  Pipeline new_pipeline(std::string name = "pipeline") const;

 private:
  struct Resource {
    Source source;
    std::shared_ptr<void> object;
    std::function<void()> throw_pointer;
  };
  Setl& add_resource(Source source, std::shared_ptr<void> object,
                     std::function<void()> throw_pointer);
  const Resource& find_resource(std::string_view id) const;
  [[noreturn]] static void throw_null_resource(const std::string& id);
  [[noreturn]] static void throw_wrong_resource_type(std::string_view id, const Resource& found,
                                                     const TypeInfo& requested);

  Config config_;
  MemoryOptions memory_;
  std::shared_ptr<ResultCache> memory_cache_;
  std::shared_ptr<DiskCache> disk_cache_;
  CachePolicy default_policy_;
  std::map<std::string, Resource, std::less<>> resources_;
};

}  // namespace setl::workflow
