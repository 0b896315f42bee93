#include "storage/arrow_ipc/ipc_writer.h"

#include <cstring>
#include <deque>
#include <optional>
#include <vector>

#include "engine/types/column_ops.h"
#include "file_generated.h"
#include "message_generated.h"
#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/engine/column.h"
#include "storage/arrow_ipc/ipc_compression.h"
#include "storage/arrow_ipc/ipc_dictionaries.h"

namespace setl::storage::detail {
namespace {

namespace fb = arrow_ipc::fb;
using engine::Column;
using engine::ColumnPtr;
using engine::TypeId;
using Builder = flatbuffers::FlatBufferBuilder;

constexpr char kFileMagic[8] = {'A', 'R', 'R', 'O', 'W', '1', 0, 0};
constexpr uint32_t kContinuation = 0xFFFFFFFF;

// Buffers start on 64 bytes from the file's (or stream's) start, as the specification
// recommends: a mapped file's buffers then suit any engine type (decimal128 wants 16) and
// SIMD loads, and are wrapped where they lie rather than copied.
constexpr int64_t kBufferAlignment = 64;

int64_t align_up(int64_t bytes, int64_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
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

// `dictionary_fields[i]`: field i is sent dictionary-encoded, as dictionary id i with
// int32 indices.
flatbuffers::Offset<fb::Schema> schema_of(Builder& builder, const engine::Schema& schema,
                                          const std::vector<bool>& dictionary_fields,
                                          const ArrowIpcWriteOptions& options) {
  std::vector<flatbuffers::Offset<fb::Field>> fields;
  for (size_t i = 0; i < schema.fields().size(); ++i) {
    const engine::Field& field = schema.field(i);
    auto name = builder.CreateString(field.name);
    auto [type_type, type] = arrow_type(builder, field.type);
    flatbuffers::Offset<fb::DictionaryEncoding> dictionary = 0;
    if (dictionary_fields[i]) {
      dictionary = fb::CreateDictionaryEncoding(builder, static_cast<int64_t>(i),
                                                fb::CreateInt(builder, 32, true));
    }
    auto children = builder.CreateVector(std::vector<flatbuffers::Offset<fb::Field>>());
    auto found = options.column_metadata.find(field.name);
    auto metadata = found == options.column_metadata.end() ? 0 : key_values(builder, found->second);
    fields.push_back(fb::CreateField(builder, name, field.nullable, type_type, type, dictionary,
                                     children, metadata));
  }
  auto vector = builder.CreateVector(fields);
  auto metadata = options.metadata.empty() ? 0 : key_values(builder, options.metadata);
  return fb::CreateSchema(builder, fb::Endianness::Little, vector, metadata);
}

// Bits [offset, offset + count) of a bitmap, moved to start at bit 0.
std::string shifted_bits(const uint8_t* bits, int64_t offset, int64_t count) {
  std::string out(static_cast<size_t>((count + 7) / 8), '\0');
  engine::copy_bits(bits, offset, count, reinterpret_cast<uint8_t*>(out.data()));
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

  // A dictionary-encoded column is sent as its codes (the indices of an Arrow dictionary
  // field) when `as_dictionary`, else decoded.
  void add_column(const ColumnPtr& any, bool as_dictionary = false) {
    if (as_dictionary) {
      add_codes(any);
      return;
    }
    ColumnPtr column = engine::detail::decoded(any);
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

  // Writes the body: each buffer (after its length prefix when compressed), padded.
  void write(std::ostream& out) const {
    static const char kZeros[kBufferAlignment] = {};
    for (const Piece& piece : pieces_) {
      if (piece.prefix) {
        out.write(reinterpret_cast<const char*>(&*piece.prefix), 8);
      }
      if (piece.bytes > 0) {
        out.write(reinterpret_cast<const char*>(piece.data), piece.bytes);
      }
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

  void add_codes(const ColumnPtr& column) {
    int64_t rows = column->length();
    nodes_.emplace_back(rows, column->null_count());
    keep_.push_back(column);
    if (column->validity_buffer() != nullptr && column->null_count() > 0) {
      add_bits(column->validity_buffer()->data(), column->offset(), rows);
    } else {
      add(nullptr, 0);
    }
    add(reinterpret_cast<const uint8_t*>(column->codes()), rows * 4);
  }

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
    piece.padding = align_up(written, kBufferAlignment) - written;
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

// An encapsulated message at byte `position` (a multiple of 8): continuation marker,
// metadata length, metadata padded so that the body starts on kBufferAlignment, body.
Written write_message(std::ostream& out, int64_t position, Builder& builder, fb::MessageHeader kind,
                      flatbuffers::Offset<void> header, const BodyWriter* body) {
  int64_t body_length = body == nullptr ? 0 : body->body_length();
  auto message = fb::CreateMessage(builder, fb::MetadataVersion::V5, kind, header, body_length);
  builder.Finish(message);
  auto size = static_cast<int64_t>(builder.GetSize());
  int64_t padded = align_up(position + 8 + size, kBufferAlignment) - position - 8;
  auto length = static_cast<int32_t>(padded);
  out.write(reinterpret_cast<const char*>(&kContinuation), 4);
  out.write(reinterpret_cast<const char*>(&length), 4);
  out.write(reinterpret_cast<const char*>(builder.GetBufferPointer()), size);
  static const char kZeros[kBufferAlignment] = {};
  out.write(kZeros, padded - size);
  if (body != nullptr) {
    body->write(out);
  }
  return {8 + padded, body_length};
}

Written write_record_batch(std::ostream& out, int64_t position, const engine::RecordBatch& batch,
                           const std::vector<bool>& dictionary_fields,
                           const ArrowIpcWriteOptions& options) {
  BodyWriter body(options);
  for (size_t i = 0; i < batch.columns().size(); ++i) {
    body.add_column(batch.columns()[i], dictionary_fields[i]);
  }
  Builder builder;
  auto header = body.header(builder, batch.num_rows());
  return write_message(out, position, builder, fb::MessageHeader::RecordBatch, header.Union(),
                       &body);
}

Written write_dictionary(std::ostream& out, int64_t position, int64_t id,
                         const ColumnPtr& dictionary, const ArrowIpcWriteOptions& options) {
  BodyWriter body(options);
  body.add_column(dictionary);
  Builder builder;
  auto data = body.header(builder, dictionary->length());
  auto header = fb::CreateDictionaryBatch(builder, id, data, false);
  return write_message(out, position, builder, fb::MessageHeader::DictionaryBatch, header.Union(),
                       &body);
}

std::string column_list(const engine::Schema& schema) {
  std::string list;
  for (const engine::Field& field : schema.fields()) {
    list += (list.empty() ? "" : ", ") + field.name;
  }
  return list;
}

// Same names and types (whether a column may hold NULLs is the schema's to say).
bool same_columns(const engine::Schema& a, const engine::Schema& b) {
  if (a.fields().size() != b.fields().size()) {
    return false;
  }
  for (size_t i = 0; i < a.fields().size(); ++i) {
    if (a.field(i).name != b.field(i).name || a.field(i).type != b.field(i).type) {
      return false;
    }
  }
  return true;
}

// The table's batches with each column of `dictionary_fields` encoded over one dictionary.
std::vector<engine::RecordBatch> with_shared_dictionaries(
    const engine::Table& table, const std::vector<bool>& dictionary_fields) {
  std::vector<engine::RecordBatch> batches = table.batches();
  for (size_t c = 0; c < dictionary_fields.size(); ++c) {
    if (!dictionary_fields[c] || batches.empty()) {
      continue;
    }
    std::vector<ColumnPtr> parts;
    for (const engine::RecordBatch& batch : batches) {
      parts.push_back(dictionary_encode(batch.columns()[c]));
    }
    parts = share_dictionary(parts);
    for (size_t b = 0; b < batches.size(); ++b) {
      std::vector<ColumnPtr> columns = batches[b].columns();
      columns[c] = parts[b];
      batches[b] =
          engine::RecordBatch(batches[b].schema(), std::move(columns), batches[b].num_rows());
    }
  }
  return batches;
}

}  // namespace

IpcWriter::IpcWriter(std::ostream& out, engine::SchemaPtr schema, ArrowIpcWriteOptions options,
                     IpcFormat format)
    : out_(out), schema_(std::move(schema)), options_(std::move(options)), format_(format) {
  for (const std::string& name : options_.dictionary_columns) {
    std::optional<size_t> index = schema_->find(name);
    if (!index || schema_->field(*index).type.id() != TypeId::kString) {
      throw SchemaError("Arrow IPC: dictionary column '" + name +
                        "' is not a string column of the table (columns: " + column_list(*schema_) +
                        ")");
    }
  }
}

std::vector<bool> IpcWriter::dictionary_fields(const engine::Schema& schema,
                                               const engine::RecordBatch* first,
                                               const ArrowIpcWriteOptions& options) {
  std::vector<bool> fields(schema.fields().size(), false);
  for (size_t i = 0; i < fields.size(); ++i) {
    fields[i] =
        options.dictionary_columns.count(schema.field(i).name) > 0 ||
        (options.keep_dictionaries && first != nullptr && first->columns()[i]->is_dictionary());
  }
  return fields;
}

void IpcWriter::start(const engine::RecordBatch* first) {
  dictionary_fields_ = dictionary_fields(*schema_, first, options_);
  sent_dictionaries_.assign(dictionary_fields_.size(), nullptr);
  if (format_ == IpcFormat::kFile) {
    out_.write(kFileMagic, sizeof(kFileMagic));
    position_ = sizeof(kFileMagic);
  }
  Builder builder;
  auto header = schema_of(builder, *schema_, dictionary_fields_, options_);
  position_ +=
      write_message(out_, position_, builder, fb::MessageHeader::Schema, header.Union(), nullptr)
          .metadata_length;
  started_ = true;
}

void IpcWriter::write(const engine::RecordBatch& batch) {
  if (!same_columns(*batch.schema(), *schema_)) {
    throw SchemaError("Arrow IPC: a batch of columns (" + batch.schema()->to_string() +
                      ") in a stream of (" + schema_->to_string() + ")");
  }
  if (!started_) {
    start(&batch);
  }
  std::vector<ColumnPtr> columns = batch.columns();
  for (size_t c = 0; c < columns.size(); ++c) {
    if (!dictionary_fields_[c]) {
      continue;
    }
    columns[c] = dictionary_encode(columns[c]);
    if (columns[c]->dictionary() == sent_dictionaries_[c]) {
      continue;
    }
    // A stream replaces a field's dictionary; a file has one per field (write_ipc_file
    // shares them first), as the format allows no replacement there.
    if (format_ == IpcFormat::kFile && sent_dictionaries_[c] != nullptr) {
      throw InternalError("Arrow IPC: a second dictionary for column '" + schema_->field(c).name +
                          "' of a file");
    }
    Written written = write_dictionary(out_, position_, static_cast<int64_t>(c),
                                       columns[c]->dictionary(), options_);
    dictionary_blocks_.emplace_back(position_, static_cast<int32_t>(written.metadata_length),
                                    written.body_length);
    position_ += written.metadata_length + written.body_length;
    sent_dictionaries_[c] = columns[c]->dictionary();
  }
  Written written = write_record_batch(
      out_, position_, engine::RecordBatch(schema_, std::move(columns), batch.num_rows()),
      dictionary_fields_, options_);
  batch_blocks_.emplace_back(position_, static_cast<int32_t>(written.metadata_length),
                             written.body_length);
  position_ += written.metadata_length + written.body_length;
  if (format_ == IpcFormat::kStream) {
    out_.flush();  // the reader at the other end gets the batch now
  }
  check();
}

void IpcWriter::finish() {
  if (!started_) {
    start(nullptr);
  }
  if (format_ == IpcFormat::kStream) {
    const uint32_t end[2] = {kContinuation, 0};
    out_.write(reinterpret_cast<const char*>(end), sizeof(end));
  } else {
    Builder builder;
    auto schema = schema_of(builder, *schema_, dictionary_fields_, options_);
    auto dictionaries = builder.CreateVectorOfStructs(dictionary_blocks_);
    auto batches = builder.CreateVectorOfStructs(batch_blocks_);
    builder.Finish(
        fb::CreateFooter(builder, fb::MetadataVersion::V5, schema, dictionaries, batches));
    auto size = static_cast<int32_t>(builder.GetSize());
    out_.write(reinterpret_cast<const char*>(builder.GetBufferPointer()), size);
    out_.write(reinterpret_cast<const char*>(&size), 4);
    out_.write(kFileMagic, 6);
  }
  out_.flush();
  check();
}

void IpcWriter::check() const {
  if (!out_) {
    current_cancellation().check();  // a cancelled wait fails the output too
    throw IoError("Arrow IPC: the output failed while writing");
  }
}

void write_ipc_stream(const engine::Table& table, std::ostream& out,
                      const ArrowIpcWriteOptions& options) {
  IpcWriter writer(out, table.schema(), options, IpcFormat::kStream);
  for (const engine::RecordBatch& batch : table.batches()) {
    writer.write(batch);
  }
  writer.finish();
}

void write_ipc_file(const engine::Table& table, std::ostream& out,
                    const ArrowIpcWriteOptions& options) {
  IpcWriter writer(out, table.schema(), options, IpcFormat::kFile);
  std::vector<bool> dictionary_fields = IpcWriter::dictionary_fields(
      *table.schema(), table.batches().empty() ? nullptr : &table.batches().front(), options);
  for (const engine::RecordBatch& batch : with_shared_dictionaries(table, dictionary_fields)) {
    writer.write(batch);
  }
  writer.finish();
}

}  // namespace setl::storage::detail
