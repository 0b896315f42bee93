#include "engine/exec/exchange.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "engine/operators/row_compare.h"
#include "engine/types/batch_codec.h"
#include "engine/types/column_ops.h"
#include "engine/types/hash_mix.h"
#include "engine/types/key_index.h"
#include "setl/core/error.h"

namespace setl::engine::detail {
namespace {

std::vector<ColumnPtr> key_columns(const RecordBatch& batch, const std::vector<size_t>& indexes) {
  std::vector<ColumnPtr> keys;
  for (size_t index : indexes) {
    keys.push_back(batch.column(index));
  }
  return keys;
}

// Each row's destination rank under a hash exchange.
class HashRouter {
 public:
  HashRouter(const Schema& schema, const std::vector<std::string>& keys, int ranks)
      : ranks_(ranks) {
    std::vector<DataType> types;
    for (const std::string& key : keys) {
      indexes_.push_back(schema.index_of(key));
      types.push_back(schema.field(indexes_.back()).type);
    }
    hasher_ = std::make_unique<KeyIndex>(std::move(types));
  }
  std::vector<int32_t> route(const RecordBatch& batch) const {
    std::vector<uint64_t> hashes;
    hasher_->hash_rows(key_columns(batch, indexes_), batch.num_rows(), hashes);
    std::vector<int32_t> ranks(hashes.size());
    for (size_t row = 0; row < hashes.size(); ++row) {
      ranks[row] = rank_of_hash(hashes[row], ranks_);
    }
    return ranks;
  }

 private:
  int ranks_;
  std::vector<size_t> indexes_;
  std::unique_ptr<KeyIndex> hasher_;
};

// The rows of `batch` whose destination in `ranks` is `rank` (the batch itself if all are).
RecordBatch rows_routed_to(const RecordBatch& batch, const std::vector<int32_t>& ranks, int rank) {
  std::vector<int64_t> rows;
  for (size_t row = 0; row < ranks.size(); ++row) {
    if (ranks[row] == rank) {
      rows.push_back(static_cast<int64_t>(row));
    }
  }
  if (rows.size() == ranks.size()) {
    return batch;
  }
  std::vector<ColumnPtr> columns;
  for (const ColumnPtr& column : batch.columns()) {
    columns.push_back(take(*column, rows));
  }
  return RecordBatch(batch.schema(), std::move(columns), static_cast<int64_t>(rows.size()));
}

// A held input batch, and the destination of each row (hash and range exchanges).
struct Held {
  RecordBatch batch;
  std::vector<int32_t> ranks;
};

class ExchangeSink : public BreakerSink {
 public:
  ExchangeSink(QueryContext& query, const ExchangeSpec& node)
      : query_(query), node_(node), context_(*node.context), comm_(*context_.communicator) {
    if (node.kind == ExchangeKind::kHash) {
      router_ = std::make_unique<HashRouter>(*node.schema, node.keys, comm_.size());
    }
    if (query.context.budget) {
      reservation_ = query.context.budget->try_reserve(0, query.holder("exchange"));
    }
  }

  bool accepts_selection() const override { return false; }

  void consume(Morsel morsel) override {
    Held held{std::move(morsel.batch), {}};
    if (router_) {
      held.ranks = router_->route(held.batch);
    }
    int64_t bytes = held.batch.memory_size();
    std::lock_guard lock(mutex_);
    // Best effort: an exchange does not spill yet, so a refusal only leaves it unreserved.
    if (query_.context.budget) {
      reservation_.try_grow_reclaiming(bytes);
    }
    input_.emplace(morsel.sequence, std::move(held));
  }

  void finish() override {
    for (auto& [sequence, held] : input_) {
      held_.push_back(std::move(held));
    }
    input_.clear();
    if (node_.kind == ExchangeKind::kRange) {
      route_by_range();
    }
    exchange();
  }

  std::unique_ptr<BatchStream> output() override {
    std::vector<RecordBatch> batches;
    for (std::vector<RecordBatch>& from_rank : received_) {
      for (RecordBatch& batch : from_rank) {
        batches.emplace_back(node_.schema, batch.columns(), batch.num_rows());
      }
    }
    return stream_table(Table(node_.schema, std::move(batches)), query_.context.batch_bytes);
  }

 private:
  bool to_everyone() const {
    return node_.kind == ExchangeKind::kBroadcast || node_.kind == ExchangeKind::kGather;
  }

  // The rows of `held` that go to `rank`, as a batch (empty if none).
  RecordBatch rows_for(const Held& held, int rank) const {
    return to_everyone() ? held.batch : rows_routed_to(held.batch, held.ranks, rank);
  }

  void route_by_range();

  // Rounds of all_to_all until no rank has anything left to send.
  void exchange() {
    const int ranks = comm_.size();
    const int self = comm_.rank();
    received_.assign(static_cast<size_t>(ranks), {});
    std::vector<size_t> cursor(static_cast<size_t>(ranks), 0);
    const auto chunk = static_cast<size_t>(std::max<int64_t>(context_.chunk_bytes, 1));
    bool anyone_has_more = true;
    while (anyone_has_more) {
      std::vector<std::string> messages(static_cast<size_t>(ranks));
      bool more = false;
      for (int rank = 0; rank < ranks; ++rank) {
        auto& at = cursor[static_cast<size_t>(rank)];
        std::string& message = messages[static_cast<size_t>(rank)];
        message.assign(8, '\0');  // the flag, then frames aligned to 8 bytes
        while (at < held_.size() && (rank == self || message.size() < chunk)) {
          RecordBatch rows = rows_for(held_[at], rank);
          if (rows.num_rows() > 0) {
            if (rank == self) {
              received_[static_cast<size_t>(self)].push_back(std::move(rows));
            } else {
              encode_batch(rows, message);
            }
          }
          ++at;
        }
        more = more || at < held_.size();
      }
      release_sent(cursor);
      for (std::string& message : messages) {
        message[0] = more ? 1 : 0;
      }
      std::vector<std::string> arrived = comm_.all_to_all(std::move(messages));
      anyone_has_more = false;
      for (int source = 0; source < ranks; ++source) {
        const std::string& message = arrived[static_cast<size_t>(source)];
        if (message.size() < 8) {
          throw DistributedError("an exchange message from rank " + std::to_string(source) +
                                 " is damaged (" + std::to_string(message.size()) + " bytes)");
        }
        anyone_has_more = anyone_has_more || message[0] != 0;
        if (source == self) {
          continue;
        }
        BatchDecoder decoder(std::string_view(message).substr(8), node_.schema,
                             "an exchange message from rank " + std::to_string(source));
        while (!decoder.done()) {
          RecordBatch batch = decoder.next();
          if (batch.num_rows() > 0) {
            received_[static_cast<size_t>(source)].push_back(std::move(batch));
          }
        }
      }
    }
  }

  // Drops held batches every destination has taken.
  void release_sent(const std::vector<size_t>& cursor) {
    size_t done = *std::min_element(cursor.begin(), cursor.end());
    for (size_t i = released_; i < done; ++i) {
      held_[i] = Held{};
    }
    released_ = std::max(released_, done);
  }

  QueryContext& query_;
  const ExchangeSpec& node_;
  const DistributedContext& context_;
  Communicator& comm_;
  std::unique_ptr<HashRouter> router_;
  std::mutex mutex_;
  std::map<int64_t, Held> input_;
  std::vector<Held> held_;
  size_t released_ = 0;
  memory::MemoryBudget::Reservation reservation_;
  std::vector<std::vector<RecordBatch>> received_;
};

// Sample sort's partitioning: every rank sends evenly spaced rows of its sort keys to all,
// each sorts the whole sample the same way and takes size() - 1 splitters at equal
// steps; a row goes to the first rank whose splitter sorts after it (rows equal to a
// splitter all go the same way).
void ExchangeSink::route_by_range() {
  const int ranks = comm_.size();
  std::vector<std::string> names;
  for (const SortKey& key : node_.sort_keys) {
    names.push_back(key.column);
  }
  int64_t rows = 0;
  for (const Held& held : held_) {
    rows += held.batch.num_rows();
  }
  std::vector<Field> key_fields;
  std::vector<size_t> indexes;
  for (const std::string& name : names) {
    indexes.push_back(node_.schema->index_of(name));
    key_fields.push_back(node_.schema->field(indexes.back()));
  }
  auto key_schema = std::make_shared<Schema>(key_fields);
  int64_t wanted = std::min(rows, std::max<int64_t>(context_.sample_rows, 1));
  std::string sample;
  int64_t row_base = 0;
  for (const Held& held : held_) {
    std::vector<int64_t> picked;
    for (int64_t i = 0; i < wanted; ++i) {
      int64_t global = rows <= wanted ? i : i * rows / wanted;
      if (global >= row_base && global < row_base + held.batch.num_rows()) {
        picked.push_back(global - row_base);
      }
    }
    row_base += held.batch.num_rows();
    if (!picked.empty()) {
      std::vector<ColumnPtr> columns;
      for (size_t index : indexes) {
        columns.push_back(take(*held.batch.column(index), picked));
      }
      encode_batch(RecordBatch(key_schema, std::move(columns), static_cast<int64_t>(picked.size())),
                   sample);
    }
  }
  std::vector<RecordBatch> samples;
  std::vector<std::string> gathered = comm_.all_gather(std::move(sample));
  for (size_t source = 0; source < gathered.size(); ++source) {
    BatchDecoder decoder(gathered[source], key_schema,
                         "the sort sample from rank " + std::to_string(source));
    while (!decoder.done()) {
      samples.push_back(decoder.next());
    }
  }
  std::vector<SortKey> keys = node_.sort_keys;
  RecordBatch sorted = Table(key_schema, std::move(samples)).sort(keys).combine();
  std::vector<int64_t> at;
  int64_t total = sorted.num_rows();
  for (int i = 1; i < ranks && total > 0; ++i) {
    at.push_back(std::min(total - 1, i * total / ranks));
  }
  std::vector<ColumnPtr> splitters;
  for (size_t k = 0; k < names.size(); ++k) {
    splitters.push_back(total > 0 ? take(*sorted.column(k), at) : nullptr);
  }
  for (Held& held : held_) {
    std::vector<ColumnPtr> columns = key_columns(held.batch, indexes);
    held.ranks.assign(static_cast<size_t>(held.batch.num_rows()), 0);
    for (int64_t row = 0; row < held.batch.num_rows() && !at.empty(); ++row) {
      auto before_splitter = [&](int64_t splitter) {
        for (size_t k = 0; k < keys.size(); ++k) {
          int order = compare_rows(*columns[k], row, *splitters[k], splitter, keys[k].descending,
                                   keys[k].nulls_first.value_or(!keys[k].descending));
          if (order != 0) {
            return order < 0;
          }
        }
        return false;
      };
      // The first splitter the row sorts before (splitters are in order).
      int64_t low = 0;
      int64_t high = static_cast<int64_t>(at.size());
      while (low < high) {
        int64_t middle = (low + high) / 2;
        if (before_splitter(middle)) {
          high = middle;
        } else {
          low = middle + 1;
        }
      }
      held.ranks[static_cast<size_t>(row)] = static_cast<int32_t>(low);
    }
  }
}

class LocalExchange : public Transform {
 public:
  explicit LocalExchange(const ExchangeSpec& node)
      : kind_(node.kind),
        rank_(node.context->communicator->rank()),
        ranks_(node.context->communicator->size()) {
    if (kind_ == ExchangeKind::kHashLocal) {
      router_ = std::make_unique<HashRouter>(*node.schema, node.keys, ranks_);
    }
  }
  bool apply(Morsel& morsel) const override {
    if (kind_ == ExchangeKind::kShare) {
      return morsel.sequence % ranks_ == rank_;
    }
    morsel.batch = rows_routed_to(morsel.batch, router_->route(morsel.batch), rank_);
    return morsel.batch.num_rows() > 0;
  }

 private:
  ExchangeKind kind_;
  int rank_;
  int ranks_;
  std::unique_ptr<HashRouter> router_;
};

}  // namespace

int rank_of_hash(uint64_t hash, int ranks) {
  // Re-mixed, then scaled onto [0, ranks): hash tables use the low bits and spill
  // partitions the high bits of `hash` itself, so a rank's rows still spread over both.
  uint64_t mixed = mix64(hash ^ 0x5bd1e9955bd1e995ULL);
  return static_cast<int>(((mixed >> 32) * static_cast<uint64_t>(ranks)) >> 32);
}

std::unique_ptr<BreakerSink> exchange_sink(QueryContext& query, const ExchangeSpec& exchange) {
  return std::make_unique<ExchangeSink>(query, exchange);
}

std::shared_ptr<Transform> local_exchange(const ExchangeSpec& exchange) {
  return std::make_shared<LocalExchange>(exchange);
}

}  // namespace setl::engine::detail
