// Arrow IPC, the format pyarrow, Polars, pandas, DuckDB, Spark and R exchange tables in:
// the file format (".arrow", also called Feather v2) and the streaming format.
//
//   setl::storage::ArrowIpcData read = setl::storage::read_arrow_ipc_file("orders.arrow");
//   read.table;     // the columns, uncompressed buffers mapped from the file, not copied
//   read.metadata;  // the schema's custom metadata
//
// Columns of these Arrow types are read: null, bool, int8 to int64 and uint8 to uint32
// (as int32 or int64), uint64 (as decimal(20, 0): exact), float16/32/64 (as float64),
// utf8, binary and their large variants (as string), decimal128 with precision up to 38,
// date32, date64 (as date32), timestamps of any unit and zone (as microseconds;
// nanoseconds are rounded down, as the Parquet reader does), and dictionary-encoded
// columns of those (decoded). Another type (lists, structs, maps, unions, time, interval,
// duration, views) is an IoError naming the column and the type; compressed bodies are an
// IoError for now.
#pragma once

#include <filesystem>
#include <istream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "setl/engine/table.h"

namespace setl::storage {

struct ArrowIpcData {
  engine::Table table;
  /// The schema's custom metadata (key-value pairs).
  std::map<std::string, std::string> metadata;
  /// Each column's custom metadata, in the table's column order.
  std::vector<std::map<std::string, std::string>> column_metadata;
};

struct ArrowIpcWriteOptions {
  /// The schema's custom metadata.
  std::map<std::string, std::string> metadata;
  /// Custom metadata of the columns, by column name.
  std::map<std::string, std::map<std::string, std::string>> column_metadata;
};

/// Writes `table` as an Arrow IPC file (Feather v2), atomically: readers see the old file
/// or the whole new one, also after kill -9. Engine types map to Arrow's: bool, int32,
/// int64, float64 (double), string (utf8), date32 (day), timestamp (microseconds, with its
/// zone), decimal128, null. Dictionary-encoded strings are written decoded.
/// Throws: IoError if the file cannot be written.
void write_arrow_ipc_file(const engine::Table& table, const std::filesystem::path& path,
                          const ArrowIpcWriteOptions& options = {});

/// Writes `table` as an Arrow IPC stream to `out`, ending with the end-of-stream marker.
/// Throws: IoError if `out` fails.
void write_arrow_ipc_stream(const engine::Table& table, std::ostream& out,
                            const ArrowIpcWriteOptions& options = {});

/// Reads an Arrow IPC file, memory-mapped: its columns point into the mapping, which
/// stays until the last of them is gone.
/// Throws: IoError if the file is missing, is not an Arrow IPC file, is damaged (every
/// length and offset is checked against the file) or holds a column type setlpp does not
/// read.
ArrowIpcData read_arrow_ipc_file(const std::filesystem::path& path);

/// Reads an Arrow IPC stream (a schema message, then dictionary and record batch
/// messages) from `in` to its end-of-stream marker or its end; `where` names it in errors.
/// Throws: IoError as read_arrow_ipc_file.
ArrowIpcData read_arrow_ipc_stream(std::istream& in, const std::string& where = "Arrow IPC stream");

}  // namespace setl::storage
