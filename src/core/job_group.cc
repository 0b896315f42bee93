#include "setl/core/job_group.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <deque>
#include <map>

#include "setl/core/error.h"
#include "setl/core/trace.h"

namespace setl {

namespace detail {

struct JobGroupState {
  uint64_t number = 0;
  std::string id;
  std::shared_ptr<JobGroupState> parent;
  std::string name;
  std::string path;
  std::string kind;
  std::string description;
  std::vector<std::string> tags;
  CancellationToken token;
  std::shared_ptr<MemoryAccount> memory;
  std::chrono::system_clock::time_point started;
  std::chrono::steady_clock::time_point started_steady;
  std::atomic<int64_t> rows{0};
  std::atomic<int64_t> bytes{0};
  std::atomic<int64_t> cpu_nanos{0};
  std::shared_ptr<TraceRecorder> trace;  // set before work starts in the group

  mutable std::mutex mutex;  // guards the fields below
  JobState state = JobState::kRunning;
  std::chrono::system_clock::time_point finished;
  double elapsed_seconds = 0;
  std::string message;
  std::string failure;

  JobGroupInfo info() const {
    JobGroupInfo info;
    info.id = id;
    info.parent_id = parent ? parent->id : std::string();
    info.name = name;
    info.path = path;
    info.kind = kind;
    info.description = description;
    info.tags = tags;
    info.started = started;
    info.rows = rows.load(std::memory_order_relaxed);
    info.bytes = bytes.load(std::memory_order_relaxed);
    info.memory_bytes = memory->bytes();
    info.peak_memory_bytes = memory->peak();
    info.cpu_nanos = cpu_nanos.load(std::memory_order_relaxed);
    std::lock_guard lock(mutex);
    info.state = state;
    info.finished = finished;
    info.message = message;
    info.elapsed_seconds =
        state == JobState::kRunning
            ? std::chrono::duration<double>(std::chrono::steady_clock::now() - started_steady)
                  .count()
            : elapsed_seconds;
    return info;
  }
};

}  // namespace detail

namespace {

using detail::JobGroupState;

constexpr size_t kKeptFinished = 1000;
constexpr size_t kKeptEvents = 1000;
constexpr size_t kMaxTags = 16;

thread_local std::shared_ptr<JobGroupState> current_group;
// The thread's CPU time when it was last charged to a group (-1: never).
thread_local int64_t charged_cpu_nanos = -1;

int64_t thread_cpu_nanos() noexcept {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// Charges the thread's CPU time since it was last charged to the current group and its
// ancestors. Called whenever the current group changes, so each slice of CPU time goes to
// exactly one group chain, however groups and tasks nest.
void charge_thread_cpu() noexcept {
  int64_t now = thread_cpu_nanos();
  if (current_group && charged_cpu_nanos >= 0) {
    for (JobGroupState* group = current_group.get(); group != nullptr;
         group = group->parent.get()) {
      group->cpu_nanos.fetch_add(now - charged_cpu_nanos, std::memory_order_relaxed);
    }
  }
  charged_cpu_nanos = now;
}

void make_current(std::shared_ptr<JobGroupState> group) noexcept {
  if (current_group || group) {
    charge_thread_cpu();
  }
  current_group = std::move(group);
}

struct Registry {
  std::mutex mutex;  // guards everything but the sinks' calls
  std::map<uint64_t, std::shared_ptr<JobGroupState>> active;
  std::deque<JobGroupInfo> finished;
  std::deque<JobEvent> events;
  std::vector<std::shared_ptr<JobEventSink>> sinks;
  JobTotals totals;
  uint64_t next_number = 1;
  std::recursive_mutex emit_mutex;  // serialises sink calls, in event order
};

// Never destroyed: groups may finish in static destructors or on detached threads.
Registry& registry() {
  static Registry* instance = new Registry();
  return *instance;
}

void deliver(const JobEvent& event) {
  Registry& r = registry();
  std::lock_guard emit_lock(r.emit_mutex);
  std::vector<std::shared_ptr<JobEventSink>> sinks;
  {
    std::lock_guard lock(r.mutex);
    r.events.push_back(event);
    if (r.events.size() > kKeptEvents) {
      r.events.pop_front();
    }
    sinks = r.sinks;
  }
  for (const auto& sink : sinks) {
    try {
      sink->on_event(event);
    } catch (...) {
      // A failing sink must not break the work it observes.
    }
  }
}

void emit(JobEventKind kind, JobGroupInfo info, std::string detail = {}) {
  deliver({kind, std::chrono::system_clock::now(), std::move(info), std::move(detail)});
}

void validate(const std::string& name, const std::vector<std::string>& tags) {
  if (name.empty()) {
    throw ConfigError("a job group needs a name");
  }
  if (tags.size() > kMaxTags) {
    throw ConfigError("job group '" + name + "' has " + std::to_string(tags.size()) +
                      " tags; at most " + std::to_string(kMaxTags) + " are allowed");
  }
  for (const std::string& tag : tags) {
    bool bad = tag.empty() || std::any_of(tag.begin(), tag.end(), [](char c) {
                 return c == ',' || std::isspace(static_cast<unsigned char>(c));
               });
    if (bad) {
      throw ConfigError("job group '" + name + "': invalid tag '" + tag +
                        "' (tags are non-empty and hold no commas or spaces)");
    }
  }
}

bool inside(const JobGroupState& group, const JobGroupState& ancestor) {
  for (const JobGroupState* g = &group; g != nullptr; g = g->parent.get()) {
    if (g == &ancestor) {
      return true;
    }
  }
  return false;
}

// Cancels `targets` and returns the ids of every running group inside them. Call with the
// registry locked.
std::vector<std::string> cancel_locked(Registry& r,
                                       const std::vector<std::shared_ptr<JobGroupState>>& targets,
                                       const std::string& reason) {
  std::vector<std::string> ids;
  for (const auto& entry : r.active) {
    const auto& group = entry.second;
    if (std::any_of(targets.begin(), targets.end(),
                    [&](const auto& target) { return inside(*group, *target); })) {
      ids.push_back(group->id);
    }
  }
  for (const auto& target : targets) {
    target->token.cancel(reason);
  }
  return ids;
}

}  // namespace

std::string_view to_string(JobState state) {
  switch (state) {
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "?";
}

std::string_view to_string(JobEventKind kind) {
  switch (kind) {
    case JobEventKind::kStarted:
      return "started";
    case JobEventKind::kSucceeded:
      return "succeeded";
    case JobEventKind::kFailed:
      return "failed";
    case JobEventKind::kCancelled:
      return "cancelled";
    case JobEventKind::kCancelRequested:
      return "cancel_requested";
    case JobEventKind::kMemoryPaused:
      return "memory_paused";
    case JobEventKind::kMemoryResumed:
      return "memory_resumed";
    case JobEventKind::kSkipped:
      return "skipped";
    case JobEventKind::kAttemptFailed:
      return "attempt_failed";
    case JobEventKind::kRestored:
      return "restored";
  }
  return "?";
}

JobGroup::JobGroup(std::string name, std::string description, std::vector<std::string> tags,
                   std::string kind)
    : exceptions_at_start_(std::uncaught_exceptions()) {
  validate(name, tags);
  auto state = std::make_shared<JobGroupState>();
  state->parent = current_group;
  state->trace = current_group ? current_group->trace : nullptr;
  state->name = std::move(name);
  state->path = state->parent ? state->parent->path + "/" + state->name : state->name;
  state->kind = std::move(kind);
  state->description = std::move(description);
  state->tags = std::move(tags);
  state->token = CancellationToken::child_of(current_cancellation());
  state->memory = std::make_shared<MemoryAccount>(state->parent ? state->parent->memory : nullptr);
  state->started = std::chrono::system_clock::now();
  state->started_steady = std::chrono::steady_clock::now();
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    state->number = r.next_number++;
    state->id = std::to_string(state->number);
    r.active.emplace(state->number, state);
    ++r.totals.started;
  }
  state_ = state;
  previous_ = current_group;
  make_current(state_);
  cancellation_ = std::make_unique<CancellationScope>(state_->token);
  emit(JobEventKind::kStarted, state_->info());
}

JobGroup::~JobGroup() {
  bool unwinding = std::uncaught_exceptions() > exceptions_at_start_;
  JobState final_state = !unwinding                  ? JobState::kSucceeded
                         : state_->token.cancelled() ? JobState::kCancelled
                                                     : JobState::kFailed;
  {
    std::lock_guard lock(state_->mutex);
    state_->state = final_state;
    state_->finished = std::chrono::system_clock::now();
    state_->elapsed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - state_->started_steady)
            .count();
    if (final_state == JobState::kCancelled) {
      state_->message = state_->token.reason();
    } else if (final_state == JobState::kFailed) {
      state_->message = state_->failure.empty() ? "failed" : state_->failure;
    }
  }
  // The thread is cleared before anyone hears of the end.
  cancellation_.reset();
  make_current(previous_);
  JobGroupInfo info = state_->info();
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    r.active.erase(state_->number);
    r.finished.push_back(info);
    if (r.finished.size() > kKeptFinished) {
      r.finished.pop_front();
    }
    (final_state == JobState::kSucceeded   ? r.totals.succeeded
     : final_state == JobState::kCancelled ? r.totals.cancelled
                                           : r.totals.failed) += 1;
  }
  emit(final_state == JobState::kSucceeded   ? JobEventKind::kSucceeded
       : final_state == JobState::kCancelled ? JobEventKind::kCancelled
                                             : JobEventKind::kFailed,
       std::move(info));
}

const std::string& JobGroup::id() const noexcept {
  return state_->id;
}

JobGroupInfo JobGroup::info() const {
  if (current_group) {
    charge_thread_cpu();  // the owner's thread is usually still working in the group
  }
  return state_->info();
}

void JobGroup::set_trace(std::shared_ptr<TraceRecorder> trace) {
  state_->trace = std::move(trace);
}

std::shared_ptr<TraceRecorder> current_trace() {
  return current_group ? current_group->trace : nullptr;
}

const CancellationToken& JobGroup::token() const noexcept {
  return state_->token;
}

void JobGroup::report(JobEventKind kind, std::string detail, std::string factory) const {
  JobEvent event{kind, std::chrono::system_clock::now(), state_->info(), std::move(detail)};
  event.factory = std::move(factory);
  deliver(event);
}

void JobGroup::set_failure(std::string message) {
  std::lock_guard lock(state_->mutex);
  state_->failure = std::move(message);
}

JobGroup job_group(std::string name, std::string description, std::vector<std::string> tags) {
  return JobGroup(std::move(name), std::move(description), std::move(tags));
}

std::optional<JobGroupInfo> current_job_group() {
  if (!current_group) {
    return std::nullopt;
  }
  charge_thread_cpu();
  return current_group->info();
}

std::shared_ptr<MemoryAccount> current_memory_account() {
  return current_group ? current_group->memory : nullptr;
}

void report_progress(int64_t rows, int64_t bytes) noexcept {
  for (JobGroupState* group = current_group.get(); group != nullptr; group = group->parent.get()) {
    group->rows.fetch_add(rows, std::memory_order_relaxed);
    group->bytes.fetch_add(bytes, std::memory_order_relaxed);
  }
}

std::optional<JobGroupRef> outermost_cancelled_job_group() {
  std::optional<JobGroupRef> outermost;
  for (JobGroupState* group = current_group.get(); group != nullptr && group->token.cancelled();
       group = group->parent.get()) {
    outermost = JobGroupRef{group->id, group->path};
  }
  return outermost;
}

std::optional<JobGroupRef> job_group_around(std::string_view path) {
  for (JobGroupState* group = current_group.get(); group != nullptr; group = group->parent.get()) {
    if (group->path == path) {
      return JobGroupRef{group->id, group->path};
    }
  }
  return std::nullopt;
}

std::vector<JobGroupInfo> active_job_groups() {
  std::vector<std::shared_ptr<JobGroupState>> groups;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    for (const auto& [number, group] : r.active) {
      groups.push_back(group);
    }
  }
  std::vector<JobGroupInfo> infos;
  for (const auto& group : groups) {
    infos.push_back(group->info());
  }
  return infos;
}

std::vector<JobGroupInfo> finished_job_groups() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return {r.finished.begin(), r.finished.end()};
}

CancelResult cancel_job_group(std::string_view id, std::string reason) {
  Registry& r = registry();
  CancelResult result;
  std::shared_ptr<JobGroupState> target;
  {
    std::lock_guard lock(r.mutex);
    for (const auto& [number, group] : r.active) {
      if (group->id == id) {
        target = group;
      }
    }
    if (target) {
      result.found = true;
      result.cancelled = cancel_locked(r, {target}, reason);
      result.message = "cancelled job group " + target->id + " (" + target->path + ") and " +
                       std::to_string(result.cancelled.size() - 1) +
                       " group(s) inside it: " + reason;
    } else {
      auto finished = std::find_if(r.finished.rbegin(), r.finished.rend(),
                                   [&](const JobGroupInfo& info) { return info.id == id; });
      result.message = finished != r.finished.rend()
                           ? "job group " + finished->id + " (" + finished->path +
                                 ") already finished (" + std::string(to_string(finished->state)) +
                                 "); nothing to cancel"
                           : "no job group with id '" + std::string(id) + "'";
    }
  }
  if (target) {
    emit(JobEventKind::kCancelRequested, target->info());
  }
  return result;
}

CancelResult cancel_job_groups_by_tag(std::string_view tag, std::string reason) {
  Registry& r = registry();
  CancelResult result;
  std::vector<std::shared_ptr<JobGroupState>> targets;
  {
    std::lock_guard lock(r.mutex);
    for (const auto& [number, group] : r.active) {
      if (std::find(group->tags.begin(), group->tags.end(), tag) != group->tags.end()) {
        targets.push_back(group);
      }
    }
    result.found = !targets.empty();
    result.cancelled = cancel_locked(r, targets, reason);
  }
  result.message = targets.empty()
                       ? "no running job group has tag '" + std::string(tag) + "'"
                       : "cancelled " + std::to_string(result.cancelled.size()) +
                             " job group(s) tagged '" + std::string(tag) + "': " + reason;
  for (const auto& target : targets) {
    emit(JobEventKind::kCancelRequested, target->info());
  }
  return result;
}

JobContext JobContext::capture() {
  JobContext context;
  context.group_ = current_group;
  context.token_ = current_cancellation();
  return context;
}

JobContextScope::JobContextScope(const JobContext& context)
    : previous_group_(current_group), cancellation_(context.token_) {
  make_current(context.group_);
}

JobContextScope::~JobContextScope() {
  make_current(previous_group_);
}

void add_job_event_sink(std::shared_ptr<JobEventSink> sink) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.sinks.push_back(std::move(sink));
}

void remove_job_event_sink(const std::shared_ptr<JobEventSink>& sink) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.sinks.erase(std::remove(r.sinks.begin(), r.sinks.end(), sink), r.sinks.end());
}

void forward_job_events(const std::vector<JobEvent>& events) {
  for (const JobEvent& event : events) {
    deliver(event);
  }
}

std::vector<JobEvent> recent_job_events() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return {r.events.begin(), r.events.end()};
}

void MemoryEventSink::on_event(const JobEvent& event) {
  std::lock_guard lock(mutex_);
  events_.push_back(event);
}

std::vector<JobEvent> MemoryEventSink::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

JobTotals job_totals() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.totals;
}

}  // namespace setl
