// A file's bytes read piece by piece, decompressed on the fly when the name ends in .gz
// or .zst (private to the storage layer): the streaming readers hold one piece at a time
// instead of the whole file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace setl::storage::detail {

class ByteStream {
 public:
  /// Opens a regular file or a pipe. Throws: IoError naming the file (missing, a
  /// directory, unreadable).
  explicit ByteStream(std::filesystem::path path);
  ~ByteStream();
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  /// Up to `capacity` (decompressed) bytes into `out`; 0 only at the end. Throws: IoError
  /// for corrupt or truncated compressed data, ResourceError past decompression_limits().
  size_t read(char* out, size_t capacity);
  /// Reads until `out` holds `capacity` bytes or the data ends; returns the count.
  size_t read_fully(char* out, size_t capacity);

  /// From now on reads bytes [begin, end) of the file only (a share of a distributed scan).
  /// Throws: StateError for a compressed file or a pipe, IoError if it cannot seek.
  void restrict_to(int64_t begin, int64_t end);

  /// The size of the file on disk when it is a regular uncompressed file (0 otherwise):
  /// a hint for buffer sizes, never trusted for bounds.
  size_t size_hint() const;
  /// Bytes read from the file so far (compressed bytes for compressed files).
  uint64_t consumed() const;
  const std::filesystem::path& path() const noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace setl::storage::detail
