// An Arrow IPC schema (from its flatbuffer) as setlpp reads it: for each field, the Arrow
// type on the wire and the engine type its column becomes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "setl/engine/schema.h"

namespace setl::arrow_ipc::fb {
struct Schema;
}

namespace setl::storage::detail {

/// The physical layouts setlpp reads. Anything else (nested, view, interval, ...) is
/// refused when the schema is read, naming the field and its type.
enum class IpcLayout {
  kNull,         ///< no buffers
  kBool,         ///< validity, bits
  kFixed,        ///< validity, values of `byte_width` bytes
  kBinary,       ///< validity, int32 offsets, bytes
  kLargeBinary,  ///< validity, int64 offsets, bytes
  kFixedBinary   ///< validity, `byte_width` bytes per value (as strings)
};

/// How a column's values become the engine's: as they are (zero-copy), or converted.
enum class IpcConversion {
  kNone,
  kSignExtend,     ///< int8/int16 to int32, int32 to int64
  kZeroExtend,     ///< uint8/uint16 to int32, uint32 to int64
  kUnsigned64,     ///< uint64 to decimal(20, 0)
  kHalfToDouble,   ///< float16 to float64
  kFloatToDouble,  ///< float32 to float64
  kMillisToDays,   ///< date64 (milliseconds) to date32
  kScaleUp,        ///< timestamp seconds or milliseconds to microseconds (checked)
  kScaleDown,      ///< timestamp nanoseconds to microseconds (floor)
  kLargeOffsets,   ///< int64 offsets to int32 (checked)
};

struct IpcColumnType {
  IpcLayout layout = IpcLayout::kNull;
  int byte_width = 0;  ///< kFixed: bytes per value on the wire
  IpcConversion conversion = IpcConversion::kNone;
  int64_t factor = 1;  ///< kScaleUp / kScaleDown
  engine::DataType type = engine::DataType::null();
  std::string arrow_name;  ///< "int16", "timestamp[ns, UTC]", ... for messages
};

struct IpcField {
  std::string name;
  /// Why setlpp cannot read this column ("column \"tags\" has type list, which ..."), or
  /// empty. Such a column is left out of IpcSchema::schema and skipped when not asked for.
  std::string unsupported;
  /// Field nodes and buffers the column takes in a record batch, its children's included,
  /// so that a read can step over it; buffers is -1 when that depends on the batch
  /// (variadic view buffers), and such a column cannot be stepped over.
  int64_t nodes = 1;
  int64_t buffers = 0;
  bool nullable = true;
  IpcColumnType values;  ///< for a dictionary-encoded field, the dictionary's values
  std::optional<int64_t> dictionary_id;
  IpcColumnType indices;  ///< a dictionary-encoded field's index type
  std::map<std::string, std::string> metadata;
};

struct IpcSchema {
  std::vector<IpcField> fields;
  engine::SchemaPtr schema;  ///< the columns setlpp reads, in the file's order
  std::map<std::string, std::string> metadata;
};

/// Throws: IoError naming `where` for a big-endian schema.
IpcSchema read_ipc_schema(const arrow_ipc::fb::Schema& schema, const std::string& where);

}  // namespace setl::storage::detail
