// Conditions read by FactoryBase::run_if and when() and by Stage::run_if, as engine
// expressions over the configuration and the factory's inputs. Write them in C++ or as
// text; both mean the same and are checked when the pipeline is planned:
//
//   using namespace setl::workflow;
//   load.run_if(input_rows("changes") > 0);             // text: "rows(changes) > 0"
//   us_tax.when(config("region") == "US");              // text: "config('region') = 'US'"
//   report.run_if(config("env", "dev") == "prod" && input_delivered("fx"));
//
// In text, a bare name is a configuration key (`region = 'US'`; quote dotted keys:
// `"job.region" = 'US'`), `config('key')` and `config('key', fallback)` read one too,
// `rows(input)` is the number of rows of an input and `delivered(input)` whether it holds a
// value. An input is named by its delivery id or its producer's name. The engine's
// operators and functions apply (and, or, not, in, between, like, upper, ...); a NULL
// result counts as false.
#pragma once

#include <string>

#include "setl/engine/expr.h"

namespace setl::workflow {

/// The configuration value at `key` ("region", "job.region"): a string, integer, float or
/// bool as written in the file. A key the configuration lacks is a plan error.
engine::Expr config(const std::string& key);
/// The configuration value at `key`, or `fallback` when the configuration lacks it.
template <class T>
engine::Expr config(const std::string& key, const T& fallback) {
  if constexpr (std::is_same_v<T, engine::Expr>) {
    return engine::call("config", {engine::lit(key), fallback});
  } else {
    return engine::call("config", {engine::lit(key), engine::lit(fallback)});
  }
}
/// The number of rows of the factory input named `input` (its delivery id or its
/// producer's name): num_rows() of a Table or Dataset, size() of a container; 0 when the
/// input holds nothing. Only a factory's condition can read inputs.
engine::Expr input_rows(const std::string& input);
/// Whether the factory input named `input` holds a value (an optional input whose
/// producer was skipped does not).
engine::Expr input_delivered(const std::string& input);

}  // namespace setl::workflow
