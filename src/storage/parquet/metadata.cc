#include "storage/parquet/metadata.h"

#include <algorithm>
#include <limits>
#include <memory>

#include <thrift/TConfiguration.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "setl/core/error.h"

namespace setl::storage::parquet {
namespace {

using apache::thrift::TConfiguration;
using apache::thrift::protocol::TCompactProtocolT;
using apache::thrift::transport::TMemoryBuffer;

// The message-size limit is the buffer itself: a corrupt list or string length can then
// never make the decoder allocate more than the bytes that are really there.
std::shared_ptr<TMemoryBuffer> reader_over(const uint8_t* data, size_t size) {
  if (size > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw ParseError("Parquet metadata of " + std::to_string(size) + " bytes is too large");
  }
  auto config = std::make_shared<TConfiguration>(static_cast<int>(std::max<size_t>(size, 1)));
  return std::make_shared<TMemoryBuffer>(const_cast<uint8_t*>(data), static_cast<uint32_t>(size),
                                         TMemoryBuffer::OBSERVE, config);
}

// Walks one struct of the compact protocol as the wire describes it, without building
// anything, checking every length and element count against the bytes present and
// nesting against a depth limit, so that plainly corrupt bytes never reach libthrift.
class CompactValidator {
 public:
  CompactValidator(const uint8_t* data, size_t size, const char* what)
      : data_(data), size_(size), what_(what) {}

  void structure(int depth) {
    if (depth > kMaxDepth) {
      fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    while (true) {
      uint8_t header = byte();
      if (header == 0) {
        return;  // STOP
      }
      if ((header >> 4) == 0) {
        varint();  // explicit field id
      }
      value(header & 0x0F, depth, /*in_collection=*/false);
    }
  }

 private:
  static constexpr int kMaxDepth = 64;

  [[noreturn]] void fail(const std::string& why) const {
    throw ParseError(std::string("corrupt Parquet ") + what_ + ": " + why + " at byte " +
                     std::to_string(pos_));
  }
  uint8_t byte() {
    if (pos_ >= size_) {
      fail("truncated");
    }
    return data_[pos_++];
  }
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      uint8_t b = byte();
      if (shift == 63 && b > 1) {
        fail("varint out of range");
      }
      value |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    fail("varint too long");
  }
  void skip(uint64_t bytes) {
    if (bytes > size_ - pos_) {
      fail("a length of " + std::to_string(bytes) + " runs past the end");
    }
    pos_ += static_cast<size_t>(bytes);
  }
  // Elements of `count` values of compact `type` need at least this many bytes.
  void check_count(uint64_t count, int type) {
    uint64_t least = type == 7 ? 8 : 1;
    if (count > std::numeric_limits<int32_t>::max() || count * least > size_ - pos_) {
      fail("a collection of " + std::to_string(count) + " elements runs past the end");
    }
  }
  void value(int type, int depth, bool in_collection) {
    switch (type) {
      case 1:  // BOOLEAN_TRUE: in a field header the value is the type itself
      case 2:
        if (in_collection) {
          skip(1);
        }
        return;
      case 3:
        skip(1);
        return;
      case 4:
      case 5:
      case 6:
        varint();
        return;
      case 7:
        skip(8);
        return;
      case 8:
        skip(varint());
        return;
      case 9:
      case 10: {
        uint8_t header = byte();
        uint64_t count = header >> 4;
        if (count == 15) {
          count = varint();
        }
        int element = header & 0x0F;
        check_count(count, element);
        for (uint64_t i = 0; i < count; ++i) {
          value(element, depth + 1, true);
        }
        return;
      }
      case 11: {
        uint64_t count = varint();
        if (count == 0) {
          return;
        }
        uint8_t types = byte();
        check_count(count * 2, 1);
        for (uint64_t i = 0; i < count; ++i) {
          value(types >> 4, depth + 1, true);
          value(types & 0x0F, depth + 1, true);
        }
        return;
      }
      case 12:
        structure(depth + 1);
        return;
      default:
        fail("unknown field type " + std::to_string(type));
    }
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  const char* what_;
};

template <class T>
size_t parse(const uint8_t* data, size_t size, T& value, const char* what) {
  CompactValidator(data, size, what).structure(0);
  try {
    auto buffer = reader_over(data, size);
    // The generated readers trust a field's declared type over the wire's element type, so
    // they can read bytes the validator read differently. libthrift checks a collection
    // against the bytes left by multiplying its size in `int` (at most 16 bytes per
    // element): limiting sizes first keeps that product from overflowing. No collection
    // or string can be longer than the bytes present anyway.
    auto limit = static_cast<int32_t>(
        std::min<size_t>(std::max<size_t>(size, 1), std::numeric_limits<int32_t>::max() / 16));
    TCompactProtocolT<TMemoryBuffer> protocol(buffer, limit, limit);
    value.read(&protocol);
    return size - buffer->available_read();
  } catch (const apache::thrift::TException& error) {
    throw ParseError(std::string("corrupt Parquet ") + what + ": " + error.what());
  } catch (const std::length_error&) {
    throw ParseError(std::string("corrupt Parquet ") + what + ": impossible length");
  }
}

template <class T>
void serialize(const T& value, std::string& out) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  TCompactProtocolT<TMemoryBuffer> protocol(buffer);
  value.write(&protocol);
  uint8_t* bytes = nullptr;
  uint32_t size = 0;
  buffer->getBuffer(&bytes, &size);
  out.append(reinterpret_cast<const char*>(bytes), size);
}

}  // namespace

format::FileMetaData parse_file_metadata(const uint8_t* data, size_t size) {
  format::FileMetaData metadata;
  parse(data, size, metadata, "footer");
  return metadata;
}

format::PageHeader parse_page_header(const uint8_t* data, size_t size, size_t& header_size) {
  format::PageHeader header;
  header_size = parse(data, size, header, "page header");
  return header;
}

void append_serialized(const format::FileMetaData& metadata, std::string& out) {
  serialize(metadata, out);
}

void append_serialized(const format::PageHeader& header, std::string& out) {
  serialize(header, out);
}

}  // namespace setl::storage::parquet
