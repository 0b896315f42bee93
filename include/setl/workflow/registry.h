// The pipeline library: factories registered by name with typed parameters, versioned
// templates (components), and the setup and report hooks a declared pipeline names — so
// that pipelines can be wired from YAML (`setl run`) and teams share components as
// plugins without recompiling each other.
//
//   Registry& registry = Registry::global();
//   registry.add_factory<ReadCsv>("ReadCsv", {{.name = "path", .required = true}});
//   registry.add_component("ingest/csv", "1.2.0", build_ingest, {{.name = "path"}});
//   const Component& ingest = registry.require("ingest/csv", "^1.2");   // 1.2.0 <= v < 2
//
// A plugin is a shared library defining its entry point with SETL_PLUGIN:
//
//   SETL_PLUGIN(registry) { registry.add_component("ingest/csv", "1.3.0", build_ingest); }
//
// Registry::load_plugin() opens it and calls the entry point. The plugin is built with
// the same setlpp headers and compiler and resolves setlpp's symbols from the program
// that loads it (link that program with setl_export_for_plugins() in CMake).
#pragma once

#include <compare>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "setl/core/config.h"
#include "setl/workflow/composition.h"
#include "setl/workflow/pipeline.h"

namespace setl::workflow {

/// major.minor.patch (semver.org, without pre-release tags).
struct SemanticVersion {
  int64_t major = 0;
  int64_t minor = 0;
  int64_t patch = 0;
  /// Throws: ConfigError for anything but three non-negative integers separated by dots.
  static SemanticVersion parse(std::string_view text);
  std::string to_string() const;
  auto operator<=>(const SemanticVersion&) const = default;
};

/// A set of versions: "^1.2" (>= 1.2.0, < 2.0.0; ^0.3 is < 0.4.0), "~1.2.3" (>= 1.2.3,
/// < 1.3.0), "1.2.3" or "=1.2.3", ">=1.2", "<2", "*"; several separated by spaces all
/// apply. Missing parts are 0.
class VersionRange {
 public:
  /// Throws: ConfigError naming the part it cannot read.
  static VersionRange parse(std::string_view text);
  bool contains(const SemanticVersion& version) const;
  const std::string& text() const noexcept { return text_; }

 private:
  struct Bound {
    enum class Op { kGreaterEqual, kGreater, kLessEqual, kLess, kEqual } op;
    SemanticVersion version;
  };
  std::string text_;
  std::vector<Bound> bounds_;
};

/// One typed parameter of a registered factory or component.
struct ParamSpec {
  std::string name;
  enum class Kind { kString, kInteger, kFloat, kBool } kind = Kind::kString;
  bool required = false;
  /// The value when not given (ignored when required).
  std::string fallback;
  std::string help;
};
std::string_view to_string(ParamSpec::Kind kind);

/// What a factory's constructor receives: its parameters, checked against the specs, with
/// fallbacks filled in.
using FactoryParams = Config;

struct FactoryRecipe {
  std::string name;
  std::string help;
  std::vector<ParamSpec> params;
  std::function<std::unique_ptr<FactoryBase>(const FactoryParams&)> make;
};

/// A versioned template in the library.
struct Component {
  std::string name;
  SemanticVersion version;
  /// PipelineInterface::hash() of an instance built with the fallback parameters.
  std::string interface_hash;
  std::string help;
  std::vector<ParamSpec> params;
  std::function<Pipeline(const FactoryParams&)> build;
  /// "ingest/csv@1.2.0#a1b2c3d4e5f60718": what the run report and the cache keys record.
  std::string id() const;
};

/// What a registered report sees after a successful run.
struct RunReport {
  const Config& config;
  Setl& setl;
  Pipeline& pipeline;
  const RunResult& result;
  std::ostream& out;
};

/// Not synchronized: register and load plugins before pipelines that use it run.
class Registry {
 public:
  /// The process-wide registry (SETL_REGISTER_FACTORY and `setl run` use it).
  static Registry& global();

  /// Registers factory F under `name`: F is constructed from its FactoryParams if it can
  /// be, else default-constructed; either way each parameter is also set with
  /// FactoryBase::set_param, so it enters the cache key. Throws: ConfigError if the name
  /// is taken.
  template <class F>
  Registry& add_factory(std::string name, std::vector<ParamSpec> params = {},
                        std::string help = {}) {
    static_assert(std::is_base_of_v<FactoryBase, F>, "add_factory<F>: F must be a factory");
    return add_factory({std::move(name), std::move(help), std::move(params),
                        [](const FactoryParams& values) -> std::unique_ptr<FactoryBase> {
                          if constexpr (std::is_constructible_v<F, const FactoryParams&>) {
                            return std::make_unique<F>(values);
                          } else {
                            return std::make_unique<F>();
                          }
                        }});
  }
  Registry& add_factory(FactoryRecipe recipe);

  /// Registers a template under a name and a version. Throws: ConfigError if that version
  /// exists, or if another version of the same major has another interface (an interface
  /// change needs a major version bump), or if building it with the fallback parameters
  /// fails.
  Registry& add_component(std::string name, std::string version,
                          std::function<Pipeline(const FactoryParams&)> build,
                          std::vector<ParamSpec> params = {}, std::string help = {});
  /// A typed Template, with the function that reads its parameters.
  template <class Params>
  Registry& add_component(std::string name, std::string version, Template<Params> tmpl,
                          std::function<Params(const FactoryParams&)> read_params,
                          std::vector<ParamSpec> params = {}, std::string help = {}) {
    return add_component(
        std::move(name), std::move(version),
        [tmpl = std::move(tmpl), read = std::move(read_params)](const FactoryParams& values) {
          return tmpl(read(values));
        },
        std::move(params), std::move(help));
  }

  /// A hook that prepares the context before the pipeline is built (registers sources,
  /// codecs), named by a declared pipeline's `setup:`.
  Registry& add_setup(std::string name, std::function<void(Setl&)> setup);
  /// A hook that prints a run's results, named by a declared pipeline's `report:`.
  Registry& add_report(std::string name, std::function<void(const RunReport&)> report);

  /// Throws: ConfigError for an unknown name, with the closest registered one.
  const FactoryRecipe& factory(std::string_view name) const;
  const std::function<void(Setl&)>& setup(std::string_view name) const;
  const std::function<void(const RunReport&)>& report(std::string_view name) const;
  /// The highest version of `name` in `range`. Throws: ConfigError if there is none,
  /// listing the versions there are.
  const Component& require(std::string_view name, std::string_view range) const;

  /// Checks `values` against `specs` (unknown names with the closest one, missing required
  /// ones, values of the wrong kind) and fills in fallbacks. `where` prefixes messages.
  static FactoryParams check_params(const std::vector<ParamSpec>& specs, const Config& values,
                                    const std::string& where);
  /// A registered factory built from checked parameters.
  std::unique_ptr<FactoryBase> make_factory(std::string_view name, const Config& values) const;
  /// A fragment of the component `name` in `range`, built from checked parameters; its
  /// factories carry the component's id (in the run report and cache keys).
  Pipeline build(std::string_view name, std::string_view range, const Config& values) const;
  /// build(), then included in `into`.
  Pipeline& instantiate(Pipeline& into, std::string_view name, std::string_view range,
                        const Config& values, const ComposeOptions& options) const;

  std::vector<std::string> factory_names() const;
  std::vector<const Component*> components() const;

  /// Opens a plugin and calls its SETL_PLUGIN entry point with this registry. Opening one
  /// twice registers it once. Throws: IoError if the file is missing; ConfigError if it
  /// cannot be loaded (with the loader's message), has no entry point, or was built
  /// against another setlpp version.
  void load_plugin(const std::filesystem::path& path);
  /// Every .so file of a directory, in name order.
  void load_plugins(const std::filesystem::path& directory);

 private:
  std::map<std::string, FactoryRecipe, std::less<>> factories_;
  std::map<std::string, std::vector<Component>, std::less<>> components_;
  std::map<std::string, std::function<void(Setl&)>, std::less<>> setups_;
  std::map<std::string, std::function<void(const RunReport&)>, std::less<>> reports_;
  std::vector<std::filesystem::path> plugins_;
};

/// What a plugin and the program that loads it must agree on: setlpp's version and the
/// compiler (in the text), and the sizes of the classes they share (the layout).
#define SETL_PLUGIN_ABI "setlpp 0.1.0; " __VERSION__
inline uint64_t plugin_layout() {
  return (uint64_t{sizeof(FactoryBase)} << 40) ^ (uint64_t{sizeof(DeliveryBase)} << 28) ^
         (uint64_t{sizeof(Pipeline)} << 16) ^ uint64_t { sizeof(Registry) };
}

}  // namespace setl::workflow

#define SETL_DETAIL_CONCAT2(a, b) a##b
#define SETL_DETAIL_CONCAT(a, b) SETL_DETAIL_CONCAT2(a, b)

/// Registers a factory in Registry::global() at start-up, for factories compiled into the
/// program's own sources (an object of a static library is linked only when something
/// else in it is used, so its registrations may never run; a plugin registers in its
/// SETL_PLUGIN entry point instead):
/// SETL_REGISTER_FACTORY(ReadCsv, {{.name = "path", .required = true}}).
#define SETL_REGISTER_FACTORY(Factory, ...)                                              \
  static const bool SETL_DETAIL_CONCAT(setl_registered_factory_, __LINE__) =             \
      (::setl::workflow::Registry::global().add_factory<Factory>(#Factory __VA_OPT__(, ) \
                                                                     __VA_ARGS__),       \
       true)

/// Defines a plugin's entry point: SETL_PLUGIN(registry) { registry.add_component(...); }
#define SETL_PLUGIN(registry)                 \
  extern "C" const char* setl_plugin_abi() {  \
    return SETL_PLUGIN_ABI;                   \
  }                                           \
  extern "C" uint64_t setl_plugin_layout() {  \
    return ::setl::workflow::plugin_layout(); \
  }                                           \
  extern "C" void setl_register_components(::setl::workflow::Registry& registry)
