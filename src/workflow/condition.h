// How conditions are held and bound. A ConditionSpec is what the user wrote (a C++
// predicate, an engine expression, or expression text); binding it at plan time parses
// the text, replaces configuration reads with their values and input reads with columns,
// and checks that it yields a bool — so every mistake is reported before anything runs.
// A bound condition that reads nothing but configuration is decided then and there.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "setl/core/config.h"
#include "setl/engine/expr.h"

namespace setl::workflow {
class FactoryBase;
}

namespace setl::workflow::detail {

struct ConditionSpec {
  /// What reports show: the text, the expression's text, or the predicate's description.
  std::string description;
  std::function<bool()> predicate;
  /// A switch's key computed in C++ (a switch's expression key is `text` or `expression`).
  std::function<std::string()> key_function;
  std::optional<engine::Expr> expression;
  /// Expression text, parsed when bound.
  std::string text;

  static std::shared_ptr<const ConditionSpec> of_predicate(std::string description,
                                                           std::function<bool()> predicate);
  /// Throws: ConfigError "<needed_by> needs a condition" for empty text.
  static std::shared_ptr<const ConditionSpec> of_text(std::string text,
                                                      const std::string& needed_by);
  static std::shared_ptr<const ConditionSpec> of_expression(const engine::Expr& expression);
  static std::shared_ptr<const ConditionSpec> of_key_function(
      std::string description, std::function<std::string()> key_function);

  /// The expression as written: `expression`, or `text` parsed on first use (each plan
  /// binds it again; parsing once is enough). Throws: ParseError for bad text.
  const engine::Expr& written() const;

 private:
  mutable std::once_flag parsed_once_;
  mutable std::optional<engine::Expr> parsed_;
  mutable std::exception_ptr parse_error_;
};

/// What rows(x) and delivered(x) may name: one entry per input of the owning factory.
struct ConditionInputs {
  /// names[i]: the names input i answers to (delivery id, producer, resolved producer).
  std::vector<std::vector<std::string>> names;
  /// Why inputs cannot be read at all (a stage or variant condition); empty if they can.
  std::string unavailable;
  /// The configuration key a key written in the condition means (composition scopes
  /// keys by namespace); unset: the key itself.
  std::function<std::string(std::string_view)> config_key;
};

/// An input a bound condition reads at run time.
struct InputRead {
  size_t delivery = 0;
  bool rows = false;  ///< rows(x); otherwise delivered(x)
};

struct BoundCondition {
  std::string description;
  std::function<bool()> predicate;
  std::optional<engine::Expr> expression;         ///< config replaced; input reads are columns
  engine::Schema columns;                         ///< one per InputRead
  std::optional<engine::RowEvaluator> evaluator;  ///< `expression` typed over `columns`
  std::vector<InputRead> reads;
  /// "key = value" for each configuration value read, for messages.
  std::vector<std::string> config_values;
  /// Known at plan time: the condition reads configuration only.
  std::optional<bool> decided;

  bool reads_inputs() const noexcept { return predicate != nullptr || !reads.empty(); }
  /// Evaluates the condition on `owner`'s delivered inputs (null for stage conditions).
  bool holds(const FactoryBase* owner) const;
};

/// A switch key bound: its value known at plan time (configuration only) or computed by
/// its function during the run.
struct BoundKey {
  std::string description;
  std::function<std::string()> function;
  std::optional<std::string> decided;
  std::vector<std::string> config_values;
};
/// Binds a switch key for `owner` ("switch 'mode'"); the key reads configuration only.
/// Throws: as bind_condition.
BoundKey bind_key(const ConditionSpec& spec, const std::string& owner, const Config& config,
                  std::function<std::string(std::string_view)> config_key = {});

/// The configuration keys an expression condition reads (config(k) and bare names), as
/// written; none for a C++ predicate or bad text.
std::vector<std::string> config_keys_of(const ConditionSpec& spec);

/// Binds `spec` for `owner` ("factory 'Load'"). Throws: ParseError with a caret for bad
/// text, ConfigError for a configuration key that is missing, SchemaError for an unknown
/// input or a condition that is not a bool — each message naming `owner`.
BoundCondition bind_condition(const ConditionSpec& spec, const std::string& owner,
                              const Config& config, const ConditionInputs& inputs);

}  // namespace setl::workflow::detail
