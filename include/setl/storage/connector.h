// A Connector reads and writes tables in one place (a file, a database table) — SETL's
// Connector. It is also a ScanSource, so LazyFrame::scan(connector) pushes projections
// and filters into it.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "setl/engine/lazy_frame.h"
#include "setl/engine/table.h"

namespace setl::storage {

/// What write() does when the target already holds data.
enum class SaveMode {
  kOverwrite,      ///< replace it (atomically: readers see the old or the new data)
  kAppend,         ///< add the rows (the schemas must agree)
  kErrorIfExists,  ///< fail with IoError
  kIgnore,         ///< leave it and write nothing
};

/// "overwrite", "append", "error_if_exists", "ignore".
std::string_view to_string(SaveMode mode);
/// Parses the names above (also "errorifexists"). Throws: ConfigError listing them.
SaveMode parse_save_mode(std::string_view name);

/// Bounds on what a compressed input may expand to (.gz and .zst files, Parquet pages):
/// a small hostile file must not make a reader allocate gigabytes. Past `ratio_floor`
/// expanded bytes, the expansion may be at most `max_ratio` times the compressed bytes;
/// it may never exceed `max_bytes`. Exceeding either is a ResourceError naming the file.
struct DecompressionLimits {
  int64_t max_bytes = int64_t{64} << 30;    ///< 64 GiB
  double max_ratio = 1000;                  ///< zstd and gzip reach ~1000:1 on real data
  int64_t ratio_floor = int64_t{64} << 20;  ///< 64 MiB: small inputs may expand freely
};

/// The limits every reader uses (process-wide; set once at start-up, e.g. from config).
DecompressionLimits decompression_limits();
void set_decompression_limits(const DecompressionLimits& limits);

/// Create connectors with std::make_shared: lazy() shares ownership with the plan.
/// A connector is a handle on stored data: writing changes the data, not the handle, so
/// write() is const and a connector delivered to factories (as a const value) can write.
class Connector : public engine::ScanSource, public std::enable_shared_from_this<Connector> {
 public:
  /// What a `Delivery<Table>{.auto_load = true}` receives from a connector source.
  using Loaded = engine::Table;

  /// Every row and column.
  virtual engine::Table read() const;
  /// Writes `table` according to `mode`; on failure the target keeps its previous state.
  virtual void write(const engine::Table& table, SaveMode mode) const = 0;
  /// True if the target exists and holds a table.
  virtual bool exists() const = 0;
  /// A version of the data for result-cache keys: for files their path, size and
  /// modification time (or, with `content`, a hash of their bytes); std::nullopt when the
  /// data cannot be fingerprinted (databases), which keeps consumers out of the cache.
  virtual std::optional<std::string> fingerprint(bool content = false) const;
  /// A lazy scan of this connector (projections and filters are pushed into it).
  /// Throws: StateError if the connector is not owned by a std::shared_ptr.
  engine::LazyFrame lazy() const;
  /// Every row, or those matching `condition` (parsed; pushed into the scan).
  /// Throws: ParseError for a bad condition.
  engine::Table auto_load(std::string_view condition) const;

 protected:
  Connector() = default;
  /// The fingerprint of files (a directory: every file below it, in name order).
  static std::optional<std::string> fingerprint_of(const std::filesystem::path& path, bool content);
};

}  // namespace setl::storage
