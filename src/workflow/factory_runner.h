// Runs one factory's lifecycle (read, process, write) for Stage and Pipeline: timing,
// log scope, and error context naming the factory and the phase that failed.
#pragma once

#include <string>

#include "setl/workflow/benchmark.h"
#include "setl/workflow/factory.h"

namespace setl::workflow::detail {

class FactoryRunner {
 public:
  static FactoryBenchmark run(FactoryBase& factory, const std::string& stage_name,
                              bool stage_writable, bool measure, const std::string& scope);
  static void set_context(FactoryBase& factory, const Setl* context) { factory.context_ = context; }
  static void reset_output(FactoryBase& factory) noexcept { factory.reset_output(); }
};

}  // namespace setl::workflow::detail
