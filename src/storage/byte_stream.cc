#include "byte_stream.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "file_io.h"
#include "setl/core/error.h"
#include "setl/storage/file_connector.h"

namespace setl::storage::detail {

class ByteStream::Impl {
 public:
  enum class Kind { kPlain, kGzip, kZstd };

  explicit Impl(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      int code = errno;
      throw IoError("cannot open " + path_.string() + ": " +
                        (code == ENOENT ? std::string("no such file") : std::strerror(code)),
                    category_of_errno(code));
    }
    struct stat info {};
    if (::fstat(fd_, &info) != 0 || S_ISDIR(info.st_mode)) {
      ::close(fd_);
      throw IoError("cannot read " + path_.string() + ": it is a directory, not a file");
    }
    size_hint_ = S_ISREG(info.st_mode) ? static_cast<size_t>(info.st_size) : 0;
    FileCompression compression = compression_of(path_);
    kind_ = compression == FileCompression::kGzip   ? Kind::kGzip
            : compression == FileCompression::kZstd ? Kind::kZstd
                                                    : Kind::kPlain;
    if (kind_ == Kind::kGzip && inflateInit2(&gzip_, 15 + 32) != Z_OK) {  // gzip and zlib
      ::close(fd_);
      throw IoError("cannot start gzip decompression for " + path_.string());
    }
    if (kind_ == Kind::kZstd) {
      zstd_ = ZSTD_createDStream();
      ZSTD_initDStream(zstd_);
    }
    if (kind_ != Kind::kPlain) {
      input_.resize(1 << 20);
      size_hint_ = 0;
    }
  }
  ~Impl() {
    if (kind_ == Kind::kGzip) {
      inflateEnd(&gzip_);
    }
    if (zstd_ != nullptr) {
      ZSTD_freeDStream(zstd_);
    }
    ::close(fd_);
  }

  size_t read(char* out, size_t capacity) {
    if (capacity == 0) {
      return 0;
    }
    switch (kind_) {
      case Kind::kPlain:
        return read_raw(out, capacity);
      case Kind::kGzip:
        return count(inflate_into(out, capacity));
      case Kind::kZstd:
        return count(unzstd_into(out, capacity));
    }
    return 0;
  }

  void restrict_to(int64_t begin, int64_t end) {
    if (kind_ != Kind::kPlain || size_hint_ == 0) {
      throw StateError("only a regular, uncompressed file can be read from an offset: " +
                       path_.string());
    }
    if (::lseek(fd_, static_cast<off_t>(begin), SEEK_SET) < 0) {
      int code = errno;
      throw IoError("cannot seek in " + path_.string() + ": " + std::strerror(code),
                    category_of_errno(code));
    }
    remaining_ = static_cast<uint64_t>(std::max<int64_t>(end - begin, 0));
    size_hint_ = static_cast<size_t>(remaining_);
  }

  size_t size_hint() const { return size_hint_; }
  uint64_t consumed() const { return consumed_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  size_t count(size_t produced) {
    expanded_ += produced;
    check_expansion(path_.string(), consumed_, expanded_);
    return produced;
  }

  size_t read_raw(char* out, size_t capacity) {
    capacity = static_cast<size_t>(std::min<uint64_t>(capacity, remaining_));
    if (capacity == 0) {
      return 0;
    }
    while (true) {
      ssize_t got = ::read(fd_, out, capacity);
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got < 0) {
        int code = errno;
        throw IoError("cannot read " + path_.string() + ": " + std::strerror(code),
                      category_of_errno(code));
      }
      consumed_ += static_cast<uint64_t>(got);
      remaining_ -= static_cast<uint64_t>(got);
      return static_cast<size_t>(got);
    }
  }

  // Refills the compressed input when it is used up; false at the end of the file.
  bool refill() {
    if (input_pos_ < input_size_) {
      return true;
    }
    input_size_ = read_raw(input_.data(), input_.size());
    input_pos_ = 0;
    return input_size_ > 0;
  }

  size_t inflate_into(char* out, size_t capacity) {
    while (true) {
      if (!refill()) {
        if (!at_member_end_ && consumed_ > 0) {
          throw IoError(path_.string() + " is truncated: the gzip stream ends early");
        }
        return 0;
      }
      if (at_member_end_) {
        inflateReset(&gzip_);  // appended files hold one gzip member per write
        at_member_end_ = false;
      }
      gzip_.next_in = reinterpret_cast<Bytef*>(input_.data() + input_pos_);
      gzip_.avail_in = static_cast<uInt>(input_size_ - input_pos_);
      gzip_.next_out = reinterpret_cast<Bytef*>(out);
      gzip_.avail_out = static_cast<uInt>(std::min<size_t>(capacity, 1u << 30));
      uInt offered = gzip_.avail_out;
      int status = inflate(&gzip_, Z_NO_FLUSH);
      input_pos_ = input_size_ - gzip_.avail_in;
      if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
        throw IoError(path_.string() + " is not valid gzip data (" +
                      (gzip_.msg ? gzip_.msg : "inflate failed") + ")");
      }
      size_t produced = offered - gzip_.avail_out;
      if (status == Z_STREAM_END) {
        at_member_end_ = true;
      } else if (status == Z_BUF_ERROR && gzip_.avail_in != 0 && produced == 0) {
        throw IoError(path_.string() + " is not valid gzip data (no progress)");
      }
      if (produced > 0) {
        return produced;
      }
    }
  }

  size_t unzstd_into(char* out, size_t capacity) {
    while (true) {
      bool more_input = refill();
      if (!more_input && last_ == 0) {
        return 0;
      }
      ZSTD_inBuffer in{input_.data() + input_pos_, input_size_ - input_pos_, 0};
      ZSTD_outBuffer output{out, capacity, 0};
      size_t status = ZSTD_decompressStream(zstd_, &output, &in);
      input_pos_ += in.pos;
      if (ZSTD_isError(status)) {
        throw IoError(path_.string() + " is not valid zstd data (" + ZSTD_getErrorName(status) +
                      ")");
      }
      last_ = status;
      if (output.pos > 0) {
        return output.pos;
      }
      if (!more_input) {
        // The decoder wants more input than the file has.
        throw IoError(path_.string() + " is truncated: the zstd frame ends early");
      }
    }
  }

  std::filesystem::path path_;
  int fd_ = -1;
  Kind kind_ = Kind::kPlain;
  size_t size_hint_ = 0;
  uint64_t consumed_ = 0;
  uint64_t remaining_ = UINT64_MAX;  // bytes read_raw may still return (restrict_to)
  uint64_t expanded_ = 0;
  std::vector<char> input_;
  size_t input_pos_ = 0;
  size_t input_size_ = 0;
  z_stream gzip_{};
  bool at_member_end_ = false;
  ZSTD_DStream* zstd_ = nullptr;
  size_t last_ = 0;  // zstd: 0 when a frame is complete
};

ByteStream::ByteStream(std::filesystem::path path)
    : impl_(std::make_unique<Impl>(std::move(path))) {}
ByteStream::~ByteStream() = default;

size_t ByteStream::read(char* out, size_t capacity) {
  return impl_->read(out, capacity);
}

size_t ByteStream::read_fully(char* out, size_t capacity) {
  size_t used = 0;
  while (used < capacity) {
    size_t got = impl_->read(out + used, capacity - used);
    if (got == 0) {
      break;
    }
    used += got;
  }
  return used;
}

void ByteStream::restrict_to(int64_t begin, int64_t end) {
  impl_->restrict_to(begin, end);
}

size_t ByteStream::size_hint() const {
  return impl_->size_hint();
}
uint64_t ByteStream::consumed() const {
  return impl_->consumed();
}
const std::filesystem::path& ByteStream::path() const noexcept {
  return impl_->path();
}

}  // namespace setl::storage::detail
