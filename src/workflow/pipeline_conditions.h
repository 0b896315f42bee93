// A pipeline's conditions, bound once its DAG is known: build-time variants are selected
// (exactly one per output), and every factory and stage condition is parsed and checked
// against the configuration and the factory's resolved inputs. The Inspector reports the
// problems with the others; a run evaluates the bound conditions.
#pragma once

#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "condition.h"
#include "run_planner.h"
#include "setl/workflow/dag.h"
#include "setl/workflow/pipeline.h"

namespace setl::workflow::detail {

struct VariantSelection {
  /// Variants whose condition does not hold: they take no part in the pipeline.
  std::set<const FactoryBase*> left_out;
  std::vector<std::string> problems;
};

/// Groups the factories with when() by output type and delivery id and keeps, in each
/// group, those whose condition holds (a problem unless exactly one does).
VariantSelection select_variants(const std::vector<Pipeline::Member>& members,
                                 const Config& config);

/// A switch in one run: its bound key and, once decided, the case it chose.
class SwitchRun {
 public:
  SwitchRun(const Switch& definition, BoundKey key);
  /// Decides once (thread-safe); later calls return the same. Throws what the key's
  /// function threw, to every caller.
  void decide();
  const std::string& name() const noexcept { return name_; }
  const std::string& label(size_t index) const { return labels_.at(index); }
  const std::vector<std::string>& labels() const noexcept { return labels_; }
  Switch::NoMatch no_match() const noexcept { return no_match_; }
  /// Before decide(): known only for a key decided at plan time.
  bool decided() const noexcept { return decided_; }
  const std::string& value() const noexcept { return value_; }
  const std::optional<size_t>& chosen() const noexcept { return chosen_; }
  /// "key = value" for each configuration value the key read.
  const std::vector<std::string>& config_values() const noexcept { return key_.config_values; }
  /// "key 'v' matches no case ('a', 'b')".
  std::string no_case_message() const;

 private:
  void choose(std::string value);

  std::string name_;
  BoundKey key_;
  std::vector<std::string> labels_;
  std::optional<size_t> otherwise_;
  Switch::NoMatch no_match_;
  std::once_flag once_;
  bool decided_ = false;
  std::string value_;
  std::optional<size_t> chosen_;
  std::exception_ptr error_;
};

struct CaseOf {
  size_t switch_index = 0;
  size_t case_index = 0;
};

struct PipelineConditions {
  std::vector<std::optional<BoundCondition>> factories;  ///< by member
  std::vector<std::optional<BoundCondition>> stages;     ///< by stage index
  std::vector<std::unique_ptr<SwitchRun>> switches;      ///< null where the key failed to bind
  std::vector<std::optional<CaseOf>> cases;              ///< by member
  std::vector<std::string> problems;
};

/// Binds every run condition of `members` (nodes from `first_factory` on in `dag`) and of
/// `stages`. A condition that fails to bind is left out, with a problem saying why.
PipelineConditions bind_conditions(const Dag& dag, size_t first_factory,
                                   const std::vector<Pipeline::Member>& members,
                                   const Pipeline& pipeline, const Config& config);

/// Factories that require outputs of two cases of one switch: they can never run.
std::vector<std::string> exclusive_join_problems(const Dag& dag, size_t first_factory,
                                                 const PipelineConditions& conditions);

/// Which members the bound conditions guard during the run, and which they skip before it.
ConditionPlan plan_conditions(const Dag& dag, size_t first_factory,
                              const std::vector<Pipeline::Member>& members,
                              const PipelineConditions& conditions);

/// The configuration conditions read: the context's, or an empty one.
const Config& condition_config(const Pipeline& pipeline);

/// The configuration keys the conditions, variant conditions and switch keys read, as
/// their namespaces resolve them.
std::vector<std::string> config_keys_read(const Pipeline& pipeline);

}  // namespace setl::workflow::detail
