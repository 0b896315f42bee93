// Wall-time measurements of a pipeline run: per factory (read, process, write, total),
// per stage and for the whole run. Turned on with Pipeline::set_benchmark(true).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace setl::workflow {

using Duration = std::chrono::nanoseconds;

/// FactoryBenchmark::stage of a factory added without a stage.
inline constexpr size_t kUnstaged = static_cast<size_t>(-1);

struct FactoryBenchmark {
  size_t stage = 0;  ///< kUnstaged for factories without a stage
  std::string factory;
  Duration read{0};
  Duration process{0};
  Duration write{0};
  Duration total{0};
  bool wrote = false;
  /// The most bytes of engine buffers it held at once (allocated inside its job group).
  int64_t peak_memory_bytes = 0;
  /// Bytes its queries wrote to spill files.
  int64_t spilled_bytes = 0;
  /// Rows its scans and operators reported.
  int64_t rows = 0;
};

struct StageBenchmark {
  size_t stage = 0;
  std::string name;
  bool parallel = false;
  /// Elapsed time of the stage; for a parallel stage, less than the sum of its factories.
  Duration wall{0};
};

struct BenchmarkReport {
  std::vector<FactoryBenchmark> factories;
  std::vector<StageBenchmark> stages;
  Duration total{0};
  /// The longest chain of dependent factories weighted by their times (RunResult's).
  std::vector<std::string> critical_path;
  Duration critical_path_time{0};

  /// An aligned text table: one row per factory (times in ms, peak memory, spilled bytes,
  /// rows), one per stage, the unstaged factories ("-"), the total, and the critical path.
  std::string to_string() const;
};

}  // namespace setl::workflow
