#include "storage/arrow_ipc/ipc_writer.h"

#include <cstring>
#include <deque>
#include <optional>
#include <vector>

#include "engine/types/column_ops.h"
#include "file_generated.h"
#include "message_generated.h"
#include "setl/core/error.h"
#include "setl/engine/column.h"
#include "storage/arrow_ipc/ipc_compression.h"

namespace setl::storage::detail {
namespace {

namespace fb = arrow_ipc::fb;
using engine::Column;
using engine::ColumnPtr;
using engine::TypeId;
using Builder = flatbuffers::FlatBufferBuilder;

constexpr char kFileMagic[8] = {'A', 'R', 'R', 'O', 'W', '1', 0, 0};
constexpr uint32_t kContinuation = 0xFFFFFFFF;

int64_t align8(int64_t bytes) {
  return (bytes + 7) & ~int64_t{7};
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::KeyValue>>> key_values(
    Builder& builder, const std::map<std::string, std::string>& pairs) {
  std::vector<flatbuffers::Offset<fb::KeyValue>> out;
  for (const auto& [key, value] : pairs) {
    out.push_back(
        fb::CreateKeyValue(builder, builder.CreateString(key), builder.CreateString(value)));
  }
  return builder.CreateVector(out);
}

std::pair<fb::Type, flatbuffers::Offset<void>> arrow_type(Builder& builder,
                                                          const engine::DataType& type) {
  switch (type.id()) {
    case TypeId::kNull:
      return {fb::Type::Null, fb::CreateNull(builder).Union()};
    case TypeId::kBool:
      return {fb::Type::Bool, fb::CreateBool(builder).Union()};
    case TypeId::kInt32:
      return {fb::Type::Int, fb::CreateInt(builder, 32, true).Union()};
    case TypeId::kInt64:
      return {fb::Type::Int, fb::CreateInt(builder, 64, true).Union()};
    case TypeId::kFloat64:
      return {fb::Type::FloatingPoint,
              fb::CreateFloatingPoint(builder, fb::Precision::DOUBLE).Union()};
    case TypeId::kString:
      return {fb::Type::Utf8, fb::CreateUtf8(builder).Union()};
    case TypeId::kDate32:
      return {fb::Type::Date, fb::CreateDate(builder, fb::DateUnit::DAY).Union()};
    case TypeId::kTimestamp: {
      auto zone = type.zone().empty() ? 0 : builder.CreateString(type.zone());
      return {fb::Type::Timestamp,
              fb::CreateTimestamp(builder, fb::TimeUnit::MICROSECOND, zone).Union()};
    }
    case TypeId::kDecimal:
      return {fb::Type::Decimal,
              fb::CreateDecimal(builder, type.precision(), type.scale(), 128).Union()};
  }
  throw IoError("Arrow IPC: no Arrow type for " + type.to_string());
}

flatbuffers::Offset<fb::Schema> schema_of(Builder& builder, const engine::Schema& schema,
                                          const ArrowIpcWriteOptions& options) {
  std::vector<flatbuffers::Offset<fb::Field>> fields;
  for (const engine::Field& field : schema.fields()) {
    auto name = builder.CreateString(field.name);
    auto [type_type, type] = arrow_type(builder, field.type);
    auto children = builder.CreateVector(std::vector<flatbuffers::Offset<fb::Field>>());
    auto found = options.column_metadata.find(field.name);
    auto metadata = found == options.column_metadata.end() ? 0 : key_values(builder, found->second);
    fields.push_back(
        fb::CreateField(builder, name, field.nullable, type_type, type, 0, children, metadata));
  }
  auto vector = builder.CreateVector(fields);
  auto metadata = options.metadata.empty() ? 0 : key_values(builder, options.metadata);
  return fb::CreateSchema(builder, fb::Endianness::Little, vector, metadata);
}

// Bits [offset, offset + count) of a bitmap, moved to start at bit 0.
std::string shifted_bits(const uint8_t* bits, int64_t offset, int64_t count) {
  std::string out(static_cast<size_t>((count + 7) / 8), '\0');
  auto* to = reinterpret_cast<uint8_t*>(out.data());
  for (int64_t i = 0; i < count; ++i) {
    engine::set_bit(to, i, engine::get_bit(bits, offset + i));
  }
  return out;
}

// A record batch's body, as pieces that point at the columns' own buffers (a slice's part
// of them), copied only where Arrow's layout differs (a bitmap not starting on a byte,
// string offsets not starting at 0) or when compressed; and the header describing it.
class BodyWriter {
 public:
  explicit BodyWriter(const ArrowIpcWriteOptions& options) : options_(options) {
    if (options.compression != ArrowIpcCompression::kNone) {
      codec_ =
          options.compression == ArrowIpcCompression::kZstd ? IpcCodec::kZstd : IpcCodec::kLz4Frame;
    }
  }

  void add_column(const ColumnPtr& any) {
    ColumnPtr column = engine::detail::decoded(any);  // dictionaries are written decoded
    int64_t rows = column->length();
    int64_t at = column->offset();
    nodes_.emplace_back(rows, column->type().id() == TypeId::kNull ? rows : column->null_count());
    if (column->type().id() == TypeId::kNull) {
      return;  // the null layout has no buffers
    }
    keep_.push_back(column);
    const engine::BufferPtr& validity = column->validity_buffer();
    if (validity != nullptr && column->null_count() > 0) {
      add_bits(validity->data(), at, rows);
    } else {
      add(nullptr, 0);
    }
    const uint8_t* values = column->values_buffer()->data();
    switch (column->type().id()) {
      case TypeId::kBool:
        add_bits(values, at, rows);
        return;
      case TypeId::kString: {
        const int32_t* offsets = column->values_buffer()->data_as<int32_t>() + at;
        const uint8_t* chars = column->chars_buffer() ? column->chars_buffer()->data() : nullptr;
        if (offsets[0] == 0) {
          add(reinterpret_cast<const uint8_t*>(offsets), (rows + 1) * 4);
        } else {
          std::string rebased(static_cast<size_t>(rows + 1) * 4, '\0');
          auto* to = reinterpret_cast<int32_t*>(rebased.data());
          for (int64_t i = 0; i <= rows; ++i) {
            to[i] = offsets[i] - offsets[0];
          }
          add_owned(std::move(rebased));
        }
        add(chars == nullptr ? nullptr : chars + offsets[0], offsets[rows] - offsets[0]);
        return;
      }
      default: {
        int64_t width = column->type().byte_width();
        add(values + at * width, rows * width);
      }
    }
  }

  int64_t body_length() const noexcept { return length_; }

  flatbuffers::Offset<fb::RecordBatch> header(Builder& builder, int64_t rows) const {
    auto nodes = builder.CreateVectorOfStructs(nodes_);
    auto buffers = builder.CreateVectorOfStructs(buffers_);
    flatbuffers::Offset<fb::BodyCompression> compression = 0;
    if (codec_) {
      compression = fb::CreateBodyCompression(builder, *codec_ == IpcCodec::kZstd
                                                           ? fb::CompressionType::ZSTD
                                                           : fb::CompressionType::LZ4_FRAME);
    }
    return fb::CreateRecordBatch(builder, rows, nodes, buffers, compression);
  }

  // Writes the body: each buffer (after its length prefix when compressed), padded to 8.
  void write(std::ostream& out) const {
    static const char kZeros[8] = {};
    for (const Piece& piece : pieces_) {
      if (piece.prefix) {
        out.write(reinterpret_cast<const char*>(&*piece.prefix), 8);
      }
      out.write(reinterpret_cast<const char*>(piece.data), piece.bytes);
      out.write(kZeros, piece.padding);
    }
  }

 private:
  struct Piece {
    std::optional<int64_t> prefix;
    const uint8_t* data;
    int64_t bytes;
    int64_t padding;
  };

  void add_bits(const uint8_t* bits, int64_t offset, int64_t count) {
    if (offset % 8 == 0) {
      add(bits + offset / 8, (count + 7) / 8);
    } else {
      add_owned(shifted_bits(bits, offset, count));
    }
  }

  void add_owned(std::string bytes) {
    owned_.push_back(std::move(bytes));
    add(reinterpret_cast<const uint8_t*>(owned_.back().data()),
        static_cast<int64_t>(owned_.back().size()));
  }

  void add(const uint8_t* data, int64_t bytes) {
    Piece piece{std::nullopt, data, bytes, 0};
    if (codec_ && bytes > 0) {
      // The uncompressed length first, -1 when the buffer is stored as it is because
      // compressing did not make it smaller.
      std::string packed =
          ipc_compress(*codec_, data, static_cast<size_t>(bytes), options_.compression_level);
      if (static_cast<int64_t>(packed.size()) < bytes) {
        owned_.push_back(std::move(packed));
        piece = {bytes, reinterpret_cast<const uint8_t*>(owned_.back().data()),
                 static_cast<int64_t>(owned_.back().size()), 0};
      } else {
        piece.prefix = -1;
      }
    }
    int64_t written = (piece.prefix ? 8 : 0) + piece.bytes;
    piece.padding = align8(written) - written;
    buffers_.emplace_back(length_, written);
    length_ += written + piece.padding;
    pieces_.push_back(piece);
  }

  const ArrowIpcWriteOptions& options_;
  std::optional<IpcCodec> codec_;
  std::vector<ColumnPtr> keep_;    ///< the columns the pieces point into
  std::deque<std::string> owned_;  ///< copies and compressed buffers (stable addresses)
  std::vector<Piece> pieces_;
  int64_t length_ = 0;
  std::vector<fb::FieldNode> nodes_;
  std::vector<fb::Buffer> buffers_;
};

struct Written {
  int64_t metadata_length;  ///< prefix, flatbuffer and padding
  int64_t body_length;
};

// An encapsulated message: continuation marker, padded metadata length, metadata, body.
Written write_message(std::ostream& out, Builder& builder, fb::MessageHeader kind,
                      flatbuffers::Offset<void> header, const BodyWriter* body) {
  int64_t body_length = body == nullptr ? 0 : body->body_length();
  auto message = fb::CreateMessage(builder, fb::MetadataVersion::V5, kind, header, body_length);
  builder.Finish(message);
  auto size = static_cast<int64_t>(builder.GetSize());
  int64_t padded = align8(8 + size) - 8;
  auto length = static_cast<int32_t>(padded);
  out.write(reinterpret_cast<const char*>(&kContinuation), 4);
  out.write(reinterpret_cast<const char*>(&length), 4);
  out.write(reinterpret_cast<const char*>(builder.GetBufferPointer()), size);
  static const char kZeros[8] = {};
  out.write(kZeros, padded - size);
  if (body != nullptr) {
    body->write(out);
  }
  return {8 + padded, body_length};
}

Written write_schema(std::ostream& out, const engine::Schema& schema,
                     const ArrowIpcWriteOptions& options) {
  Builder builder;
  auto header = schema_of(builder, schema, options);
  return write_message(out, builder, fb::MessageHeader::Schema, header.Union(), nullptr);
}

Written write_batch(std::ostream& out, const engine::RecordBatch& batch,
                    const ArrowIpcWriteOptions& options) {
  BodyWriter body(options);
  for (const ColumnPtr& column : batch.columns()) {
    body.add_column(column);
  }
  Builder builder;
  auto header = body.header(builder, batch.num_rows());
  return write_message(out, builder, fb::MessageHeader::RecordBatch, header.Union(), &body);
}

void check(const std::ostream& out) {
  if (!out) {
    throw IoError("Arrow IPC: the output failed while writing");
  }
}

}  // namespace

void write_ipc_stream(const engine::Table& table, std::ostream& out,
                      const ArrowIpcWriteOptions& options) {
  write_schema(out, *table.schema(), options);
  for (const engine::RecordBatch& batch : table.batches()) {
    write_batch(out, batch, options);
  }
  const uint32_t end[2] = {kContinuation, 0};
  out.write(reinterpret_cast<const char*>(end), sizeof(end));
  check(out);
}

void write_ipc_file(const engine::Table& table, std::ostream& out,
                    const ArrowIpcWriteOptions& options) {
  out.write(kFileMagic, sizeof(kFileMagic));
  int64_t position = sizeof(kFileMagic);
  position += write_schema(out, *table.schema(), options).metadata_length;
  std::vector<fb::Block> blocks;
  for (const engine::RecordBatch& batch : table.batches()) {
    Written written = write_batch(out, batch, options);
    blocks.emplace_back(position, static_cast<int32_t>(written.metadata_length),
                        written.body_length);
    position += written.metadata_length + written.body_length;
  }
  Builder builder;
  auto schema = schema_of(builder, *table.schema(), options);
  auto batches = builder.CreateVectorOfStructs(blocks);
  auto dictionaries = builder.CreateVectorOfStructs(std::vector<fb::Block>());
  builder.Finish(fb::CreateFooter(builder, fb::MetadataVersion::V5, schema, dictionaries, batches));
  auto size = static_cast<int32_t>(builder.GetSize());
  out.write(reinterpret_cast<const char*>(builder.GetBufferPointer()), size);
  out.write(reinterpret_cast<const char*>(&size), 4);
  out.write(kFileMagic, 6);
  check(out);
}

}  // namespace setl::storage::detail
