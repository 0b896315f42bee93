// Factory boundaries: steps become factories, in this order of evidence — explicit
// structure (a function that transforms frames, a step decorator), author markup (notebook
// cells and headings), then dataflow: a chain of steps stays in one factory until a frame
// is shared by several consumers or several chains meet.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "migrate/translator.h"

namespace setl::migrate {

struct FactoryGroup {
  std::string name;
  std::string reason;
  std::vector<int> steps;   ///< in source order
  int output = -1;          ///< the frame version it hands over (its last)
  std::vector<int> inputs;  ///< frame versions from other factories
};

/// Everything known about one analysed module (heap-allocated: the translator refers to
/// the source, the parse and the analysis).
struct AnalyzedModule {
  PythonSource source;
  ParsedSource parsed;
  ModuleAnalysis analysis;
  std::unique_ptr<Translator> translator;  ///< null when the source does not parse
  std::vector<FactoryGroup> groups;
};

std::unique_ptr<AnalyzedModule> analyze_module(const std::filesystem::path& file,
                                               const AnalyzeOptions& options);

/// Groups the translator's steps; fills the analysis' factories and statement records.
std::vector<FactoryGroup> group_factories(const Translator& translator, ModuleAnalysis& analysis);

/// Factories from a partition of the steps (names kept where given, derived otherwise):
/// outputs, inputs, order, and the analysis' view. Throws setl::Error when a factory
/// would have to hand over more than one table.
std::vector<FactoryGroup> build_factories(const Translator& translator, ModuleAnalysis& analysis,
                                          std::vector<FactoryGroup> partition);

}  // namespace setl::migrate
