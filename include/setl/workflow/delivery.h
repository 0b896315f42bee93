// A Delivery is a factory's declared input: a member that names the type it needs and,
// optionally, the producer and delivery id that narrow the match. The pipeline fills it
// before the factory's read() runs.
//
//   class Report : public Factory<Summary> {
//     Delivery<std::vector<Order>> orders{this, {.producer = "OrdersFactory"}};
//     Delivery<double> fx_rate{this, {.id = "eur_usd", .optional = true}};
//     Summary process() override { return summarize(*orders, fx_rate.value_or(1.0)); }
//   };
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "setl/core/error.h"
#include "setl/core/type_name.h"
#include "setl/workflow/deliverable.h"

namespace setl::workflow {

class FactoryBase;
namespace detail {
class Composer;
}

struct DeliveryOptions {
  /// Name of the factory that must have produced the value (kExternalProducer for
  /// external inputs); empty accepts any producer.
  std::string producer;
  /// Delivery id the deliverable must carry; empty matches deliverables without an id.
  std::string id;
  /// When true, the input may stay empty if nothing matches.
  bool optional = false;
  /// When no factory or input offers the type, load it from a source of the Setl context
  /// that can (a Repository<T> for Dataset<T>, a Connector for Table), matched by id
  /// like any offer — SETL's `@Delivery(autoLoad = true)`.
  bool auto_load = false;
  /// With auto_load: a filter pushed into the source's scan ("year = 1995").
  std::string condition;
  /// The factory only writes to this delivered source (a connector it saves to): the
  /// source's version stays out of the factory's cache key, since the factory changes it.
  bool write_only = false;
};

/// The type-independent part of a Delivery, used by the dispatcher and the inspector.
class DeliveryBase {
 public:
  DeliveryBase(const DeliveryBase&) = delete;
  DeliveryBase& operator=(const DeliveryBase&) = delete;
  virtual ~DeliveryBase() = default;

  const TypeInfo& type() const noexcept { return *type_; }
  const DeliveryOptions& options() const noexcept { return options_; }
  const std::string& producer() const noexcept { return options_.producer; }
  const std::string& id() const noexcept { return options_.id; }
  bool optional() const noexcept { return options_.optional; }
  bool auto_load() const noexcept { return options_.auto_load; }
  const std::string& condition() const noexcept { return options_.condition; }
  bool write_only() const noexcept { return options_.write_only; }
  /// Position among the owning factory's inputs, in declaration order.
  size_t index() const noexcept { return index_; }
  /// For an alternative of a FirstOf input, the index of the group's first input.
  std::optional<size_t> first_of() const noexcept { return first_of_; }
  /// Whether that FirstOf may stay empty (the factory then runs without it).
  bool first_of_optional() const noexcept { return first_of_optional_; }
  const FactoryBase& owner() const noexcept { return *owner_; }

  bool has_value() const noexcept { return payload_ != nullptr; }
  /// Describes where the current value came from, e.g. "'OrdersFactory' -> ...".
  const std::string& source() const noexcept { return source_; }

  /// Rows of the delivered value — num_rows() of a Table or Dataset, size() of a container
  /// — for conditions such as `rows(orders) > 0`; nullopt when empty or T has neither.
  virtual std::optional<int64_t> row_count() const { return std::nullopt; }

  /// For an input left free by a composed fragment (see composition.h): the namespace its
  /// producer and id are looked up in first ("orders"); the lookup then falls back to each
  /// enclosing namespace, up to the root or, in strict mode, to strict_scope(). Empty for
  /// an input of an uncomposed pipeline or one bound inside its fragment.
  const std::string& scope() const noexcept { return scope_; }
  /// The last namespace a strict lookup may reach; nullopt: it may reach the root.
  const std::optional<std::string>& strict_scope() const noexcept { return floor_; }
  /// The producer and id as the factory's author wrote them, before composition renamed
  /// them (conditions such as rows(x) may use either).
  const std::string& written_producer() const noexcept { return written_producer_; }
  const std::string& written_id() const noexcept { return written_id_; }

  /// "input #0 std::vector<Order> (producer 'OrdersFactory', id 'orders')".
  std::string describe() const;

  /// Fills the input; with an auto-load condition, filters the value first (SETL applies
  /// the condition to a Dataset found in the pool too) unless `already_filtered` says the source
  /// already did. Throws: DeliveryError if the payload type differs from type(), or if
  /// there is a condition and T has no filter(const char*).
  void deliver(const Deliverable& deliverable, bool already_filtered = false);
  /// Empties the input.
  void clear() noexcept;

 protected:
  DeliveryBase(FactoryBase* owner, const TypeInfo& type, DeliveryOptions options);
  [[noreturn]] void throw_empty() const;
  /// The payload filtered by `condition`; the default cannot filter.
  virtual std::shared_ptr<const void> filtered(const std::shared_ptr<const void>& payload,
                                               const std::string& condition) const;

  std::shared_ptr<const void> payload_;

 private:
  template <class>
  friend class FirstOf;
  friend class detail::Composer;

  FactoryBase* owner_;
  const TypeInfo* type_;
  DeliveryOptions options_;
  size_t index_ = 0;
  std::optional<size_t> first_of_;
  bool first_of_optional_ = false;
  std::string source_;
  std::string written_producer_;
  std::string written_id_;
  std::string scope_;
  std::optional<std::string> floor_;
  // Bound inside its fragment: producer and id follow this factory through renames.
  const FactoryBase* bound_to_ = nullptr;
  bool bound_by_producer_ = true;
};

/// A value an auto-load condition can filter (Table, Dataset<T>).
template <class T>
concept FilterableByCondition = requires(const T& value, const std::string& condition) {
  { value.filter(condition.c_str()) } -> std::convertible_to<T>;
};

/// A typed input of a factory; declare it as a member initialised with `this`.
template <class T>
class Delivery : public DeliveryBase {
 public:
  explicit Delivery(FactoryBase* owner, DeliveryOptions options = {})
      : DeliveryBase(owner, type_info_of<T>(), std::move(options)) {}

  /// The delivered value. Throws: DeliveryError if nothing was delivered.
  const T& get() const {
    if (!payload_) {
      throw_empty();
    }
    return *static_cast<const T*>(payload_.get());
  }
  const T& operator*() const { return get(); }
  const T* operator->() const { return &get(); }
  explicit operator bool() const noexcept { return has_value(); }
  /// The delivered value, or `fallback` when an optional input stayed empty.
  const T& value_or(const T& fallback) const {
    return payload_ ? *static_cast<const T*>(payload_.get()) : fallback;
  }
  std::optional<int64_t> row_count() const override {
    if constexpr (requires(const T& value) { value.num_rows(); }) {
      return payload_ ? std::optional<int64_t>(static_cast<int64_t>(get().num_rows()))
                      : std::nullopt;
    } else if constexpr (requires(const T& value) { value.size(); }) {
      return payload_ ? std::optional<int64_t>(static_cast<int64_t>(get().size())) : std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  /// Shares ownership of the delivered value (null when empty).
  std::shared_ptr<const T> shared() const { return std::static_pointer_cast<const T>(payload_); }

 protected:
  std::shared_ptr<const void> filtered(const std::shared_ptr<const void>& payload,
                                       const std::string& condition) const override {
    if constexpr (FilterableByCondition<T>) {
      return std::make_shared<const T>(
          static_cast<const T*>(payload.get())->filter(condition.c_str()));
    } else {
      return DeliveryBase::filtered(payload, condition);
    }
  }
};

/// An input with several alternative producers, of which the first that ran delivers —
/// the join after a branch: `FirstOf<Scores> scores{this, {{.producer = "ModelA"},
/// {.producer = "ModelB"}}}`. Each alternative names a producer or a delivery id and
/// becomes an input of its own (in the DAG, the inspector and the cache key). The factory
/// waits until every alternative's producer reached a final state; then the first in the
/// order given that was not skipped delivers. If all were skipped the factory is skipped
/// too (with their reasons), unless `optional` is true: then it runs with nothing.
template <class T>
class FirstOf {
 public:
  FirstOf(FactoryBase* owner, std::vector<DeliveryOptions> alternatives, bool optional = false) {
    if (alternatives.size() < 2) {
      throw DeliveryError("a FirstOf<" + type_info_of<T>().name() +
                          "> needs at least two alternatives; with one, use a Delivery");
    }
    for (DeliveryOptions& alternative : alternatives) {
      if (alternative.producer.empty() && alternative.id.empty()) {
        throw DeliveryError("an alternative of a FirstOf<" + type_info_of<T>().name() +
                            "> names neither a producer nor an id; alternatives of one type "
                            "differ by where they come from");
      }
      if (alternative.optional || alternative.auto_load) {
        throw DeliveryError("an alternative of a FirstOf<" + type_info_of<T>().name() +
                            "> cannot be optional or auto-loaded: make the FirstOf optional");
      }
      alternatives_.push_back(std::make_unique<Delivery<T>>(owner, std::move(alternative)));
      alternatives_.back()->first_of_ = alternatives_.front()->index();
      alternatives_.back()->first_of_optional_ = optional;
    }
  }
  FirstOf(const FirstOf&) = delete;
  FirstOf& operator=(const FirstOf&) = delete;

  bool optional() const noexcept { return alternatives_.front()->first_of_optional(); }
  /// The alternatives, in order of preference.
  const std::vector<std::unique_ptr<Delivery<T>>>& alternatives() const noexcept {
    return alternatives_;
  }
  /// The alternative that delivered (null when none did).
  const Delivery<T>* taken() const noexcept {
    for (const auto& alternative : alternatives_) {
      if (alternative->has_value()) {
        return alternative.get();
      }
    }
    return nullptr;
  }
  bool has_value() const noexcept { return taken() != nullptr; }
  explicit operator bool() const noexcept { return has_value(); }
  /// The value of the first alternative that delivered. Throws: DeliveryError if none did.
  const T& get() const {
    const Delivery<T>* alternative = taken();
    return alternative != nullptr ? alternative->get() : alternatives_.front()->get();
  }
  const T& operator*() const { return get(); }
  const T* operator->() const { return &get(); }
  const T& value_or(const T& fallback) const {
    const Delivery<T>* alternative = taken();
    return alternative != nullptr ? alternative->get() : fallback;
  }

 private:
  std::vector<std::unique_ptr<Delivery<T>>> alternatives_;
};

}  // namespace setl::workflow
