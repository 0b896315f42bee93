#include "engine/exec/exchange_buffers.h"

#include <algorithm>
#include <utility>

namespace setl::engine::detail {
namespace {

constexpr const char* kOperator = "exchange";

// Every source's batches in source order: those held in memory, then its spill file's.
class ReceivedStream : public BatchStream {
 public:
  ReceivedStream(SchemaPtr schema, std::vector<std::vector<RecordBatch>> memory,
                 std::vector<std::optional<SpillRun>> runs, std::shared_ptr<SpillSpace> space,
                 memory::MemoryBudget::Reservation reservation)
      : schema_(std::move(schema)),
        memory_(std::move(memory)),
        runs_(std::move(runs)),
        space_(std::move(space)),
        reservation_(std::move(reservation)) {}
  ~ReceivedStream() override {
    reader_.reset();
    for (const std::optional<SpillRun>& run : runs_) {
      if (run) {
        discard(*space_, *run);
      }
    }
  }
  ReceivedStream(const ReceivedStream&) = delete;
  ReceivedStream& operator=(const ReceivedStream&) = delete;

  const SchemaPtr& schema() const override { return schema_; }

  std::optional<RecordBatch> next() override {
    while (source_ < memory_.size()) {
      std::vector<RecordBatch>& held = memory_[source_];
      if (at_ < held.size()) {
        RecordBatch batch = std::move(held[at_++]);
        reservation_.shrink(std::min(reservation_.bytes(), batch.memory_size()));
        return RecordBatch(schema_, batch.columns(), batch.num_rows());
      }
      if (!reader_ && runs_[source_]) {
        reader_ = std::make_unique<SpillReader>(*runs_[source_]);
      }
      if (reader_) {
        if (std::optional<RecordBatch> batch = reader_->next()) {
          return RecordBatch(schema_, batch->columns(), batch->num_rows());
        }
        reader_.reset();
      }
      ++source_;
      at_ = 0;
    }
    return std::nullopt;
  }

 private:
  SchemaPtr schema_;
  std::vector<std::vector<RecordBatch>> memory_;
  std::vector<std::optional<SpillRun>> runs_;
  std::shared_ptr<SpillSpace> space_;
  memory::MemoryBudget::Reservation reservation_;
  size_t source_ = 0;
  size_t at_ = 0;
  std::unique_ptr<SpillReader> reader_;
};

}  // namespace

ExchangeInput::ExchangeInput(QueryContext& query, SchemaPtr schema)
    : query_(query), schema_(std::move(schema)) {
  if (query_.context.budget) {
    reservation_ = query_.context.budget->try_reserve(0, query_.holder(kOperator));
  }
}

ExchangeInput::~ExchangeInput() {
  writer_.reset();  // removes an unfinished file
  if (run_) {
    discard(query_.spill_space(), *run_);
  }
}

void ExchangeInput::add(HeldBatch held) {
  rows_ += held.batch.num_rows();
  if (writer_) {
    writer_->write(held.batch);
    return;
  }
  int64_t bytes = held.batch.memory_size();
  if (query_.context.budget && !reservation_.try_grow_reclaiming(bytes)) {
    spill_held();
    writer_->write(held.batch);
    return;
  }
  held_.push_back(std::move(held));
}

void ExchangeInput::spill_held() {
  writer_ = std::make_unique<SpillWriter>(query_.spill_space(), schema_, kOperator);
  for (size_t i = released_; i < held_.size(); ++i) {
    writer_->write(held_[i].batch);
  }
  held_.clear();
  reservation_.shrink(reservation_.bytes());
}

void ExchangeInput::close() {
  if (writer_) {
    run_ = writer_->finish();
    writer_.reset();
  }
}

void ExchangeInput::release(size_t count) {
  for (size_t i = released_; i < count && i < held_.size(); ++i) {
    reservation_.shrink(std::min(reservation_.bytes(), held_[i].batch.memory_size()));
    held_[i] = HeldBatch{};
  }
  released_ = std::max(released_, count);
}

void ExchangeInput::for_each(const std::function<void(const RecordBatch&)>& visit) const {
  if (run_) {
    SpillReader reader(*run_);
    while (std::optional<RecordBatch> batch = reader.next()) {
      visit(*batch);
    }
    return;
  }
  for (const HeldBatch& held : held_) {
    visit(held.batch);
  }
}

ExchangeReceived::ExchangeReceived(QueryContext& query, SchemaPtr schema, int ranks)
    : query_(query),
      schema_(std::move(schema)),
      memory_(static_cast<size_t>(ranks)),
      writers_(static_cast<size_t>(ranks)) {
  if (query_.context.budget) {
    reservation_ = query_.context.budget->try_reserve(0, query_.holder(kOperator));
  }
}

ExchangeReceived::~ExchangeReceived() = default;  // unfinished writers remove their files

void ExchangeReceived::add(int source, RecordBatch batch) {
  auto from = static_cast<size_t>(source);
  if (!spilling_ && query_.context.budget &&
      !reservation_.try_grow_reclaiming(batch.memory_size())) {
    spill_all();
  }
  if (!spilling_) {
    memory_[from].push_back(std::move(batch));
    return;
  }
  if (!writers_[from]) {
    writers_[from] = std::make_unique<SpillWriter>(query_.spill_space(), schema_, kOperator);
  }
  writers_[from]->write(batch);
}

// Moves every source's rows held in memory to its file (in order, so later rows follow).
void ExchangeReceived::spill_all() {
  spilling_ = true;
  for (size_t source = 0; source < memory_.size(); ++source) {
    if (memory_[source].empty()) {
      continue;
    }
    writers_[source] = std::make_unique<SpillWriter>(query_.spill_space(), schema_, kOperator);
    for (const RecordBatch& batch : memory_[source]) {
      writers_[source]->write(batch);
    }
    memory_[source].clear();
  }
  reservation_.shrink(reservation_.bytes());
}

std::unique_ptr<BatchStream> ExchangeReceived::output(int64_t batch_bytes) {
  std::vector<std::optional<SpillRun>> runs(writers_.size());
  for (size_t source = 0; source < writers_.size(); ++source) {
    if (writers_[source]) {
      runs[source] = writers_[source]->finish();
      writers_[source].reset();
    }
  }
  if (!spilling_) {
    // All in memory: cut into batches of the requested size, as other breakers give them.
    std::vector<RecordBatch> batches;
    for (std::vector<RecordBatch>& from_source : memory_) {
      for (RecordBatch& batch : from_source) {
        batches.emplace_back(schema_, batch.columns(), batch.num_rows());
      }
    }
    memory_.clear();
    return stream_table(Table(schema_, std::move(batches)), batch_bytes);
  }
  (void)query_.spill_space();  // exists once anything spilled
  return std::make_unique<ReceivedStream>(schema_, std::move(memory_), std::move(runs),
                                          query_.spill, std::move(reservation_));
}

}  // namespace setl::engine::detail
