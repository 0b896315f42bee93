#include "engine/types/batch_codec.h"

#include <cstring>
#include <vector>

#include "engine/types/column_ops.h"
#include "setl/core/error.h"

namespace setl::engine::detail {
namespace {

constexpr uint32_t kFrameMagic = 0x31'42'58'53;  // "SXB1"
constexpr size_t kAlign = 8;

struct ColumnHeader {
  uint8_t type = 0;
  uint8_t has_validity = 0;
  uint8_t reserved[6] = {};
  uint64_t validity_bytes = 0;
  uint64_t values_bytes = 0;
  uint64_t chars_bytes = 0;
};

uint64_t bitmap_bytes(int64_t rows) {
  return static_cast<uint64_t>((rows + 7) / 8);
}

// Bytes of the values (or offsets) buffer of `rows` values of `type`.
uint64_t values_bytes(const DataType& type, int64_t rows) {
  switch (type.id()) {
    case TypeId::kNull:
      return 0;
    case TypeId::kBool:
      return bitmap_bytes(rows);
    case TypeId::kString:
      return static_cast<uint64_t>(rows + 1) * 4;
    default:
      return static_cast<uint64_t>(rows) * static_cast<uint64_t>(type.byte_width());
  }
}

void put(std::string& out, const void* data, size_t size) {
  out.append(static_cast<const char*>(data), size);
}
void pad(std::string& out) {
  out.append((kAlign - out.size() % kAlign) % kAlign, '\0');
}
// `length` bits from bit `offset`, re-based to bit 0.
void put_bits(std::string& out, const uint8_t* bits, int64_t offset, int64_t length) {
  if (offset % 8 == 0) {
    put(out, bits + offset / 8, bitmap_bytes(length));
  } else {
    std::vector<uint8_t> shifted(bitmap_bytes(length));
    copy_bits(bits, offset, length, shifted.data());
    put(out, shifted.data(), shifted.size());
  }
  pad(out);
}

}  // namespace

void encode_batch(const RecordBatch& batch, std::string& out) {
  pad(out);
  int64_t rows = batch.num_rows();
  uint32_t header[2] = {kFrameMagic, static_cast<uint32_t>(batch.num_columns())};
  put(out, header, sizeof(header));
  put(out, &rows, sizeof(rows));
  for (const ColumnPtr& column_ptr : batch.columns()) {
    ColumnPtr plain = decoded(column_ptr);
    const Column& column = *plain;
    const DataType& type = column.type();
    int64_t offset = column.offset();
    const int32_t* offsets = type.id() == TypeId::kString ? column.values<int32_t>() : nullptr;
    ColumnHeader head;
    head.type = static_cast<uint8_t>(type.id());
    head.has_validity = column.validity_buffer() != nullptr && column.null_count() != 0;
    head.validity_bytes = head.has_validity ? bitmap_bytes(rows) : 0;
    head.values_bytes = values_bytes(type, rows);
    head.chars_bytes = offsets ? static_cast<uint64_t>(offsets[rows] - offsets[0]) : 0;
    put(out, &head, sizeof(head));
    if (head.has_validity) {
      put_bits(out, column.validity_buffer()->data(), offset, rows);
    }
    switch (type.id()) {
      case TypeId::kNull:
        break;
      case TypeId::kBool:
        put_bits(out, column.values_buffer()->data(), offset, rows);
        break;
      case TypeId::kString: {
        size_t at = out.size();
        out.resize(at + head.values_bytes);
        auto* rebased = reinterpret_cast<int32_t*>(out.data() + at);
        for (int64_t i = 0; i <= rows; ++i) {
          rebased[i] = offsets[i] - offsets[0];
        }
        pad(out);
        put(out, column.chars_buffer()->data() + offsets[0], head.chars_bytes);
        pad(out);
        break;
      }
      default:
        put(out, column.values_buffer()->data() + offset * type.byte_width(), head.values_bytes);
        pad(out);
    }
  }
}

BatchDecoder::BatchDecoder(std::string_view bytes, SchemaPtr schema, std::string what)
    : bytes_(bytes), schema_(std::move(schema)), what_(std::move(what)) {}

void BatchDecoder::damaged(const std::string& why) const {
  throw DistributedError(what_ + " is damaged at byte " + std::to_string(position_) + ": " + why);
}

void BatchDecoder::read(void* data, size_t size) {
  if (size > bytes_.size() - position_) {
    damaged("it ends early");
  }
  std::memcpy(data, bytes_.data() + position_, size);
  position_ += size;
}

BufferPtr BatchDecoder::read_buffer(uint64_t size) {
  if (size > bytes_.size() - position_) {
    damaged("a buffer of " + std::to_string(size) + " bytes is larger than what is left");
  }
  BufferPtr buffer = Buffer::allocate(static_cast<size_t>(size));
  read(buffer->mutable_data(), static_cast<size_t>(size));
  position_ = std::min(bytes_.size(), position_ + (kAlign - position_ % kAlign) % kAlign);
  return buffer;
}

RecordBatch BatchDecoder::next() {
  position_ = std::min(bytes_.size(), position_ + (kAlign - position_ % kAlign) % kAlign);
  uint32_t header[2] = {0, 0};
  int64_t rows = 0;
  read(header, sizeof(header));
  read(&rows, sizeof(rows));
  const Schema& schema = *schema_;
  uint64_t left = bytes_.size() - position_;
  if (header[0] != kFrameMagic) {
    damaged("no batch starts here");
  }
  if (header[1] != schema.num_fields()) {
    damaged(std::to_string(header[1]) + " columns where " + std::to_string(schema.num_fields()) +
            " are expected");
  }
  // Every column but an all-NULL one takes at least a bit per row.
  if (rows < 0 || (schema.num_fields() > 0 && static_cast<uint64_t>(rows) > left * 8 + 8)) {
    damaged("a row count of " + std::to_string(rows));
  }
  std::vector<ColumnPtr> columns;
  for (size_t c = 0; c < schema.num_fields(); ++c) {
    const DataType& type = schema.field(c).type;
    ColumnHeader head;
    read(&head, sizeof(head));
    if (head.type != static_cast<uint8_t>(type.id())) {
      damaged("column '" + schema.field(c).name + "' has another type");
    }
    if (head.validity_bytes != (head.has_validity ? bitmap_bytes(rows) : 0) ||
        head.values_bytes != values_bytes(type, rows) ||
        (type.id() != TypeId::kString && head.chars_bytes != 0)) {
      damaged("column '" + schema.field(c).name + "' has buffers of the wrong size");
    }
    BufferPtr validity = head.has_validity ? read_buffer(head.validity_bytes) : nullptr;
    if (type.id() == TypeId::kNull) {
      columns.push_back(Column::nulls(type, rows));
      continue;
    }
    BufferPtr values = read_buffer(head.values_bytes);
    BufferPtr chars;
    if (type.id() == TypeId::kString) {
      const int32_t* offsets = values->data_as<int32_t>();
      if (head.chars_bytes > static_cast<uint64_t>(INT32_MAX) || offsets[0] != 0 ||
          static_cast<uint64_t>(offsets[rows]) != head.chars_bytes) {
        damaged("column '" + schema.field(c).name + "' has string offsets out of range");
      }
      for (int64_t i = 0; i < rows; ++i) {
        if (offsets[i] > offsets[i + 1]) {
          damaged("column '" + schema.field(c).name + "' has decreasing string offsets");
        }
      }
      chars = read_buffer(head.chars_bytes);
    }
    columns.push_back(std::make_shared<Column>(type, rows, validity, values, chars));
  }
  return RecordBatch(schema_, std::move(columns), rows);
}

}  // namespace setl::engine::detail
