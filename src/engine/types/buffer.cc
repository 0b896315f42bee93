#include "setl/engine/buffer.h"

#include <cstring>

#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/memory.h"

namespace setl::engine {
namespace {

size_t padded(size_t size) {
  return memory::buffer_capacity(size, Buffer::kAlignment);
}

uint8_t* allocate_aligned(size_t capacity) {
  return static_cast<uint8_t*>(memory::allocate_buffer(capacity, Buffer::kAlignment));
}

void release_aligned(uint8_t* memory, size_t capacity) {
  memory::release_buffer(memory, capacity);
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
