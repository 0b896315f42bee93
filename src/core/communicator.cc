#include "setl/core/communicator.h"

#include <algorithm>

#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"

namespace setl {
namespace {

// The first byte of what the ranks gather before each collective.
constexpr char kGoingOn = '+';
constexpr char kCancelled = 'x';

// What a cancelled rank tells the others: the path of the job group it cancelled (empty
// when it knows none), a newline, and why.
std::string cancellation_note(const std::string& reason, const std::string& group_path) {
  std::string path = group_path;
  if (path.empty()) {
    std::optional<JobGroupRef> group = outermost_cancelled_job_group();
    path = group ? group->path : std::string();
  }
  return path + '\n' + reason;
}

// The caller's note when its work is cancelled.
std::optional<std::string> note_if_cancelled() {
  const CancellationToken& token = current_cancellation();
  return token.cancelled() ? std::optional<std::string>(cancellation_note(token.reason(), {}))
                           : std::nullopt;
}

// Cancels, on this rank, the group the note names when this thread is inside it, else the
// thread's current group (outside any group there is nothing to cancel: the caller throws).
void cancel_as_noted(std::string_view path, const std::string& message) {
  std::optional<JobGroupRef> group = path.empty() ? std::nullopt : job_group_around(path);
  if (!group) {
    if (std::optional<JobGroupInfo> current = current_job_group()) {
      group = JobGroupRef{current->id, current->path};
    }
  }
  if (group) {
    (void)cancel_job_group(group->id, message);
  }
}

}  // namespace

std::vector<std::string> Communicator::gather_unless_cancelled(std::string value,
                                                               std::optional<std::string> note) {
  std::string mine = note ? kCancelled + std::move(*note) : kGoingOn + std::move(value);
  std::vector<std::string> all = move_all_gather(std::move(mine));
  for (size_t from = 0; from < all.size(); ++from) {
    if (all[from].empty() || (all[from][0] != kGoingOn && all[from][0] != kCancelled)) {
      throw DistributedError(describe() + ": rank " + std::to_string(from) +
                             " sent a malformed collective header");
    }
  }
  for (size_t from = 0; from < all.size(); ++from) {
    if (all[from][0] == kCancelled) {
      stopped_together_ = true;
      std::string_view text(all[from]);
      text.remove_prefix(1);
      size_t newline = std::min(text.find('\n'), text.size());
      std::string message = std::string(text.substr(std::min(newline + 1, text.size()))) +
                            " (cancelled on rank " + std::to_string(from) + " of " +
                            std::to_string(size()) + "; every rank stopped)";
      if (from != static_cast<size_t>(rank())) {
        cancel_as_noted(text.substr(0, newline), message);  // this rank's work stops too
      }
      throw CancelledError(message);
    }
  }
  stopped_together_ = false;
  for (std::string& value_of_rank : all) {
    value_of_rank.erase(0, 1);
  }
  return all;
}

std::vector<std::string> Communicator::all_to_all(std::vector<std::string> sends) {
  gather_unless_cancelled({}, note_if_cancelled());
  return move_all_to_all(std::move(sends));
}

std::vector<std::string> Communicator::all_gather(std::string value) {
  return gather_unless_cancelled(std::move(value), note_if_cancelled());
}

std::string Communicator::broadcast(std::string value, int root) {
  gather_unless_cancelled({}, note_if_cancelled());
  return move_broadcast(std::move(value), root);
}

void Communicator::barrier() {
  (void)all_gather({});
}

void Communicator::stop_together(const std::string& reason, const std::string& group_path) {
  if (stopped_together_) {
    return;
  }
  try {
    gather_unless_cancelled({}, cancellation_note(reason, group_path));
  } catch (const CancelledError&) {
    return;  // every rank knows now
  }
}

std::string Communicator::describe() const {
  return "rank " + std::to_string(rank()) + " of " + std::to_string(size());
}

}  // namespace setl
