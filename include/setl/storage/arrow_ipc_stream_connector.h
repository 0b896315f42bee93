// A factory's output sent to another process, or its input received from one, as an Arrow
// IPC stream: batch by batch over a pipe, a socket or a FIFO, so neither side waits for
// (or holds) the whole table, and the other side may be any Arrow program (pyarrow,
// Polars, DuckDB, Arrow JS).
//
//   // the producer's output:            {storage: ARROW_STREAM, endpoint: "listen://0.0.0.0:9400"}
//   // the consumer's input:             {storage: ARROW_STREAM, endpoint: "tcp://loader:9400"}
//   auto out = make_connector<ArrowIpcStreamConnector>("tcp://consumer:9400");
//   out->sink(orders->lazy().filter("amount > 0"));  // batches sent as the query makes them
//
// Endpoints: a path (a FIFO made with mkfifo, whose open waits for the other side; another
// path is written as a stream file, atomically), "fd:N" (a descriptor the process
// inherited; it stays open), "tcp://HOST:PORT" (connects, retrying until the timeout while
// the peer starts) and "listen://HOST:PORT" (accepts one connection within the timeout).
//
// A stream is read once: the first schema() or scan opens it, and the scan that follows
// reads it; scanning it again is a StateError. Reads require the end-of-stream marker, so a
// writer that died half way is an IoError on the reading side, never a silently short
// table.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "setl/engine/lazy_frame.h"
#include "setl/storage/arrow_ipc.h"
#include "setl/storage/connector.h"

namespace setl::storage {

struct ArrowIpcStreamOptions {
  /// Compression and metadata of what is written.
  ArrowIpcWriteOptions write;
  /// How long to keep trying to connect, or to wait for the peer of a listen:// endpoint.
  std::chrono::milliseconds timeout{30'000};
};

/// Create with make_connector<ArrowIpcStreamConnector>(endpoint, options).
class ArrowIpcStreamConnector : public Connector {
 public:
  /// Throws: ConfigError for a malformed endpoint.
  ArrowIpcStreamConnector(ConnectorKey key, std::string endpoint,
                          ArrowIpcStreamOptions options = {});
  ~ArrowIpcStreamConnector() override;

  /// Opens the stream (waiting for the writer) and returns its schema.
  engine::SchemaPtr schema() const override;
  std::string describe() const override;
  /// The whole stream, with only the requested columns; the filter is left to the engine.
  engine::ScanResult scan(const engine::ScanRequest& request) const override;
  /// The stream's batches as they arrive.
  std::unique_ptr<engine::BatchStream> scan_stream(const engine::ScanRequest& request,
                                                   int64_t batch_bytes) const override;

  /// Sends `table` as one stream. A stream keeps nothing to replace or add to, so every
  /// save mode sends it.
  void write(const engine::Table& table, SaveMode mode) const override;
  /// Sends batches as `rows` yields them, then the end-of-stream marker.
  void write_stream(engine::BatchStream& rows) const;
  /// Runs `query` and sends its result as it is produced.
  void sink(const engine::LazyFrame& query) const;
  /// A stream has no stored state: true (a reader waits for its writer).
  bool exists() const override { return true; }
  /// Never cached: what comes down a stream is not known before it is read.
  std::optional<std::string> fingerprint(bool content = false) const override;

 private:
  struct Reading;
  std::unique_ptr<engine::BatchStream> take_reader(const engine::ScanRequest& request) const;

  std::string endpoint_;
  ArrowIpcStreamOptions options_;
  mutable std::mutex mutex_;
  mutable std::unique_ptr<Reading> reading_;  ///< opened by the first schema() or scan
  mutable bool consumed_ = false;
};

}  // namespace setl::storage
