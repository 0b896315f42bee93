// Files that readers see whole or not at all, even when the writer is killed, and locks
// that serialise writers of one target across processes.
//
//   setl::AtomicFile file("out/orders.csv");     // invisible until commit()
//   file.stream() << "id,amount\n1,10\n";
//   file.commit();                              // fsync, rename over the target, fsync dir
//
// A temporary is created unnamed where the file system allows it (O_TMPFILE) and locked
// (flock) before it gets a name, so remove_abandoned_temporaries() can tell a live
// writer's temporary (locked) from one a killed writer left behind (unlocked) without
// guessing by age.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

namespace setl {

/// An exclusive advisory lock on `lock_file` (created if missing, never removed: removing
/// a lock file races with a process about to lock it). Released when destroyed, and by
/// the kernel when the process dies.
class FileLock {
 public:
  /// Waits for the lock, checking the thread's cancellation token every few milliseconds.
  /// Throws: IoError if the lock file cannot be created, CancelledError.
  explicit FileLock(const std::filesystem::path& lock_file);
  /// The lock if nobody holds it now.
  static std::optional<FileLock> try_lock(const std::filesystem::path& lock_file);
  ~FileLock();
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
};

/// "<dir>/.<name>.lock": where writers of `target` meet.
std::filesystem::path lock_path_for(const std::filesystem::path& target);

/// A new file for `target`, written under a temporary name (or none) and renamed over
/// `target` by commit(). Destroying it uncommitted removes the temporary.
class AtomicFile {
 public:
  /// Throws: IoError if the directory cannot be created or written.
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Buffered output into the temporary; a failed write (disk full) throws IoError at the
  /// latest from commit().
  std::ostream& stream();
  /// Bytes written to stream() so far.
  int64_t size() const;
  /// Appends the bytes of an existing file (for appends that rewrite the file).
  void copy_from(const std::filesystem::path& source);
  /// Flushes, fsyncs, renames over the target and fsyncs the directory.
  /// Throws: IoError (the target is then unchanged), CancelledError.
  void commit();

  const std::filesystem::path& target() const noexcept { return target_; }

 private:
  struct Impl;
  std::filesystem::path target_;
  std::unique_ptr<Impl> impl_;
};

/// Writes the whole of `bytes` to `target` through an AtomicFile.
void write_atomically(const std::filesystem::path& target, std::string_view bytes);

/// Whether `name` is one of AtomicFile's temporaries (".<target>.tmp-<n>").
bool is_temporary_name(std::string_view name);

/// Removes the temporaries in `directory` (not recursive) whose writers are gone: only
/// those nobody holds a lock on. With `target_name`, only that target's temporaries.
/// Returns how many were removed; never throws for files that vanish meanwhile.
int64_t remove_abandoned_temporaries(const std::filesystem::path& directory,
                                     std::string_view target_name = {});

}  // namespace setl
