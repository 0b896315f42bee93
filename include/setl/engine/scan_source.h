// What the engine reads from: a ScanSource (the storage layer's connectors implement it)
// answers a ScanRequest with a whole table or with a BatchStream, batches read one after
// another as they are consumed (bounded memory for inputs larger than RAM).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "setl/engine/expr.h"
#include "setl/engine/table.h"

namespace setl {
class Communicator;
}

namespace setl::engine {

/// The bytes of a file one share reads, for sources cut between records (CSV, JSON Lines):
/// [begin, end), starting on line `first_line`. Agreed by the ranks (ScanSource::agree_share).
struct ByteShare {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t first_line = 1;
};

/// What a scan is asked for: only these columns (all when empty) and, as a hint, rows
/// matching `filter` (a source may skip data it can prove does not match; the engine
/// still applies the filter unless the source reports it exact).
struct ScanRequest {
  std::vector<std::string> columns;
  std::optional<Expr> filter;
  /// The reader is the engine, which takes dictionary-encoded string columns
  /// (Column::dictionary_encoded): a source may return strings that way. Left false, as
  /// for a table handed to a user, every column is plain.
  bool dictionary_strings = false;
  /// A distributed scan reads share `shard` of `shards` (each unit — a row group, a file,
  /// a partition — read by exactly one share). Sources that cannot split
  /// (ScanSource::reads_shares() false) are read whole by share 0 and not by the others.
  int shard = 0;
  int shards = 1;
  /// Set by agree_share() for a source cut by bytes; such a source asked for a share without
  /// one reads the whole input on share 0.
  std::optional<ByteShare> byte_share;
};

/// What one scan did, returned with its rows (a value: concurrent scans of one source
/// each get their own).
struct ScanStats {
  int64_t rows = 0;           ///< rows returned
  int64_t rejected_rows = 0;  ///< malformed records sent to a rejects file (permissive reads)
  /// Units the source holds and how many it read after pruning by the request's filter:
  /// row groups (Parquet), partitions (partitioned datasets); 0 when the source has none.
  int64_t units_total = 0;
  int64_t units_read = 0;
  int64_t bytes_read = 0;  ///< bytes read from storage, where the source knows them
};

struct ScanResult {
  Table table;
  ScanStats stats;
};

/// Batches produced one after another (a file being read, the output of an operator).
/// next() is called by one thread at a time; the stream may use the engine's threads
/// inside it.
class BatchStream {
 public:
  virtual ~BatchStream() = default;
  virtual const SchemaPtr& schema() const = 0;
  /// The next batch (never empty), or nullopt at the end.
  [[nodiscard]] virtual std::optional<RecordBatch> next() = 0;
  /// What the stream has read so far.
  virtual ScanStats stats() const { return {}; }
};

/// Batches of `table`, each cut to about `batch_bytes` and at most 65,536 rows (at least
/// one row).
std::unique_ptr<BatchStream> stream_table(Table table, int64_t batch_bytes);
/// Every batch of `stream`, in order, as a table.
[[nodiscard]] Table collect_stream(BatchStream& stream);

/// The batch size streams use unless told otherwise: 8 MiB.
inline constexpr int64_t kDefaultBatchBytes = int64_t{8} << 20;

/// A source of rows a LazyFrame can scan; the storage layer's connectors implement it.
class ScanSource {
 public:
  virtual ~ScanSource() = default;
  virtual SchemaPtr schema() const = 0;
  /// A short description for explain(), e.g. "csv orders.csv".
  virtual std::string describe() const = 0;
  /// Reads the requested columns (in the schema's order), with what the scan did.
  [[nodiscard]] virtual ScanResult scan(const ScanRequest& request) const = 0;
  /// The same rows as a stream of batches of about `batch_bytes` each, read as they are
  /// consumed, so a scan never holds the whole input. The default runs scan() and cuts
  /// its result; connectors that can read piece by piece override it.
  [[nodiscard]] virtual std::unique_ptr<BatchStream> scan_stream(const ScanRequest& request,
                                                                 int64_t batch_bytes) const;
  /// True if scan() returns only rows matching the request's filter.
  virtual bool applies_filter_exactly() const { return false; }
  /// True if scan() and scan_stream() read only the request's share (ScanRequest::shard).
  virtual bool reads_shares() const { return false; }
  /// Settles `request`'s share with the other ranks, for a source whose shares one rank
  /// cannot find alone (a CSV file is cut between records, and only reading it tells where
  /// they begin). Collective: called on every rank, in the same order, before any share is
  /// read. The default keeps the request.
  [[nodiscard]] virtual ScanRequest agree_share(ScanRequest request,
                                                Communicator& /*communicator*/) const {
    return request;
  }
  /// The rows a scan without a filter would return, when known cheaply (file metadata);
  /// the optimizer uses it to pick join build sides. nullopt: unknown.
  virtual std::optional<int64_t> estimated_rows() const { return std::nullopt; }
};

}  // namespace setl::engine
