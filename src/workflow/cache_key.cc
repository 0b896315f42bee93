#include "setl/workflow/cache_key.h"

#include <algorithm>

namespace setl::workflow {
namespace {

constexpr const char* kUnknownSources = "<sources unknown>";

std::string join(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& part : parts) {
    text += (text.empty() ? "" : "; ") + part;
  }
  return text;
}

}  // namespace

CacheKeyParts make_cache_key(const CacheKeyInputs& inputs) {
  CacheKeyParts parts;
  parts.factory = inputs.factory;
  parts.code_version = inputs.code_version;
  parts.parameters = inputs.parameters;
  parts.output_type = inputs.output_type;
  parts.inputs = inputs.inputs;
  parts.veto = inputs.veto;
  bool cacheable = inputs.veto.empty();
  if (inputs.sources) {
    parts.sources = *inputs.sources;
  } else {
    parts.sources = {kUnknownSources};
    cacheable = false;
  }
  for (const auto& [label, key] : parts.inputs) {
    cacheable = cacheable && !key.empty();
  }
  if (cacheable) {
    parts.key = identity_key(parts);
  }
  return parts;
}

std::string identity_key(const CacheKeyParts& parts) {
  // Separators that cannot occur in names keep "a" + "bc" apart from "ab" + "c".
  std::string text = parts.factory + '\x1f' + parts.code_version + '\x1f' + parts.parameters +
                     '\x1f' + parts.output_type;
  for (const std::string& source : parts.sources) {
    text += "\x1esource\x1f" + source;
  }
  for (const auto& [label, key] : parts.inputs) {
    text += "\x1einput\x1f" + label + '\x1f' + key;
  }
  return stable_hash(text);
}

std::string uncacheable_reason(const CacheKeyParts& parts) {
  std::vector<std::string> why;
  if (!parts.veto.empty()) {
    why.push_back(parts.veto);
  }
  if (parts.sources == std::vector<std::string>{kUnknownSources}) {
    why.push_back(
        "what it reads besides its deliveries is unknown: declare its sources as deliveries "
        "and call set_reads_only_deliveries(), or return them from source_fingerprints()");
  }
  for (const auto& [label, key] : parts.inputs) {
    if (key.empty()) {
      why.push_back(label + " has no version");
    }
  }
  return join(why);
}

std::string explain_miss(const CacheKeyParts& now, const std::optional<CacheKeyParts>& before) {
  if (!before) {
    return "nothing cached yet";
  }
  std::vector<std::string> changes;
  if (before->code_version != now.code_version) {
    changes.push_back("code_version '" + before->code_version + "' -> '" + now.code_version + "'");
  }
  if (before->parameters != now.parameters) {
    changes.push_back("parameters '" + before->parameters + "' -> '" + now.parameters + "'");
  }
  if (before->output_type != now.output_type) {
    changes.push_back("output type changed");
  }
  if (before->sources != now.sources) {
    changes.push_back("source fingerprints changed");
  }
  for (const auto& [label, key] : now.inputs) {
    const std::string& wanted = label;  // lambdas capture variables, not structured bindings
    auto old = std::find_if(before->inputs.begin(), before->inputs.end(),
                            [&](const auto& input) { return input.first == wanted; });
    if (old == before->inputs.end()) {
      changes.push_back("new input " + label);
    } else if (old->second != key) {
      changes.push_back(label + " changed");
    }
  }
  if (changes.empty()) {
    return before->key == now.key ? "expired or evicted" : "key changed";
  }
  return join(changes);
}

}  // namespace setl::workflow
