#include "storage/parquet/metadata.h"

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

template <class T>
size_t parse(const uint8_t* data, size_t size, T& value, const char* what) {
  try {
    auto buffer = reader_over(data, size);
    TCompactProtocolT<TMemoryBuffer> protocol(buffer);
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
