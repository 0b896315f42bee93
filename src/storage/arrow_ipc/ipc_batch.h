// Turns an Arrow IPC record batch message (its flatbuffer header and its body bytes) into
// an engine RecordBatch. Buffers the engine can use as they are are wrapped, not copied,
// and keep the body alive; every count, offset and length is checked against the body.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "setl/engine/record_batch.h"
#include "storage/arrow_ipc/ipc_schema.h"

namespace setl::arrow_ipc::fb {
struct RecordBatch;
struct DictionaryBatch;
}  // namespace setl::arrow_ipc::fb

namespace setl::storage::detail {

/// A message body: `size` bytes at `data`, alive as long as `owner` is.
struct IpcBody {
  const uint8_t* data = nullptr;
  int64_t size = 0;
  std::shared_ptr<const void> owner;
};

class IpcBatchDecoder {
 public:
  /// Reads the `columns` named, in that order; empty: every column, in the file's order.
  /// Throws: SchemaError for a name the schema lacks; IoError for a column setlpp does not
  /// read (IpcField::unsupported).
  IpcBatchDecoder(const IpcSchema& schema, std::string where,
                  const std::vector<std::string>& columns = {});

  /// The schema of the batches decode() returns.
  const engine::SchemaPtr& schema() const noexcept { return output_; }

  /// Throws: IoError for a batch that does not fit its schema or its body.
  engine::RecordBatch decode(const arrow_ipc::fb::RecordBatch& batch, const IpcBody& body) const;

  /// Keeps (or, for a delta, extends) the dictionary the batch carries.
  /// Throws: IoError for a dictionary no field uses, or one that does not fit its body.
  void add_dictionary(const arrow_ipc::fb::DictionaryBatch& batch, const IpcBody& body);

 private:
  const IpcSchema& schema_;
  std::string where_;
  std::vector<bool> selected_;  ///< by field of schema_
  std::vector<size_t> order_;   ///< the fields asked for, in the order asked; empty: all
  engine::SchemaPtr output_;
  std::map<int64_t, engine::ColumnPtr> dictionaries_;
};

}  // namespace setl::storage::detail
