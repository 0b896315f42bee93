#include "storage/parquet/codec.h"

#include <cstring>

#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include "setl/core/error.h"
#include "storage/file_io.h"

namespace setl::storage::parquet {
namespace {

[[noreturn]] void corrupt(Codec codec, const std::string& detail) {
  throw ParseError("corrupt " + codec_name(codec) + " page: " + detail);
}

void inflate_gzip(const uint8_t* data, size_t size, size_t expected, std::string& out) {
  out.resize(expected);
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 32) != Z_OK) {  // 32: gzip or zlib header
    throw ResourceError("cannot initialise zlib");
  }
  stream.next_in = const_cast<Bytef*>(data);
  stream.avail_in = static_cast<uInt>(size);
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(expected);
  // A page may hold several gzip members back to back; each ends with Z_STREAM_END.
  while (true) {
    int status = inflate(&stream, Z_NO_FLUSH);
    if (status == Z_STREAM_END) {
      if (stream.avail_in == 0) {
        break;
      }
      inflateReset(&stream);
      continue;
    }
    if (status != Z_OK) {  // Z_BUF_ERROR: truncated input or more output than declared
      std::string message = stream.msg ? stream.msg : "truncated data or wrong size";
      inflateEnd(&stream);
      corrupt(Codec::kGzip, message);
    }
  }
  size_t produced = expected - stream.avail_out;
  inflateEnd(&stream);
  if (produced != expected) {
    corrupt(Codec::kGzip, "expanded to " + std::to_string(produced) + " bytes, header says " +
                              std::to_string(expected));
  }
}

uint32_t read_big_endian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// Hadoop's LZ4 codec frames blocks as [uncompressed size][compressed size][LZ4 block], both
// big-endian 32-bit; some writers used the codec id for a bare LZ4 block instead.
bool try_lz4_hadoop(const uint8_t* data, size_t size, size_t expected, std::string& out) {
  out.resize(expected);
  size_t in = 0;
  size_t produced = 0;
  while (in < size) {
    if (size - in < 8) {
      return false;
    }
    uint32_t block_uncompressed = read_big_endian32(data + in);
    uint32_t block_compressed = read_big_endian32(data + in + 4);
    in += 8;
    if (block_compressed > size - in || block_uncompressed > expected - produced) {
      return false;
    }
    int got = LZ4_decompress_safe(reinterpret_cast<const char*>(data + in), out.data() + produced,
                                  static_cast<int>(block_compressed),
                                  static_cast<int>(block_uncompressed));
    if (got < 0 || static_cast<uint32_t>(got) != block_uncompressed) {
      return false;
    }
    in += block_compressed;
    produced += block_uncompressed;
  }
  return produced == expected;
}

void lz4_raw(Codec codec, const uint8_t* data, size_t size, size_t expected, std::string& out) {
  out.resize(expected);
  int got = LZ4_decompress_safe(reinterpret_cast<const char*>(data), out.data(),
                                static_cast<int>(size), static_cast<int>(expected));
  if (got < 0 || static_cast<size_t>(got) != expected) {
    corrupt(codec, "LZ4 block does not expand to " + std::to_string(expected) + " bytes");
  }
}

}  // namespace

std::string codec_name(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed:
      return "UNCOMPRESSED";
    case Codec::kSnappy:
      return "SNAPPY";
    case Codec::kGzip:
      return "GZIP";
    case Codec::kLzo:
      return "LZO";
    case Codec::kBrotli:
      return "BROTLI";
    case Codec::kLz4Hadoop:
      return "LZ4";
    case Codec::kZstd:
      return "ZSTD";
    case Codec::kLz4Raw:
      return "LZ4_RAW";
  }
  return "codec " + std::to_string(static_cast<int32_t>(codec));
}

void decompress(Codec codec, const uint8_t* data, size_t size, size_t uncompressed_size,
                std::string& out) {
  if (uncompressed_size > (size_t{1} << 31)) {
    throw ParseError("page claims " + std::to_string(uncompressed_size) +
                     " uncompressed bytes; pages are limited to 2 GiB");
  }
  if (codec != Codec::kUncompressed) {
    // Checked before the output is allocated: a header can claim any size.
    detail::check_expansion("Parquet " + codec_name(codec) + " page", size, uncompressed_size);
  }
  switch (codec) {
    case Codec::kUncompressed:
      if (size != uncompressed_size) {
        corrupt(codec, "page is " + std::to_string(size) + " bytes, header says " +
                           std::to_string(uncompressed_size));
      }
      out.assign(reinterpret_cast<const char*>(data), size);
      return;
    case Codec::kSnappy: {
      size_t length = 0;
      if (!snappy::GetUncompressedLength(reinterpret_cast<const char*>(data), size, &length) ||
          length != uncompressed_size) {
        corrupt(codec, "bad length header");
      }
      out.resize(length);
      if (!snappy::RawUncompress(reinterpret_cast<const char*>(data), size, out.data())) {
        corrupt(codec, "invalid data");
      }
      return;
    }
    case Codec::kGzip:
      inflate_gzip(data, size, uncompressed_size, out);
      return;
    case Codec::kZstd: {
      out.resize(uncompressed_size);
      size_t got = ZSTD_decompress(out.data(), out.size(), data, size);
      if (ZSTD_isError(got)) {
        corrupt(codec, ZSTD_getErrorName(got));
      }
      if (got != uncompressed_size) {
        corrupt(codec, "expanded to " + std::to_string(got) + " bytes, header says " +
                           std::to_string(uncompressed_size));
      }
      return;
    }
    case Codec::kLz4Raw:
      lz4_raw(codec, data, size, uncompressed_size, out);
      return;
    case Codec::kLz4Hadoop:
      if (!try_lz4_hadoop(data, size, uncompressed_size, out)) {
        lz4_raw(codec, data, size, uncompressed_size, out);
      }
      return;
    case Codec::kLzo:
    case Codec::kBrotli:
      break;
  }
  throw IoError("Parquet codec " + codec_name(codec) +
                " is not supported (supported: UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4, LZ4_RAW)");
}

void compress(Codec codec, const uint8_t* data, size_t size, int level, std::string& out) {
  const char* input = reinterpret_cast<const char*>(data);
  size_t start = out.size();
  switch (codec) {
    case Codec::kUncompressed:
      out.append(input, size);
      return;
    case Codec::kSnappy: {
      out.resize(start + snappy::MaxCompressedLength(size));
      size_t written = 0;
      snappy::RawCompress(input, size, out.data() + start, &written);
      out.resize(start + written);
      return;
    }
    case Codec::kGzip: {
      z_stream stream{};
      if (deflateInit2(&stream, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, 15 + 16, 8,
                       Z_DEFAULT_STRATEGY) != Z_OK) {
        throw ResourceError("cannot initialise zlib");
      }
      out.resize(start + deflateBound(&stream, static_cast<uLong>(size)));
      stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input));
      stream.avail_in = static_cast<uInt>(size);
      stream.next_out = reinterpret_cast<Bytef*>(out.data() + start);
      stream.avail_out = static_cast<uInt>(out.size() - start);
      int status = deflate(&stream, Z_FINISH);
      size_t written = out.size() - start - stream.avail_out;
      deflateEnd(&stream);
      if (status != Z_STREAM_END) {
        throw InternalError("gzip compression failed");
      }
      out.resize(start + written);
      return;
    }
    case Codec::kZstd: {
      out.resize(start + ZSTD_compressBound(size));
      size_t written = ZSTD_compress(out.data() + start, out.size() - start, input, size,
                                     level == 0 ? 1 : level);
      if (ZSTD_isError(written)) {
        throw InternalError(std::string("zstd compression failed: ") + ZSTD_getErrorName(written));
      }
      out.resize(start + written);
      return;
    }
    case Codec::kLz4Raw: {
      out.resize(start + static_cast<size_t>(LZ4_compressBound(static_cast<int>(size))));
      int written = LZ4_compress_default(input, out.data() + start, static_cast<int>(size),
                                         static_cast<int>(out.size() - start));
      if (written <= 0) {
        throw InternalError("lz4 compression failed");
      }
      out.resize(start + static_cast<size_t>(written));
      return;
    }
    default:
      break;
  }
  throw ConfigError("cannot write Parquet pages with codec " + codec_name(codec));
}

}  // namespace setl::storage::parquet
