#include "rank_reports.h"

#include <cstring>

#include "setl/core/error.h"

namespace setl::workflow::detail {
namespace {

// Sane bounds for what one report may claim (a malformed count must not allocate).
constexpr uint64_t kMaxItems = uint64_t{1} << 24;

class Writer {
 public:
  void number(int64_t value) { out_.append(reinterpret_cast<const char*>(&value), sizeof value); }
  void real(double value) { out_.append(reinterpret_cast<const char*>(&value), sizeof value); }
  void text(std::string_view value) {
    number(static_cast<int64_t>(value.size()));
    out_.append(value);
  }
  void time(std::chrono::system_clock::time_point value) {
    number(std::chrono::duration_cast<std::chrono::nanoseconds>(value.time_since_epoch()).count());
  }
  void duration(Duration value) { number(value.count()); }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view bytes, int rank) : bytes_(bytes), rank_(rank) {}
  int64_t number() {
    int64_t value = 0;
    std::memcpy(&value, take(sizeof value).data(), sizeof value);
    return value;
  }
  double real() {
    double value = 0;
    std::memcpy(&value, take(sizeof value).data(), sizeof value);
    return value;
  }
  std::string text() { return std::string(take(count())); }
  std::chrono::system_clock::time_point time() {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(number())));
  }
  Duration duration() { return Duration(number()); }
  // A count of items or bytes, checked against what is left.
  size_t count() {
    int64_t value = number();
    if (value < 0 || static_cast<uint64_t>(value) > kMaxItems ||
        static_cast<size_t>(value) > bytes_.size()) {
      fail();
    }
    return static_cast<size_t>(value);
  }
  void expect_end() const {
    if (!bytes_.empty()) {
      fail();
    }
  }

 private:
  std::string_view take(size_t size) {
    if (size > bytes_.size()) {
      fail();
    }
    std::string_view part = bytes_.substr(0, size);
    bytes_.remove_prefix(size);
    return part;
  }
  [[noreturn]] void fail() const {
    throw DistributedError("rank " + std::to_string(rank_) + " sent a malformed run report");
  }
  std::string_view bytes_;
  int rank_;
};

void write_group(Writer& out, const JobGroupInfo& group) {
  for (const std::string* text : {&group.id, &group.parent_id, &group.name, &group.path,
                                  &group.kind, &group.description, &group.message}) {
    out.text(*text);
  }
  out.number(static_cast<int64_t>(group.tags.size()));
  for (const std::string& tag : group.tags) {
    out.text(tag);
  }
  out.number(static_cast<int64_t>(group.state));
  out.time(group.started);
  out.time(group.finished);
  out.real(group.elapsed_seconds);
  for (int64_t value :
       {group.rows, group.bytes, group.memory_bytes, group.peak_memory_bytes, group.cpu_nanos}) {
    out.number(value);
  }
}

JobGroupInfo read_group(Reader& in, int rank) {
  JobGroupInfo group;
  for (std::string* text : {&group.id, &group.parent_id, &group.name, &group.path, &group.kind,
                            &group.description, &group.message}) {
    *text = in.text();
  }
  std::string prefix = std::to_string(rank) + ":";
  group.id = prefix + group.id;
  group.parent_id = group.parent_id.empty() ? std::string() : prefix + group.parent_id;
  for (size_t tags = in.count(); tags > 0; --tags) {
    group.tags.push_back(in.text());
  }
  int64_t state = in.number();
  if (state < 0 || state > static_cast<int64_t>(JobState::kCancelled)) {
    throw DistributedError("rank " + std::to_string(rank) + " sent a job group state " +
                           std::to_string(state));
  }
  group.state = static_cast<JobState>(state);
  group.started = in.time();
  group.finished = in.time();
  group.elapsed_seconds = in.real();
  for (int64_t* value : {&group.rows, &group.bytes, &group.memory_bytes, &group.peak_memory_bytes,
                         &group.cpu_nanos}) {
    *value = in.number();
  }
  return group;
}

void write_factory(Writer& out, const FactoryBenchmark& row) {
  out.number(static_cast<int64_t>(row.stage));
  out.text(row.factory);
  out.text(row.ns);
  for (Duration value : {row.read, row.process, row.write, row.total, row.cpu}) {
    out.duration(value);
  }
  for (int64_t value : {int64_t{row.wrote}, row.peak_memory_bytes, row.spilled_bytes, row.rows,
                        row.bytes, row.exchanged_bytes}) {
    out.number(value);
  }
}

FactoryBenchmark read_factory(Reader& in) {
  FactoryBenchmark row;
  row.stage = static_cast<size_t>(in.number());
  row.factory = in.text();
  row.ns = in.text();
  for (Duration* value : {&row.read, &row.process, &row.write, &row.total, &row.cpu}) {
    *value = in.duration();
  }
  row.wrote = in.number() != 0;
  for (int64_t* value :
       {&row.peak_memory_bytes, &row.spilled_bytes, &row.rows, &row.bytes, &row.exchanged_bytes}) {
    *value = in.number();
  }
  return row;
}

}  // namespace

RankEventCollector::RankEventCollector(std::string root_id) {
  ids_.insert(std::move(root_id));
}

void RankEventCollector::on_event(const JobEvent& event) {
  if (event.rank >= 0) {
    return;  // forwarded from another rank
  }
  std::lock_guard lock(mutex_);
  if (event.kind == JobEventKind::kStarted && ids_.count(event.group.parent_id) > 0) {
    ids_.insert(event.group.id);
  }
  if (ids_.count(event.group.id) > 0) {
    events_.push_back(event);
  }
}

std::vector<JobEvent> RankEventCollector::take() {
  std::lock_guard lock(mutex_);
  return std::exchange(events_, {});
}

std::string encode_rank_report(const RankReport& report) {
  Writer out;
  out.number(static_cast<int64_t>(report.events.size()));
  for (const JobEvent& event : report.events) {
    out.number(static_cast<int64_t>(event.kind));
    out.time(event.time);
    out.text(event.detail);
    out.text(event.factory);
    write_group(out, event.group);
  }
  out.number(report.factory ? 1 : 0);
  if (report.factory) {
    write_factory(out, *report.factory);
  }
  return out.take();
}

RankReport decode_rank_report(std::string_view bytes, int rank) {
  Reader in(bytes, rank);
  RankReport report;
  for (size_t events = in.count(); events > 0; --events) {
    JobEvent event;
    int64_t kind = in.number();
    if (kind < 0 || kind > static_cast<int64_t>(JobEventKind::kRestored)) {
      throw DistributedError("rank " + std::to_string(rank) + " sent a job event kind " +
                             std::to_string(kind));
    }
    event.kind = static_cast<JobEventKind>(kind);
    event.time = in.time();
    event.detail = in.text();
    event.factory = in.text();
    event.group = read_group(in, rank);
    event.rank = rank;
    report.events.push_back(std::move(event));
  }
  if (in.number() != 0) {
    report.factory = read_factory(in);
  }
  in.expect_end();
  return report;
}

}  // namespace setl::workflow::detail
