// The Dispatcher decides, before anything runs, which deliverable fills each Delivery.
// SETL/PySetl's rule: match by type, then narrow by producer and by delivery id; a
// deliverable with a consumer list only reaches those consumers. Zero matches for a
// required input, or more than one match, is a problem that names everything involved.
// An optional input stays empty when nothing earlier matches, even if a factory of the same
// or a later stage would.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "setl/core/type_name.h"

namespace setl::workflow {

/// Something that will be delivered: an external input or a factory's output.
struct Offer {
  std::string producer;
  const TypeInfo* type = nullptr;
  std::string delivery_id;
  std::vector<std::string> consumers;
  /// Stage that produces it; nullopt for external inputs (available before stage 0).
  std::optional<size_t> stage;
};

/// What a Delivery asks for.
struct Request {
  std::string consumer;
  size_t stage = 0;
  const TypeInfo* type = nullptr;
  std::string producer;
  std::string id;
  bool optional = false;
  /// How the input is named in messages ("input #0 std::vector<Order>").
  std::string label;
};

/// The outcome for one request: the offer that fills it (none for an empty optional
/// input), or a problem explaining why it cannot be filled.
struct Resolution {
  std::optional<size_t> offer;
  std::string problem;
  bool ok() const { return problem.empty(); }
};

class Dispatcher {
 public:
  /// Registers an offer and returns its index.
  size_t add_offer(Offer offer);
  const std::vector<Offer>& offers() const noexcept { return offers_; }

  /// Resolves a request against the offers of earlier stages and external inputs.
  Resolution resolve(const Request& request) const;

 private:
  bool accepts(const Offer& offer, const Request& request) const;
  std::string explain_missing(const Request& request) const;

  std::vector<Offer> offers_;
  // Indexes keep resolution O(matches) for pipelines of thousands of factories.
  std::unordered_map<std::string, std::vector<size_t>> by_producer_;
  std::unordered_map<std::string, std::vector<size_t>> by_type_and_id_;
};

}  // namespace setl::workflow
