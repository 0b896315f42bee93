// Cooperative cancellation: long-running work (engine operators between morsels,
// connectors between batches) checks a token and stops with CancelledError.
#pragma once

#include <atomic>
#include <memory>
#include <string>

namespace setl {

class CancellationToken {
 public:
  /// A token that can be cancelled.
  CancellationToken();
  /// A child token: cancelled when cancelled itself or when `parent` is (now or later).
  static CancellationToken child_of(const CancellationToken& parent);

  /// Requests cancellation; the first reason given is kept.
  void cancel(std::string reason = "cancelled") const;
  bool cancelled() const noexcept;
  /// Why it was cancelled (its own reason, else the nearest cancelled parent's).
  std::string reason() const;
  /// Throws: CancelledError with the reason, if cancelled.
  void check() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

/// The token of the work running on this thread (a never-cancelled token by default).
const CancellationToken& current_cancellation();

/// Makes `token` the current thread's token until destroyed. Engine operators capture the
/// current token when they start and hand it to their worker tasks.
class CancellationScope {
 public:
  explicit CancellationScope(CancellationToken token);
  ~CancellationScope();
  CancellationScope(const CancellationScope&) = delete;
  CancellationScope& operator=(const CancellationScope&) = delete;

 private:
  CancellationToken previous_;
};

}  // namespace setl
