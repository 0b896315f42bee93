#include "setl/core/atomic_file.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <streambuf>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setl/core/cancellation.h"
#include "setl/core/error.h"

namespace setl {
namespace {

constexpr std::string_view kTemporaryMarker = ".tmp-";

std::string errno_text() {
  return std::strerror(errno);
}

void close_quietly(int fd) {
  if (fd >= 0) {
    ::close(fd);
  }
}

// Writes all of [data, data + size) or reports why not.
bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written <= 0) {
      return false;
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

void fsync_directory(const std::filesystem::path& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);  // best effort: some file systems refuse fsync on directories
    ::close(fd);
  }
}

// A stream buffer over a file descriptor that remembers the first write error.
class FdBuffer : public std::streambuf {
 public:
  explicit FdBuffer(int fd) : fd_(fd), buffer_(1 << 16) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  int error() const { return error_; }
  /// Bytes given to the buffer so far (written or still buffered).
  int64_t position() const { return written_ + (pptr() - pbase()); }

 protected:
  int_type overflow(int_type c) override {
    if (!drain()) {
      return traits_type::eof();
    }
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return drain() ? 0 : -1; }
  std::streamsize xsputn(const char* data, std::streamsize count) override {
    if (count > static_cast<std::streamsize>(buffer_.size())) {
      if (!drain() || !write_all(fd_, data, static_cast<size_t>(count))) {
        remember();
        return 0;
      }
      written_ += count;
      return count;
    }
    return std::streambuf::xsputn(data, count);
  }

 private:
  bool drain() {
    size_t size = static_cast<size_t>(pptr() - pbase());
    if (error_ == 0 && !write_all(fd_, pbase(), size)) {
      remember();
    }
    written_ += static_cast<int64_t>(size);
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return error_ == 0;
  }
  void remember() {
    if (error_ == 0) {
      error_ = errno != 0 ? errno : EIO;
    }
  }

  int fd_;
  std::vector<char> buffer_;
  int error_ = 0;
  int64_t written_ = 0;
};

// ".<name>.tmp-<random>" beside `target`: what is_temporary_name() recognises.
std::filesystem::path temporary_name(const std::filesystem::path& directory,
                                     const std::filesystem::path& target) {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  return directory / ("." + target.filename().string() + std::string(kTemporaryMarker) +
                      std::to_string(generator()));
}

}  // namespace

// ---- FileLock ----------------------------------------------------------------------------

FileLock::FileLock(const std::filesystem::path& lock_file) {
  fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw IoError("cannot create the lock file " + lock_file.string() + ": " + errno_text());
  }
  const CancellationToken& token = current_cancellation();
  auto pause = std::chrono::milliseconds(1);
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      std::string why = errno_text();
      close_quietly(fd_);
      throw IoError("cannot lock " + lock_file.string() + ": " + why);
    }
    if (token.cancelled()) {
      close_quietly(fd_);
      token.check();
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

std::optional<FileLock> FileLock::try_lock(const std::filesystem::path& lock_file) {
  int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return std::nullopt;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  return FileLock(fd);
}

FileLock::~FileLock() {
  close_quietly(fd_);
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    close_quietly(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

std::filesystem::path lock_path_for(const std::filesystem::path& target) {
  std::filesystem::path directory = target.parent_path().empty() ? "." : target.parent_path();
  return directory / ("." + target.filename().string() + ".lock");
}

// ---- AtomicFile --------------------------------------------------------------------------

struct AtomicFile::Impl {
  std::filesystem::path directory;
  std::filesystem::path temporary;  // empty while the file has no name (O_TMPFILE)
  int fd = -1;
  bool committed = false;
  FdBuffer buffer;
  std::ostream stream;

  explicit Impl(int descriptor) : fd(descriptor), buffer(descriptor), stream(&buffer) {}
};

AtomicFile::AtomicFile(std::filesystem::path target) : target_(std::move(target)) {
  std::filesystem::path directory = target_.parent_path().empty() ? "." : target_.parent_path();
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    throw IoError("cannot create directory " + directory.string() + ": " + error.message());
  }
  std::filesystem::path temporary;
  // An unnamed file is named at commit through /proc/self/fd; without /proc, name it now.
  static const bool can_link_unnamed = std::filesystem::exists("/proc/self/fd", error);
  int fd = can_link_unnamed ? ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0644) : -1;
  if (fd < 0) {
    // No unnamed files here: create a named one and lock it at once.
    temporary = temporary_name(directory, target_);
    fd = ::open(temporary.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw IoError("cannot create a temporary file in " + directory.string() + ": " +
                    errno_text());
    }
  }
  ::flock(fd, LOCK_EX);  // uncontended: nobody else can have opened it yet
  impl_ = std::make_unique<Impl>(fd);
  impl_->directory = directory;
  impl_->temporary = temporary;
}

AtomicFile::~AtomicFile() {
  if (!impl_) {
    return;
  }
  if (!impl_->committed && !impl_->temporary.empty()) {
    ::unlink(impl_->temporary.c_str());
  }
  close_quietly(impl_->fd);
}

std::ostream& AtomicFile::stream() {
  return impl_->stream;
}

int64_t AtomicFile::size() const {
  return impl_->buffer.position();
}

void AtomicFile::copy_from(const std::filesystem::path& source) {
  int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    throw IoError("cannot open " + source.string() + ": " + errno_text());
  }
  std::vector<char> chunk(1 << 20);
  while (true) {
    ssize_t got = ::read(in, chunk.data(), chunk.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      std::string why = errno_text();
      ::close(in);
      throw IoError("cannot read " + source.string() + ": " + why);
    }
    if (got == 0) {
      break;
    }
    impl_->stream.write(chunk.data(), got);
  }
  ::close(in);
}

void AtomicFile::commit() {
  Impl& impl = *impl_;
  impl.stream.flush();
  if (!impl.stream || impl.buffer.error() != 0) {
    int code = impl.buffer.error();
    throw IoError("cannot write " + target_.string() + ": " +
                  (code != 0 ? std::string(std::strerror(code)) : std::string("stream error")) +
                  (code == ENOSPC ? " (disk full)" : ""));
  }
  if (::fsync(impl.fd) != 0) {
    throw IoError("cannot write " + target_.string() + ": fsync failed: " + errno_text() +
                  (errno == ENOSPC ? " (disk full)" : ""));
  }
  // A cancel up to here leaves the target as it was.
  current_cancellation().check();
  if (impl.temporary.empty()) {
    std::string proc = "/proc/self/fd/" + std::to_string(impl.fd);
    for (int attempt = 0; attempt < 16; ++attempt) {
      std::filesystem::path name = temporary_name(impl.directory, target_);
      if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0) {
        impl.temporary = name;
        break;
      }
      if (errno != EEXIST) {
        throw IoError("cannot name the new " + target_.string() + ": " + errno_text());
      }
    }
    if (impl.temporary.empty()) {
      throw IoError("cannot name the new " + target_.string() + ": no free temporary name");
    }
  }
  if (::rename(impl.temporary.c_str(), target_.c_str()) != 0) {
    throw IoError("cannot rename " + impl.temporary.string() + " to " + target_.string() + ": " +
                  errno_text());
  }
  impl.committed = true;
  fsync_directory(impl.directory);
}

void write_atomically(const std::filesystem::path& target, std::string_view bytes) {
  AtomicFile file(target);
  file.stream().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  file.commit();
}

bool is_temporary_name(std::string_view name) {
  return name.starts_with(".") && name.find(kTemporaryMarker) != std::string_view::npos;
}

int64_t remove_abandoned_temporaries(const std::filesystem::path& directory,
                                     std::string_view target_name) {
  int64_t removed = 0;
  std::error_code error;
  std::string prefix = target_name.empty()
                           ? std::string()
                           : "." + std::string(target_name) + std::string(kTemporaryMarker);
  // Best effort: what cannot be listed is left for the next writer to remove.
  std::filesystem::directory_iterator it(directory, error);
  for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    const std::filesystem::directory_entry& entry = *it;
    std::string name = entry.path().filename().string();
    if (!is_temporary_name(name) || (!prefix.empty() && !name.starts_with(prefix))) {
      continue;
    }
    int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      continue;
    }
    // A live writer holds the lock until its rename; a dead one released it with its life.
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      struct stat by_fd {};
      struct stat by_name {};
      // Only unlink if the name still points at the inode we locked.
      if (::fstat(fd, &by_fd) == 0 && ::lstat(entry.path().c_str(), &by_name) == 0 &&
          by_fd.st_ino == by_name.st_ino && by_fd.st_dev == by_name.st_dev &&
          ::unlink(entry.path().c_str()) == 0) {
        ++removed;
      }
    }
    ::close(fd);
  }
  return removed;
}

}  // namespace setl
