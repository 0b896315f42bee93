// A Deliverable is a value on its way from a producer (a factory or the outside world) to
// the factories that declared it as an input: the payload, its type, who produced it, an
// optional delivery id and an optional list of the only consumers allowed to receive it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "setl/core/error.h"
#include "setl/core/type_name.h"

namespace setl::workflow {

/// The producer name of values from outside the pipeline: external inputs
/// (`Pipeline::set_input`) and sources of the Setl context. SETL's `External`.
inline constexpr std::string_view kExternalProducer = "External";

/// Returns the TypeInfo of T, computed once per type.
template <class T>
const TypeInfo& type_info_of() {
  static const TypeInfo info = TypeInfo::of<T>();
  return info;
}

struct DeliverableOptions {
  /// Factory name of the producer; kExternalProducer for external inputs.
  std::string producer = std::string(kExternalProducer);
  /// Delivery id; a Delivery with an id only receives deliverables with the same id, and a
  /// Delivery without one only deliverables without one (SETL's rule).
  std::string id;
  /// Factory names allowed to receive this value; empty means every consumer.
  std::vector<std::string> consumers;
  /// For external inputs: a version of the value for cache keys (empty: unversioned, its
  /// consumers are never served from the cache).
  std::string fingerprint;
};

class Deliverable {
 public:
  /// Wraps a shared, immutable payload.
  template <class T>
  Deliverable(std::shared_ptr<const T> payload, DeliverableOptions options = {})
      : payload_(std::move(payload)), type_(&type_info_of<T>()), options_(std::move(options)) {}

  /// Moves a value into a new deliverable.
  template <class T>
  static Deliverable of(T value, DeliverableOptions options = {}) {
    return Deliverable(std::make_shared<const T>(std::move(value)), std::move(options));
  }

  const TypeInfo& payload_type() const noexcept { return *type_; }
  const std::string& producer() const noexcept { return options_.producer; }
  const std::string& delivery_id() const noexcept { return options_.id; }
  const std::vector<std::string>& consumers() const noexcept { return options_.consumers; }
  const std::string& fingerprint() const noexcept { return options_.fingerprint; }
  bool is_external() const noexcept { return options_.producer == kExternalProducer; }

  /// True if `consumer` may receive this value (no consumer list, or listed in it).
  bool reaches(std::string_view consumer) const;

  /// The payload as T. Throws: DeliveryError if the payload has another type.
  template <class T>
  const T& payload() const {
    if (!(*type_ == type_info_of<T>())) {
      throw_type_mismatch(type_info_of<T>());
    }
    return *static_cast<const T*>(payload_.get());
  }
  /// The type-erased payload, shared with every consumer.
  const std::shared_ptr<const void>& shared_payload() const noexcept { return payload_; }

  /// The same payload offered under another delivery id to other consumers (composition
  /// renames a fragment's inputs this way).
  Deliverable with_route(std::string id, std::vector<std::string> consumers) const {
    Deliverable routed = *this;
    routed.options_.id = std::move(id);
    routed.options_.consumers = std::move(consumers);
    return routed;
  }

  /// "'OrdersFactory' → std::vector<Order> (id 'orders')", for messages.
  std::string describe() const;

 private:
  [[noreturn]] void throw_type_mismatch(const TypeInfo& requested) const;

  std::shared_ptr<const void> payload_;
  const TypeInfo* type_;
  DeliverableOptions options_;
};

}  // namespace setl::workflow
