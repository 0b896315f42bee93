// Parquet's value and level encodings (private to the storage layer): the RLE/bit-packed
// hybrid (levels, dictionary indices, booleans), DELTA_BINARY_PACKED,
// DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT. Decoders never read past
// the bytes they are given: malformed input throws ParseError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace setl::storage::parquet {

/// Bits needed to store `max_value` (0 for 0).
int bit_width_of(uint64_t max_value);

/// Reads an unsigned LEB128 varint at `pos`, advancing it.
uint64_t read_uleb128(const uint8_t* data, size_t size, size_t& pos);
void write_uleb128(uint64_t value, std::string& out);

/// Reads the RLE/bit-packed hybrid: runs of one repeated value, and groups of 8
/// bit-packed values (least significant bit first).
class RleDecoder {
 public:
  RleDecoder(const uint8_t* data, size_t size, int bit_width);
  /// Decodes the next `count` values. Throws: ParseError when the data runs out.
  void decode(uint32_t* out, int64_t count);

 private:
  bool next_run();

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  int bit_width_;
  int64_t repeat_left_ = 0;
  uint32_t repeat_value_ = 0;
  int64_t packed_left_ = 0;  // values left in the current bit-packed run
  const uint8_t* packed_ = nullptr;
  size_t packed_bytes_ = 0;   // bytes of the run actually present
  int64_t packed_index_ = 0;  // next value within the run
};

/// Appends one RLE run of `length` copies of `value`.
void rle_encode_run(uint32_t value, int64_t length, int bit_width, std::string& out);

/// Appends `values` in the hybrid encoding (no length prefix).
void rle_encode(const uint32_t* values, int64_t count, int bit_width, std::string& out);

/// Decodes a DELTA_BINARY_PACKED stream into `out` (every value it holds, at most
/// `max_values`). Returns the bytes the stream occupies.
size_t delta_binary_decode(const uint8_t* data, size_t size, int64_t max_values,
                           std::vector<int64_t>& out);

/// DELTA_LENGTH_BYTE_ARRAY: lengths (delta-encoded), then the concatenated bytes. The views
/// point into `data`. Returns the bytes consumed.
size_t delta_length_decode(const uint8_t* data, size_t size, int64_t count,
                           std::vector<std::string_view>& out);

/// DELTA_BYTE_ARRAY: prefix lengths, then suffixes as DELTA_LENGTH_BYTE_ARRAY. Each value
/// shares a prefix with the previous one, so values are rebuilt into `storage` and the
/// views point there.
void delta_byte_array_decode(const uint8_t* data, size_t size, int64_t count, std::string& storage,
                             std::vector<std::string_view>& out);

/// BYTE_STREAM_SPLIT: byte k of value i is at data[k * count + i].
void byte_stream_split_decode(const uint8_t* data, size_t size, int64_t count, int width,
                              uint8_t* out);

}  // namespace setl::storage::parquet
