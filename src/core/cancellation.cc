#include "setl/core/cancellation.h"

#include <mutex>

#include "setl/core/error.h"

namespace setl {

struct CancellationToken::State {
  std::atomic<bool> cancelled{false};
  mutable std::mutex mutex;
  std::string reason;
  std::shared_ptr<const State> parent;
};

CancellationToken::CancellationToken() : state_(std::make_shared<State>()) {}

CancellationToken CancellationToken::child_of(const CancellationToken& parent) {
  CancellationToken child;
  child.state_->parent = parent.state_;
  return child;
}

void CancellationToken::cancel(std::string reason) const {
  std::lock_guard lock(state_->mutex);
  if (!state_->cancelled.load()) {
    state_->reason = std::move(reason);
    state_->cancelled.store(true, std::memory_order_release);
  }
}

bool CancellationToken::cancelled() const noexcept {
  for (const State* state = state_.get(); state != nullptr; state = state->parent.get()) {
    if (state->cancelled.load(std::memory_order_acquire)) {
      return true;
    }
  }
  return false;
}

std::string CancellationToken::reason() const {
  for (const State* state = state_.get(); state != nullptr; state = state->parent.get()) {
    if (state->cancelled.load(std::memory_order_acquire)) {
      std::lock_guard lock(state->mutex);
      return state->reason;
    }
  }
  return {};
}

void CancellationToken::check() const {
  if (cancelled()) {
    throw CancelledError("work was cancelled: " + reason());
  }
}

namespace {
thread_local CancellationToken current_token;
}  // namespace

const CancellationToken& current_cancellation() {
  return current_token;
}

CancellationScope::CancellationScope(CancellationToken token) : previous_(current_token) {
  current_token = std::move(token);
}

CancellationScope::~CancellationScope() {
  current_token = previous_;
}

}  // namespace setl
