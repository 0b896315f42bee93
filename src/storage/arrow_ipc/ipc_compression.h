// Arrow IPC body compression: each buffer alone as one LZ4 frame or a zstd frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace setl::storage::detail {

enum class IpcCodec { kLz4Frame, kZstd };

/// "LZ4_FRAME" or "ZSTD".
const char* ipc_codec_name(IpcCodec codec);

/// Decompresses `bytes` bytes at `data`, which must expand to exactly `size` bytes, into
/// `out`. Throws: IoError naming the codec when the data is damaged or its size differs.
void ipc_decompress(IpcCodec codec, const uint8_t* data, size_t bytes, uint8_t* out, size_t size);

/// The compressed form of `bytes` bytes at `data`. `level` 0 is the codec's default.
std::string ipc_compress(IpcCodec codec, const uint8_t* data, size_t bytes, int level);

}  // namespace setl::storage::detail
