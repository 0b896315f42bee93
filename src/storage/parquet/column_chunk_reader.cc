#include "storage/parquet/column_chunk_reader.h"

#include <algorithm>
#include <cstring>

#include <zlib.h>

#include "setl/core/error.h"
#include "storage/parquet/encoding.h"
#include "storage/parquet/metadata.h"

namespace setl::storage::parquet {
namespace {

// A page header is small, but statistics inside it may hold long strings: it is parsed
// from this many bytes first, and from more if they do not hold it.
constexpr size_t kHeaderProbeBytes = 64 * 1024;

uint32_t load_u32(const uint8_t* p) {
  uint32_t value;
  std::memcpy(&value, p, 4);
  return value;
}

// Rows with a value, from flat definition levels (0 = NULL, 1 = present).
int64_t count_present(const std::vector<uint32_t>& levels) {
  int64_t present = 0;
  for (uint32_t level : levels) {
    if (level > 1) {
      throw ParseError("definition level " + std::to_string(level) +
                       " exceeds the column's maximum of 1");
    }
    present += level;
  }
  return present;
}

}  // namespace

ColumnChunkReader::ColumnChunkReader(const ParquetFileReader& file, size_t row_group, size_t column,
                                     bool verify_checksums, int64_t window_bytes,
                                     bool keep_dictionary)
    : file_(file),
      flat_(file.columns().at(column)),
      row_group_(row_group),
      verify_(verify_checksums),
      window_bytes_(static_cast<size_t>(std::max<int64_t>(window_bytes, 1))) {
  try {
    const format::ColumnChunk& chunk =
        file.metadata().row_groups.at(row_group).columns.at(flat_.leaf);
    rows_ = file.row_group_rows(row_group);
    if (!chunk.__isset.meta_data) {
      throw ParseError("column chunk has no metadata");
    }
    if (chunk.__isset.file_path && !chunk.file_path.empty()) {
      throw ParseError("column chunk stored in another file ('" + chunk.file_path +
                       "') is not supported");
    }
    const format::ColumnMetaData& meta = chunk.meta_data;
    if (meta.type != flat_.physical) {
      throw ParseError("column chunk type " + format::to_string(meta.type) +
                       " differs from the schema's " + format::to_string(flat_.physical));
    }
    if (meta.num_values != rows_) {
      throw ParseError("column chunk declares " + std::to_string(meta.num_values) +
                       " values, the row group " + std::to_string(rows_) + " rows");
    }
    int64_t start = meta.data_page_offset;
    if (meta.__isset.dictionary_page_offset && meta.dictionary_page_offset > 0 &&
        meta.dictionary_page_offset < start) {
      start = meta.dictionary_page_offset;
    }
    int64_t length = meta.total_compressed_size;
    if (start < 4 || length < 0 || start > file.data_end() || length > file.data_end() - start) {
      throw ParseError("column chunk range [" + std::to_string(start) + ", +" +
                       std::to_string(length) + ") lies outside the data section");
    }
    chunk_start_ = start;
    chunk_length_ = static_cast<size_t>(length);
    codec_ = static_cast<Codec>(meta.codec);
    decoder_ = make_column_decoder(flat_, rows_, keep_dictionary);
  } catch (Error& error) {
    rethrow_with_place(error);
  }
}

engine::ColumnPtr ColumnChunkReader::read_rows(int64_t rows) {
  try {
    while (buffered_ < rows && values_seen_ < rows_) {
      buffered_ += decode_page();
    }
    if (buffered_ == 0 && handed_over_ == rows_) {
      return engine::Column::nulls(flat_.type, 0);
    }
    // The last piece also checks that the pages held exactly the row group's rows.
    engine::ColumnPtr piece = values_seen_ == rows_ ? decoder_->finish() : decoder_->flush();
    handed_over_ += buffered_;
    buffered_ = 0;
    return piece;
  } catch (Error& error) {
    rethrow_with_place(error);
  }
}

void ColumnChunkReader::load(size_t size) {
  size_t offset = pos_ - buffer_start_;
  if (pos_ >= buffer_start_ && offset <= buffer_.size() && size <= buffer_.size() - offset) {
    return;
  }
  size_t rest = chunk_length_ - pos_;
  size_t length = file_.maps_bytes() ? rest : std::min(rest, std::max(size, window_bytes_));
  buffer_ = file_.view_range(chunk_start_ + static_cast<int64_t>(pos_),
                             static_cast<int64_t>(length), storage_);
  buffer_start_ = pos_;
  bytes_read_ += static_cast<int64_t>(length);
}

const uint8_t* ColumnChunkReader::data() const {
  return reinterpret_cast<const uint8_t*>(buffer_.data()) + (pos_ - buffer_start_);
}

size_t ColumnChunkReader::available() const {
  return buffer_.size() - (pos_ - buffer_start_);
}

int64_t ColumnChunkReader::decode_page() {
  ++page_number_;
  if (pos_ >= chunk_length_) {
    throw ParseError("column chunk ends after " + std::to_string(values_seen_) + " of " +
                     std::to_string(rows_) + " values");
  }
  format::PageHeader header;
  size_t header_size = 0;
  for (size_t probe = kHeaderProbeBytes;; probe *= 8) {
    load(std::min(probe, chunk_length_ - pos_));
    try {
      header = parse_page_header(data(), available(), header_size);
      break;
    } catch (const ParseError&) {
      if (available() >= chunk_length_ - pos_) {
        throw;  // the whole rest of the chunk does not hold a header: it is corrupt
      }
    }
  }
  pos_ += header_size;
  if (header.compressed_page_size < 0 || header.uncompressed_page_size < 0 ||
      static_cast<size_t>(header.compressed_page_size) > chunk_length_ - pos_) {
    throw ParseError("page size " + std::to_string(header.compressed_page_size) +
                     " runs past the end of the column chunk");
  }
  auto page_size = static_cast<size_t>(header.compressed_page_size);
  load(page_size);
  const uint8_t* page = data();
  pos_ += page_size;
  if (verify_ && header.__isset.crc) {
    auto actual = static_cast<uint32_t>(crc32(0L, page, static_cast<uInt>(page_size)));
    if (actual != static_cast<uint32_t>(header.crc)) {
      throw ParseError("page checksum mismatch (CRC-32 stored " +
                       std::to_string(static_cast<uint32_t>(header.crc)) + ", computed " +
                       std::to_string(actual) + "): the file is corrupt");
    }
  }
  auto expected = static_cast<size_t>(header.uncompressed_page_size);
  switch (header.type) {
    case format::PageType::DICTIONARY_PAGE: {
      if (!header.__isset.dictionary_page_header) {
        throw ParseError("dictionary page without its header");
      }
      const auto& dictionary = header.dictionary_page_header;
      if (dictionary.encoding != format::Encoding::PLAIN &&
          dictionary.encoding != format::Encoding::PLAIN_DICTIONARY) {
        throw ParseError("dictionary page encoding " + format::to_string(dictionary.encoding) +
                         " is not supported");
      }
      decompress(codec_, page, page_size, expected, page_buffer_);
      decoder_->dictionary_page(reinterpret_cast<const uint8_t*>(page_buffer_.data()),
                                page_buffer_.size(), dictionary.num_values);
      return 0;
    }
    case format::PageType::DATA_PAGE: {
      if (!header.__isset.data_page_header) {
        throw ParseError("data page without its header");
      }
      const auto& v1 = header.data_page_header;
      if (v1.num_values < 0 || v1.num_values > rows_ - values_seen_) {
        throw ParseError("data page declares " + std::to_string(v1.num_values) +
                         " values; the column chunk has " + std::to_string(rows_ - values_seen_) +
                         " left");
      }
      decompress(codec_, page, page_size, expected, page_buffer_);
      auto body = reinterpret_cast<const uint8_t*>(page_buffer_.data());
      size_t body_size = page_buffer_.size();
      size_t offset = 0;
      const uint32_t* level_data = nullptr;
      int64_t present = v1.num_values;
      if (flat_.optional) {
        levels_.resize(static_cast<size_t>(v1.num_values));
        if (v1.definition_level_encoding == format::Encoding::BIT_PACKED) {
          // The deprecated encoding packs levels most significant bit first.
          size_t bytes_needed = (levels_.size() + 7) / 8;
          if (bytes_needed > body_size) {
            throw ParseError("truncated BIT_PACKED definition levels");
          }
          for (size_t i = 0; i < levels_.size(); ++i) {
            levels_[i] = (body[i >> 3] >> (7 - (i & 7))) & 1;
          }
          offset = bytes_needed;
        } else {
          if (body_size < 4) {
            throw ParseError("truncated definition levels");
          }
          uint32_t level_bytes = load_u32(body);
          if (level_bytes > body_size - 4) {
            throw ParseError("definition levels run past the end of the page");
          }
          RleDecoder(body + 4, level_bytes, 1).decode(levels_.data(), v1.num_values);
          offset = 4 + level_bytes;
        }
        present = count_present(levels_);
        level_data = levels_.data();
      }
      decoder_->data_page(body + offset, body_size - offset, v1.num_values, level_data, present,
                          v1.encoding);
      values_seen_ += v1.num_values;
      return v1.num_values;
    }
    case format::PageType::DATA_PAGE_V2: {
      if (!header.__isset.data_page_header_v2) {
        throw ParseError("data page v2 without its header");
      }
      const auto& v2 = header.data_page_header_v2;
      int64_t level_bytes =
          int64_t{v2.definition_levels_byte_length} + v2.repetition_levels_byte_length;
      if (v2.num_values < 0 || v2.num_values > rows_ - values_seen_ ||
          v2.definition_levels_byte_length < 0 || v2.repetition_levels_byte_length < 0 ||
          level_bytes > static_cast<int64_t>(page_size)) {
        throw ParseError("corrupt data page v2 header");
      }
      const uint8_t* level_start = page + v2.repetition_levels_byte_length;
      const uint32_t* level_data = nullptr;
      int64_t present = v2.num_values;
      if (flat_.optional && v2.definition_levels_byte_length > 0) {
        levels_.resize(static_cast<size_t>(v2.num_values));
        RleDecoder(level_start, static_cast<size_t>(v2.definition_levels_byte_length), 1)
            .decode(levels_.data(), v2.num_values);
        present = count_present(levels_);
        level_data = levels_.data();
      }
      const uint8_t* values = page + level_bytes;
      size_t values_size = page_size - static_cast<size_t>(level_bytes);
      bool compressed = !v2.__isset.is_compressed || v2.is_compressed;
      if (compressed && codec_ != Codec::kUncompressed && values_size > 0) {
        if (expected < static_cast<size_t>(level_bytes)) {
          throw ParseError("corrupt data page v2 sizes");
        }
        decompress(codec_, values, values_size, expected - static_cast<size_t>(level_bytes),
                   page_buffer_);
        values = reinterpret_cast<const uint8_t*>(page_buffer_.data());
        values_size = page_buffer_.size();
      }
      decoder_->data_page(values, values_size, v2.num_values, level_data, present, v2.encoding);
      values_seen_ += v2.num_values;
      return v2.num_values;
    }
    default:
      return 0;  // index pages and future page types carry no values
  }
}

void ColumnChunkReader::rethrow_with_place(Error& error) const {
  std::string where = file_.path().string() + ": column '" + flat_.name + "', row group " +
                      std::to_string(row_group_);
  if (page_number_ >= 0) {
    where += ", page " + std::to_string(page_number_);
  }
  error.add_context("in " + where);
  throw;
}

}  // namespace setl::storage::parquet
