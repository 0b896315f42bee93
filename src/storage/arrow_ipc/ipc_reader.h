// The Arrow IPC file and stream formats' framing: the file's magic and footer, and the
// encapsulated messages (continuation marker, metadata length, flatbuffer, body) of both.
// Every flatbuffer is verified before it is read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "setl/storage/arrow_ipc.h"
#include "storage/arrow_ipc/ipc_schema.h"

namespace setl::storage::detail {

/// Reads an IPC file held in memory (`owner` keeps `data` alive; uncompressed buffers of
/// the table point into it): the `columns` named, in that order, or every column.
ArrowIpcData read_ipc_file_bytes(const uint8_t* data, int64_t size,
                                 std::shared_ptr<const void> owner, const std::string& where,
                                 const std::vector<std::string>& columns = {});

/// The schema in an IPC file's footer.
IpcSchema read_ipc_file_schema(const uint8_t* data, int64_t size, const std::string& where);

/// Reads IPC stream messages from `in` one after another.
class IpcStreamDecoder {
 public:
  /// Reads up to and with the schema message.
  IpcStreamDecoder(std::istream& in, std::string where, bool require_end_marker);
  ~IpcStreamDecoder();
  const engine::SchemaPtr& schema() const;
  const std::map<std::string, std::string>& metadata() const;
  std::vector<std::map<std::string, std::string>> column_metadata() const;
  /// The next record batch (dictionaries before it taken in), or nullopt at the end.
  std::optional<engine::RecordBatch> next();
  int64_t bytes_read() const noexcept;

 private:
  std::optional<engine::RecordBatch> next_message();
  struct State;
  std::unique_ptr<State> state_;
};

/// Reads IPC stream messages from `in` up to the end-of-stream marker or the input's end.
ArrowIpcData read_ipc_stream(std::istream& in, const std::string& where);

}  // namespace setl::storage::detail
