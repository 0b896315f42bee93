// Writes engine tables as Arrow IPC: the streaming format (schema message, dictionary and
// record batch messages, end-of-stream marker) and the file format (magic, the same
// messages, a footer locating them). Buffers start on 64 bytes from the start of the
// file or stream (the format requires 8 and recommends 64), so that a mapped file's
// buffers are used where they lie.
#pragma once

#include <ostream>
#include <vector>

#include "file_generated.h"
#include "setl/storage/arrow_ipc.h"

namespace setl::storage::detail {

enum class IpcFormat { kStream, kFile };

/// Writes one stream or file, batch by batch. The schema message goes out with the first
/// batch (or at finish()), when it is known which columns are sent dictionary-encoded.
class IpcWriter {
 public:
  /// Throws: SchemaError for a dictionary column that is not a string column of `schema`.
  IpcWriter(std::ostream& out, engine::SchemaPtr schema, ArrowIpcWriteOptions options,
            IpcFormat format);

  /// Throws: SchemaError for a batch of other columns; IoError if the output fails.
  void write(const engine::RecordBatch& batch);
  /// The end-of-stream marker, or the file's footer; flushes.
  void finish();

  /// Which columns are sent dictionary-encoded: those named in the options, and (unless
  /// told not to keep them) those dictionary-encoded in the first batch.
  static std::vector<bool> dictionary_fields(const engine::Schema& schema,
                                             const engine::RecordBatch* first,
                                             const ArrowIpcWriteOptions& options);

 private:
  void start(const engine::RecordBatch* first);
  void check() const;

  std::ostream& out_;
  engine::SchemaPtr schema_;
  ArrowIpcWriteOptions options_;
  IpcFormat format_;
  bool started_ = false;
  std::vector<bool> dictionary_fields_;
  std::vector<engine::ColumnPtr> sent_dictionaries_;  ///< by field, the last one sent
  int64_t position_ = 0;
  std::vector<arrow_ipc::fb::Block> dictionary_blocks_;
  std::vector<arrow_ipc::fb::Block> batch_blocks_;
};

void write_ipc_stream(const engine::Table& table, std::ostream& out,
                      const ArrowIpcWriteOptions& options);
void write_ipc_file(const engine::Table& table, std::ostream& out,
                    const ArrowIpcWriteOptions& options);

}  // namespace setl::storage::detail
