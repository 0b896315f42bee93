// An experiment runs a candidate next to a control on the same inputs — GitHub's
// Scientist pattern for a pipeline step: downstream always gets the control's output;
// the candidate runs after it, its exceptions are captured instead of failing the run,
// both timings and memory peaks are recorded, a comparator counts the mismatches, and
// each run's outcome goes to a sink and into RunResult::experiments().
//
//   Experiment<Table>& dedupe = pipeline.add_experiment<Table>("dedupe-v2");
//   dedupe.control<Dedupe>();                       // what consumers receive
//   dedupe.candidate<DedupeV2>();                   // compared, never delivered
//   dedupe.compare(table_comparator({.keys = {"id"}, .tolerance = 1e-9}))
//       .sample_percent(25)                         // the candidate runs in 25 % of runs
//       .publish([](const ExperimentOutcome& o) { log(o.to_string()); });
//
// The configuration key `experiments.<name>.enabled: false` switches the candidate off
// without a code change.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "setl/workflow/benchmark.h"
#include "setl/workflow/factory.h"

namespace setl::workflow {

/// The differences a comparator found: how many, and a few described.
struct Mismatches {
  int64_t count = 0;
  /// At most a comparator's detail limit: "key (7): column total: 10 vs 11".
  std::vector<std::string> details;
};

/// What one experiment did in one run.
struct ExperimentOutcome {
  std::string name;
  std::string control;  ///< factory names
  std::string candidate;
  /// True when the candidate ran to the end (not disabled, sampled out, skipped or failed).
  bool candidate_ran = false;
  /// Why the candidate did not run ("" when it did, or failed).
  std::string candidate_skipped;
  /// What the candidate threw ("" when it did not).
  std::string candidate_error;
  /// What the comparator threw ("" when it did not).
  std::string comparator_error;
  Duration control_time{0};
  Duration candidate_time{0};
  int64_t control_peak_bytes = 0;
  int64_t candidate_peak_bytes = 0;
  /// Set when both ran and the comparator returned.
  bool compared = false;
  Mismatches mismatches;

  /// One line: "experiment 'x': 3 mismatch(es); control 12.1 ms, candidate 9.8 ms".
  std::string to_string() const;
};

/// The type-independent part of an experiment.
class ExperimentBase {
 public:
  ExperimentBase(const ExperimentBase&) = delete;
  ExperimentBase& operator=(const ExperimentBase&) = delete;
  virtual ~ExperimentBase();

  const std::string& name() const noexcept { return name_; }
  /// Null until set.
  FactoryBase* control_factory() const noexcept { return control_.get(); }
  FactoryBase* candidate_factory() const noexcept { return candidate_.get(); }
  /// The share of runs in which the candidate runs (100 by default); the draw is a hash
  /// of the seed and the run's number, so a sequence of runs is reproducible.
  ExperimentBase& sample_percent(double percent, uint64_t seed = 0);
  double sampled_percent() const noexcept { return percent_; }
  /// Samples by a key instead of by run: the candidate runs when a stable hash of the
  /// run's key (a date, a tenant, a partition — `key` computes it when the run reaches the
  /// candidate) falls in the first `percent` of the hash space, so one key is always in or
  /// always out, on every machine.
  ExperimentBase& sample_by_key(std::function<std::string()> key, double percent);
  /// Receives every run's outcome (called after the run, on the thread that ran it; what
  /// it throws is logged, not rethrown).
  ExperimentBase& publish(std::function<void(const ExperimentOutcome&)> sink);
  const std::function<void(const ExperimentOutcome&)>& sink() const noexcept { return sink_; }
  /// The configuration key that switches the candidate off: experiments.<name>.enabled.
  std::string enabled_key() const { return "experiments." + name_ + ".enabled"; }

  /// Compares the outputs of the control and the candidate (both have run).
  virtual Mismatches compare_outputs(const FactoryBase& control,
                                     const FactoryBase& candidate) const = 0;

 protected:
  explicit ExperimentBase(std::string name);
  void set_control(std::unique_ptr<FactoryBase> control);
  void set_candidate(std::unique_ptr<FactoryBase> candidate);

 private:
  friend class detail::Composer;
  // The candidate's run condition: enabled by the configuration and sampled in this run.
  bool candidate_runs(const FactoryBase& candidate);

  std::string name_;
  std::unique_ptr<FactoryBase> control_;
  std::unique_ptr<FactoryBase> candidate_;
  double percent_ = 100;
  uint64_t seed_ = 0;
  std::function<std::string()> sample_key_;
  std::atomic<uint64_t> runs_{0};
  std::function<void(const ExperimentOutcome&)> sink_;
};

/// An experiment over factories producing a T.
template <class T>
class Experiment : public ExperimentBase {
 public:
  /// Returns the differences between two outputs; the default counts one when they are
  /// not equal (T needs ==).
  using Comparator = std::function<Mismatches(const T& control, const T& candidate)>;

  explicit Experiment(std::string name) : ExperimentBase(std::move(name)) {}

  /// The control: a factory like any other; consumers of a T receive its output.
  template <class F, class... Args>
  F& control(Args&&... args) {
    static_assert(std::is_base_of_v<Factory<T>, F>, "control<F>: F must derive from Factory<T>");
    auto factory = std::make_unique<F>(std::forward<Args>(args)...);
    F& added = *factory;
    set_control(std::move(factory));
    return added;
  }
  /// The candidate: its inputs are declared like the control's; its output goes nowhere
  /// but to the comparator.
  template <class F, class... Args>
  F& candidate(Args&&... args) {
    static_assert(std::is_base_of_v<Factory<T>, F>, "candidate<F>: F must derive from Factory<T>");
    auto factory = std::make_unique<F>(std::forward<Args>(args)...);
    F& added = *factory;
    set_candidate(std::move(factory));
    return added;
  }
  Experiment& compare(Comparator comparator) {
    comparator_ = std::move(comparator);
    return *this;
  }
  Experiment& sample_percent(double percent, uint64_t seed = 0) {
    ExperimentBase::sample_percent(percent, seed);
    return *this;
  }
  Experiment& sample_by_key(std::function<std::string()> key, double percent) {
    ExperimentBase::sample_by_key(std::move(key), percent);
    return *this;
  }
  Experiment& publish(std::function<void(const ExperimentOutcome&)> sink) {
    ExperimentBase::publish(std::move(sink));
    return *this;
  }

  Mismatches compare_outputs(const FactoryBase& control,
                             const FactoryBase& candidate) const override {
    const T& a = static_cast<const Factory<T>&>(control).get();
    const T& b = static_cast<const Factory<T>&>(candidate).get();
    if (comparator_) {
      return comparator_(a, b);
    }
    if constexpr (std::equality_comparable<T>) {
      return a == b ? Mismatches{} : Mismatches{1, {"the outputs differ"}};
    } else {
      throw StateError("experiment '" + name() + "': " + type_info_of<T>().name() +
                       " has no ==; give the experiment a comparator with compare()");
    }
  }

 private:
  Comparator comparator_;
};

}  // namespace setl::workflow
