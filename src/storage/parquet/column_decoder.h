// Turns the decompressed pages of one column chunk into engine columns (private to the
// storage layer): the whole chunk, or pieces of it. One decoder per chunk; pages arrive in
// file order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "setl/engine/column.h"
#include "storage/parquet/parquet_reader.h"

namespace setl::storage::parquet {

class ColumnDecoder {
 public:
  virtual ~ColumnDecoder() = default;
  /// A dictionary page: `count` values in PLAIN encoding.
  virtual void dictionary_page(const uint8_t* data, size_t size, int64_t count) = 0;
  /// A data page of `num_values` rows. `levels` holds one definition level per row (1 =
  /// present) or is null when every row is present; `present` counts the present rows,
  /// whose values [data, data + size) holds in `encoding`.
  virtual void data_page(const uint8_t* data, size_t size, int64_t num_values,
                         const uint32_t* levels, int64_t present,
                         format::Encoding::type encoding) = 0;
  /// The rows decoded since the last flush as a column; the next pages start a new one
  /// (the dictionary is kept).
  virtual engine::ColumnPtr flush() = 0;
  /// The last piece (flush); throws ParseError if the pages held fewer or more rows in
  /// all than `rows`.
  virtual engine::ColumnPtr finish() = 0;
};

/// A decoder producing `rows` rows of `column`'s engine type. With `keep_dictionary`, a
/// string piece whose pages are all dictionary-encoded comes as codes into the chunk's
/// dictionary (Column::dictionary_encoded).
std::unique_ptr<ColumnDecoder> make_column_decoder(const FlatColumn& column, int64_t rows,
                                                   bool keep_dictionary = false);

/// The engine value of a plain-encoded statistic (min or max) of `column`, if it has one.
std::optional<engine::Scalar> decode_statistic(const FlatColumn& column, const std::string& bytes);

}  // namespace setl::storage::parquet
