#include "engine/exec/profile.h"

#include <fmt/format.h>

namespace setl::engine::detail {
namespace {

std::string bytes_text(int64_t bytes) {
  if (bytes < 1024) {
    return fmt::format("{} B", bytes);
  }
  if (bytes < (int64_t{1} << 20)) {
    return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  }
  if (bytes < (int64_t{1} << 30)) {
    return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
  }
  return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1 << 30));
}

}  // namespace

void ProfileTimer::trace_span(std::chrono::steady_clock::time_point end) const noexcept {
  try {
    profile_.trace->add("operator", profile_.name, start_, end);
  } catch (...) {
    // Copying the name failed: the trace must not fail the query it watches.
  }
}

namespace {

class ProfiledStream : public BatchStream {
 public:
  ProfiledStream(std::unique_ptr<BatchStream> inner, OperatorProfile& profile, bool count)
      : inner_(std::move(inner)), profile_(profile), count_(count) {}
  const SchemaPtr& schema() const override { return inner_->schema(); }
  std::optional<RecordBatch> next() override {
    std::optional<RecordBatch> batch;
    {
      ProfileTimer timer(profile_);
      batch = inner_->next();
    }
    if (batch && count_) {
      profile_.rows += batch->num_rows();
      ++profile_.batches;
    }
    return batch;
  }
  ScanStats stats() const override { return inner_->stats(); }

 private:
  std::unique_ptr<BatchStream> inner_;
  OperatorProfile& profile_;
  bool count_;
};

class ProfiledTransform : public Transform {
 public:
  ProfiledTransform(std::shared_ptr<Transform> inner, OperatorProfile& profile, bool count)
      : inner_(std::move(inner)), profile_(profile), count_(count) {}
  bool apply(Morsel& morsel) const override {
    bool kept = false;
    {
      ProfileTimer timer(profile_);
      kept = inner_->apply(morsel);
    }
    if (kept && count_) {
      profile_.rows += morsel.selected_rows();
      ++profile_.batches;
    }
    return kept;
  }
  bool accepts_selection() const override { return inner_->accepts_selection(); }
  std::optional<RecordBatch> finish() override {
    std::optional<RecordBatch> rows;
    {
      ProfileTimer timer(profile_);
      rows = inner_->finish();
    }
    if (rows && count_) {
      profile_.rows += rows->num_rows();
      ++profile_.batches;
    }
    return rows;
  }

 private:
  std::shared_ptr<Transform> inner_;
  OperatorProfile& profile_;
  bool count_;
};

class CountingTransform : public Transform {
 public:
  explicit CountingTransform(OperatorProfile& profile) : profile_(profile) {}
  bool apply(Morsel& morsel) const override {
    profile_.rows += morsel.selected_rows();
    ++profile_.batches;
    return true;
  }
  bool accepts_selection() const override { return true; }

 private:
  OperatorProfile& profile_;
};

class ProfiledSink : public BreakerSink {
 public:
  ProfiledSink(std::unique_ptr<BreakerSink> inner, OperatorProfile& profile)
      : inner_(std::move(inner)), profile_(profile) {}
  void consume(Morsel morsel) override {
    ProfileTimer timer(profile_);
    inner_->consume(std::move(morsel));
  }
  void skip(int64_t sequence) override { inner_->skip(sequence); }
  bool accepts_selection() const override { return inner_->accepts_selection(); }
  bool satisfied() const override { return inner_->satisfied(); }
  void finish() override {
    ProfileTimer timer(profile_);
    inner_->finish();
  }
  std::unique_ptr<BatchStream> output() override { return profiled(inner_->output(), profile_); }

 private:
  std::unique_ptr<BreakerSink> inner_;
  OperatorProfile& profile_;
};

}  // namespace

std::string OperatorProfile::summary() const {
  std::string text = fmt::format("rows={} batches={} time={:.1f} ms", rows.load(), batches.load(),
                                 static_cast<double>(nanos.load()) / 1e6);
  if (budget) {
    text += " peak=" + bytes_text(budget->peak());
  }
  return text;
}

std::unique_ptr<BatchStream> profiled(std::unique_ptr<BatchStream> stream, OperatorProfile& profile,
                                      bool count_output) {
  return std::make_unique<ProfiledStream>(std::move(stream), profile, count_output);
}

std::shared_ptr<Transform> profiled(std::shared_ptr<Transform> transform, OperatorProfile& profile,
                                    bool count_output) {
  return std::make_shared<ProfiledTransform>(std::move(transform), profile, count_output);
}

std::shared_ptr<Transform> counted(OperatorProfile& profile) {
  return std::make_shared<CountingTransform>(profile);
}

std::unique_ptr<BreakerSink> profiled(std::unique_ptr<BreakerSink> sink, OperatorProfile& profile) {
  return std::make_unique<ProfiledSink>(std::move(sink), profile);
}

}  // namespace setl::engine::detail
