// Pipeline composition: a pipeline is also a fragment that goes into another pipeline,
// under a namespace, as often as wanted. One rule for names, checked before anything runs:
//
//   Pipeline ingest(const IngestParams& params);           // a template: a typed function
//
//   Pipeline daily("daily");
//   daily.include(ingest({.path = "eu.csv"}), {.ns = "eu"});   // eu.Read, eu.Clean, ...
//   daily.include(ingest({.path = "us.csv"}), {.ns = "us", .outputs = {{"clean", "us_clean"}}});
//   Pipeline both = extract() >> clean() >> load();        // free inputs bind by (type, id)
//
// A namespace prefixes, the same way, the fragment's factory names (and so its job groups,
// cache keys and run targets: `orders.*`), its delivery ids, its stage and switch names,
// and the configuration keys its conditions and factories read (FactoryBase::config_key).
//
// A fragment's interface: its free inputs — deliveries nothing inside it fills — and its
// outputs — every factory's output, named by delivery id, or by factory name without one.
// An unmapped free input keeps its name and is looked up when the enclosing pipeline is
// planned: first in the fragment's namespace ("orders.raw"), then in each enclosing one
// up to the root ("raw"); `strict` stops the lookup at the namespace. describe() prints
// where each one was found.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "setl/workflow/pipeline.h"

namespace setl::workflow {

/// How Pipeline::include puts a fragment into a pipeline.
struct ComposeOptions {
  /// Prefix of every name in the fragment ("orders", or "eu.orders"); empty: none.
  std::string ns;
  /// Free input (its interface name) -> the name it has in the enclosing pipeline.
  std::map<std::string, std::string> inputs;
  /// Output (delivery id, or factory name) -> the delivery id it is exported under,
  /// without the namespace's prefix.
  std::map<std::string, std::string> outputs;
  /// Configuration key read inside -> key in the enclosing pipeline (Dagster's config
  /// mapping). The key must be one the fragment reads (a condition) or declares
  /// (Pipeline::declare_config).
  std::map<std::string, std::string> params;
  /// Configuration keys or sections read from the enclosing pipeline's root, not from
  /// the namespace's subtree.
  std::vector<std::string> globals;
  /// Free inputs that are not mapped are looked up in the namespace only.
  bool strict = false;
};

/// One input or output of a fragment's interface.
struct InterfacePort {
  /// How ComposeOptions names it: a delivery id, else a producer, else the type (inputs);
  /// a delivery id, else the factory name (outputs).
  std::string name;
  std::string type;
  /// Inputs: the producer asked for (may be empty); outputs: the factory.
  std::string producer;
  std::string id;
  /// Inputs only: every consuming delivery is optional.
  bool optional = false;
  /// The factories reading the input, or producing the output.
  std::vector<std::string> factories;
};

struct PipelineInterface {
  std::vector<InterfacePort> inputs;
  std::vector<InterfacePort> outputs;
  /// A digest of the ports' names, types and optionality (not of factory names): equal
  /// interfaces compose the same way.
  std::string hash() const;
  /// "inputs: raw (Table), ...; outputs: clean (Table), ..."
  std::string to_string() const;
};

/// `downstream`'s free inputs bind to `upstream`'s outputs by (type, id) — or by producer
/// when an input names one — the latest producer of a chain winning, so `(a >> b) >> c`
/// and `a >> (b >> c)` give the same pipeline. Two equally late matches are an error.
/// The result has upstream's name. Throws: DeliveryError listing every problem.
Pipeline operator>>(Pipeline upstream, Pipeline downstream);
/// Side by side, nothing bound between them. Throws: DeliveryError on a name clash.
Pipeline operator|(Pipeline left, Pipeline right);

/// A template: a typed function of its parameters returning a fragment; each call builds
/// new factory objects, so instances are independent and may run concurrently.
template <class Params>
class Template {
 public:
  using Build = std::function<Pipeline(const Params&)>;
  Template(std::string name, Build build) : name_(std::move(name)), build_(std::move(build)) {}

  const std::string& name() const noexcept { return name_; }
  /// A fresh fragment for `params`.
  Pipeline operator()(const Params& params) const { return build_(params); }
  /// Includes a fresh instance into `into` (ComposeOptions::ns keeps instances apart).
  Pipeline& instantiate(Pipeline& into, const Params& params, ComposeOptions options) const {
    return into.include(build_(params), std::move(options));
  }
  /// The interface of an instance built with `params`.
  PipelineInterface interface(const Params& params = {}) const {
    return build_(params).interface();
  }

 private:
  std::string name_;
  Build build_;
};

/// Renames what a factory's inputs ask for: an input asking for the delivery id (or, failing
/// that, the producer) `from` asks for `to` instead — to wire a registered factory to
/// another pipeline's names. Throws: DeliveryError if no input asks for a `from`.
void rename_inputs(FactoryBase& factory, const std::map<std::string, std::string>& renames);

/// What changed between two pipelines, factory by factory (by name).
struct PipelineDiff {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  /// Same name, another class or output type: "Clean: CleanV1 -> CleanV2".
  std::vector<std::string> replaced;
  /// "Clean: threshold '3' -> '5'", parameters added or dropped included.
  std::vector<std::string> changed_params;
  /// "Clean: input #0 now from 'Dedupe' (was 'Read')".
  std::vector<std::string> rewired;
  bool empty() const;
  std::string to_string() const;
};
/// Compares the factories of two pipelines, with their inputs as each one resolves them.
PipelineDiff diff(const Pipeline& before, const Pipeline& after);

}  // namespace setl::workflow
