#include "byte_shares.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_io.h"
#include "setl/core/error.h"
#include "setl/storage/file_connector.h"

namespace setl::storage::detail {
namespace {

// A record longer than this is refused rather than buffered without end (as the scans do).
constexpr size_t kMaxRecordBytes = size_t{1} << 30;
constexpr size_t kFirstBlockBytes = size_t{1} << 20;

class FileReader {
 public:
  explicit FileReader(const std::filesystem::path& file) : file_(file) {
    fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      int code = errno;
      throw IoError("cannot open " + file.string() + ": " + std::strerror(code),
                    category_of_errno(code));
    }
    struct stat info {};
    if (::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode)) {
      ::close(fd_);
      throw IoError("cannot cut " + file.string() + " into shares: it is not a regular file");
    }
    size_ = static_cast<int64_t>(info.st_size);
  }
  ~FileReader() { ::close(fd_); }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  int64_t size() const { return size_; }
  const std::filesystem::path& path() const { return file_; }

  // Bytes [offset, offset + out.size()) of the file; out is cut to what the file holds.
  void read_at(int64_t offset, std::string& out) const {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t got = ::pread(fd_, out.data() + done, out.size() - done,
                            static_cast<off_t>(offset + static_cast<int64_t>(done)));
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got < 0) {
        int code = errno;
        throw IoError("cannot read " + file_.string() + ": " + std::strerror(code),
                      category_of_errno(code));
      }
      if (got == 0) {
        break;  // the file shrank while read: what is there is all there is
      }
      done += static_cast<size_t>(got);
    }
    out.resize(done);
  }

 private:
  std::filesystem::path file_;
  int fd_ = -1;
  int64_t size_ = 0;
};

// Where the first line starting at or after `slice` begins (the file's size if none).
int64_t guess_start(const FileReader& reader, int64_t slice) {
  std::string piece;
  for (int64_t at = slice - 1; at < reader.size(); at += static_cast<int64_t>(piece.size())) {
    piece.resize(static_cast<size_t>(std::min<int64_t>(64 << 10, reader.size() - at)));
    reader.read_at(at, piece);
    if (piece.empty()) {
      break;
    }
    if (const void* newline = std::memchr(piece.data(), '\n', piece.size())) {
      return at + (static_cast<const char*>(newline) - piece.data()) + 1;
    }
  }
  return reader.size();
}

struct Finish {
  int64_t end = 0;    // where the first record starting at or after the target begins
  int64_t lines = 0;  // newlines from the start to `end`
};

// Reads records from `start` (a record start) until one begins at or after `target`.
Finish finish_from(const FileReader& reader, int64_t start, int64_t target,
                   const RecordSkipper& skip) {
  Finish finish{start, 0};
  size_t capacity = kFirstBlockBytes;
  std::string block;
  while (finish.end < target && finish.end < reader.size()) {
    block.resize(static_cast<size_t>(
        std::min<int64_t>(static_cast<int64_t>(capacity), reader.size() - finish.end)));
    reader.read_at(finish.end, block);
    bool at_end = finish.end + static_cast<int64_t>(block.size()) >= reader.size();
    size_t at = 0;
    while (at < block.size() && finish.end + static_cast<int64_t>(at) < target) {
      int64_t lines = 0;
      std::optional<size_t> next = skip(block, at, at_end, lines);
      if (!next) {
        break;  // the record goes on past the block
      }
      at = std::max(*next, at + 1);
      finish.lines += lines;
    }
    if (at == 0 && !at_end) {
      if (capacity >= kMaxRecordBytes) {
        throw ParseError(reader.path().string() +
                         ": a record is longer than 1 GiB (an unclosed quote?)");
      }
      capacity *= 2;  // one record fills the block: read it whole
      continue;
    }
    finish.end += static_cast<int64_t>(std::min(at, block.size()));
    if (at_end && at >= block.size()) {
      break;
    }
  }
  return finish;
}

struct Claim {
  int64_t start = 0;  // where the rank believes its share begins
  Finish finish;      // what it read from there
};

std::string encode(const Claim& claim) {
  int64_t values[3] = {claim.start, claim.finish.end, claim.finish.lines};
  return std::string(reinterpret_cast<const char*>(values), sizeof values);
}

std::vector<Claim> decode(const std::vector<std::string>& gathered) {
  std::vector<Claim> claims;
  for (const std::string& text : gathered) {
    int64_t values[3];
    if (text.size() != sizeof values) {
      throw DistributedError("a rank sent a malformed share boundary");
    }
    std::memcpy(values, text.data(), sizeof values);
    claims.push_back({values[0], {values[1], values[2]}});
  }
  return claims;
}

// Byte offset where slice `k` of `shards` of [data_start, size) begins.
int64_t slice_start(int64_t data_start, int64_t size, int k, int shards) {
  int64_t span = size - data_start;  // (span / shards) * k + (span % shards) * k / shards
  return data_start + span / shards * k + span % shards * k / shards;
}

}  // namespace

engine::ByteShare agree_byte_share(const std::filesystem::path& file, int64_t data_start,
                                   int64_t data_line, int shard, int shards,
                                   Communicator& communicator, const RecordSkipper& skip) {
  if (shards != communicator.size() || shard != communicator.rank()) {
    throw StateError("a share of " + file.string() +
                     " was asked for by a rank that does not hold it");
  }
  FileReader reader(file);
  data_start = std::clamp<int64_t>(data_start, 0, reader.size());
  bool last = shard + 1 == shards;
  int64_t target = last ? reader.size() : slice_start(data_start, reader.size(), shard + 1, shards);
  auto claim_from = [&](int64_t start) {
    // The last share needs no finish: nothing follows it.
    return Claim{start, last ? Finish{reader.size(), 0} : finish_from(reader, start, target, skip)};
  };
  Claim mine = claim_from(
      shard == 0 ? data_start
                 : guess_start(reader, slice_start(data_start, reader.size(), shard, shards)));
  std::vector<Claim> claims;
  // Each round proves at least one more boundary.
  for (int round = 0; round < shards; ++round) {
    claims = decode(communicator.all_gather(encode(mine)));
    int wrong = 0;
    for (int k = 1; k < shards && wrong == 0; ++k) {
      wrong = claims[k].start != claims[k - 1].finish.end ? k : 0;
    }
    if (wrong == 0) {
      break;
    }
    if (wrong == shard) {
      mine = claim_from(claims[shard - 1].finish.end);
    }
  }
  engine::ByteShare share{mine.start, last ? reader.size() : mine.finish.end, data_line};
  for (int k = 0; k < shard; ++k) {
    share.first_line += claims[k].finish.lines;
  }
  return share;
}

ShareRead share_read(const engine::ScanRequest& request) {
  if (request.shards <= 1 || (!request.byte_share && request.shard == 0)) {
    return ShareRead::kWhole;
  }
  return request.byte_share ? ShareRead::kBytes : ShareRead::kNothing;
}

bool splittable_by_bytes(const std::filesystem::path& file) {
  std::error_code error;
  return compression_of(file) == FileCompression::kNone &&
         std::filesystem::is_regular_file(file, error);
}

}  // namespace setl::storage::detail
