// A source is a resource of the Setl context — a connector, a repository, a client —
// offered to every pipeline created from the context as a delivery, the way SETL and
// PySetl put registered connectors and repositories in the delivery pool. Because a
// source is a node of the DAG, its fingerprint enters the cache key of every factory
// that receives it (or auto-loads from it), so a changed file can never be served stale.
//
// What a resource type offers is found at compile time:
//   - `fingerprint()` returning std::optional<std::string> (or std::string): its version.
//     Without one, the source is unversioned and its consumers are never cached.
//   - `using Loaded = U;` and `U auto_load(std::string_view condition) const`: a
//     `Delivery<U>{.auto_load = true, .condition = "..."}` is filled from it when no
//     factory or input offers a U (SETL's `@Delivery(autoLoad = true, condition = ...)`).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "setl/workflow/deliverable.h"

namespace setl::workflow {

/// A resource type that knows its own version.
template <class R>
concept Fingerprinted = requires(const R& resource) {
  {resource.fingerprint()};
};

/// A resource type that can load a value for auto-load deliveries.
template <class R>
concept AutoLoadable = requires(const R& resource, std::string_view condition) {
  typename R::Loaded;
  { resource.auto_load(condition) } -> std::convertible_to<typename R::Loaded>;
};

struct Source {
  /// The id the context registered it under.
  std::string id;
  /// The resource itself, with its delivery id and consumer list.
  Deliverable deliverable;
  /// Its current version; null when the type has none (consumers are then uncacheable).
  std::function<std::optional<std::string>()> fingerprint;
  /// The type auto_load() yields, and the loader; null when it cannot auto-load.
  const TypeInfo* loads = nullptr;
  std::function<Deliverable(std::string_view condition)> load;

  /// Builds the source of a resource of type R, detecting what R offers.
  template <class R>
  static Source of(std::string id, std::shared_ptr<R> resource, DeliverableOptions options) {
    std::shared_ptr<const R> shared = resource;
    Source source{std::move(id), Deliverable(shared, std::move(options)), nullptr, nullptr, {}};
    if constexpr (Fingerprinted<R>) {
      source.fingerprint = [shared]() -> std::optional<std::string> {
        return shared->fingerprint();
      };
    }
    if constexpr (AutoLoadable<R>) {
      using Loaded = typename R::Loaded;
      source.loads = &type_info_of<Loaded>();
      source.load = [shared](std::string_view condition) {
        return Deliverable::of<Loaded>(shared->auto_load(condition));
      };
    }
    return source;
  }
};

}  // namespace setl::workflow
