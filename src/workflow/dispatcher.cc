#include "setl/workflow/dispatcher.h"

#include <algorithm>

namespace setl::workflow {
namespace {

std::string type_and_id_key(const TypeInfo& type, const std::string& id) {
  std::string key = type.index().name();  // unique per type, unlike hash_code()
  key += '\x1f';
  key += id;
  return key;
}

std::string offer_text(const Offer& offer) {
  std::string text = "'" + offer.label + "'";
  std::string details;
  if (offer.stage) {
    details = "stage " + std::to_string(*offer.stage);
  }
  if (!offer.delivery_id.empty()) {
    details += (details.empty() ? "" : ", ") + std::string("id '") + offer.delivery_id + "'";
  }
  return details.empty() ? text : text + " (" + details + ")";
}

bool names_consumer(const Offer& offer, const std::string& consumer) {
  return std::find(offer.consumers.begin(), offer.consumers.end(), consumer) !=
         offer.consumers.end();
}

// A staged consumer only receives what earlier stages (or anything unstaged) produce.
bool runs_before(const Offer& offer, const Request& request) {
  return offer.kind != Offer::Kind::kFactory || !offer.stage || !request.stage ||
         *offer.stage < *request.stage;
}

}  // namespace

std::string_view to_string(MatchRule rule) {
  switch (rule) {
    case MatchRule::kNone:
      return "none";
    case MatchRule::kOnlyMatch:
      return "only match";
    case MatchRule::kPreferExternal:
      return "external input preferred";
    case MatchRule::kNamedConsumer:
      return "consumer list names the factory";
    case MatchRule::kAutoLoad:
      return "auto-load";
  }
  return "?";
}

size_t Dispatcher::add_offer(Offer offer) {
  size_t index = offers_.size();
  std::string key = type_and_id_key(*offer.type, offer.delivery_id);
  by_type_id_and_producer_[key + '\0' + offer.producer].push_back(index);
  by_type_and_id_[std::move(key)].push_back(index);
  if (offer.loads != nullptr) {
    by_loaded_type_and_id_[type_and_id_key(*offer.loads, offer.delivery_id)].push_back(index);
  }
  offers_.push_back(std::move(offer));
  return index;
}

bool Dispatcher::accepts(const Offer& offer, const Request& request) const {
  if (offer.kind == Offer::Kind::kFactory && offer.producer == request.consumer) {
    return false;
  }
  if (!request.producer.empty() && offer.producer != request.producer) {
    return false;
  }
  return offer.consumers.empty() || names_consumer(offer, request.consumer);
}

std::vector<size_t> Dispatcher::candidates(const Request& request) const {
  std::vector<size_t> found;
  std::string key = type_and_id_key(*request.type, request.id);
  const auto& index = request.producer.empty() ? by_type_and_id_ : by_type_id_and_producer_;
  if (!request.producer.empty()) {
    key += '\0' + request.producer;
  }
  auto bucket = index.find(key);
  if (bucket != index.end()) {
    for (size_t index : bucket->second) {
      if (accepts(offers_[index], request)) {
        found.push_back(index);
      }
    }
  }
  return found;
}

std::string Dispatcher::subject(const Request& request) const {
  std::string where = request.stage ? " (stage " + std::to_string(*request.stage) + ")" : "";
  return "factory '" + request.consumer + "'" + where + " " + request.label;
}

// Applies the tie-breaking rows of the table to offers that all match the request.
Resolution Dispatcher::choose(const Request& request, std::vector<size_t> matches,
                              MatchRule single) const {
  if (matches.size() == 1) {
    return {matches.front(), false, single, {}};
  }
  MatchRule rule = MatchRule::kOnlyMatch;
  if (request.producer.empty()) {
    std::vector<size_t> external;
    std::copy_if(matches.begin(), matches.end(), std::back_inserter(external),
                 [&](size_t index) { return offers_[index].is_external(); });
    if (!external.empty() && external.size() < matches.size()) {
      matches = std::move(external);
      rule = MatchRule::kPreferExternal;
    }
  }
  if (matches.size() > 1) {
    std::vector<size_t> named;
    std::copy_if(matches.begin(), matches.end(), std::back_inserter(named),
                 [&](size_t index) { return names_consumer(offers_[index], request.consumer); });
    if (named.size() == 1) {
      return {named.front(), false, MatchRule::kNamedConsumer, {}};
    }
  }
  if (matches.size() == 1) {
    return {matches.front(), false, single == MatchRule::kAutoLoad ? single : rule, {}};
  }
  std::string names;
  for (size_t index : matches) {
    names += (names.empty() ? "" : ", ") + offer_text(offers_[index]);
  }
  return {std::nullopt, false, MatchRule::kNone,
          subject(request) + ": " + std::to_string(matches.size()) +
              " deliverables match equally: " + names +
              "; name one with .producer = \"<factory name>\" in the Delivery, give them "
              "distinct delivery ids (.id), or list the factory in one's consumers"};
}

std::optional<Resolution> Dispatcher::resolve_auto_load(const Request& request) const {
  auto bucket = by_loaded_type_and_id_.find(type_and_id_key(*request.type, request.id));
  if (bucket == by_loaded_type_and_id_.end()) {
    return std::nullopt;
  }
  std::vector<size_t> sources;
  for (size_t index : bucket->second) {
    const Offer& offer = offers_[index];
    if (offer.consumers.empty() || names_consumer(offer, request.consumer)) {
      sources.push_back(index);
    }
  }
  if (sources.empty()) {
    return std::nullopt;
  }
  Resolution resolution = choose(request, std::move(sources), MatchRule::kAutoLoad);
  resolution.auto_load = resolution.offer.has_value();
  if (resolution.ok()) {
    resolution.rule = MatchRule::kAutoLoad;
  }
  return resolution;
}

Resolution Dispatcher::resolve(const Request& request) const {
  std::vector<size_t> available;
  std::vector<size_t> later;
  for (size_t index : candidates(request)) {
    (runs_before(offers_[index], request) ? available : later).push_back(index);
  }
  if (!available.empty()) {
    return choose(request, std::move(available), MatchRule::kOnlyMatch);
  }
  if (request.auto_load) {
    if (std::optional<Resolution> loaded = resolve_auto_load(request)) {
      return *loaded;
    }
  }
  if (!later.empty() && !request.optional) {
    const Offer& offer = offers_[later.front()];
    return {std::nullopt, false, MatchRule::kNone,
            subject(request) + ": its producer " + offer_text(offer) +
                " does not run before it; move '" + offer.producer + "' to a stage before " +
                std::to_string(*request.stage) + ", or leave both unstaged"};
  }
  if (request.optional) {
    return {};
  }
  return {std::nullopt, false, MatchRule::kNone,
          subject(request) + ": no deliverable matches" + explain_missing(request)};
}

// Lists offers of the right type that were excluded, and why, so the fix is obvious.
std::string Dispatcher::explain_missing(const Request& request) const {
  std::string near_misses;
  for (const Offer& offer : offers_) {
    if (!(*offer.type == *request.type) ||
        (offer.kind == Offer::Kind::kFactory && offer.producer == request.consumer)) {
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
    std::string hint = request.auto_load ? "; no source loads it either" : "";
    return "; nothing in the pipeline produces " + request.type->name() + hint +
           " (add a factory producing it, call set_input, register a source, or mark the "
           "input optional)";
  }
  return "; deliverables of that type exist but do not match:" + near_misses;
}

}  // namespace setl::workflow
