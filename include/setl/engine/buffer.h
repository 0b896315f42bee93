// An immutable-once-shared block of memory holding column data: 64-byte aligned and padded
// as the Arrow format recommends, counted by setl::memory, or wrapping memory owned by
// someone else (zero-copy import) and released through that owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace setl {
class MemoryAccount;
}

namespace setl::engine {

class Buffer {
 public:
  static constexpr size_t kAlignment = 64;

  /// A new buffer of `size` bytes; the padding up to a multiple of 64 is zeroed and so is
  /// the content when `zero` is true. Throws: ResourceError if memory is exhausted.
  static std::shared_ptr<Buffer> allocate(size_t size, bool zero = false);
  /// A buffer viewing `size` bytes at `data`, kept alive by `owner`.
  static std::shared_ptr<Buffer> wrap(const void* data, size_t size,
                                      std::shared_ptr<const void> owner);

  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer();

  const uint8_t* data() const noexcept { return data_; }
  /// Writable access, for the code that fills a new buffer before sharing it.
  uint8_t* mutable_data() noexcept { return data_; }
  size_t size() const noexcept { return size_; }
  /// Bytes of memory held: the size rounded up to the allocation's size class (the size
  /// of foreign memory).
  size_t capacity() const noexcept { return capacity_; }
  bool owns_memory() const noexcept { return owner_ == nullptr; }

  template <class T>
  const T* data_as() const noexcept {
    return reinterpret_cast<const T*>(data_);
  }
  template <class T>
  T* mutable_data_as() noexcept {
    return reinterpret_cast<T*>(data_);
  }

  /// Shrinks or grows an owned buffer (contents kept up to the smaller size).
  void resize(size_t size);

 private:
  Buffer() = default;

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  std::shared_ptr<const void> owner_;
  std::shared_ptr<MemoryAccount> account_;  // the job group charged for the memory
};

using BufferPtr = std::shared_ptr<Buffer>;

}  // namespace setl::engine
