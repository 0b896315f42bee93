// A run-time condition answered by a service over HTTP (a rules engine, a model score, a
// feature flag): pass the function to FactoryBase::run_if, and choose with
// on_condition_failure() what an unreachable or confused service does to the factory.
//
//   load.run_if("flag service says load", setl::monitor::http_decision(
//                   "http://127.0.0.1:8500/flags/load-warehouse", {.timeout = 500ms}))
//       .on_condition_failure(FactoryBase::OnConditionFailure::kSkip);
//
// The run records the answer, the latency and any failure in FactoryOutcome::condition.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace setl::monitor {

struct HttpDecisionOptions {
  /// For connecting, and for each read and write.
  std::chrono::milliseconds timeout{2000};
  /// The largest response body read; a longer one is a failure.
  size_t max_body_bytes = 64 * 1024;
};

/// A decision function that GETs `url` (http://host[:port][/path][?query]) on each call.
/// A 2xx response whose body is `true` or `false` (also 1/0, yes/no; case and surrounding
/// space ignored), or a JSON object with a boolean "decision", is the answer.
/// Throws: ConfigError at once for a URL that is not plain http://host[:port]/...; the
/// returned function throws IoError naming the URL for no connection, a timeout, another
/// status, a body over the limit or one it cannot read as a decision.
std::function<bool()> http_decision(std::string url, HttpDecisionOptions options = {});

}  // namespace setl::monitor
