// A Connector reads and writes tables in one place (a file, a database table) — SETL's
// Connector. It is also a ScanSource, so LazyFrame::scan(connector) pushes projections
// and filters into it.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

/// The rows of a query, for database connectors: make_connector<SqliteConnector>(path,
/// SqlQuery{"SELECT city, sum(amount) ..."}) reads them (such a connector cannot write).
struct SqlQuery {
  std::string text;
};

template <class C, class... Args>
std::shared_ptr<C> make_connector(Args&&... args);

/// The passkey every connector constructor takes: only make_connector() can create one,
/// so every connector is owned by a std::shared_ptr (which lazy() scans share).
class ConnectorKey {
  ConnectorKey() = default;
  template <class C, class... Args>
  friend std::shared_ptr<C> make_connector(Args&&... args);
};

/// The one way to create a connector, built-in or your own:
///   auto orders = make_connector<CsvConnector>("orders.csv");
/// A user-defined connector derives from Connector (or FileConnector), takes a
/// ConnectorKey as its first constructor argument and passes it on to its base.
template <class C, class... Args>
std::shared_ptr<C> make_connector(Args&&... args) {
  return std::make_shared<C>(ConnectorKey{}, std::forward<Args>(args)...);
}

/// A connector is a handle on stored data: writing changes the data, not the handle, so
/// write() is const and a connector delivered to factories (as a const value) can write.
class Connector : public engine::ScanSource, public std::enable_shared_from_this<Connector> {
 public:
  /// What a `Delivery<Table>{.auto_load = true}` receives from a connector source.
  using Loaded = engine::Table;

  /// Every row and column.
  [[nodiscard]] virtual engine::Table read() const;
  /// Writes `table` according to `mode`; on failure the target keeps its previous state.
  virtual void write(const engine::Table& table, SaveMode mode) const = 0;
  /// Writes `table` with the connector's own save mode (its configuration's `save_mode`,
  /// SETL's `saveMode`; overwrite unless set), as SETL's Connector.write(df) does.
  void save(const engine::Table& table) const { write(table, save_mode_); }
  SaveMode save_mode() const noexcept { return save_mode_; }
  void set_save_mode(SaveMode mode) noexcept { save_mode_ = mode; }
  /// True if the target exists and holds a table.
  virtual bool exists() const = 0;

  /// SETL's Repository.update: the rows of `rows` replace the stored rows with equal
  /// `keys`, the others are added, atomically (readers see the data before or after; a
  /// concurrent writer of the same file waits). Writes `rows` when nothing is stored.
  /// Throws: SchemaError for no key, a key not in `rows`, NULL or repeated keys, stored
  /// columns that differ by name; StateError where the connector cannot do it safely.
  virtual void upsert(const engine::Table& rows, const std::vector<std::string>& keys) const;
  /// Deletes the rows for which `condition` is true (NULL keeps the row, as SQL's DELETE),
  /// atomically; nothing when nothing is stored.
  /// Throws: StateError where the connector cannot do it safely.
  virtual void delete_where(const engine::Expr& condition) const;
  /// Removes the stored data (the file, the directory, the table); nothing when absent.
  /// Throws: StateError where the connector cannot do it.
  virtual void drop() const;
  /// SETL's write(df, suffix): writes `table` below the partition
  /// "_user_defined_suffix=<suffix>", which reads then show as that column. `mode` applies
  /// to that suffix's data alone: an overwrite replaces it and keeps the other suffixes'.
  /// Throws: StateError where the connector does not hold partitions.
  virtual void write_with_suffix(const engine::Table& table, SaveMode mode,
                                 const std::string& suffix) const;
  /// The partition directories holding data ("year=2024/city=NYC"), sorted; none when
  /// nothing is stored. Throws: StateError where the connector does not hold partitions.
  virtual std::vector<std::string> list_partitions() const;
  /// The rows of the listed partitions (as list_partitions() names them), with their
  /// partition columns. Throws: IoError naming a partition that does not exist;
  /// StateError where the connector does not hold partitions.
  virtual engine::Table load_partitions(const std::vector<std::string>& partitions) const;
  /// A version of the data for result-cache keys: for files their path, size and
  /// modification time (or, with `content`, a hash of their bytes); std::nullopt when the
  /// data cannot be fingerprinted (databases), which keeps consumers out of the cache.
  virtual std::optional<std::string> fingerprint(bool content = false) const;
  /// A lazy scan of this connector (projections and filters are pushed into it).
  engine::LazyFrame lazy() const;
  /// Every row, or those matching `condition` (parsed; pushed into the scan).
  /// Throws: ParseError for a bad condition.
  [[nodiscard]] engine::Table auto_load(std::string_view condition) const;

 protected:
  explicit Connector(ConnectorKey) {}

 private:
  SaveMode save_mode_ = SaveMode::kOverwrite;
};

}  // namespace setl::storage
