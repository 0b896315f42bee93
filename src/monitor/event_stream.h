// Job events pushed to HTTP clients as they happen (server-sent events; private to the
// monitor): one sink fans each event out to every open stream, each with its own bounded
// queue, so a slow client loses its oldest events (and is told so) rather than holding
// the run or the other clients up.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "setl/core/job_group.h"

namespace setl::monitor::detail {

class EventStreams : public JobEventSink {
 public:
  /// One client's queue of server-sent-event messages.
  class Subscription {
   public:
    /// The next message, waiting up to `wait`; nullopt on timeout; empty once closed.
    std::optional<std::string> next(std::chrono::milliseconds wait);

   private:
    friend class EventStreams;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::string> messages_;
    size_t dropped_ = 0;
    bool closed_ = false;
  };

  explicit EventStreams(size_t queue_limit = 10'000) : queue_limit_(queue_limit) {}

  void on_event(const JobEvent& event) override;
  std::shared_ptr<Subscription> subscribe();
  void unsubscribe(const std::shared_ptr<Subscription>& subscription);
  /// Ends every stream (the server is stopping).
  void close();

 private:
  size_t queue_limit_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<Subscription>> subscriptions_;
  bool closed_ = false;
};

}  // namespace setl::monitor::detail
