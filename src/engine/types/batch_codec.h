// Record batches as bytes for another process (private to the engine): each column's
// buffers in the Arrow columnar layout — validity bitmap, values or int32 offsets, string
// bytes — after a small header giving the row count and each buffer's size, every buffer
// padded to 8 bytes as in an Arrow IPC body. Encoding copies buffers whole (no per-row
// work beyond rebasing a slice's string offsets); decoding checks every size against the
// bytes present and the schema the reader expects, so a damaged message is an error, never
// a read out of bounds.
#pragma once

#include <string>
#include <string_view>

#include "setl/engine/record_batch.h"

namespace setl::engine::detail {

/// Appends `batch` (dictionary-encoded columns decoded) to `out` as one frame.
void encode_batch(const RecordBatch& batch, std::string& out);

/// Reads frames one after another from bytes made by encode_batch.
class BatchDecoder {
 public:
  /// `what` names the bytes in errors ("exchange from rank 2").
  BatchDecoder(std::string_view bytes, SchemaPtr schema, std::string what);
  bool done() const noexcept { return position_ == bytes_.size(); }
  /// The next frame's batch. Throws: DistributedError when the bytes are damaged or do not
  /// match the schema.
  RecordBatch next();

 private:
  [[noreturn]] void damaged(const std::string& why) const;
  void read(void* data, size_t size);
  BufferPtr read_buffer(uint64_t size);

  std::string_view bytes_;
  size_t position_ = 0;
  SchemaPtr schema_;
  std::string what_;
};

}  // namespace setl::engine::detail
