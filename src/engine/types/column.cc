#include "setl/engine/column.h"

#include <bit>
#include <cstring>

#include "setl/core/error.h"

namespace setl::engine {

int64_t count_set_bits(const uint8_t* bits, int64_t offset, int64_t length) {
  int64_t count = 0;
  int64_t index = offset;
  int64_t end = offset + length;
  while (index < end && (index & 63) != 0) {
    count += get_bit(bits, index++);
  }
  for (; index + 64 <= end; index += 64) {
    uint64_t word = 0;
    std::memcpy(&word, bits + index / 8, 8);
    count += std::popcount(word);
  }
  while (index < end) {
    count += get_bit(bits, index++);
  }
  return count;
}

void copy_bits(const uint8_t* from, int64_t offset, int64_t length, uint8_t* to) {
  if (length <= 0) {
    return;
  }
  const int64_t bytes = (length + 7) / 8;
  const uint8_t* source = from + offset / 8;
  const int shift = static_cast<int>(offset % 8);
  if (shift == 0) {
    std::memcpy(to, source, static_cast<size_t>(bytes));
  } else {
    // Each output byte is the high bits of one source byte and the low bits of the next,
    // which exists only while it still holds bits of the range.
    const int64_t source_bytes = (shift + length + 7) / 8;
    for (int64_t b = 0; b < bytes; ++b) {
      auto low = static_cast<unsigned>(source[b]) >> shift;
      unsigned high =
          b + 1 < source_bytes ? static_cast<unsigned>(source[b + 1]) << (8 - shift) : 0;
      to[b] = static_cast<uint8_t>(low | high);
    }
  }
  if (length % 8 != 0) {
    to[bytes - 1] &= static_cast<uint8_t>((1u << (length % 8)) - 1);
  }
}

Column::Column(DataType type, int64_t length, BufferPtr validity, BufferPtr values, BufferPtr chars,
               int64_t null_count, int64_t offset)
    : type_(std::move(type)),
      length_(length),
      offset_(offset),
      null_count_(null_count),
      validity_(std::move(validity)),
      values_(std::move(values)),
      chars_(std::move(chars)) {
  auto require = [&](const BufferPtr& buffer, int64_t bytes, const char* what) {
    if (buffer == nullptr || static_cast<int64_t>(buffer->size()) < bytes) {
      throw InternalError(std::string("column of ") + type_.to_string() + " with " +
                          std::to_string(offset_ + length_) + " rows needs a " + what +
                          " buffer of " + std::to_string(bytes) + " bytes, got " +
                          (buffer ? std::to_string(buffer->size()) : std::string("none")));
    }
  };
  int64_t rows = offset_ + length_;
  if (validity_ != nullptr) {
    require(validity_, (rows + 7) / 8, "validity");
  }
  switch (type_.id()) {
    case TypeId::kNull:
      null_count_ = length_;
      return;
    case TypeId::kBool:
      require(values_, (rows + 7) / 8, "values");
      break;
    case TypeId::kString:
      require(values_, (rows + 1) * 4, "offsets");
      require(chars_, 0, "chars");
      break;
    default:
      require(values_, rows * type_.byte_width(), "values");
  }
  settle_null_count();
}

Column::Column(DictionaryTag, ColumnPtr dictionary, int64_t length, BufferPtr validity,
               BufferPtr codes, int64_t null_count, int64_t offset)
    : type_(DataType::string()),
      length_(length),
      offset_(offset),
      null_count_(null_count),
      validity_(std::move(validity)),
      values_(std::move(codes)),
      dictionary_(std::move(dictionary)) {
  settle_null_count();
}

void Column::settle_null_count() {
  if (null_count_ < 0) {
    null_count_ =
        validity_ == nullptr ? 0 : length_ - count_set_bits(validity_->data(), offset_, length_);
  }
  if (null_count_ == 0) {
    validity_.reset();
  }
}

ColumnPtr Column::dictionary_encoded(ColumnPtr dictionary, int64_t length, BufferPtr codes,
                                     BufferPtr validity, int64_t null_count) {
  if (dictionary == nullptr || dictionary->type().id() != TypeId::kString ||
      dictionary->is_dictionary() || dictionary->null_count() != 0) {
    throw InternalError("a dictionary must be a plain string column without NULLs");
  }
  if (length < 0 || codes == nullptr || static_cast<int64_t>(codes->size()) < length * 4) {
    throw InternalError("a dictionary-encoded column of " + std::to_string(length) +
                        " rows needs " + std::to_string(length * 4) + " bytes of codes");
  }
  if (validity != nullptr && static_cast<int64_t>(validity->size()) < (length + 7) / 8) {
    throw InternalError("a dictionary-encoded column of " + std::to_string(length) +
                        " rows needs a validity buffer of " + std::to_string((length + 7) / 8) +
                        " bytes");
  }
  // Every code, NULL rows' too, so that code paths gathering by code need no check.
  const int32_t* values = codes->data_as<int32_t>();
  auto entries = static_cast<uint32_t>(dictionary->length());
  uint32_t out_of_range = 0;
  for (int64_t row = 0; row < length; ++row) {
    out_of_range |= static_cast<uint32_t>(static_cast<uint32_t>(values[row]) >= entries);
  }
  if (out_of_range != 0) {
    throw InternalError("a dictionary code is out of range for a dictionary of " +
                        std::to_string(entries) + " strings");
  }
  return std::shared_ptr<Column>(new Column(DictionaryTag{}, std::move(dictionary), length,
                                            std::move(validity), std::move(codes), null_count, 0));
}

ColumnPtr Column::nulls(DataType type, int64_t length) {
  if (type.id() == TypeId::kNull) {
    return std::make_shared<Column>(type, length, nullptr, nullptr, nullptr, length);
  }
  auto validity = Buffer::allocate(static_cast<size_t>((length + 7) / 8), true);
  BufferPtr values;
  BufferPtr chars;
  if (type.id() == TypeId::kString) {
    values = Buffer::allocate(static_cast<size_t>((length + 1) * 4), true);
    chars = Buffer::allocate(0);
  } else if (type.id() == TypeId::kBool) {
    values = Buffer::allocate(static_cast<size_t>((length + 7) / 8), true);
  } else {
    values = Buffer::allocate(static_cast<size_t>(length * type.byte_width()), true);
  }
  return std::make_shared<Column>(std::move(type), length, std::move(validity), std::move(values),
                                  std::move(chars), length);
}

ColumnPtr Column::constant(const Scalar& value, int64_t length) {
  if (value.is_null()) {
    return nulls(value.type(), length);
  }
  const DataType& type = value.type();
  switch (type.id()) {
    case TypeId::kBool: {
      auto values = Buffer::allocate(static_cast<size_t>((length + 7) / 8));
      std::memset(values->mutable_data(), value.as_bool() ? 0xFF : 0x00, values->size());
      return std::make_shared<Column>(type, length, nullptr, std::move(values));
    }
    case TypeId::kInt32:
    case TypeId::kDate32: {
      auto values = Buffer::allocate(static_cast<size_t>(length * 4));
      auto* out = values->mutable_data_as<int32_t>();
      std::fill(out, out + length, static_cast<int32_t>(value.as_int()));
      return std::make_shared<Column>(type, length, nullptr, std::move(values));
    }
    case TypeId::kInt64:
    case TypeId::kTimestamp: {
      auto values = Buffer::allocate(static_cast<size_t>(length * 8));
      auto* out = values->mutable_data_as<int64_t>();
      std::fill(out, out + length, value.as_int());
      return std::make_shared<Column>(type, length, nullptr, std::move(values));
    }
    case TypeId::kFloat64: {
      auto values = Buffer::allocate(static_cast<size_t>(length * 8));
      auto* out = values->mutable_data_as<double>();
      std::fill(out, out + length, value.as_double());
      return std::make_shared<Column>(type, length, nullptr, std::move(values));
    }
    case TypeId::kDecimal: {
      auto values = Buffer::allocate(static_cast<size_t>(length * 16));
      auto* out = values->mutable_data_as<int128>();
      std::fill(out, out + length, value.as_decimal());
      return std::make_shared<Column>(type, length, nullptr, std::move(values));
    }
    case TypeId::kString: {
      const std::string& text = value.as_string();
      auto offsets = Buffer::allocate(static_cast<size_t>((length + 1) * 4));
      auto chars = Buffer::allocate(text.size() * static_cast<size_t>(length));
      auto* out = offsets->mutable_data_as<int32_t>();
      for (int64_t i = 0; i <= length; ++i) {
        out[i] = static_cast<int32_t>(i * static_cast<int64_t>(text.size()));
      }
      for (int64_t i = 0; i < length; ++i) {
        std::memcpy(chars->mutable_data() + i * static_cast<int64_t>(text.size()), text.data(),
                    text.size());
      }
      return std::make_shared<Column>(type, length, nullptr, std::move(offsets), std::move(chars));
    }
    case TypeId::kNull:
      break;
  }
  return nulls(type, length);
}

Scalar Column::scalar(int64_t row) const {
  if (row < 0 || row >= length_) {
    throw StateError("row " + std::to_string(row) + " is out of range for a column of " +
                     std::to_string(length_) + " rows");
  }
  if (is_null(row)) {
    return Scalar::null(type_);
  }
  switch (type_.id()) {
    case TypeId::kBool:
      return Scalar::boolean(bool_value(row));
    case TypeId::kInt32:
      return Scalar::int32(values<int32_t>()[row]);
    case TypeId::kInt64:
      return Scalar::int64(values<int64_t>()[row]);
    case TypeId::kFloat64:
      return Scalar::float64(values<double>()[row]);
    case TypeId::kString:
      return Scalar::string(std::string(string_value(row)));
    case TypeId::kDate32:
      return Scalar::date32(values<int32_t>()[row]);
    case TypeId::kTimestamp:
      return Scalar::timestamp(values<int64_t>()[row], type_.zone());
    case TypeId::kDecimal:
      return Scalar::decimal(values<int128>()[row], type_.precision(), type_.scale());
    case TypeId::kNull:
      break;
  }
  return Scalar::null(type_);
}

ColumnPtr Column::slice(int64_t offset, int64_t length) const {
  if (offset < 0 || length < 0 || offset + length > length_) {
    throw StateError("slice [" + std::to_string(offset) + ", " + std::to_string(offset + length) +
                     ") is out of range for a column of " + std::to_string(length_) + " rows");
  }
  int64_t null_count = null_count_ == 0 ? 0 : -1;
  if (dictionary_ != nullptr) {
    return std::shared_ptr<Column>(new Column(DictionaryTag{}, dictionary_, length, validity_,
                                              values_, null_count, offset_ + offset));
  }
  return std::make_shared<Column>(type_, length, validity_, values_, chars_, null_count,
                                  offset_ + offset);
}

int64_t Column::memory_size() const {
  int64_t size = 0;
  for (const BufferPtr* buffer : {&validity_, &values_, &chars_}) {
    if (*buffer) {
      size += static_cast<int64_t>((*buffer)->capacity());
    }
  }
  return dictionary_ != nullptr ? size + dictionary_->memory_size() : size;
}

}  // namespace setl::engine

namespace setl::engine {

int64_t Column::data_size() const {
  int64_t size = validity_ ? (length_ + 7) / 8 : 0;
  switch (type_.id()) {
    case TypeId::kNull:
      return size;
    case TypeId::kBool:
      return size + (length_ + 7) / 8;
    case TypeId::kString: {
      if (dictionary_ != nullptr) {
        return size + length_ * 4 + dictionary_->data_size();
      }
      const int32_t* offsets = values_->data_as<int32_t>() + offset_;
      return size + (length_ + 1) * 4 + (offsets[length_] - offsets[0]);
    }
    default:
      return size + length_ * type_.byte_width();
  }
}

}  // namespace setl::engine
