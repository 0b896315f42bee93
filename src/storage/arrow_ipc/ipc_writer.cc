#include "storage/arrow_ipc/ipc_writer.h"

#include <cstring>
#include <numeric>
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

// A column as Arrow lays it out from row 0: dictionary-encoded ones decoded, slices
// copied, string offsets starting at zero.
ColumnPtr laid_out(const ColumnPtr& column) {
  ColumnPtr plain = engine::detail::decoded(column);
  bool rebase = plain->type().id() == TypeId::kString && plain->length() > 0 &&
                plain->values_buffer()->data_as<int32_t>()[plain->offset()] != 0;
  if (plain->offset() == 0 && !rebase) {
    return plain;
  }
  std::vector<int64_t> rows(static_cast<size_t>(plain->length()));
  std::iota(rows.begin(), rows.end(), 0);
  return engine::detail::take(*plain, rows);
}

// A record batch's body and the flatbuffer header describing it.
class BodyWriter {
 public:
  explicit BodyWriter(const ArrowIpcWriteOptions& options) : options_(options) {
    if (options.compression != ArrowIpcCompression::kNone) {
      codec_ =
          options.compression == ArrowIpcCompression::kZstd ? IpcCodec::kZstd : IpcCodec::kLz4Frame;
    }
  }

  void add(const uint8_t* data, int64_t bytes) {
    int64_t offset = static_cast<int64_t>(body_.size());
    if (codec_ && bytes > 0) {
      // The uncompressed length first, -1 when the buffer is stored as it is because
      // compressing did not make it smaller.
      std::string packed =
          ipc_compress(*codec_, data, static_cast<size_t>(bytes), options_.compression_level);
      bool smaller = static_cast<int64_t>(packed.size()) < bytes;
      int64_t prefix = smaller ? bytes : -1;
      append(reinterpret_cast<const uint8_t*>(&prefix), 8);
      if (smaller) {
        append(reinterpret_cast<const uint8_t*>(packed.data()),
               static_cast<int64_t>(packed.size()));
      } else {
        append(data, bytes);
      }
    } else if (bytes > 0) {
      append(data, bytes);
    }
    buffers_.emplace_back(offset, static_cast<int64_t>(body_.size()) - offset);
    body_.resize(static_cast<size_t>(align8(static_cast<int64_t>(body_.size()))), 0);
  }
  void add_column(const Column& column) {
    int64_t rows = column.length();
    nodes_.emplace_back(rows, column.type().id() == TypeId::kNull ? rows : column.null_count());
    if (column.type().id() == TypeId::kNull) {
      return;  // the null layout has no buffers
    }
    const engine::BufferPtr& validity = column.validity_buffer();
    bool with_validity = validity != nullptr && column.null_count() > 0;
    add(with_validity ? validity->data() : nullptr, with_validity ? (rows + 7) / 8 : 0);
    switch (column.type().id()) {
      case TypeId::kBool:
        add(column.values_buffer()->data(), (rows + 7) / 8);
        return;
      case TypeId::kString: {
        const int32_t* offsets = column.values_buffer()->data_as<int32_t>();
        add(reinterpret_cast<const uint8_t*>(offsets), (rows + 1) * 4);
        add(column.chars_buffer() ? column.chars_buffer()->data() : nullptr, offsets[rows]);
        return;
      }
      default:
        add(column.values_buffer()->data(), rows * column.type().byte_width());
    }
  }
  const std::vector<uint8_t>& body() const { return body_; }

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

 private:
  void append(const uint8_t* data, int64_t bytes) { body_.insert(body_.end(), data, data + bytes); }

  const ArrowIpcWriteOptions& options_;
  std::optional<IpcCodec> codec_;
  std::vector<uint8_t> body_;
  std::vector<fb::FieldNode> nodes_;
  std::vector<fb::Buffer> buffers_;
};

struct Written {
  int64_t metadata_length;  ///< prefix, flatbuffer and padding
  int64_t body_length;
};

// An encapsulated message: continuation marker, padded metadata length, metadata, body.
Written write_message(std::ostream& out, Builder& builder, fb::MessageHeader kind,
                      flatbuffers::Offset<void> header, const std::vector<uint8_t>& body) {
  auto message = fb::CreateMessage(builder, fb::MetadataVersion::V5, kind, header,
                                   static_cast<int64_t>(body.size()));
  builder.Finish(message);
  auto size = static_cast<int64_t>(builder.GetSize());
  int64_t padded = align8(8 + size) - 8;
  auto length = static_cast<int32_t>(padded);
  out.write(reinterpret_cast<const char*>(&kContinuation), 4);
  out.write(reinterpret_cast<const char*>(&length), 4);
  out.write(reinterpret_cast<const char*>(builder.GetBufferPointer()), size);
  static const char kZeros[8] = {};
  out.write(kZeros, padded - size);
  out.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
  return {8 + padded, static_cast<int64_t>(body.size())};
}

Written write_schema(std::ostream& out, const engine::Schema& schema,
                     const ArrowIpcWriteOptions& options) {
  Builder builder;
  auto header = schema_of(builder, schema, options);
  return write_message(out, builder, fb::MessageHeader::Schema, header.Union(), {});
}

Written write_batch(std::ostream& out, const engine::RecordBatch& batch,
                    const ArrowIpcWriteOptions& options) {
  BodyWriter body(options);
  for (const ColumnPtr& column : batch.columns()) {
    body.add_column(*laid_out(column));
  }
  Builder builder;
  auto header = body.header(builder, batch.num_rows());
  return write_message(out, builder, fb::MessageHeader::RecordBatch, header.Union(), body.body());
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
