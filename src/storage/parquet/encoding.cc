#include "storage/parquet/encoding.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "setl/core/error.h"

namespace setl::storage::parquet {
namespace {

[[noreturn]] void truncated(const char* what) {
  throw ParseError(std::string("truncated or corrupt ") + what);
}

// Value `index` of a little-endian bit-packed sequence; `bytes` bounds the readable data.
uint32_t unpack_at(const uint8_t* data, size_t bytes, int64_t index, int bit_width) {
  uint64_t bit = static_cast<uint64_t>(index) * static_cast<uint64_t>(bit_width);
  size_t byte = static_cast<size_t>(bit >> 3);
  int shift = static_cast<int>(bit & 7);
  uint64_t word = 0;
  if (byte + 8 <= bytes) {
    std::memcpy(&word, data + byte, 8);
  } else {
    size_t available = bytes > byte ? bytes - byte : 0;
    std::memcpy(&word, data + byte, std::min<size_t>(available, 8));
  }
  uint64_t mask = bit_width == 32 ? 0xFFFFFFFFull : ((uint64_t{1} << bit_width) - 1);
  return static_cast<uint32_t>((word >> shift) & mask);
}

int64_t zigzag(uint64_t value) {
  return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1);
}

}  // namespace

int bit_width_of(uint64_t max_value) {
  return max_value == 0 ? 0 : 64 - std::countl_zero(max_value);
}

uint64_t read_uleb128(const uint8_t* data, size_t size, size_t& pos) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= size) {
      truncated("varint");
    }
    uint8_t byte = data[pos++];
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      return value;
    }
  }
  truncated("varint (too long)");
}

void write_uleb128(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

RleDecoder::RleDecoder(const uint8_t* data, size_t size, int bit_width)
    : data_(data), size_(size), bit_width_(bit_width) {
  if (bit_width < 0 || bit_width > 32) {
    throw ParseError("RLE bit width " + std::to_string(bit_width) + " is out of range 0..32");
  }
}

bool RleDecoder::next_run() {
  if (pos_ >= size_) {
    return false;
  }
  uint64_t header = read_uleb128(data_, size_, pos_);
  if (header & 1) {
    uint64_t groups = header >> 1;
    if (groups == 0 || groups > (uint64_t{1} << 31)) {
      truncated("bit-packed run header");
    }
    packed_left_ = static_cast<int64_t>(groups * 8);
    size_t declared = static_cast<size_t>(groups) * static_cast<size_t>(bit_width_);
    packed_ = data_ + pos_;
    packed_bytes_ = std::min(declared, size_ - pos_);  // the last run may be cut short
    packed_index_ = 0;
    pos_ += packed_bytes_;
  } else {
    repeat_left_ = static_cast<int64_t>(header >> 1);
    if (repeat_left_ == 0) {
      truncated("RLE run of length 0");
    }
    size_t width_bytes = static_cast<size_t>((bit_width_ + 7) / 8);
    if (width_bytes > size_ - pos_) {
      truncated("RLE run");
    }
    repeat_value_ = 0;
    for (size_t i = 0; i < width_bytes; ++i) {
      repeat_value_ |= static_cast<uint32_t>(data_[pos_ + i]) << (8 * i);
    }
    pos_ += width_bytes;
  }
  return true;
}

void RleDecoder::decode(uint32_t* out, int64_t count) {
  while (count > 0) {
    if (repeat_left_ > 0) {
      int64_t take = std::min(count, repeat_left_);
      std::fill(out, out + take, repeat_value_);
      out += take;
      count -= take;
      repeat_left_ -= take;
    } else if (packed_left_ > 0) {
      int64_t take = std::min(count, packed_left_);
      uint64_t last_bit = static_cast<uint64_t>(packed_index_ + take) * bit_width_;
      if ((last_bit + 7) / 8 > packed_bytes_) {
        truncated("bit-packed run");
      }
      if (bit_width_ == 0) {
        std::fill(out, out + take, 0u);
      } else {
        for (int64_t i = 0; i < take; ++i) {
          out[i] = unpack_at(packed_, packed_bytes_, packed_index_ + i, bit_width_);
        }
      }
      packed_index_ += take;
      out += take;
      count -= take;
      packed_left_ -= take;
    } else if (!next_run()) {
      truncated("RLE/bit-packed data (fewer values than declared)");
    }
  }
}

void rle_encode_run(uint32_t value, int64_t length, int bit_width, std::string& out) {
  write_uleb128(static_cast<uint64_t>(length) << 1, out);
  for (int i = 0; i < (bit_width + 7) / 8; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

void rle_encode(const uint32_t* values, int64_t count, int bit_width, std::string& out) {
  std::vector<uint32_t> pending;  // values waiting for a bit-packed run
  auto flush_packed = [&]() {
    if (pending.empty()) {
      return;
    }
    size_t groups = (pending.size() + 7) / 8;
    pending.resize(groups * 8, 0);
    write_uleb128((uint64_t{groups} << 1) | 1, out);
    size_t start = out.size();
    out.resize(start + groups * static_cast<size_t>(bit_width), '\0');
    auto* bytes = reinterpret_cast<uint8_t*>(out.data() + start);
    uint64_t bit = 0;
    for (uint32_t value : pending) {
      for (int b = 0; b < bit_width; ++b, ++bit) {
        if ((value >> b) & 1) {
          bytes[bit >> 3] |= static_cast<uint8_t>(1u << (bit & 7));
        }
      }
    }
    pending.clear();
  };
  int64_t i = 0;
  while (i < count) {
    int64_t run = 1;
    while (i + run < count && values[i + run] == values[i]) {
      ++run;
    }
    if (run >= 8) {
      // Bit-packed runs hold whole groups of 8: top the pending values up from this run.
      int64_t fill = static_cast<int64_t>((8 - pending.size() % 8) % 8);
      pending.insert(pending.end(), static_cast<size_t>(fill), values[i]);
      flush_packed();
      if (run - fill > 0) {
        rle_encode_run(values[i], run - fill, bit_width, out);
      }
    } else {
      pending.insert(pending.end(), values + i, values + i + run);
    }
    i += run;
  }
  flush_packed();
}

size_t delta_binary_decode(const uint8_t* data, size_t size, int64_t max_values,
                           std::vector<int64_t>& out) {
  size_t pos = 0;
  uint64_t block_size = read_uleb128(data, size, pos);
  uint64_t miniblocks = read_uleb128(data, size, pos);
  uint64_t total = read_uleb128(data, size, pos);
  int64_t first = zigzag(read_uleb128(data, size, pos));
  if (block_size == 0 || block_size % 128 != 0 || miniblocks == 0 || block_size % miniblocks != 0 ||
      (block_size / miniblocks) % 32 != 0) {
    throw ParseError("corrupt DELTA_BINARY_PACKED header (block size " +
                     std::to_string(block_size) + ", " + std::to_string(miniblocks) +
                     " miniblocks)");
  }
  if (total > static_cast<uint64_t>(max_values)) {
    throw ParseError("corrupt DELTA_BINARY_PACKED header: " + std::to_string(total) +
                     " values in a page of " + std::to_string(max_values));
  }
  out.clear();
  out.reserve(static_cast<size_t>(total));
  if (total == 0) {
    return pos;
  }
  out.push_back(first);
  uint64_t per_miniblock = block_size / miniblocks;
  uint64_t value = static_cast<uint64_t>(first);
  std::vector<uint8_t> widths(static_cast<size_t>(miniblocks));
  while (out.size() < total) {
    uint64_t min_delta = static_cast<uint64_t>(zigzag(read_uleb128(data, size, pos)));
    if (miniblocks > size - pos) {
      truncated("DELTA_BINARY_PACKED block");
    }
    std::memcpy(widths.data(), data + pos, widths.size());
    pos += widths.size();
    for (uint64_t m = 0; m < miniblocks && out.size() < total; ++m) {
      int width = widths[m];
      if (width > 64) {
        throw ParseError("corrupt DELTA_BINARY_PACKED miniblock bit width " +
                         std::to_string(width));
      }
      size_t bytes = static_cast<size_t>(per_miniblock * static_cast<uint64_t>(width) / 8);
      if (bytes > size - pos) {
        // Tolerate an unpadded last miniblock as long as the values it needs are present.
        uint64_t needed = std::min<uint64_t>(per_miniblock, total - out.size());
        if ((needed * static_cast<uint64_t>(width) + 7) / 8 > size - pos) {
          truncated("DELTA_BINARY_PACKED miniblock");
        }
        bytes = size - pos;
      }
      const uint8_t* packed = data + pos;
      for (uint64_t k = 0; k < per_miniblock && out.size() < total; ++k) {
        uint64_t delta = 0;
        if (width > 0) {
          uint64_t bit = k * static_cast<uint64_t>(width);
          // Up to 64 bits starting anywhere in a byte span up to 9 bytes.
          for (int b = 0; b < width; ++b) {
            uint64_t at = bit + static_cast<uint64_t>(b);
            delta |= static_cast<uint64_t>((packed[at >> 3] >> (at & 7)) & 1) << b;
          }
        }
        value += min_delta + delta;  // wraps modulo 2^64, as the format intends
        out.push_back(static_cast<int64_t>(value));
      }
      pos += bytes;
    }
  }
  return pos;
}

size_t delta_length_decode(const uint8_t* data, size_t size, int64_t count,
                           std::vector<std::string_view>& out) {
  std::vector<int64_t> lengths;
  size_t pos = delta_binary_decode(data, size, count, lengths);
  if (static_cast<int64_t>(lengths.size()) < count) {
    truncated("DELTA_LENGTH_BYTE_ARRAY (fewer lengths than values)");
  }
  out.clear();
  out.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    int64_t length = lengths[static_cast<size_t>(i)];
    if (length < 0 || static_cast<uint64_t>(length) > size - pos) {
      truncated("DELTA_LENGTH_BYTE_ARRAY value");
    }
    out.emplace_back(reinterpret_cast<const char*>(data + pos), static_cast<size_t>(length));
    pos += static_cast<size_t>(length);
  }
  return pos;
}

void delta_byte_array_decode(const uint8_t* data, size_t size, int64_t count, std::string& storage,
                             std::vector<std::string_view>& out) {
  std::vector<int64_t> prefixes;
  size_t pos = delta_binary_decode(data, size, count, prefixes);
  if (static_cast<int64_t>(prefixes.size()) < count) {
    truncated("DELTA_BYTE_ARRAY (fewer prefix lengths than values)");
  }
  std::vector<std::string_view> suffixes;
  delta_length_decode(data + pos, size - pos, count, suffixes);
  std::vector<std::pair<size_t, size_t>> spans;  // offsets into storage (it may reallocate)
  storage.clear();
  size_t previous_start = 0;
  size_t previous_length = 0;
  for (int64_t i = 0; i < count; ++i) {
    int64_t prefix = prefixes[static_cast<size_t>(i)];
    if (prefix < 0 || static_cast<size_t>(prefix) > previous_length) {
      throw ParseError("corrupt DELTA_BYTE_ARRAY: prefix length " + std::to_string(prefix) +
                       " exceeds the previous value's length " + std::to_string(previous_length));
    }
    size_t start = storage.size();
    storage.append(storage, previous_start, static_cast<size_t>(prefix));
    storage.append(suffixes[static_cast<size_t>(i)]);
    previous_start = start;
    previous_length = storage.size() - start;
    spans.emplace_back(start, previous_length);
  }
  out.clear();
  out.reserve(spans.size());
  for (auto [start, length] : spans) {
    out.emplace_back(storage.data() + start, length);
  }
}

void byte_stream_split_decode(const uint8_t* data, size_t size, int64_t count, int width,
                              uint8_t* out) {
  size_t n = static_cast<size_t>(count);
  if (n * static_cast<size_t>(width) > size) {
    truncated("BYTE_STREAM_SPLIT data");
  }
  for (size_t i = 0; i < n; ++i) {
    for (int k = 0; k < width; ++k) {
      out[i * static_cast<size_t>(width) + static_cast<size_t>(k)] =
          data[static_cast<size_t>(k) * n + i];
    }
  }
}

}  // namespace setl::storage::parquet
