// std::istream and std::ostream over a file descriptor: a pipe, a socket, a FIFO, a
// terminal; whatever read(2) and write(2) take. For handing data to another process (e.g.
// an Arrow IPC stream, setl/storage/arrow_ipc.h) without a file in between.
//
//   int fds[2];
//   ::pipe(fds);
//   setl::FdOutputStream to_child(fds[1], setl::FdOwnership::kClose);
//
// Reads and writes retry after EINTR and partial transfers. A write to a pipe or socket
// whose reader has gone fails (the stream's badbit, so a writer raises its IoError)
// instead of killing the process with SIGPIPE. While waiting for the other side, the
// stream watches the cancellation token current where it was made: once cancelled, the
// read or write fails (error() is ECANCELED) rather than waiting on.
#pragma once

#include <array>
#include <istream>
#include <ostream>
#include <streambuf>

#include "setl/core/cancellation.h"

namespace setl {

enum class FdOwnership {
  kKeep,   ///< the caller closes the descriptor
  kClose,  ///< the stream closes it when destroyed
};

/// The buffer behind FdInputStream and FdOutputStream.
class FdStreamBuf : public std::streambuf {
 public:
  FdStreamBuf(int fd, FdOwnership ownership);
  ~FdStreamBuf() override;
  FdStreamBuf(const FdStreamBuf&) = delete;
  FdStreamBuf& operator=(const FdStreamBuf&) = delete;

  int fd() const noexcept { return fd_; }
  /// The errno of the last failed read or write (0: none).
  int error() const noexcept { return error_; }

 protected:
  int_type underflow() override;
  std::streamsize xsgetn(char* into, std::streamsize count) override;
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* from, std::streamsize count) override;
  int sync() override;

 private:
  bool flush_output();
  bool write_all(const char* data, size_t size);
  // Waits until the descriptor is ready for `events` (poll), or the token is cancelled.
  bool wait_for(short events);

  int fd_;
  CancellationToken cancellation_;
  FdOwnership ownership_;
  int error_ = 0;
  std::array<char, 64 * 1024> input_{};
  std::array<char, 64 * 1024> output_{};
};

class FdInputStream : public std::istream {
 public:
  explicit FdInputStream(int fd, FdOwnership ownership = FdOwnership::kKeep)
      : std::istream(nullptr), buffer_(fd, ownership) {
    rdbuf(&buffer_);
  }
  const FdStreamBuf& buffer() const noexcept { return buffer_; }

 private:
  FdStreamBuf buffer_;
};

class FdOutputStream : public std::ostream {
 public:
  explicit FdOutputStream(int fd, FdOwnership ownership = FdOwnership::kKeep)
      : std::ostream(nullptr), buffer_(fd, ownership) {
    rdbuf(&buffer_);
  }
  /// Flushes what is buffered.
  ~FdOutputStream() override { flush(); }
  const FdStreamBuf& buffer() const noexcept { return buffer_; }

 private:
  FdStreamBuf buffer_;
};

}  // namespace setl
