// The planning half of a pipeline run: each factory's cache key (chained down the DAG),
// which factories the targets need, and for each whether it runs, is served from the
// cache, or is decided when it is reached (an upstream factory will run first, which may
// change what it reads). Pure decisions: nothing here runs a factory.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "setl/workflow/cache_key.h"
#include "setl/workflow/dag.h"
#include "setl/workflow/pipeline.h"
#include "setl/workflow/run_journal.h"
#include "setl/workflow/tiered_cache.h"

namespace setl::workflow::detail {

struct PlannedFactory {
  /// kResumed: succeeded in the run being resumed, unchanged, and nothing that runs now
  /// reads its output: it is not run again.
  enum class Action { kSkip, kRun, kRestore, kDecideLater, kResumed };
  FactoryBase* factory = nullptr;
  size_t node = 0;  ///< in the Dag
  std::optional<size_t> stage;
  CachePolicy policy;
  bool cache_on = false;  ///< a tier of the policy's mode is present and can hold the type
  CacheKeyParts parts;
  CacheDecision decision;
  Action action = Action::kSkip;
  std::shared_ptr<const void> hit;  ///< the cached output, for kRestore
  /// What identifies its work for the run journal: the key parts with unversioned parts
  /// included, chained through the identities of its producers (only with a journal).
  CacheKeyParts identity;
  /// For kResumed: the run whose result stands, and the action it had before.
  std::string from_run;
  Action resumed_over = Action::kRun;
  /// Members (indices into the plan) whose output or completion this one needs.
  std::vector<size_t> dependencies;
};

/// The current fingerprints of the sources, computed once and again after any factory
/// ran (a factory may write what a source reads). Thread-safe.
class SourceVersions {
 public:
  explicit SourceVersions(const std::vector<Source>& sources);
  /// "" when the source has no fingerprint (its consumers are then uncacheable).
  std::string version(size_t source);
  void invalidate();

 private:
  const std::vector<Source>& sources_;
  std::mutex mutex_;
  std::vector<std::optional<std::string>> memo_;
};

/// What the run's conditions mean for planning, by member.
struct ConditionPlan {
  /// Its own or its stage's condition is decided only when the run reaches it.
  std::vector<bool> decided_late;
  /// A condition decided before the run skips it (its own, its stage's, or one of a
  /// producer of a required input): its producers are not computed for it.
  std::vector<bool> skipped_before_run;
};

/// True if every rank says yes (a collective).
bool every_rank(Communicator& ranks, bool yes);

class RunPlanner {
 public:
  RunPlanner(const Dag& dag, std::vector<Pipeline::Member> members,
             const std::vector<Deliverable>& inputs, const std::vector<Source>& sources,
             TieredCache& cache, const CachePolicy& default_policy, ConditionPlan conditions,
             Communicator* ranks = nullptr);

  /// Plans a run of `targets` (all factories when empty). With `load`, cache hits are read
  /// now, so that a corrupt entry becomes a miss before its producers are skipped.
  /// Throws: DeliveryError for an unknown target.
  std::vector<PlannedFactory> plan(const std::vector<std::string>& targets, bool load,
                                   SourceVersions& versions, const std::string& pipeline_name);

  /// The key of member `m` from the keys its dependencies have now.
  CacheKeyParts key_of(size_t m, const std::vector<PlannedFactory>& plan,
                       SourceVersions& versions) const;

  /// Fills every member's identity (for the run journal and for resuming).
  void identify(std::vector<PlannedFactory>& plan, SourceVersions& versions) const;
  /// Member `m`'s identity from its producers' identities and the sources' versions now
  /// (taken again when it starts: a factory before it may have written what it reads).
  CacheKeyParts identity_of(size_t m, const std::vector<PlannedFactory>& plan,
                            SourceVersions& versions) const;
  /// Resuming `before`: members that succeeded then and whose identity is unchanged become
  /// kResumed unless a member that runs reads their output. Returns what the resume has to
  /// say: what changed, and why a succeeded member runs again.
  std::vector<std::string> resume(const JournaledRun& before,
                                  std::vector<PlannedFactory>& plan) const;

  size_t first_factory() const noexcept { return first_factory_; }
  const Dag& dag() const noexcept { return dag_; }

 private:
  void decide(size_t m, std::vector<PlannedFactory>& plan, bool load);
  // What member `m`'s key is made of; `identity` chains producers' identities instead of
  // their cache keys.
  CacheKeyInputs key_inputs(size_t m, const std::vector<PlannedFactory>& plan,
                            SourceVersions& versions, bool identity) const;
  // The members the run starts from: the targets, or every member that is not only read by
  // members skipped before the run.
  std::vector<size_t> needed_by(const std::vector<std::string>& targets,
                                const std::vector<PlannedFactory>& plan,
                                const std::string& pipeline_name) const;

  bool skipped_before_run(size_t m) const {
    return m < conditions_.skipped_before_run.size() && conditions_.skipped_before_run[m];
  }

  const Dag& dag_;
  std::vector<Pipeline::Member> members_;
  const std::vector<Deliverable>& inputs_;
  TieredCache& cache_;
  CachePolicy default_policy_;
  ConditionPlan conditions_;
  size_t first_factory_;
  // A distributed run's ranks: keys name the rank, and a hit counts only on every rank.
  Communicator* ranks_;
};

}  // namespace setl::workflow::detail
