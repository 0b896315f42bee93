// Builds a Column value by value. Appends check the type; reserve() then the unsafe_
// variants skip capacity checks in hot loops.
//
//   ColumnBuilder b(DataType::int64());
//   b.append_int(1); b.append_null(); b.append_int(3);
//   ColumnPtr column = b.finish();
#pragma once

#include <cstdint>
#include <string_view>

#include "setl/engine/column.h"

namespace setl::engine {

class ColumnBuilder {
 public:
  explicit ColumnBuilder(DataType type, int64_t expected_rows = 0);

  const DataType& type() const noexcept { return type_; }
  int64_t length() const noexcept { return length_; }

  /// Makes room for `rows` more values (and `chars` more string bytes).
  void reserve(int64_t rows, int64_t chars = 0);

  void append_null();
  void append_bool(bool value);
  /// int32, int64, date32 (days) and timestamp (µs) columns; checks int32 range.
  void append_int(int64_t value);
  void append_double(double value);
  void append_string(std::string_view value);
  /// Decimal columns: the unscaled value at the column's scale. Throws: SchemaError if
  /// it has more digits than the column's precision.
  void append_decimal(int128 unscaled);
  /// Appends a scalar of the builder's type (or NULL). Integers widen to int64, float64
  /// and decimal; decimals rescale to the column's scale. Throws: SchemaError for another type.
  void append(const Scalar& value);
  /// Appends row `row` of a column of the same type.
  void append_from(const Column& column, int64_t row);
  /// Appends `text` parsed as the builder's type (parse_value.h's formats; strings as
  /// they are). Returns false, having appended NULL, when it is not a value of the type.
  [[nodiscard]] bool append_text(std::string_view text);

  ColumnPtr finish();

 private:
  void grow(int64_t rows);
  void mark_valid();
  [[noreturn]] void wrong_type(std::string_view what) const;

  DataType type_;
  int64_t length_ = 0;
  int64_t capacity_ = 0;
  int64_t null_count_ = 0;
  int64_t chars_length_ = 0;
  BufferPtr validity_;
  BufferPtr values_;
  BufferPtr chars_;
};

}  // namespace setl::engine
