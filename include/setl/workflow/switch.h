// A Switch picks one of several cases by the value of a key; the factories of the other
// cases are skipped with the reason "switch 'load-mode' chose case 'full'". The key is an
// expression over the configuration (decided when the pipeline is planned, so what only
// the other cases read is not computed) or a C++ function evaluated once per run, when
// the run first reaches a case.
//
//   Switch& mode = pipeline.add_switch("load-mode", "config('load.mode', 'incremental')");
//   mode.when_equal("full").add<FullLoad>();
//   mode.when_equal("incremental").add<IncrementalLoad>();
//   mode.otherwise().add<NoLoad>();                    // else: no match fails the run
//
// Cases are exclusive: a factory that requires outputs of two cases of one switch can
// never run, and the Inspector reports it before the run; read them through a FirstOf
// (whichever case ran) or optional inputs. The run result records each switch's key and
// chosen case (RunResult::switches()).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "setl/workflow/factory.h"

namespace setl::workflow {

class Pipeline;

class Switch {
 public:
  /// What happens when the key matches no case and there is no otherwise().
  enum class NoMatch {
    kFail,  ///< the run fails, naming the switch, the key and the cases (the default)
    kSkip,  ///< every case is skipped
  };

  class Case {
   public:
    /// Adds a factory that runs only when this case is chosen; like an unstaged factory,
    /// it runs as soon as its inputs are ready.
    template <class F, class... Args>
    F& add(Args&&... args) {
      static_assert(std::is_base_of_v<FactoryBase, F>, "add<F>: F must derive from Factory<T>");
      auto factory = std::make_unique<F>(std::forward<Args>(args)...);
      F& added = *factory;
      add_owned(std::move(factory));
      return added;
    }
    /// The value it matches; "otherwise" for the default case.
    const std::string& label() const noexcept { return label_; }
    bool is_otherwise() const noexcept { return otherwise_; }
    const std::vector<std::unique_ptr<FactoryBase>>& factories() const noexcept {
      return factories_;
    }

   private:
    friend class Switch;
    Case(std::string label, bool otherwise) : label_(std::move(label)), otherwise_(otherwise) {}
    void add_owned(std::unique_ptr<FactoryBase> factory);

    std::string label_;
    bool otherwise_;
    std::vector<std::unique_ptr<FactoryBase>> factories_;
  };

  Switch(const Switch&) = delete;
  Switch& operator=(const Switch&) = delete;
  ~Switch();

  const std::string& name() const noexcept { return name_; }
  /// The key as written (the expression, or the function's description).
  const std::string& key() const noexcept;

  /// The case for `value` (added on first use). A key of another type matches by its
  /// text: 3 matches "3", true matches "true".
  Case& when_equal(std::string value);
  /// The case chosen when no other matches.
  Case& otherwise();
  Switch& on_no_match(NoMatch policy) noexcept;
  NoMatch no_match() const noexcept { return no_match_; }

  /// The cases in the order added (otherwise() last in matching, wherever added).
  const std::vector<std::unique_ptr<Case>>& cases() const noexcept { return cases_; }

 private:
  friend class Pipeline;
  friend class detail::FactoryRunner;
  friend class detail::Composer;
  Switch(std::string name, std::shared_ptr<const detail::ConditionSpec> key);

  std::string name_;
  std::shared_ptr<const detail::ConditionSpec> key_;
  NoMatch no_match_ = NoMatch::kFail;
  std::vector<std::unique_ptr<Case>> cases_;
  // How its key's configuration keys are scoped (see composition.h).
  std::vector<detail::ConfigLevel> config_levels_;
};

/// What a switch decided in a run.
struct SwitchOutcome {
  std::string name;
  /// The key's value as text; empty if the run never reached a case.
  std::string key;
  /// The chosen case's label ("otherwise" for the default); empty if none matched or the
  /// run never reached a case.
  std::string chosen;
};

}  // namespace setl::workflow
