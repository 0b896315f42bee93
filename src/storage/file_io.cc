#include "file_io.h"

#include <fstream>
#include <random>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

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
  while (status != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk.data());
    stream.avail_out = static_cast<uInt>(chunk.size());
    status = inflate(&stream, Z_NO_FLUSH);
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
      fill(out);
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
