// An immutable column of values of one type in Arrow layout: an optional validity bitmap
// (bit set = value present; absent when there are no nulls), then the values (bit-packed
// bools or fixed-width numbers), or for strings int32 offsets and UTF-8 bytes. A column
// may be a zero-copy slice of a larger one (offset() > 0).
//
// Inside a query, a string column read from Parquet may instead be dictionary-encoded:
// an int32 code per row into a shared dictionary of distinct strings (is_dictionary()).
// string_value() and scalar() read either layout; code that reads offsets and bytes
// directly decodes first (detail::decoded). Tables a query returns are never encoded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "setl/engine/buffer.h"
#include "setl/engine/scalar.h"
#include "setl/engine/type.h"

namespace setl::engine {

class Column;
using ColumnPtr = std::shared_ptr<const Column>;

inline bool get_bit(const uint8_t* bits, int64_t index) {
  return (bits[index >> 3] >> (index & 7)) & 1;
}
inline void set_bit(uint8_t* bits, int64_t index, bool value) {
  uint8_t mask = static_cast<uint8_t>(1u << (index & 7));
  bits[index >> 3] = value ? (bits[index >> 3] | mask) : (bits[index >> 3] & ~mask);
}
/// Number of set bits in [offset, offset + length).
int64_t count_set_bits(const uint8_t* bits, int64_t offset, int64_t length);
/// Copies bits [offset, offset + length) of `from` to bits [0, length) of `to`, which holds
/// (length + 7) / 8 bytes: a slice's bitmap moved to start at bit 0, as files and messages
/// store it. The last byte's bits past `length` are cleared.
void copy_bits(const uint8_t* from, int64_t offset, int64_t length, uint8_t* to);

class Column {
 public:
  /// Wraps buffers. `null_count` -1 means "count it". For strings, `values` holds the
  /// int32 offsets (length + 1 of them from `offset`) and `chars` the bytes.
  /// Throws: InternalError if a buffer is too small for `length` at `offset`.
  Column(DataType type, int64_t length, BufferPtr validity, BufferPtr values,
         BufferPtr chars = nullptr, int64_t null_count = -1, int64_t offset = 0);

  /// A column of `length` nulls of `type`.
  static ColumnPtr nulls(DataType type, int64_t length);
  /// A column repeating one value.
  static ColumnPtr constant(const Scalar& value, int64_t length);
  /// A dictionary-encoded string column: row i is `dictionary` row codes[i] (int32, one
  /// per row; the code of a NULL row is ignored but must still be a valid index).
  /// `dictionary` is a plain string column without NULLs.
  /// Throws: InternalError if the dictionary is not such a column or a code is out of
  /// its range.
  static ColumnPtr dictionary_encoded(ColumnPtr dictionary, int64_t length, BufferPtr codes,
                                      BufferPtr validity = nullptr, int64_t null_count = -1);

  const DataType& type() const noexcept { return type_; }
  int64_t length() const noexcept { return length_; }
  int64_t offset() const noexcept { return offset_; }
  int64_t null_count() const noexcept { return null_count_; }

  bool is_valid(int64_t row) const {
    return validity_ == nullptr ? type_.id() != TypeId::kNull
                                : get_bit(validity_->data(), offset_ + row);
  }
  bool is_null(int64_t row) const { return !is_valid(row); }

  /// Fixed-width values starting at this column's first row.
  template <class T>
  const T* values() const {
    return values_->data_as<T>() + offset_;
  }
  bool bool_value(int64_t row) const { return get_bit(values_->data(), offset_ + row); }
  std::string_view string_value(int64_t row) const {
    if (dictionary_ != nullptr) [[unlikely]] {
      return dictionary_->string_value(codes()[row]);
    }
    const int32_t* offsets = values_->data_as<int32_t>() + offset_;
    return std::string_view(chars_->data_as<char>() + offsets[row],
                            static_cast<size_t>(offsets[row + 1] - offsets[row]));
  }
  /// True for a dictionary-encoded string column.
  bool is_dictionary() const noexcept { return dictionary_ != nullptr; }
  /// The distinct strings a dictionary-encoded column's codes index (null otherwise).
  const ColumnPtr& dictionary() const noexcept { return dictionary_; }
  /// A dictionary-encoded column's codes, from its first row.
  const int32_t* codes() const { return values_->data_as<int32_t>() + offset_; }
  /// The cell as a Scalar (slow; for display and tests).
  Scalar scalar(int64_t row) const;

  /// Rows [offset, offset + length) of this column, sharing its buffers.
  ColumnPtr slice(int64_t offset, int64_t length) const;

  const BufferPtr& validity_buffer() const noexcept { return validity_; }
  /// Offsets of a plain string column, the codes of a dictionary-encoded one.
  const BufferPtr& values_buffer() const noexcept { return values_; }
  const BufferPtr& chars_buffer() const noexcept { return chars_; }
  /// Bytes of memory the buffers this column references hold (shared buffers counted in
  /// full, with their capacity).
  int64_t memory_size() const;
  /// Bytes of this column's own rows (a slice counts only its part): what a copy takes.
  /// A dictionary-encoded column counts its codes and its whole dictionary.
  int64_t data_size() const;

 private:
  struct DictionaryTag {};
  Column(DictionaryTag, ColumnPtr dictionary, int64_t length, BufferPtr validity, BufferPtr codes,
         int64_t null_count, int64_t offset);
  // Counts the NULLs when null_count_ is -1, and drops a validity buffer without any.
  void settle_null_count();

  DataType type_;
  int64_t length_;
  int64_t offset_;
  int64_t null_count_;
  BufferPtr validity_;
  BufferPtr values_;
  BufferPtr chars_;
  ColumnPtr dictionary_;
};

}  // namespace setl::engine
