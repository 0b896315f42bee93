#include "file_io.h"

#include <fstream>
#include <random>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "setl/core/cancellation.h"
#include "setl/core/error.h"

namespace setl::storage::detail {
namespace {

bool ends_with(const std::filesystem::path& path, std::string_view suffix) {
  std::string name = path.filename().string();
  return name.size() >= suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string read_plain(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw IoError("cannot open " + path.string() + ": " +
                  (std::filesystem::exists(path) ? "not readable" : "no such file"));
  }
  std::string data;
  in.seekg(0, std::ios::end);
  data.resize(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (!in) {
    throw IoError("cannot read " + path.string());
  }
  return data;
}

std::string gunzip(const std::string& compressed, const std::filesystem::path& path) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 32) != Z_OK) {  // 32: accept gzip and zlib headers
    throw IoError("cannot start gzip decompression for " + path.string());
  }
  std::string out;
  std::vector<char> chunk(1 << 20);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  int status = Z_OK;
  while (true) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk.data());
    stream.avail_out = static_cast<uInt>(chunk.size());
    status = inflate(&stream, Z_NO_FLUSH);
    if (status == Z_STREAM_END) {
      out.append(chunk.data(), chunk.size() - stream.avail_out);
      if (stream.avail_in == 0) {
        break;
      }
      inflateReset(&stream);  // appended files hold one gzip member per write
      continue;
    }
    if (status != Z_OK && status != Z_STREAM_END) {
      inflateEnd(&stream);
      throw IoError(path.string() + " is not valid gzip data (" +
                    (stream.msg ? stream.msg : "inflate failed") + ")");
    }
    out.append(chunk.data(), chunk.size() - stream.avail_out);
    if (status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      throw IoError(path.string() + " is truncated: the gzip stream ends early");
    }
  }
  inflateEnd(&stream);
  return out;
}

std::string unzstd(const std::string& compressed, const std::filesystem::path& path) {
  ZSTD_DStream* stream = ZSTD_createDStream();
  ZSTD_initDStream(stream);
  std::string out;
  std::vector<char> chunk(ZSTD_DStreamOutSize());
  ZSTD_inBuffer input{compressed.data(), compressed.size(), 0};
  size_t last = 0;
  while (input.pos < input.size) {
    ZSTD_outBuffer output{chunk.data(), chunk.size(), 0};
    last = ZSTD_decompressStream(stream, &output, &input);
    if (ZSTD_isError(last)) {
      std::string message = ZSTD_getErrorName(last);
      ZSTD_freeDStream(stream);
      throw IoError(path.string() + " is not valid zstd data (" + message + ")");
    }
    out.append(chunk.data(), output.pos);
  }
  ZSTD_freeDStream(stream);
  if (last != 0) {
    throw IoError(path.string() + " is truncated: the zstd frame ends early");
  }
  return out;
}

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
  std::string data = read_plain(path);
  if (ends_with(path, ".gz")) {
    return gunzip(data, path);
  }
  if (ends_with(path, ".zst")) {
    return unzstd(data, path);
  }
  return data;
}

void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& fill, bool append) {
  std::filesystem::path directory = path.parent_path().empty() ? "." : path.parent_path();
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    throw IoError("cannot create directory " + directory.string() + ": " + error.message());
  }
  current_cancellation().check();
  std::random_device random;
  std::filesystem::path temporary =
      directory / ("." + path.filename().string() + ".tmp-" + std::to_string(random()));
  try {
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      if (!out) {
        throw IoError("cannot create " + temporary.string());
      }
      if (append && std::filesystem::exists(path)) {
        std::ifstream previous(path, std::ios::binary);
        out << previous.rdbuf();
      }
      if (ends_with(path, ".gz") || ends_with(path, ".zst")) {
        // Appending adds a new gzip member or zstd frame: readers decode them in sequence.
        CompressingBuffer compressor(out, ends_with(path, ".gz") ? CompressingBuffer::Kind::kGzip
                                                                 : CompressingBuffer::Kind::kZstd);
        std::ostream compressed(&compressor);
        fill(compressed);
        if (!compressed) {
          throw IoError("cannot write " + temporary.string());
        }
        compressor.finish();
      } else {
        fill(out);
      }
      out.flush();
      if (!out) {
        throw IoError("cannot write " + temporary.string() + " (disk full?)");
      }
    }
    int fd = ::open(temporary.c_str(), O_RDONLY);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
    // A write cancelled at any point before here leaves `path` as it was.
    current_cancellation().check();
    std::filesystem::rename(temporary, path, error);
    if (error) {
      throw IoError("cannot rename " + temporary.string() + " to " + path.string() + ": " +
                    error.message());
    }
  } catch (...) {
    std::filesystem::remove(temporary, error);
    throw;
  }
}

}  // namespace setl::storage::detail
