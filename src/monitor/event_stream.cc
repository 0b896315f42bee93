#include "event_stream.h"

#include <algorithm>
#include <utility>

#include "setl/monitor/event_sinks.h"

namespace setl::monitor::detail {

std::optional<std::string> EventStreams::Subscription::next(std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  ready_.wait_for(lock, wait, [&] { return closed_ || !messages_.empty() || dropped_ > 0; });
  if (closed_) {
    return std::string();
  }
  if (dropped_ > 0) {
    // The client fell behind: it reloads what it shows rather than trusting a gap.
    std::string message =
        "event: lagged\ndata: {\"dropped\":" + std::to_string(std::exchange(dropped_, 0)) + "}\n\n";
    return message;
  }
  if (messages_.empty()) {
    return std::nullopt;
  }
  std::string message = std::move(messages_.front());
  messages_.pop_front();
  return message;
}

void EventStreams::on_event(const JobEvent& event) {
  std::string message = "event: job\ndata: " + to_json(event) + "\n\n";
  std::lock_guard lock(mutex_);
  for (const std::shared_ptr<Subscription>& subscription : subscriptions_) {
    std::lock_guard queue(subscription->mutex_);
    if (subscription->messages_.size() >= queue_limit_) {
      subscription->messages_.pop_front();
      ++subscription->dropped_;
    }
    subscription->messages_.push_back(message);
    subscription->ready_.notify_one();
  }
}

std::shared_ptr<EventStreams::Subscription> EventStreams::subscribe() {
  auto subscription = std::make_shared<Subscription>();
  std::lock_guard lock(mutex_);
  subscription->closed_ = closed_;
  subscriptions_.push_back(subscription);
  return subscription;
}

void EventStreams::unsubscribe(const std::shared_ptr<Subscription>& subscription) {
  std::lock_guard lock(mutex_);
  subscriptions_.erase(std::remove(subscriptions_.begin(), subscriptions_.end(), subscription),
                       subscriptions_.end());
}

void EventStreams::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (const std::shared_ptr<Subscription>& subscription : subscriptions_) {
    std::lock_guard queue(subscription->mutex_);
    subscription->closed_ = true;
    subscription->ready_.notify_all();
  }
}

}  // namespace setl::monitor::detail
