#include "setl/core/fd_stream.h"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

namespace setl {
namespace {

// write(2) without SIGPIPE: send() with MSG_NOSIGNAL for sockets; for pipes, SIGPIPE is
// blocked in this thread around the write and, if the write raised it, taken back, so
// the caller sees EPIPE and the process's handler never runs.
ssize_t write_without_sigpipe(int fd, const char* data, size_t size) {
  ssize_t written = ::send(fd, data, size, MSG_NOSIGNAL);
  if (written >= 0 || errno != ENOTSOCK) {
    return written;
  }
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  bool already_pending = sigismember(&pending, SIGPIPE) == 1;
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous);
  written = ::write(fd, data, size);
  int error = errno;
  if (written < 0 && error == EPIPE && !already_pending) {
    timespec no_wait{};
    while (sigtimedwait(&pipe_signal, nullptr, &no_wait) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  errno = error;
  return written;
}

}  // namespace

FdStreamBuf::FdStreamBuf(int fd, FdOwnership ownership)
    : fd_(fd), cancellation_(current_cancellation()), ownership_(ownership) {
  setg(input_.data(), input_.data(), input_.data());
  setp(output_.data(), output_.data() + output_.size());
}

FdStreamBuf::~FdStreamBuf() {
  flush_output();
  if (ownership_ == FdOwnership::kClose && fd_ >= 0) {
    ::close(fd_);
  }
}

bool FdStreamBuf::wait_for(short events) {
  constexpr int kCheckMs = 100;
  while (true) {
    if (cancellation_.cancelled()) {
      error_ = ECANCELED;
      return false;
    }
    pollfd waiting{fd_, events, 0};
    int ready = ::poll(&waiting, 1, kCheckMs);
    if (ready > 0 || (ready < 0 && errno != EINTR)) {
      return true;  // ready, or an error the read or write itself will report
    }
  }
}

FdStreamBuf::int_type FdStreamBuf::underflow() {
  if (gptr() < egptr()) {
    return traits_type::to_int_type(*gptr());
  }
  while (true) {
    if (!wait_for(POLLIN)) {
      return traits_type::eof();
    }
    ssize_t got = ::read(fd_, input_.data(), input_.size());
    if (got > 0) {
      setg(input_.data(), input_.data(), input_.data() + got);
      return traits_type::to_int_type(*gptr());
    }
    if (got == 0) {
      return traits_type::eof();
    }
    if (errno != EINTR) {
      error_ = errno;
      return traits_type::eof();
    }
  }
}

// Large reads go straight into the caller's memory once the buffer is drained.
std::streamsize FdStreamBuf::xsgetn(char* into, std::streamsize count) {
  std::streamsize done = 0;
  while (done < count) {
    std::streamsize buffered = egptr() - gptr();
    if (buffered > 0) {
      std::streamsize take = std::min(buffered, count - done);
      std::memcpy(into + done, gptr(), static_cast<size_t>(take));
      gbump(static_cast<int>(take));
      done += take;
      continue;
    }
    std::streamsize want = count - done;
    if (want < static_cast<std::streamsize>(input_.size())) {
      if (traits_type::eq_int_type(underflow(), traits_type::eof())) {
        break;
      }
      continue;
    }
    if (!wait_for(POLLIN)) {
      break;
    }
    ssize_t got = ::read(fd_, into + done, static_cast<size_t>(want));
    if (got > 0) {
      done += got;
    } else if (got == 0 || errno != EINTR) {
      error_ = got == 0 ? 0 : errno;
      break;
    }
  }
  return done;
}

bool FdStreamBuf::write_all(const char* data, size_t size) {
  while (size > 0) {
    if (!wait_for(POLLOUT)) {
      return false;
    }
    ssize_t written = write_without_sigpipe(fd_, data, size);
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      error_ = errno;
      return false;
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

bool FdStreamBuf::flush_output() {
  auto pending = static_cast<size_t>(pptr() - pbase());
  setp(output_.data(), output_.data() + output_.size());
  return pending == 0 || write_all(output_.data(), pending);
}

FdStreamBuf::int_type FdStreamBuf::overflow(int_type c) {
  if (!flush_output()) {
    return traits_type::eof();
  }
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

// Large writes go straight from the caller's memory after what is buffered.
std::streamsize FdStreamBuf::xsputn(const char* from, std::streamsize count) {
  if (count <= 0) {
    return 0;
  }
  if (count <= epptr() - pptr()) {
    std::memcpy(pptr(), from, static_cast<size_t>(count));
    pbump(static_cast<int>(count));
    return count;
  }
  if (!flush_output()) {
    return 0;
  }
  if (count < static_cast<std::streamsize>(output_.size())) {
    std::memcpy(pptr(), from, static_cast<size_t>(count));
    pbump(static_cast<int>(count));
    return count;
  }
  return write_all(from, static_cast<size_t>(count)) ? count : 0;
}

int FdStreamBuf::sync() {
  return flush_output() ? 0 : -1;
}

}  // namespace setl
