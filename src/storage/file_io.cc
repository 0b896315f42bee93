#include "file_io.h"

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "byte_stream.h"
#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"

namespace setl::storage::detail {
namespace {

bool ends_with(const std::filesystem::path& path, std::string_view suffix) {
  std::string name = path.filename().string();
  return name.size() >= suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::mutex limits_mutex;
DecompressionLimits limits_value;

// Compresses what is written through it into `sink`: gzip (zlib level 6) or zstd (level 3).
class CompressingBuffer : public std::streambuf {
 public:
  enum class Kind { kGzip, kZstd };

  CompressingBuffer(std::ostream& sink, Kind kind) : sink_(sink), kind_(kind), input_(1 << 20) {
    setp(input_.data(), input_.data() + input_.size());
    if (kind_ == Kind::kGzip) {
      if (deflateInit2(&gzip_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
          Z_OK) {
        throw ResourceError("cannot start gzip compression");
      }
    } else {
      zstd_ = ZSTD_createCStream();
      ZSTD_initCStream(zstd_, 3);
    }
    output_.resize(1 << 20);
  }
  ~CompressingBuffer() override {
    if (kind_ == Kind::kGzip) {
      deflateEnd(&gzip_);
    } else {
      ZSTD_freeCStream(zstd_);
    }
  }

  /// Compresses what is buffered and ends the stream.
  void finish() { compress(true); }

 protected:
  int_type overflow(int_type c) override {
    compress(false);
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }

 private:
  void compress(bool end) {
    size_t size = static_cast<size_t>(pptr() - pbase());
    if (kind_ == Kind::kGzip) {
      gzip_.next_in = reinterpret_cast<Bytef*>(pbase());
      gzip_.avail_in = static_cast<uInt>(size);
      int status = Z_OK;
      do {
        gzip_.next_out = reinterpret_cast<Bytef*>(output_.data());
        gzip_.avail_out = static_cast<uInt>(output_.size());
        status = deflate(&gzip_, end ? Z_FINISH : Z_NO_FLUSH);
        sink_.write(output_.data(), static_cast<std::streamsize>(output_.size() - gzip_.avail_out));
      } while (gzip_.avail_out == 0 || (end && status != Z_STREAM_END));
    } else {
      ZSTD_inBuffer input{pbase(), size, 0};
      size_t remaining = 0;
      do {
        ZSTD_outBuffer output{output_.data(), output_.size(), 0};
        remaining =
            ZSTD_compressStream2(zstd_, &output, &input, end ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(remaining)) {
          throw IoError(std::string("zstd compression failed: ") + ZSTD_getErrorName(remaining));
        }
        sink_.write(output_.data(), static_cast<std::streamsize>(output.pos));
      } while (input.pos < input.size || (end && remaining != 0));
    }
    setp(input_.data(), input_.data() + input_.size());
  }

  std::ostream& sink_;
  Kind kind_;
  std::vector<char> input_;
  std::vector<char> output_;
  z_stream gzip_{};
  ZSTD_CStream* zstd_ = nullptr;
};

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  ByteStream source(path);
  // Reads straight into the result, growing it geometrically (pipes and compressed files
  // have no size).
  std::string data(std::max<size_t>(source.size_hint() + 1, 1 << 16), '\0');
  size_t used = 0;
  while (size_t got = source.read(data.data() + used, data.size() - used)) {
    used += got;
    if (used == data.size()) {
      data.resize(data.size() * 2);
    }
  }
  data.resize(used);
  return data;
}

void check_expansion(const std::string& what, uint64_t compressed, uint64_t expanded) {
  DecompressionLimits limits = decompression_limits();
  if (expanded > static_cast<uint64_t>(limits.max_bytes)) {
    throw ResourceError(what + ": decompressed data exceeds the limit of " +
                        std::to_string(limits.max_bytes) +
                        " bytes (storage::set_decompression_limits raises it)");
  }
  if (expanded > static_cast<uint64_t>(limits.ratio_floor) &&
      static_cast<double>(expanded) > limits.max_ratio * static_cast<double>(compressed)) {
    throw ResourceError(what + ": " + std::to_string(compressed) + " compressed bytes expand to " +
                        "more than " + std::to_string(expanded) + " bytes, a ratio above " +
                        fmt::format("{:g}", limits.max_ratio) +
                        ":1 (a decompression bomb?); storage::set_decompression_limits raises it");
  }
}

void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& fill, bool append) {
  current_cancellation().check();
  AtomicFile file(path);
  std::ostream& out = file.stream();
  std::error_code error;
  if (append && std::filesystem::exists(path, error)) {
    file.copy_from(path);
  }
  int64_t kept = file.size();
  if (ends_with(path, ".gz") || ends_with(path, ".zst")) {
    // Appending adds a new gzip member or zstd frame: readers decode them in sequence.
    CompressingBuffer compressor(out, ends_with(path, ".gz") ? CompressingBuffer::Kind::kGzip
                                                             : CompressingBuffer::Kind::kZstd);
    std::ostream compressed(&compressor);
    fill(compressed);
    if (!compressed) {
      throw IoError("cannot write " + path.string());
    }
    compressor.finish();
  } else {
    fill(out);
  }
  file.commit();  // a cancel or failure before the rename leaves `path` as it was
  report_progress(0, file.size() - kept);
}

std::optional<FileLock> lock_for_write(const std::filesystem::path& path, SaveMode mode) {
  std::error_code error;
  std::filesystem::path directory = path.parent_path().empty() ? "." : path.parent_path();
  // Safe without the lock: a live writer's temporary is locked, so only dead ones go.
  remove_abandoned_temporaries(directory, path.filename().string());
  bool present = std::filesystem::exists(path, error);
  if (mode == SaveMode::kOverwrite && !present) {
    return std::nullopt;
  }
  std::filesystem::create_directories(directory, error);  // a first append to a new folder
  return FileLock(lock_path_for(path));
}

}  // namespace setl::storage::detail

namespace setl::storage {

DecompressionLimits decompression_limits() {
  std::lock_guard lock(detail::limits_mutex);
  return detail::limits_value;
}

void set_decompression_limits(const DecompressionLimits& limits) {
  if (limits.max_bytes <= 0 || limits.max_ratio < 1 || limits.ratio_floor < 0) {
    throw ConfigError("decompression limits need max_bytes > 0, max_ratio >= 1, ratio_floor >= 0");
  }
  std::lock_guard lock(detail::limits_mutex);
  detail::limits_value = limits;
}

}  // namespace setl::storage
