#include "setl/workflow/dispatcher.h"

#include <algorithm>

namespace setl::workflow {
namespace {

std::string type_and_id_key(const TypeInfo& type, const std::string& id) {
  std::string key = std::to_string(type.index().hash_code());
  key += '\x1f';
  key += id;
  return key;
}

std::string stage_text(const Offer& offer) {
  return offer.stage ? "stage " + std::to_string(*offer.stage) : std::string("external input");
}

std::string offer_text(const Offer& offer) {
  std::string text = "'" + offer.producer + "' (" + stage_text(offer);
  if (!offer.delivery_id.empty()) {
    text += ", id '" + offer.delivery_id + "'";
  }
  return text + ")";
}

bool comes_before(const Offer& offer, const Request& request) {
  return !offer.stage || *offer.stage < request.stage;
}

}  // namespace

size_t Dispatcher::add_offer(Offer offer) {
  size_t index = offers_.size();
  by_producer_[offer.producer].push_back(index);
  by_type_and_id_[type_and_id_key(*offer.type, offer.delivery_id)].push_back(index);
  offers_.push_back(std::move(offer));
  return index;
}

bool Dispatcher::accepts(const Offer& offer, const Request& request) const {
  if (!(*offer.type == *request.type) || offer.delivery_id != request.id ||
      offer.producer == request.consumer) {
    return false;
  }
  if (!request.producer.empty() && offer.producer != request.producer) {
    return false;
  }
  return offer.consumers.empty() || std::find(offer.consumers.begin(), offer.consumers.end(),
                                              request.consumer) != offer.consumers.end();
}

Resolution Dispatcher::resolve(const Request& request) const {
  const std::vector<size_t>* candidates = nullptr;
  if (!request.producer.empty()) {
    auto found = by_producer_.find(request.producer);
    candidates = found == by_producer_.end() ? nullptr : &found->second;
  } else {
    auto found = by_type_and_id_.find(type_and_id_key(*request.type, request.id));
    candidates = found == by_type_and_id_.end() ? nullptr : &found->second;
  }

  std::vector<size_t> earlier;
  std::vector<size_t> later;
  if (candidates != nullptr) {
    for (size_t index : *candidates) {
      const Offer& offer = offers_[index];
      if (accepts(offer, request)) {
        (comes_before(offer, request) ? earlier : later).push_back(index);
      }
    }
  }

  std::string subject = "factory '" + request.consumer + "' (stage " +
                        std::to_string(request.stage) + ") " + request.label;
  if (earlier.size() == 1) {
    return {earlier.front(), {}};
  }
  if (earlier.size() > 1) {
    std::string names;
    for (size_t index : earlier) {
      names += (names.empty() ? "" : ", ") + offer_text(offers_[index]);
    }
    return {std::nullopt,
            subject + ": " + std::to_string(earlier.size()) + " deliverables match: " + names +
                "; disambiguate with .producer = \"<factory name>\" in the Delivery, or give "
                "the producers distinct delivery ids (set_delivery_id / set_input's .id) and "
                "name one with .id"};
  }
  if (!later.empty() && !request.optional) {
    const Offer& offer = offers_[later.front()];
    return {std::nullopt, subject + ": its producer " + offer_text(offer) +
                              " does not run before it; move '" + offer.producer +
                              "' to an earlier stage than " + std::to_string(request.stage)};
  }
  if (request.optional) {
    return {std::nullopt, {}};
  }
  return {std::nullopt, subject + ": no deliverable matches" + explain_missing(request)};
}

// Lists offers of the right type that were excluded, and why, so the fix is obvious.
std::string Dispatcher::explain_missing(const Request& request) const {
  std::string near_misses;
  for (const Offer& offer : offers_) {
    if (!(*offer.type == *request.type) || offer.producer == request.consumer) {
      continue;
    }
    std::string reason;
    if (!request.producer.empty() && offer.producer != request.producer) {
      reason = "producer is not '" + request.producer + "'";
    } else if (offer.delivery_id != request.id) {
      reason = offer.delivery_id.empty()
                   ? "it has no delivery id but the input asks for '" + request.id + "'"
                   : "its delivery id '" + offer.delivery_id + "' differs (set .id = \"" +
                         offer.delivery_id + "\" to receive it)";
    } else {
      reason = "its consumer list does not name '" + request.consumer + "'";
    }
    near_misses += "\n    - " + offer_text(offer) + ": " + reason;
  }
  if (near_misses.empty()) {
    return "; nothing in the pipeline produces " + request.type->name() +
           " (add a factory producing it, call set_input, or mark the input optional)";
  }
  return "; deliverables of that type exist but do not match:" + near_misses;
}

}  // namespace setl::workflow
