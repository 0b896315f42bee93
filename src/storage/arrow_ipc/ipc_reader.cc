#include "storage/arrow_ipc/ipc_reader.h"

#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_generated.h"
#include "message_generated.h"
#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/engine/buffer.h"
#include "setl/engine/execution.h"
#include "storage/arrow_ipc/ipc_batch.h"
#include "storage/arrow_ipc/ipc_schema.h"
#include "storage/arrow_ipc/struct_at.h"

namespace setl::storage::detail {
namespace {

namespace fb = arrow_ipc::fb;

constexpr char kMagic[] = "ARROW1";  // six bytes, then two of padding at the file's start
constexpr int64_t kMagicBytes = 6;
constexpr uint32_t kContinuation = 0xFFFFFFFF;
// Flatbuffer nesting and table counts allowed while verifying: far above what a schema
// of a few thousand columns needs, far below what would exhaust the stack or the time.
constexpr flatbuffers::uoffset_t kMaxDepth = 64;
constexpr flatbuffers::uoffset_t kMaxTables = 1'000'000;

int32_t load_int32(const uint8_t* at) {
  int32_t value = 0;
  std::memcpy(&value, at, sizeof(value));
  return value;
}

// Flatbuffer accessors load 4- and 8-byte fields in place, so the bytes must start 8-byte
// aligned in memory. A well-formed file's metadata is; a damaged one's may be anywhere,
// and is then read from an aligned copy that `holder` keeps.
const uint8_t* aligned(const uint8_t* data, int64_t size, engine::BufferPtr& holder) {
  if (reinterpret_cast<uintptr_t>(data) % 8 == 0) {
    return data;
  }
  holder = engine::Buffer::allocate(static_cast<size_t>(size));
  std::memcpy(holder->mutable_data(), data, static_cast<size_t>(size));
  return holder->data();
}

const fb::Message& verified_message(const uint8_t* data, int64_t size, const std::string& where) {
  flatbuffers::Verifier verifier(data, static_cast<size_t>(size), kMaxDepth, kMaxTables);
  if (!fb::VerifyMessageBuffer(verifier)) {
    throw IoError(where + ": a message's metadata is not a valid Arrow flatbuffer");
  }
  const fb::Message& message = *fb::GetMessage(data);
  if (message.version() < fb::MetadataVersion::V4) {
    throw IoError(where + ": the data was written in Arrow's metadata version " +
                  std::to_string(static_cast<int>(message.version()) + 1) +
                  " (before 0.8), which setlpp does not read");
  }
  if (message.body_length() < 0) {
    throw IoError(where + ": a message declares a negative body length");
  }
  return message;
}

// Collects the schema, dictionaries and batches of either format.
class IpcAssembler {
 public:
  explicit IpcAssembler(std::string where, std::vector<std::string> columns = {})
      : where_(std::move(where)), columns_(std::move(columns)) {}

  void schema(const fb::Schema& schema) {
    schema_ = read_ipc_schema(schema, where_);
    decoder_.emplace(schema_, where_, columns_);
  }
  bool has_schema() const { return decoder_.has_value(); }

  // A dictionary or record batch message with its body: the record batch, if it was one.
  std::optional<engine::RecordBatch> message(const fb::Message& message, const IpcBody& body) {
    if (!decoder_) {
      throw IoError(where_ + ": a batch comes before the schema");
    }
    if (message.header() == nullptr) {
      throw IoError(where_ + ": a message without its header");
    }
    switch (message.header_type()) {
      case fb::MessageHeader::DictionaryBatch:
        decoder_->add_dictionary(*message.header_as_DictionaryBatch(), body);
        return std::nullopt;
      case fb::MessageHeader::RecordBatch:
        return decoder_->decode(*message.header_as_RecordBatch(), body);
      case fb::MessageHeader::Schema:
        throw IoError(where_ + ": a second schema message");
      default:
        throw IoError(where_ +
                      ": a message that is not a schema, dictionary or record batch "
                      "(a tensor?), which setlpp does not read");
    }
  }

  const engine::SchemaPtr& output_schema() const { return decoder_->schema(); }
  const std::map<std::string, std::string>& metadata() const { return schema_.metadata; }
  // Each output column's metadata.
  std::vector<std::map<std::string, std::string>> column_metadata() const {
    std::vector<std::map<std::string, std::string>> out;
    for (const engine::Field& column : decoder_->schema()->fields()) {
      for (const IpcField& field : schema_.fields) {
        if (field.name == column.name) {
          out.push_back(field.metadata);
          break;
        }
      }
    }
    return out;
  }

  ArrowIpcData finish(std::vector<engine::RecordBatch> batches) const {
    return {engine::Table(decoder_->schema(), std::move(batches)), schema_.metadata,
            column_metadata()};
  }

 private:
  std::string where_;
  std::vector<std::string> columns_;
  IpcSchema schema_;
  std::optional<IpcBatchDecoder> decoder_;
};

// An encapsulated message at `offset` of the file: its flatbuffer and where its body
// starts. Accepts the format before 0.15 (no continuation marker) too.
struct Framed {
  const fb::Message* message;
  int64_t body_offset;
  engine::BufferPtr copy;  ///< the metadata, when it had to be copied to be aligned
};

Framed framed_message(const uint8_t* data, int64_t size, int64_t offset, const std::string& where) {
  auto fail = [&](const std::string& what) -> Framed {
    throw IoError(where + ": the message at byte " + std::to_string(offset) + " " + what);
  };
  if (offset < 0 || offset > size - 8) {
    fail("is outside the file");
  }
  int64_t at = offset;
  if (static_cast<uint32_t>(load_int32(data + at)) == kContinuation) {
    at += 4;
  }
  int32_t length = load_int32(data + at);
  at += 4;
  if (length <= 0 || length > size - at) {
    fail("declares " + std::to_string(length) + " bytes of metadata, past the file's end");
  }
  engine::BufferPtr copy;
  const fb::Message& message = verified_message(aligned(data + at, length, copy), length, where);
  return {&message, at + length, copy};
}

IpcBody body_at(const uint8_t* data, int64_t size, int64_t offset, int64_t length,
                const std::shared_ptr<const void>& owner, const std::string& where) {
  if (offset < 0 || length < 0 || offset > size || length > size - offset) {
    throw IoError(where + ": a message body of " + std::to_string(length) + " bytes at byte " +
                  std::to_string(offset) + " is past the file's end");
  }
  return {data + offset, length, owner};
}

// The file's footer, verified; `footer_copy` holds it when it had to be aligned.
const fb::Footer& file_footer(const uint8_t* data, int64_t size, const std::string& where,
                              engine::BufferPtr& footer_copy) {
  const int64_t trailer = 4 + kMagicBytes;
  if (size < 8 + trailer || std::memcmp(data, kMagic, kMagicBytes) != 0 ||
      std::memcmp(data + size - kMagicBytes, kMagic, kMagicBytes) != 0) {
    throw IoError(where + " is not an Arrow IPC file (no ARROW1 magic at its start and end)");
  }
  int32_t footer_length = load_int32(data + size - trailer);
  if (footer_length <= 0 || footer_length > size - trailer - 8) {
    throw IoError(where + ": the footer declares " + std::to_string(footer_length) +
                  " bytes, more than the file holds");
  }
  const uint8_t* footer_bytes =
      aligned(data + size - trailer - footer_length, footer_length, footer_copy);
  flatbuffers::Verifier verifier(footer_bytes, static_cast<size_t>(footer_length), kMaxDepth,
                                 kMaxTables);
  if (!fb::VerifyFooterBuffer(verifier)) {
    throw IoError(where + ": the footer is not a valid Arrow flatbuffer");
  }
  const fb::Footer& footer = *fb::GetFooter(footer_bytes);
  if (footer.schema() == nullptr) {
    throw IoError(where + ": the footer holds no schema");
  }
  return footer;
}

}  // namespace

IpcSchema read_ipc_file_schema(const uint8_t* data, int64_t size, const std::string& where) {
  engine::BufferPtr copy;
  const fb::Footer& footer = file_footer(data, size, where, copy);
  return read_ipc_schema(*footer.schema(), where);
}

ArrowIpcData read_ipc_file_bytes(const uint8_t* data, int64_t size,
                                 std::shared_ptr<const void> owner, const std::string& where,
                                 const std::vector<std::string>& columns) {
  engine::BufferPtr footer_copy;
  const fb::Footer& footer = file_footer(data, size, where, footer_copy);
  IpcAssembler assembler(where, columns);
  assembler.schema(*footer.schema());
  // The message a block locates, handed to the assembler with its body. Record batches
  // are decoded concurrently, so a dictionary where one belongs (which would change the
  // assembler) is refused before it reaches it.
  auto read_block = [&](const fb::Block& block, fb::MessageHeader expected) {
    Framed framed = framed_message(data, size, block.offset(), where);
    if (block.metadata_length() < 0 ||
        framed.body_offset > block.offset() + block.metadata_length()) {
      throw IoError(where + ": the block at byte " + std::to_string(block.offset()) +
                    " declares less metadata than its message has");
    }
    int64_t body_offset = block.offset() + block.metadata_length();
    int64_t body_length = std::max(block.body_length(), framed.message->body_length());
    if (framed.message->header_type() != expected) {
      throw IoError(where + ": the footer lists the message at byte " +
                    std::to_string(block.offset()) + " as a " +
                    (expected == fb::MessageHeader::RecordBatch ? "record batch" : "dictionary") +
                    ", which it is not");
    }
    return assembler.message(*framed.message,
                             body_at(data, size, body_offset, body_length, owner, where));
  };
  // Dictionaries first, in order (a delta extends the one before it); then the record
  // batches, which only read them, in parallel: decompressing is most of a compressed read.
  if (const auto* blocks = footer.dictionaries()) {
    for (size_t b = 0; b < blocks->size(); ++b) {
      read_block(struct_at(*blocks, b), fb::MessageHeader::DictionaryBatch);
    }
  }
  std::vector<std::optional<engine::RecordBatch>> decoded;
  if (const auto* blocks = footer.record_batches()) {
    decoded.resize(blocks->size());
    engine::parallel_for(blocks->size(), [&](size_t b) {
      decoded[b] = read_block(struct_at(*blocks, b), fb::MessageHeader::RecordBatch);
    });
  }
  std::vector<engine::RecordBatch> batches;
  for (std::optional<engine::RecordBatch>& batch : decoded) {
    batches.push_back(std::move(*batch));
  }
  return assembler.finish(std::move(batches));
}

struct IpcStreamDecoder::State {
  State(std::istream& in, std::string where, bool require_end_marker)
      : in(in), where(where), require_end_marker(require_end_marker), assembler(std::move(where)) {}
  std::istream& in;
  std::string where;
  bool require_end_marker;
  IpcAssembler assembler;
  int64_t position = 0;
  bool ended = false;
};

IpcStreamDecoder::IpcStreamDecoder(std::istream& in, std::string where, bool require_end_marker)
    : state_(std::make_unique<State>(in, std::move(where), require_end_marker)) {
  if (next_message()) {
    throw IoError(state_->where + ": a batch comes before the schema");
  }
  if (!state_->assembler.has_schema()) {
    throw IoError(state_->where + ": no schema message");
  }
}

IpcStreamDecoder::~IpcStreamDecoder() = default;

const engine::SchemaPtr& IpcStreamDecoder::schema() const {
  return state_->assembler.output_schema();
}

const std::map<std::string, std::string>& IpcStreamDecoder::metadata() const {
  return state_->assembler.metadata();
}

std::vector<std::map<std::string, std::string>> IpcStreamDecoder::column_metadata() const {
  return state_->assembler.column_metadata();
}

int64_t IpcStreamDecoder::bytes_read() const noexcept {
  return state_->position;
}

std::optional<engine::RecordBatch> IpcStreamDecoder::next() {
  while (!state_->ended) {
    if (std::optional<engine::RecordBatch> batch = next_message()) {
      return batch;
    }
  }
  return std::nullopt;
}

// Reads one message: a record batch is returned; a schema or dictionary is taken in (the
// constructor stops after the schema); the end marks the stream ended.
std::optional<engine::RecordBatch> IpcStreamDecoder::next_message() {
  State& s = *state_;
  const std::string& where = s.where;
  auto read_exactly = [&](void* into, int64_t bytes, const char* what) {
    s.in.read(static_cast<char*>(into), bytes);
    if (s.in.gcount() != bytes) {
      current_cancellation().check();  // a cancelled wait reads as an early end
      throw IoError(where + ": the stream ends inside " + what + " at byte " +
                    std::to_string(s.position + s.in.gcount()));
    }
    s.position += bytes;
  };
  uint32_t word = 0;
  s.in.read(reinterpret_cast<char*>(&word), 4);
  if (s.in.gcount() != 4) {
    current_cancellation().check();
  }
  if (s.in.gcount() == 0) {
    if (s.require_end_marker) {
      throw IoError(where + ": the stream ends at byte " + std::to_string(s.position) +
                    " without its end-of-stream marker (the writer stopped before the end)");
    }
    s.ended = true;
    return std::nullopt;
  }
  if (s.in.gcount() != 4) {
    throw IoError(where + ": the stream ends inside a message's length");
  }
  s.position += 4;
  if (word == kContinuation) {
    read_exactly(&word, 4, "a message's length");
  }
  auto length = static_cast<int32_t>(word);
  if (length == 0) {
    s.ended = true;  // the end-of-stream marker
    return std::nullopt;
  }
  // Metadata of more than 64 MiB is no schema or batch header a writer makes.
  if (length < 0 || length > (64 << 20)) {
    throw IoError(where + ": a message declares " + std::to_string(length) +
                  " bytes of metadata at byte " + std::to_string(s.position));
  }
  engine::BufferPtr metadata = engine::Buffer::allocate(static_cast<size_t>(length));
  read_exactly(metadata->mutable_data(), length, "a message's metadata");
  const fb::Message& message = verified_message(metadata->data(), length, where);
  if (message.header_type() == fb::MessageHeader::Schema) {
    if (s.assembler.has_schema()) {
      throw IoError(where + ": a second schema message");
    }
    if (message.header_as_Schema() == nullptr) {
      throw IoError(where + ": a schema message without its schema");
    }
    s.assembler.schema(*message.header_as_Schema());
    return std::nullopt;
  }
  // A body of ordinary size is read straight into its buffer (pages a short stream never
  // fills are never touched). A larger one is read in pieces first, so that a length the
  // stream does not hold fails at its end rather than reserving it all.
  int64_t body_length = message.body_length();
  constexpr int64_t kDirect = 256 << 20;
  engine::BufferPtr body;
  if (body_length <= kDirect) {
    body = engine::Buffer::allocate(static_cast<size_t>(body_length));
    read_exactly(body->mutable_data(), body_length, "a message's body");
  } else {
    std::vector<uint8_t> staged;
    constexpr int64_t kPiece = 16 << 20;
    while (static_cast<int64_t>(staged.size()) < body_length) {
      int64_t piece = std::min(kPiece, body_length - static_cast<int64_t>(staged.size()));
      size_t at = staged.size();
      staged.resize(at + static_cast<size_t>(piece));
      read_exactly(staged.data() + at, piece, "a message's body");
    }
    body = engine::Buffer::allocate(staged.size());
    std::memcpy(body->mutable_data(), staged.data(), staged.size());
  }
  return s.assembler.message(message, {body->data(), body_length, body});
}

ArrowIpcData read_ipc_stream(std::istream& in, const std::string& where) {
  IpcStreamDecoder decoder(in, where, false);
  std::vector<engine::RecordBatch> batches;
  while (std::optional<engine::RecordBatch> batch = decoder.next()) {
    batches.push_back(std::move(*batch));
  }
  return {engine::Table(decoder.schema(), std::move(batches)), decoder.metadata(),
          decoder.column_metadata()};
}

}  // namespace setl::storage::detail
