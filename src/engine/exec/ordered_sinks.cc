// Sinks that keep their input's order: collect and limit.
#include <atomic>
#include <climits>
#include <map>
#include <mutex>

#include "engine/exec/sinks.h"

namespace setl::engine::detail {
namespace {

// Batches by sequence number, so the result follows the input's order.
class OrderedBatches {
 public:
  void add(int64_t sequence, RecordBatch batch) {
    std::lock_guard lock(mutex_);
    batches_.emplace(sequence, std::move(batch));
  }
  Table table(const SchemaPtr& schema) {
    std::vector<RecordBatch> batches;
    for (auto& [sequence, batch] : batches_) {
      batches.emplace_back(schema, batch.columns(), batch.num_rows());
    }
    batches_.clear();
    return Table(schema, std::move(batches));
  }

 protected:
  std::mutex mutex_;
  std::map<int64_t, RecordBatch> batches_;
};

class CollectSink : public BreakerSink {
 public:
  explicit CollectSink(SchemaPtr schema) : schema_(std::move(schema)) {}
  void consume(Morsel morsel) override { batches_.add(morsel.sequence, std::move(morsel.batch)); }
  std::unique_ptr<BatchStream> output() override {
    return stream_table(batches_.table(schema_), kDefaultBatchBytes);
  }

 private:
  SchemaPtr schema_;
  OrderedBatches batches_;
};

class LimitSink : public BreakerSink {
 public:
  LimitSink(SchemaPtr schema, int64_t count, int64_t offset)
      : schema_(std::move(schema)),
        count_(count),
        offset_(offset),
        // LIMIT ALL OFFSET n asks for INT64_MAX rows after n: saturate, do not overflow.
        wanted_(count > INT64_MAX - offset ? INT64_MAX : count + offset) {
    if (wanted_ <= 0) {
      cut_ = 0;
      satisfied_ = true;
    }
  }
  void consume(Morsel morsel) override { add(morsel.sequence, std::move(morsel.batch)); }
  void skip(int64_t sequence) override { add(sequence, std::nullopt); }

 private:
  void add(int64_t sequence, std::optional<RecordBatch> batch) {
    std::lock_guard lock(mutex_);
    if (sequence >= cut_) {
      return;
    }
    batches_.emplace(sequence, std::move(batch));
    // Extend the run of consecutive batches from the first; once it holds offset + count
    // rows, later batches are not needed.
    for (auto it = batches_.find(next_); it != batches_.end() && it->first == next_;
         it = batches_.find(++next_)) {
      prefix_rows_ += it->second ? it->second->num_rows() : 0;
      if (prefix_rows_ >= wanted_) {
        cut_ = next_ + 1;
        batches_.erase(batches_.upper_bound(next_), batches_.end());
        satisfied_ = true;
        break;
      }
    }
  }

 public:
  bool satisfied() const override { return satisfied_.load(); }
  std::unique_ptr<BatchStream> output() override {
    std::vector<RecordBatch> batches;
    for (auto& [sequence, batch] : batches_) {
      if (batch) {
        batches.emplace_back(schema_, batch->columns(), batch->num_rows());
      }
    }
    Table all(schema_, std::move(batches));
    return stream_table(all.limit(count_, offset_), kDefaultBatchBytes);
  }

 private:
  SchemaPtr schema_;
  int64_t count_;
  int64_t offset_;
  int64_t wanted_;  // offset + count rows from the start
  std::mutex mutex_;
  std::map<int64_t, std::optional<RecordBatch>> batches_;
  int64_t next_ = 0;
  int64_t prefix_rows_ = 0;
  int64_t cut_ = INT64_MAX;
  std::atomic<bool> satisfied_{false};
};

}  // namespace

std::unique_ptr<BreakerSink> collect_sink(SchemaPtr schema) {
  return std::make_unique<CollectSink>(std::move(schema));
}

std::unique_ptr<BreakerSink> limit_sink(SchemaPtr schema, int64_t count, int64_t offset) {
  return std::make_unique<LimitSink>(std::move(schema), count, offset);
}

}  // namespace setl::engine::detail
