// The Dispatcher decides, before anything runs, which offer fills each Delivery. An offer
// is an external input, a source registered in the Setl context (connector, repository,
// any resource), or a factory's output. SETL's and PySetl's rules, in this order:
//
//   | candidates (same type and id, consumer list admits the factory) | outcome          |
//   |------------------------------------------------------------------|------------------|
//   | exactly one                                                      | it (kOnlyMatch)  |
//   | several; the Delivery names a producer                           | that producer's  |
//   | several; no producer named; some are external inputs or sources | only those stay  |
//   |   (SETL's default producer is External)        (kPreferExternal) |                  |
//   | several still; exactly one's consumer list names the factory     | it (kNamedConsumer) |
//   | several still                                                    | ambiguous: error |
//   | none; auto_load; a source loads the type with the same id        | loaded (kAutoLoad) |
//   | none; optional                                                   | stays empty      |
//   | none                                                             | error            |
//
// A factory of stage k only receives offers of earlier stages (and unstaged factories,
// ordered by the dependency graph); a later-stage producer is reported as such.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "setl/core/type_name.h"

namespace setl::workflow {

/// Something that will be delivered.
struct Offer {
  enum class Kind { kExternal, kSource, kFactory };
  Kind kind = Kind::kFactory;
  /// Factory name; kExternalProducer for external inputs and sources.
  std::string producer;
  const TypeInfo* type = nullptr;
  std::string delivery_id;
  std::vector<std::string> consumers;
  /// Stage of a staged factory; nullopt for inputs, sources and unstaged factories.
  std::optional<size_t> stage;
  /// For a source: the type its auto-load produces (null when it cannot load).
  const TypeInfo* loads = nullptr;
  /// How messages name it: the factory, "source 'orders'", "external input #0".
  std::string label;

  bool is_external() const noexcept { return kind != Kind::kFactory; }
};

/// What a Delivery asks for.
struct Request {
  std::string consumer;
  /// Stage of a staged consumer; nullopt for an unstaged one.
  std::optional<size_t> stage;
  const TypeInfo* type = nullptr;
  std::string producer;
  std::string id;
  bool optional = false;
  /// Load from a source when nothing offers the type (SETL's autoLoad).
  bool auto_load = false;
  /// How the input is named in messages ("input #0 std::vector<Order>").
  std::string label;
};

/// Which row of the rule table decided a resolution.
enum class MatchRule { kNone, kOnlyMatch, kPreferExternal, kNamedConsumer, kAutoLoad };
std::string_view to_string(MatchRule rule);

/// The outcome for one request: the offer that fills it (none for an empty optional
/// input), or a problem explaining why it cannot be filled.
struct Resolution {
  std::optional<size_t> offer;
  /// True when the offer is a source whose auto-load fills the input.
  bool auto_load = false;
  MatchRule rule = MatchRule::kNone;
  std::string problem;
  bool ok() const { return problem.empty(); }
};

class Dispatcher {
 public:
  /// Registers an offer and returns its index.
  size_t add_offer(Offer offer);
  const std::vector<Offer>& offers() const noexcept { return offers_; }

  /// Resolves a request by the rule table above.
  Resolution resolve(const Request& request) const;
  /// The offers of the request's type, id and producer whose consumer lists admit it —
  /// what the table chooses from; empty when nothing offers it (a namespaced lookup then
  /// tries the next namespace out).
  std::vector<size_t> candidates(const Request& request) const;

 private:
  bool accepts(const Offer& offer, const Request& request) const;
  Resolution choose(const Request& request, std::vector<size_t> matches, MatchRule single) const;
  std::optional<Resolution> resolve_auto_load(const Request& request) const;
  std::string subject(const Request& request) const;
  std::string explain_missing(const Request& request) const;

  std::vector<Offer> offers_;
  // Indexes keep resolution O(matches) for pipelines of thousands of factories.
  std::unordered_map<std::string, std::vector<size_t>> by_type_and_id_;
  std::unordered_map<std::string, std::vector<size_t>> by_type_id_and_producer_;
  std::unordered_map<std::string, std::vector<size_t>> by_loaded_type_and_id_;
};

}  // namespace setl::workflow
