#include "storage/arrow_ipc/ipc_compression.h"

#include <memory>

#include <lz4frame.h>
#include <zstd.h>

#include "setl/core/error.h"

namespace setl::storage::detail {
namespace {

[[noreturn]] void damaged(IpcCodec codec, const std::string& what) {
  throw IoError(std::string("a ") + ipc_codec_name(codec) + " buffer " + what);
}

void lz4_decompress(const uint8_t* data, size_t bytes, uint8_t* out, size_t size) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
    throw IoError("cannot create an LZ4 decompression context");
  }
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> context(
      raw, LZ4F_freeDecompressionContext);
  size_t consumed = 0;
  size_t produced = 0;
  while (true) {
    size_t in = bytes - consumed;
    size_t room = size - produced;
    size_t hint =
        LZ4F_decompress(context.get(), out + produced, &room, data + consumed, &in, nullptr);
    if (LZ4F_isError(hint)) {
      damaged(IpcCodec::kLz4Frame, std::string("is damaged: ") + LZ4F_getErrorName(hint));
    }
    consumed += in;
    produced += room;
    if (hint == 0) {
      break;  // the frame is complete
    }
    if (in == 0 && room == 0) {  // no progress: input or output ran out mid-frame
      damaged(IpcCodec::kLz4Frame,
              "ends before its frame does, or expands past " + std::to_string(size) + " bytes");
    }
  }
  if (produced != size || consumed != bytes) {
    damaged(IpcCodec::kLz4Frame, "expands to " + std::to_string(produced) + " bytes where " +
                                     std::to_string(size) + " are declared");
  }
}

}  // namespace

const char* ipc_codec_name(IpcCodec codec) {
  return codec == IpcCodec::kZstd ? "ZSTD" : "LZ4_FRAME";
}

void ipc_decompress(IpcCodec codec, const uint8_t* data, size_t bytes, uint8_t* out, size_t size) {
  if (codec == IpcCodec::kLz4Frame) {
    lz4_decompress(data, bytes, out, size);
    return;
  }
  size_t produced = ZSTD_decompress(out, size, data, bytes);
  if (ZSTD_isError(produced)) {
    damaged(codec, std::string("is damaged: ") + ZSTD_getErrorName(produced));
  }
  if (produced != size) {
    damaged(codec, "expands to " + std::to_string(produced) + " bytes where " +
                       std::to_string(size) + " are declared");
  }
}

std::string ipc_compress(IpcCodec codec, const uint8_t* data, size_t bytes, int level) {
  std::string out;
  if (codec == IpcCodec::kLz4Frame) {
    LZ4F_preferences_t preferences{};
    preferences.compressionLevel = level;
    preferences.frameInfo.contentSize = bytes;  // lets a reader check the size up front
    out.resize(LZ4F_compressFrameBound(bytes, &preferences));
    size_t written = LZ4F_compressFrame(out.data(), out.size(), data, bytes, &preferences);
    if (LZ4F_isError(written)) {
      throw IoError(std::string("LZ4 compression failed: ") + LZ4F_getErrorName(written));
    }
    out.resize(written);
    return out;
  }
  out.resize(ZSTD_compressBound(bytes));
  size_t written =
      ZSTD_compress(out.data(), out.size(), data, bytes, level == 0 ? ZSTD_CLEVEL_DEFAULT : level);
  if (ZSTD_isError(written)) {
    throw IoError(std::string("zstd compression failed: ") + ZSTD_getErrorName(written));
  }
  out.resize(written);
  return out;
}

}  // namespace setl::storage::detail
