#include "engine/exec/held_rows.h"

namespace setl::engine::detail {

HeldRows::HeldRows(QueryContext& query, std::string operator_name, SchemaPtr schema,
                   std::vector<std::string> keys, const char* position)
    : query_(query),
      operator_name_(std::move(operator_name)),
      holder_(query.holder(operator_name_)),
      schema_(std::move(schema)),
      keys_(std::move(keys)),
      position_(position) {
  if (query_.context.budget) {
    reservation_ = query_.context.budget->try_reserve(0, holder_);
    if (!keys_.empty()) {
      registration_.emplace(query_.context.budget, static_cast<memory::Reclaimer*>(this));
    }
  }
}

HeldRows::~HeldRows() {
  registration_.reset();  // no reclaim round may reach rows being destroyed
}

void HeldRows::add(int64_t sequence, RecordBatch& batch, int64_t bytes) {
  {
    std::lock_guard lock(mutex_);
    if (partitions_) {
      partitions_->write(sequence, batch);
      return;
    }
  }
  memory::MemoryBudget::Reservation incoming;
  bool reserved = true;
  if (query_.context.budget) {
    incoming = query_.context.budget->try_reserve(0, holder_);
    reserved = incoming.try_grow_reclaiming(bytes);
    if (!reserved && keys_.empty()) {
      incoming.grow(bytes);  // nothing to split: OutOfMemoryError names the operator
      reserved = true;
    }
  }
  std::lock_guard lock(mutex_);
  if (!partitions_ && reserved) {
    reservation_.absorb(std::move(incoming));
    reclaimable_ = reservation_.bytes();
    held_.emplace_back(sequence, std::move(batch));
    return;
  }
  if (!partitions_) {
    partition_locked();
  }
  partitions_->write(sequence, batch);  // the reclaim round may have partitioned the rows
}

void HeldRows::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  reclaimable_ = 0;
}

bool HeldRows::partitioned() const {
  std::lock_guard lock(mutex_);
  return partitions_ != nullptr;
}

void HeldRows::partition() {
  std::lock_guard lock(mutex_);
  if (!partitions_) {
    partition_locked();
  }
}

std::string HeldRows::reclaimer_name() const {
  return holder_;
}

int64_t HeldRows::reclaimable_bytes() const {
  return reclaimable_.load();
}

int64_t HeldRows::reclaim(int64_t /*bytes*/) {
  std::lock_guard lock(mutex_);
  if (closed_ || partitions_ || held_.empty()) {
    return 0;
  }
  int64_t freed = reservation_.bytes();
  partition_locked();
  return freed;
}

void HeldRows::partition_locked() {
  partitions_ =
      std::make_unique<PartitionWriter>(query_, schema_, keys_, position_, operator_name_);
  for (auto& [sequence, batch] : held_) {
    partitions_->write(sequence, batch);
  }
  held_.clear();
  reservation_.release();
  reclaimable_ = 0;
}

}  // namespace setl::engine::detail
