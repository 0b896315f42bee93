// Page compression codecs of the Parquet format (private to the storage layer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace setl::storage::parquet {

/// Values of the format's CompressionCodec enum.
enum class Codec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4Hadoop = 5,
  kZstd = 6,
  kLz4Raw = 7,
};

/// "UNCOMPRESSED", "SNAPPY", ... (also for values this build cannot decode).
std::string codec_name(Codec codec);

/// Decompresses a page body that must expand to exactly `uncompressed_size` bytes.
/// Throws: ParseError naming the codec when the data is corrupt or the size differs;
/// IoError for codecs this build does not support (LZO, BROTLI).
void decompress(Codec codec, const uint8_t* data, size_t size, size_t uncompressed_size,
                std::string& out);

/// Appends the compressed form of [data, data + size) to `out`. `level` 0 is the codec's
/// default (ignored by snappy).
void compress(Codec codec, const uint8_t* data, size_t size, int level, std::string& out);

}  // namespace setl::storage::parquet
