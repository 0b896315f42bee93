// Reads one column chunk page by page (private to the storage layer), so that a row group
// larger than memory is decoded in pieces: read_rows(n) decodes pages until n rows are
// buffered and hands them over, keeping the dictionary for the pages after. A mapped file
// is viewed in place; otherwise it is read a window at a time (whole pages; a page larger
// than the window is read whole).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "setl/core/error.h"
#include "setl/engine/column.h"
#include "storage/parquet/codec.h"
#include "storage/parquet/column_decoder.h"
#include "storage/parquet/parquet_reader.h"

namespace setl::storage::parquet {

class ColumnChunkReader {
 public:
  /// Checks the chunk's metadata against the file and the row group. With
  /// `keep_dictionary`, dictionary-encoded strings stay encoded (make_column_decoder).
  /// Throws: ParseError naming the file, the column and the row group.
  ColumnChunkReader(const ParquetFileReader& file, size_t row_group, size_t column,
                    bool verify_checksums, int64_t window_bytes, bool keep_dictionary = false);

  /// The next rows as a column: at least min(rows, rows_left()), more when a page holds
  /// more (pages are not cut); empty once every row was handed over. Throws: ParseError
  /// naming the file, the column, the row group and the page.
  engine::ColumnPtr read_rows(int64_t rows);
  int64_t rows_left() const noexcept { return rows_ - handed_over_; }
  /// Bytes of the chunk read (or viewed, when the file is mapped) so far.
  int64_t bytes_read() const noexcept { return bytes_read_; }

 private:
  // Decodes the next page into the decoder; returns the rows it added.
  int64_t decode_page();
  // Makes [pos_, pos_ + size) of the chunk readable at data() (size within the chunk).
  void load(size_t size);
  const uint8_t* data() const;
  size_t available() const;
  [[noreturn]] void rethrow_with_place(Error& error) const;

  const ParquetFileReader& file_;
  const FlatColumn& flat_;
  size_t row_group_;
  bool verify_;
  int64_t rows_ = 0;
  int64_t chunk_start_ = 0;
  size_t chunk_length_ = 0;
  size_t window_bytes_;
  Codec codec_ = Codec::kUncompressed;
  std::unique_ptr<ColumnDecoder> decoder_;
  std::string storage_;      // read bytes, when the file is not mapped
  std::string_view buffer_;  // chunk bytes [buffer_start_, buffer_start_ + buffer_.size())
  size_t buffer_start_ = 0;
  size_t pos_ = 0;  // next page header, relative to the chunk
  int64_t values_seen_ = 0;
  int64_t buffered_ = 0;  // rows decoded, not handed over
  int64_t handed_over_ = 0;
  int64_t bytes_read_ = 0;
  int page_number_ = -1;
  std::string page_buffer_;
  std::vector<uint32_t> levels_;
};

}  // namespace setl::storage::parquet
