// Arrow IPC, the format pyarrow, Polars, pandas, DuckDB, Spark and R exchange tables in:
// the file format (".arrow", also called Feather v2) and the streaming format.
//
//   setl::storage::ArrowIpcData read = setl::storage::read_arrow_ipc_file("orders.arrow");
//   (ArrowIpcConnector in arrow_ipc_connector.h is the same file as a connector.)
//   read.table;     // the columns, uncompressed buffers mapped from the file, not copied
//   read.metadata;  // the schema's custom metadata
//
// Columns of these Arrow types are read: null, bool, int8 to int64 and uint8 to uint32
// (as int32 or int64), uint64 (as decimal(20, 0): exact), float16/32/64 (as float64),
// utf8, binary and their large variants (as string), decimal128 with precision up to 38,
// date32, date64 (as date32), timestamps of any unit and zone (as microseconds;
// nanoseconds are rounded down, as the Parquet reader does), and dictionary-encoded
// columns of those: string dictionaries with indices up to int32 stay dictionary-encoded
// (the engine's own such columns, as Parquet scans give them: queries filter and group
// once per distinct string, and a write sends the dictionary on), others are decoded.
// Another type (lists, structs, maps, unions, time, interval,
// duration, views) is an IoError naming the column and the type. Bodies compressed with
// LZ4 (frame) or zstd are read, decompressed within storage::decompression_limits() (a
// buffer declaring more is a ResourceError, as for every compressed input).
#pragma once

#include <filesystem>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "setl/engine/scan_source.h"
#include "setl/engine/table.h"

namespace setl::storage {

struct ArrowIpcData {
  engine::Table table;
  /// The schema's custom metadata (key-value pairs).
  std::map<std::string, std::string> metadata;
  /// Each column's custom metadata, in the table's column order.
  std::vector<std::map<std::string, std::string>> column_metadata;
};

/// How record batch bodies are compressed: each buffer alone, as the format defines.
enum class ArrowIpcCompression { kNone, kLz4Frame, kZstd };

struct ArrowIpcWriteOptions {
  /// kNone writes buffers a reader can map without decoding; LZ4 and zstd are smaller.
  /// A buffer that would not shrink is stored as it is.
  ArrowIpcCompression compression = ArrowIpcCompression::kNone;
  int compression_level = 0;  ///< 0: the codec's default
  /// The schema's custom metadata.
  std::map<std::string, std::string> metadata;
  /// Custom metadata of the columns, by column name.
  std::map<std::string, std::map<std::string, std::string>> column_metadata;
  /// String columns written as Arrow dictionaries (distinct strings once, an int32 index
  /// per row), whatever their encoding in memory: smaller for repetitive text.
  std::set<std::string> dictionary_columns;
  /// Also write as dictionaries the string columns dictionary-encoded in the first batch
  /// (as Parquet scans give them); false writes those decoded.
  bool keep_dictionaries = true;
};

/// Writes `table` as an Arrow IPC file (Feather v2), atomically: readers see the old file
/// or the whole new one, also after kill -9. Engine types map to Arrow's: bool, int32,
/// int64, float64 (double), string (utf8), date32 (day), timestamp (microseconds, with its
/// zone), decimal128, null. A dictionary column has one dictionary for the whole file
/// (batches over different dictionaries are re-coded into their union).
/// Throws: IoError if the file cannot be written.
void write_arrow_ipc_file(const engine::Table& table, const std::filesystem::path& path,
                          const ArrowIpcWriteOptions& options = {});

/// Writes `table` as an Arrow IPC stream to `out`, ending with the end-of-stream marker.
/// Throws: IoError if `out` fails; SchemaError for a dictionary column that is not a
/// string column.
void write_arrow_ipc_stream(const engine::Table& table, std::ostream& out,
                            const ArrowIpcWriteOptions& options = {});

/// Writes an Arrow IPC stream batch by batch, as the batches come (from a BatchStream, a
/// query's sink, another process): each batch is flushed to `out` when written, so a reader
/// at the other end of a pipe or socket gets it at once. A dictionary column sends its
/// dictionary again only when a batch's differs from the last one sent (a replacement, as
/// the streaming format allows).
///
///   setl::FdOutputStream pipe(fds[1]);
///   ArrowIpcStreamWriter writer(pipe, rows.schema());
///   while (auto batch = rows.next()) writer.write(*batch);
///   writer.close();  // the end-of-stream marker
class ArrowIpcStreamWriter {
 public:
  /// Nothing is written before the first batch or close(). Throws: SchemaError for a
  /// dictionary column that is not a string column of `schema`.
  ArrowIpcStreamWriter(std::ostream& out, engine::SchemaPtr schema,
                       ArrowIpcWriteOptions options = {});
  /// Without close() (an error on the way), the stream ends without its end-of-stream
  /// marker, which a reader that requires it reports as a stream cut short.
  ~ArrowIpcStreamWriter();
  ArrowIpcStreamWriter(const ArrowIpcStreamWriter&) = delete;
  ArrowIpcStreamWriter& operator=(const ArrowIpcStreamWriter&) = delete;

  /// Throws: SchemaError for a batch of other columns than the schema's; IoError if the
  /// output fails (the reader went away); StateError after close().
  void write(const engine::RecordBatch& batch);
  /// Every batch of `table`.
  void write(const engine::Table& table);
  /// Sends the schema if no batch did, then the end-of-stream marker; flushes. Later calls
  /// do nothing.
  void close();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Reads an Arrow IPC stream batch by batch as it arrives: the constructor waits for the
/// schema message, next() for the next record batch (dictionary messages are taken in on
/// the way). Batches are copied out of the input, which may be a pipe or socket.
///
///   setl::FdInputStream pipe(fds[0]);
///   ArrowIpcStreamReader reader(pipe, "orders from the loader");
///   while (std::optional<engine::RecordBatch> batch = reader.next()) { ... }
class ArrowIpcStreamReader : public engine::BatchStream {
 public:
  struct Options {
    /// Names the stream in errors.
    std::string where = "Arrow IPC stream";
    /// Fail when the input ends without the end-of-stream marker: the writer stopped half
    /// way (killed, or an error before its close()). Off, the input's end ends the stream,
    /// as the format allows for streams written by others.
    bool require_end_marker = false;
  };
  /// Throws: IoError as read_arrow_ipc_file, or if the input ends before the schema.
  explicit ArrowIpcStreamReader(std::istream& in);
  ArrowIpcStreamReader(std::istream& in, Options options);
  ~ArrowIpcStreamReader() override;

  const engine::SchemaPtr& schema() const override;
  /// The next batch with rows (empty ones are passed over), or nullopt at the end.
  /// Throws: IoError for damaged input or (with require_end_marker) a stream cut short.
  std::optional<engine::RecordBatch> next() override;
  /// Rows and bytes read so far.
  engine::ScanStats stats() const override;
  /// The schema's custom metadata.
  const std::map<std::string, std::string>& metadata() const;
  /// Each column's custom metadata, in the schema's column order.
  const std::vector<std::map<std::string, std::string>>& column_metadata() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Reads an Arrow IPC file, memory-mapped: its columns point into the mapping, which
/// stays until the last of them is gone.
/// Throws: IoError if the file is missing, is not an Arrow IPC file, is damaged (every
/// length and offset is checked against the file) or holds a column type setlpp does not
/// read; ResourceError for a buffer that would decompress past decompression_limits().
ArrowIpcData read_arrow_ipc_file(const std::filesystem::path& path);

/// Reads only the `columns` named, in that order: the others' buffers are stepped over and
/// never touched, and they may be of types setlpp does not read (nested columns).
/// Throws: SchemaError for a name the file lacks; IoError as above.
ArrowIpcData read_arrow_ipc_file(const std::filesystem::path& path,
                                 const std::vector<std::string>& columns);

/// The columns of an Arrow IPC file that setlpp reads, from its footer alone.
/// Throws: IoError as read_arrow_ipc_file.
engine::SchemaPtr arrow_ipc_file_schema(const std::filesystem::path& path);

/// Reads a whole Arrow IPC stream (a schema message, then dictionary and record batch
/// messages) from `in` to its end-of-stream marker or its end; `where` names it in errors.
/// ArrowIpcStreamReader reads one batch at a time.
/// Throws: IoError as read_arrow_ipc_file.
ArrowIpcData read_arrow_ipc_stream(std::istream& in, const std::string& where = "Arrow IPC stream");

}  // namespace setl::storage
