// Wall-time measurements of a pipeline run: per factory (read, process, write, total),
// per stage and for the whole run. Turned on with Pipeline::set_benchmark(true).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
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
  /// Bytes its scans and operators reported (input read, output written).
  int64_t bytes = 0;
  /// CPU time of every thread while working for it (its own and the engine's workers):
  /// above `total` when its queries ran in parallel, below when it waited.
  Duration cpu{0};
  /// The factory's namespace (composition.h); empty at the root.
  std::string ns;
  /// Bytes its queries sent to other ranks (a distributed run; 0 otherwise).
  int64_t exchanged_bytes = 0;
};

/// The factories of one namespace, nested namespaces included, added up.
struct NamespaceBenchmark {
  std::string ns;
  size_t factories = 0;
  /// Sums over its factories (they may have run concurrently: not a wall time).
  Duration total{0};
  Duration cpu{0};
  int64_t spilled_bytes = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
  /// The largest peak of one of its factories.
  int64_t peak_memory_bytes = 0;
};

struct StageBenchmark {
  size_t stage = 0;
  std::string name;
  bool parallel = false;
  /// Elapsed time of the stage; for a parallel stage, less than the sum of its factories.
  Duration wall{0};
};

/// Memory of a whole run: what the budget saw, what setlpp tracked, what the operating
/// system saw (process-wide figures: other work in the process counts too).
struct RunMemoryReport {
  int64_t limit = 0;          ///< memory.limit (0: none)
  int64_t peak_reserved = 0;  ///< most bytes reserved from the budget at once
  int64_t peak_tracked = 0;   ///< most bytes of engine buffers the run held at once
  int64_t tracked_end = 0;    ///< engine buffers the run allocated still held at its end
  int64_t resident_end = 0;   ///< the process's resident size at the end
  int64_t peak_resident = 0;  ///< highest resident size during the run (0: unknown)
  /// Most bytes of input files mapped at once (Parquet scans): address space whose pages
  /// are resident only while read, and the file's rather than the engine's.
  int64_t peak_mapped = 0;
  /// The part of resident_end backed by files (program, libraries, mapped inputs).
  int64_t file_resident_end = 0;
  /// resident_end − bytes_allocated() at the end: heap kept by the allocator, code,
  /// libraries, other buffers — memory setlpp does not track.
  int64_t unmanaged_end = 0;
  int64_t trimmed = 0;  ///< resident bytes malloc_trim gave back after the run
  int64_t pauses = 0;   ///< times memory.pause held back new factories
  /// Reservations still held when the run ended (holder, bytes), the result cache's
  /// excepted; each names the operator and factory. Empty when nothing leaked.
  std::vector<std::pair<std::string, int64_t>> leaked;
};

struct BenchmarkReport {
  std::vector<FactoryBenchmark> factories;
  std::vector<StageBenchmark> stages;
  Duration total{0};
  /// The longest chain of dependent factories weighted by their times (RunResult's).
  std::vector<std::string> critical_path;
  Duration critical_path_time{0};
  RunMemoryReport memory;

  /// Roll-up per namespace, in name order (a parent before its children); empty when no
  /// factory is in a namespace.
  std::vector<NamespaceBenchmark> namespaces() const;

  /// An aligned text table: one row per factory (times in ms, CPU ms, peak memory, spilled
  /// bytes, rows, bytes), one per stage, the unstaged factories ("-"), the total, the critical path
  /// and the run's memory.
  std::string to_string() const;
};

/// The factories of a distributed run's ranks (RunResult::rank_benchmarks()) added up, as
/// one factory row each: times are the slowest rank's (the run waits for it); CPU, rows,
/// bytes, spilled and exchanged bytes are sums; peak memory is the sum of the ranks' peaks
/// (a bound on the whole job's). Rows in the first rank's order.
std::vector<FactoryBenchmark> combine_ranks(const std::vector<BenchmarkReport>& ranks);
/// An aligned text table of every rank's factories: factory, rank, total ms, CPU ms, peak
/// memory, rows, bytes and bytes exchanged.
std::string ranks_to_string(const std::vector<BenchmarkReport>& ranks);

}  // namespace setl::workflow
