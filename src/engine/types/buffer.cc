#include "setl/engine/buffer.h"

#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/memory.h"

namespace setl::engine {
namespace {

// Large buffers come from power-of-two size classes kept in a free list once released:
// operators allocate and drop batch-sized buffers constantly, and handing that memory back
// to the kernel makes every new batch pay for page faults and zeroing.
constexpr size_t kPooledMinimum = 64 * 1024;
constexpr size_t kPoolLimitBytes = 512ull * 1024 * 1024;

class BufferPool {
 public:
  static BufferPool& instance() {
    static BufferPool* pool = new BufferPool();  // never destroyed: buffers may outlive main
    return *pool;
  }
  uint8_t* take(size_t capacity) {
    std::lock_guard lock(mutex_);
    std::vector<uint8_t*>& list = free_[class_of(capacity)];
    if (list.empty()) {
      return nullptr;
    }
    uint8_t* memory = list.back();
    list.pop_back();
    cached_bytes_ -= capacity;
    return memory;
  }
  bool give(uint8_t* memory, size_t capacity) {
    std::lock_guard lock(mutex_);
    if (cached_bytes_ + capacity > kPoolLimitBytes) {
      return false;
    }
    free_[class_of(capacity)].push_back(memory);
    cached_bytes_ += capacity;
    return true;
  }

 private:
  static size_t class_of(size_t capacity) {
    return static_cast<size_t>(std::countr_zero(capacity));
  }
  std::mutex mutex_;
  std::array<std::vector<uint8_t*>, 64> free_;
  size_t cached_bytes_ = 0;
};

size_t padded(size_t size) {
  if (size >= kPooledMinimum) {
    return std::bit_ceil(size);
  }
  size_t rounded = (size + Buffer::kAlignment - 1) / Buffer::kAlignment * Buffer::kAlignment;
  return rounded == 0 ? Buffer::kAlignment : rounded;
}

uint8_t* allocate_aligned(size_t capacity) {
  void* memory = capacity >= kPooledMinimum ? BufferPool::instance().take(capacity) : nullptr;
  if (memory == nullptr) {
    memory = std::aligned_alloc(Buffer::kAlignment, capacity);
  }
  if (memory == nullptr) {
    throw ResourceError("cannot allocate " + std::to_string(capacity) + " bytes for a buffer");
  }
  memory::record_allocation(static_cast<int64_t>(capacity));
  return static_cast<uint8_t*>(memory);
}

void release_aligned(uint8_t* memory, size_t capacity) {
  memory::record_release(static_cast<int64_t>(capacity));
  if (capacity < kPooledMinimum || !BufferPool::instance().give(memory, capacity)) {
    std::free(memory);
  }
}

}  // namespace

std::shared_ptr<Buffer> Buffer::allocate(size_t size, bool zero) {
  std::shared_ptr<Buffer> buffer(new Buffer());
  buffer->capacity_ = padded(size);
  buffer->data_ = allocate_aligned(buffer->capacity_);
  buffer->size_ = size;
  buffer->account_ = current_memory_account();
  if (buffer->account_) {
    buffer->account_->add(static_cast<int64_t>(buffer->capacity_));
  }
  if (zero) {
    std::memset(buffer->data_, 0, buffer->capacity_);
  } else {
    std::memset(buffer->data_ + size, 0, buffer->capacity_ - size);
  }
  return buffer;
}

std::shared_ptr<Buffer> Buffer::wrap(const void* data, size_t size,
                                     std::shared_ptr<const void> owner) {
  std::shared_ptr<Buffer> buffer(new Buffer());
  buffer->data_ = const_cast<uint8_t*>(static_cast<const uint8_t*>(data));
  buffer->size_ = size;
  buffer->capacity_ = size;
  buffer->owner_ = owner ? std::move(owner) : std::make_shared<int>(0);
  return buffer;
}

Buffer::~Buffer() {
  if (owner_ == nullptr && data_ != nullptr) {
    release_aligned(data_, capacity_);
    if (account_) {
      account_->add(-static_cast<int64_t>(capacity_));
    }
  }
}

void Buffer::resize(size_t size) {
  if (owner_ != nullptr) {
    throw InternalError("cannot resize a buffer that wraps foreign memory");
  }
  if (size > capacity_ || padded(size) < capacity_ / 2) {
    size_t capacity = padded(size);
    uint8_t* data = allocate_aligned(capacity);
    std::memcpy(data, data_, std::min(size_, size));
    std::memset(data + std::min(size_, size), 0, capacity - std::min(size_, size));
    release_aligned(data_, capacity_);
    if (account_) {
      account_->add(static_cast<int64_t>(capacity) - static_cast<int64_t>(capacity_));
    }
    data_ = data;
    capacity_ = capacity;
  } else if (size > size_) {
    std::memset(data_ + size_, 0, size - size_);
  }
  size_ = size;
}

}  // namespace setl::engine
