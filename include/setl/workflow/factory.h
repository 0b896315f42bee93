// A Factory reads its inputs, processes them into one typed output, optionally writes it
// somewhere, and hands it over (get()) to the factories that depend on it. This is SETL's
// and PySetl's Factory[T]: override process() (required), read() and write() (optional).
//
//   class OrdersFactory : public setl::workflow::Factory<std::vector<Order>> {
//     std::vector<Order> process() override { return load_orders(); }
//   };
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "setl/core/error.h"
#include "setl/core/type_name.h"
#include "setl/workflow/deliverable.h"
#include "setl/workflow/delivery.h"
#include "setl/workflow/result_cache.h"
#include "setl/workflow/retry.h"

namespace setl::engine {
class Expr;
}

namespace setl::workflow {

class Setl;
namespace detail {
class FactoryRunner;
class Composer;
struct ConditionSpec;
/// One level of composition a factory went through (see composition.h): inside it, a
/// configuration key `k` is `renames[k]`, or `k` itself if it is one of `globals`, or else
/// `ns.k` — all as seen from the enclosing level.
struct ConfigLevel {
  std::string ns;
  std::map<std::string, std::string> renames;
  std::vector<std::string> globals;
};
/// The key `key` means after the levels (innermost first) of a composition.
std::string resolve_config_key(const std::vector<ConfigLevel>& levels, std::string_view key);
}  // namespace detail

/// Returns the default name of a factory type, the one producers are matched by:
/// the class name without namespaces ("OrdersFactory").
template <class F>
std::string producer_name() {
  return unqualified_type_name(typeid(F));
}
/// Names a producer by its type: `Delivery<Orders> orders{this, {.producer =
/// producer<OrdersFactory>()}}`. The same as producer_name<F>().
template <class F>
std::string producer() {
  return producer_name<F>();
}

/// The type-independent part of every factory.
class FactoryBase {
 public:
  FactoryBase(const FactoryBase&) = delete;
  FactoryBase& operator=(const FactoryBase&) = delete;
  virtual ~FactoryBase() = default;

  /// The factory's name: set_name()'s value, or the class name without namespaces.
  /// Names are unique within a pipeline; consumers name producers by it.
  const std::string& name() const;
  FactoryBase& set_name(std::string name);

  /// Whether write() runs (default true); a non-writable stage also skips it.
  bool writable() const noexcept { return writable_; }
  FactoryBase& set_writable(bool writable) noexcept;
  /// In a distributed run (Pipeline::set_distributed) write() runs on rank 0 only, as a
  /// factory's result is the same on every rank (collect() gathers it). A factory whose
  /// write() is collective — each rank writes its part, as PartitionedConnector::
  /// write_parts does — sets this to run it on every rank.
  bool writes_on_every_rank() const noexcept { return writes_on_every_rank_; }
  FactoryBase& set_writes_on_every_rank(bool every_rank = true) noexcept;
  /// In a distributed run, the factory runs on rank 0 alone (it calls a service, reads a
  /// small local file...) and its output goes to every other rank through the pipeline's
  /// transfer_codecs(). Elsewhere it makes no difference.
  bool single_rank() const noexcept { return single_rank_; }
  FactoryBase& set_single_rank(bool single = true) noexcept;

  /// Delivery id attached to the output; only Deliveries with the same id receive it.
  const std::string& delivery_id() const noexcept { return delivery_id_; }
  FactoryBase& set_delivery_id(std::string id);

  /// Factory names allowed to receive the output; empty means all.
  const std::vector<std::string>& consumers() const noexcept { return consumers_; }
  FactoryBase& set_consumers(std::vector<std::string> consumers);

  /// How the output is cached; see setl/workflow/result_cache.h. Without
  /// set_cache_policy() the pipeline's default applies (off unless configured).
  const CachePolicy& cache_policy() const noexcept { return cache_policy_; }
  bool has_cache_policy() const noexcept { return has_cache_policy_; }
  FactoryBase& set_cache_policy(CachePolicy policy) noexcept;
  /// The most memory this factory's work may reserve (bytes; 0: only the run's budget
  /// applies). Its operators spill to stay below it; what cannot fails the factory with
  /// MemoryBudgetExceeded. The configuration's memory.max_memory.<name> overrides it.
  int64_t max_memory() const noexcept { return max_memory_; }
  FactoryBase& set_max_memory(int64_t bytes);
  /// Retries of every phase, or of one (retry.h); they override the stage's and the
  /// pipeline's. Throws: ConfigError for an invalid policy.
  FactoryBase& retry(RetryPolicy policy);
  FactoryBase& retry(FactoryPhase phase, RetryPolicy policy);
  /// How long every phase, or one, may take; a phase still running then is cancelled and
  /// fails with TimeoutError (which the default policies retry). Throws: ConfigError
  /// unless positive.
  FactoryBase& timeout(std::chrono::nanoseconds limit);
  FactoryBase& timeout(FactoryPhase phase, std::chrono::nanoseconds limit);
  const FailurePolicies& failure_policies() const noexcept { return failure_; }
  /// Constructor parameters and configuration values that affect the output, as text;
  /// part of the cache key (empty by default).
  virtual std::string cache_parameters() const { return {}; }
  /// Fingerprints of what read() and process() load from outside their deliveries; part
  /// of the cache key. Delivered sources (connectors, repositories from the Setl context)
  /// are deliveries: their fingerprints are in the key already.
  /// Default: std::nullopt, "unknown", so the output is never cached by accident — unless
  /// set_reads_only_deliveries() declared that the factory reads nothing else. A factory
  /// that still reads resources through context() during a run is not cached either.
  virtual std::optional<std::vector<std::string>> source_fingerprints() const {
    return declared_sources_;
  }
  /// Declares that read() and process() use nothing but the delivered inputs, so the
  /// output may be cached when its policy says so.
  FactoryBase& set_reads_only_deliveries(bool only = true);

  /// Order-only dependencies: this factory runs after the named factories, without
  /// receiving their outputs (e.g. it reads files they write). Their cache keys enter
  /// this factory's key, so a rerun of theirs invalidates it.
  template <class F>
  FactoryBase& depends_on() {
    return depends_on(producer_name<F>());
  }
  FactoryBase& depends_on(std::string factory_name);
  const std::vector<std::string>& order_dependencies() const noexcept { return after_; }

  /// On a cache hit of a writable factory: true if the destination lacks the output (say,
  /// the file was deleted), so that write() runs again with the cached output. Default false.
  virtual bool output_missing_at_destination() const { return false; }

  /// A run-time condition: checked when the run reaches the factory — after every
  /// upstream reached a final state and the inputs were delivered — so `predicate` may
  /// read the factory's deliveries and the configuration. False skips the factory: it does
  /// not read, process or write and nothing is cached for it; a consumer whose required
  /// input it produces is skipped in turn (with the reason chain), an optional input of
  /// it stays empty, and an order-only dependant (depends_on) runs. `description` names
  /// the condition in the run report. An exception from the predicate fails the factory.
  ///
  ///   load.run_if("changes has rows", [&load] { return load.changes->num_rows() > 0; });
  FactoryBase& run_if(std::string description, std::function<bool()> predicate);
  /// A run-time condition as expression text over the configuration and the inputs'
  /// metadata (see setl/workflow/condition.h), parsed when the pipeline is planned:
  /// `run_if("rows(changes) > 0 and env = 'prod'")`. A condition that reads only the
  /// configuration is decided before the run, so the factories only it needed do not run.
  FactoryBase& run_if(std::string expression);
  /// The same, built in C++: `run_if(input_rows("changes") > 0)`.
  FactoryBase& run_if(const engine::Expr& expression);
  bool has_run_condition() const noexcept { return run_condition_ != nullptr; }
  /// What a run-time condition that throws — a decision service down, a rules table
  /// missing — does: fail the factory (the default), skip it, or run it. Its answer,
  /// latency and error are in FactoryOutcome::condition either way.
  enum class OnConditionFailure { kFail, kSkip, kRun };
  FactoryBase& on_condition_failure(OnConditionFailure policy) noexcept {
    on_condition_failure_ = policy;
    return *this;
  }
  OnConditionFailure condition_failure_policy() const noexcept { return on_condition_failure_; }
  /// The condition's description or text ("" without one).
  const std::string& run_condition() const noexcept;

  /// Makes the factory a build-time variant: of the factories with when() that produce the
  /// same output type with the same delivery id, exactly the one whose condition holds
  /// for the configuration takes part in the pipeline; the others are left out of its
  /// DAG, inspector and cache keys. None or several holding is a plan error listing every
  /// candidate. The condition reads configuration only:
  /// `when(config("region") == "US")` or `when("region = 'US'")`.
  FactoryBase& when(std::string expression);
  FactoryBase& when(const engine::Expr& expression);
  bool is_variant() const noexcept { return variant_condition_ != nullptr; }
  /// The variant's condition ("" for a factory that is not a variant).
  const std::string& variant_condition() const noexcept;

  /// The namespace composition put the factory in ("orders", "eu.orders"); empty at the
  /// root. See setl/workflow/composition.h.
  const std::string& namespace_path() const noexcept { return namespace_; }
  /// The configuration key that `key` means for this factory: inside namespace "orders",
  /// "threshold" is "orders.threshold", unless the composition renamed it (params) or
  /// declared it global. Conditions read configuration through it; so should read().
  std::string config_key(std::string_view key) const;

  /// The library component it was instantiated from ("ingest/csv@1.2.0#a1b2..."; see
  /// registry.h); empty otherwise. Part of the cache key and the run report.
  const std::string& component() const noexcept { return component_; }

  /// Named parameters (a registered factory's typed parameters, a template's settings):
  /// part of the cache key, printed by describe() and compared by diff(). Setting one
  /// again replaces it.
  FactoryBase& set_param(std::string name, std::string value);
  const std::map<std::string, std::string>& params() const noexcept { return params_; }
  /// A parameter's text. Throws: ConfigError if it is not set (with the closest name).
  const std::string& param(std::string_view name) const;
  /// A parameter's text, or `fallback` when it is not set.
  std::string param_or(std::string_view name, std::string fallback) const;

  /// Tags of the factory's job group, for cancel_job_groups_by_tag() and monitoring.
  const std::vector<std::string>& tags() const noexcept { return tags_; }
  FactoryBase& set_tags(std::vector<std::string> tags);

  /// A string the author changes whenever the factory's logic changes; part of the
  /// result-cache key. Empty by default.
  virtual std::string code_version() const { return {}; }

  virtual const TypeInfo& output_type() const = 0;
  /// True once process() returned in the latest run.
  virtual bool has_output() const noexcept = 0;
  /// The output as a deliverable carrying this factory's name, delivery id and consumers.
  /// Throws: StateError if the factory has not produced its output.
  virtual Deliverable deliverable() const = 0;

  /// The declared inputs, in declaration order.
  const std::vector<DeliveryBase*>& deliveries() const noexcept { return deliveries_; }

  /// The Setl context of the pipeline running this factory.
  /// Throws: StateError when the factory is not run by a pipeline created from a context.
  const Setl& context() const;
  bool has_context() const noexcept { return context_ != nullptr; }

 protected:
  FactoryBase() = default;

  /// Loads what process() needs beyond the delivered inputs. Runs after delivery.
  virtual void read() {}
  /// Persists the output; runs after process() when the factory and its stage are writable.
  virtual void write() {}

  [[noreturn]] void throw_not_produced() const;

 private:
  friend class DeliveryBase;
  friend class detail::FactoryRunner;
  friend class detail::Composer;

  virtual void run_process() = 0;
  virtual void reset_output() noexcept = 0;
  // For the result cache.
  virtual std::shared_ptr<const void> output_payload() const noexcept = 0;
  virtual void restore_output(std::shared_ptr<const void> payload) noexcept = 0;
  virtual int64_t output_bytes() const noexcept = 0;
  virtual int64_t payload_bytes(const std::shared_ptr<const void>& payload) const noexcept = 0;

  mutable std::string name_;
  bool writable_ = true;
  bool writes_on_every_rank_ = false;
  bool single_rank_ = false;
  std::string delivery_id_;
  std::vector<std::string> consumers_;
  std::vector<std::string> tags_;
  CachePolicy cache_policy_;
  bool has_cache_policy_ = false;
  int64_t max_memory_ = 0;
  FailurePolicies failure_;
  std::vector<DeliveryBase*> deliveries_;
  std::vector<std::string> after_;
  std::optional<std::vector<std::string>> declared_sources_;
  std::shared_ptr<const detail::ConditionSpec> run_condition_;
  OnConditionFailure on_condition_failure_ = OnConditionFailure::kFail;
  std::shared_ptr<const detail::ConditionSpec> variant_condition_;
  const Setl* context_ = nullptr;
  std::string namespace_;
  std::map<std::string, std::string> params_;
  // Innermost first.
  std::vector<detail::ConfigLevel> config_levels_;
  // Position in a chain of `>>` compositions: a free input binds to the latest producer.
  size_t chain_rank_ = 0;
  // Set by Pipeline::replace: the name is another factory's, so the class enters the key.
  bool took_over_name_ = false;
  std::string component_;
  // Set when the latest run looked a resource up through context(): such a factory reads
  // something its cache key cannot see.
  std::atomic<bool> used_context_resources_{false};
};

/// A factory whose output is a T (any movable C++ type).
template <class T>
class Factory : public FactoryBase {
 public:
  using Output = T;

  const TypeInfo& output_type() const final { return type_info_of<T>(); }
  bool has_output() const noexcept final { return output_ != nullptr; }

  /// The output of the latest run. Throws: StateError before the factory has run.
  const T& get() const {
    if (!output_) {
      throw_not_produced();
    }
    return *output_;
  }
  /// Shares ownership of the output (null before the factory has run).
  std::shared_ptr<const T> shared_output() const noexcept { return output_; }

  Deliverable deliverable() const final {
    if (!output_) {
      throw_not_produced();
    }
    return Deliverable(output_,
                       {.producer = name(), .id = delivery_id(), .consumers = consumers()});
  }

 protected:
  /// Computes the output from the delivered inputs and what read() loaded.
  virtual T process() = 0;

 private:
  void run_process() final { output_ = std::make_shared<const T>(process()); }
  void reset_output() noexcept final { output_.reset(); }
  std::shared_ptr<const void> output_payload() const noexcept final { return output_; }
  void restore_output(std::shared_ptr<const void> payload) noexcept final {
    output_ = std::static_pointer_cast<const T>(std::move(payload));
  }
  int64_t output_bytes() const noexcept final { return payload_bytes(output_); }
  // Tables and other types with memory_size() report their buffers; others their size.
  int64_t payload_bytes(const std::shared_ptr<const void>& payload) const noexcept final {
    if (!payload) {
      return 0;
    }
    const T& value = *static_cast<const T*>(payload.get());
    if constexpr (requires { value.memory_size(); }) {
      return static_cast<int64_t>(value.memory_size());
    } else {
      return static_cast<int64_t>(sizeof(T));
    }
  }

  std::shared_ptr<const T> output_;
};

}  // namespace setl::workflow
