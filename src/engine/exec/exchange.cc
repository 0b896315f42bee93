#include "engine/exec/exchange.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include "engine/exec/exchange_buffers.h"
#include "engine/exec/sequencer.h"
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

// Sample sort's partitioning: every rank sends evenly spaced rows of its sort keys to all,
// each sorts the whole sample the same way and takes size() - 1 splitters at equal
// steps; a row goes to the first rank whose splitter sorts after it (rows equal to a
// splitter all go the same way).
class RangeRouter {
 public:
  RangeRouter(const Schema& schema, std::vector<SortKey> keys) : keys_(std::move(keys)) {
    std::vector<Field> key_fields;
    for (const SortKey& key : keys_) {
      indexes_.push_back(schema.index_of(key.column));
      key_fields.push_back(schema.field(indexes_.back()));
    }
    key_schema_ = std::make_shared<Schema>(key_fields);
  }

  // Collective: samples `rows` input rows visited in order by `each`, on every rank.
  void choose_splitters(
      Communicator& comm, int64_t sample_rows, int64_t rows,
      const std::function<void(const std::function<void(const RecordBatch&)>&)>& each) {
    int64_t wanted = std::min(rows, std::max<int64_t>(sample_rows, 1));
    std::string sample;
    int64_t row_base = 0;
    each([&](const RecordBatch& batch) {
      std::vector<int64_t> picked;
      for (int64_t i = 0; i < wanted; ++i) {
        int64_t global = rows <= wanted ? i : i * rows / wanted;
        if (global >= row_base && global < row_base + batch.num_rows()) {
          picked.push_back(global - row_base);
        }
      }
      row_base += batch.num_rows();
      if (!picked.empty()) {
        std::vector<ColumnPtr> columns;
        for (size_t index : indexes_) {
          columns.push_back(take(*batch.column(index), picked));
        }
        encode_batch(
            RecordBatch(key_schema_, std::move(columns), static_cast<int64_t>(picked.size())),
            sample);
      }
    });
    std::vector<RecordBatch> samples;
    std::vector<std::string> gathered = comm.all_gather(std::move(sample));
    for (size_t source = 0; source < gathered.size(); ++source) {
      BatchDecoder decoder(gathered[source], key_schema_,
                           "the sort sample from rank " + std::to_string(source));
      while (!decoder.done()) {
        samples.push_back(decoder.next());
      }
    }
    RecordBatch sorted = Table(key_schema_, std::move(samples)).sort(keys_).combine();
    int64_t total = sorted.num_rows();
    for (int i = 1; i < comm.size() && total > 0; ++i) {
      at_.push_back(std::min(total - 1, i * total / comm.size()));
    }
    for (size_t k = 0; k < keys_.size(); ++k) {
      splitters_.push_back(total > 0 ? take(*sorted.column(k), at_) : nullptr);
    }
  }

  std::vector<int32_t> route(const RecordBatch& batch) const {
    std::vector<ColumnPtr> columns = key_columns(batch, indexes_);
    std::vector<int32_t> ranks(static_cast<size_t>(batch.num_rows()), 0);
    for (int64_t row = 0; row < batch.num_rows() && !at_.empty(); ++row) {
      auto before_splitter = [&](int64_t splitter) {
        for (size_t k = 0; k < keys_.size(); ++k) {
          int order = compare_rows(*columns[k], row, *splitters_[k], splitter, keys_[k].descending,
                                   keys_[k].nulls_first.value_or(!keys_[k].descending));
          if (order != 0) {
            return order < 0;
          }
        }
        return false;
      };
      // The first splitter the row sorts before (splitters are in order).
      int64_t low = 0;
      int64_t high = static_cast<int64_t>(at_.size());
      while (low < high) {
        int64_t middle = (low + high) / 2;
        if (before_splitter(middle)) {
          high = middle;
        } else {
          low = middle + 1;
        }
      }
      ranks[static_cast<size_t>(row)] = static_cast<int32_t>(low);
    }
    return ranks;
  }

 private:
  std::vector<SortKey> keys_;
  std::vector<size_t> indexes_;
  SchemaPtr key_schema_;
  std::vector<int64_t> at_;
  std::vector<ColumnPtr> splitters_;
};

class ExchangeSink : public BreakerSink {
 public:
  ExchangeSink(QueryContext& query, const ExchangeSpec& node)
      : query_(query),
        node_(node),
        context_(*node.context),
        comm_(*context_.communicator),
        input_(query, node.schema),
        received_(query, node.schema, comm_.size()),
        in_order_([this](int64_t, HeldBatch& held) { input_.add(std::move(held)); }) {
    if (node.kind == ExchangeKind::kHash) {
      router_ = std::make_unique<HashRouter>(*node.schema, node.keys, comm_.size());
    }
  }

  ~ExchangeSink() override {
    readers_.clear();
    for (const SpillRun& run : destination_runs_) {
      discard(query_.spill_space(), run);
    }
  }

  bool accepts_selection() const override { return false; }

  void consume(Morsel morsel) override {
    HeldBatch held{std::move(morsel.batch), {}};
    if (router_) {
      held.ranks = router_->route(held.batch);
    }
    in_order_.submit(morsel.sequence, std::move(held));
  }

  void skip(int64_t sequence) override { in_order_.submit(sequence, std::nullopt); }

  void finish() override {
    if (!in_order_.complete()) {
      throw InternalError("an exchange's input has a gap");
    }
    input_.close();
    if (node_.kind == ExchangeKind::kRange) {
      range_router_ = std::make_unique<RangeRouter>(*node_.schema, node_.sort_keys);
      range_router_->choose_splitters(
          comm_, context_.sample_rows, input_.rows(),
          [&](const std::function<void(const RecordBatch&)>& visit) { input_.for_each(visit); });
      if (!input_.spilled()) {
        for (HeldBatch& held : input_.held()) {
          held.ranks = range_router_->route(held.batch);
        }
      }
    }
    if (input_.spilled()) {
      open_spilled_destinations();
    }
    exchange();
  }

  std::unique_ptr<BatchStream> output() override {
    return received_.output(query_.context.batch_bytes);
  }

 private:
  bool to_everyone() const {
    return node_.kind == ExchangeKind::kBroadcast || node_.kind == ExchangeKind::kGather;
  }

  std::vector<int32_t> route(const RecordBatch& batch) const {
    return router_ ? router_->route(batch) : range_router_->route(batch);
  }

  // A spilled input is read once per destination: a broadcast or gather reads the input's
  // file itself; a hash or range exchange first splits it into one file per destination.
  void open_spilled_destinations() {
    const int ranks = comm_.size();
    if (!to_everyone()) {
      std::vector<std::unique_ptr<SpillWriter>> writers;
      for (int rank = 0; rank < ranks; ++rank) {
        writers.push_back(
            std::make_unique<SpillWriter>(query_.spill_space(), node_.schema, "exchange"));
      }
      input_.for_each([&](const RecordBatch& batch) {
        std::vector<int32_t> destinations = route(batch);
        for (int rank = 0; rank < ranks; ++rank) {
          RecordBatch rows = rows_routed_to(batch, destinations, rank);
          if (rows.num_rows() > 0) {
            writers[static_cast<size_t>(rank)]->write(rows);
          }
        }
      });
      for (std::unique_ptr<SpillWriter>& writer : writers) {
        destination_runs_.push_back(writer->finish());
      }
    }
    for (int rank = 0; rank < ranks; ++rank) {
      readers_.push_back(std::make_unique<SpillReader>(
          to_everyone() ? input_.run() : destination_runs_[static_cast<size_t>(rank)]));
    }
  }

  // The next rows for destination `rank`, or nullopt when it has had them all.
  std::optional<RecordBatch> next_rows(int rank) {
    if (!readers_.empty()) {
      return readers_[static_cast<size_t>(rank)]->next();
    }
    std::vector<HeldBatch>& held = input_.held();
    size_t& at = cursor_[static_cast<size_t>(rank)];
    while (at < held.size()) {
      const HeldBatch& next = held[at++];
      RecordBatch rows = to_everyone() ? next.batch : rows_routed_to(next.batch, next.ranks, rank);
      if (rows.num_rows() > 0) {
        return rows;
      }
    }
    return std::nullopt;
  }

  // This round's message to `rank`: rows up to chunk_bytes (all of them to itself, which
  // go straight to what it received). True if the rank has rows left for later rounds.
  bool fill_message(int rank, std::string& message) {
    const auto chunk = static_cast<size_t>(std::max<int64_t>(context_.chunk_bytes, 1));
    std::optional<RecordBatch>& pending = pending_[static_cast<size_t>(rank)];
    message.assign(8, '\0');  // the flag, then frames aligned to 8 bytes
    while (rank == comm_.rank() || message.size() < chunk) {
      std::optional<RecordBatch> rows =
          pending ? std::exchange(pending, std::nullopt) : next_rows(rank);
      if (!rows) {
        return false;
      }
      if (rank == comm_.rank()) {
        received_.add(rank, std::move(*rows));
      } else {
        encode_batch(*rows, message);
      }
    }
    pending = next_rows(rank);
    return pending.has_value();
  }

  // Rounds of all_to_all until no rank has anything left to send.
  void exchange() {
    const int ranks = comm_.size();
    cursor_.assign(static_cast<size_t>(ranks), 0);
    pending_.assign(static_cast<size_t>(ranks), std::nullopt);
    bool anyone_has_more = true;
    while (anyone_has_more) {
      std::vector<std::string> messages(static_cast<size_t>(ranks));
      bool more = false;
      for (int rank = 0; rank < ranks; ++rank) {
        more = fill_message(rank, messages[static_cast<size_t>(rank)]) || more;
      }
      if (readers_.empty()) {
        input_.release(*std::min_element(cursor_.begin(), cursor_.end()));
      }
      for (std::string& message : messages) {
        message[0] = more ? 1 : 0;
      }
      anyone_has_more = receive(comm_.all_to_all(std::move(messages)));
    }
  }

  // Decodes one round's messages; true if any sender has more.
  bool receive(const std::vector<std::string>& arrived) {
    bool anyone_has_more = false;
    for (int source = 0; source < comm_.size(); ++source) {
      const std::string& message = arrived[static_cast<size_t>(source)];
      if (message.size() < 8) {
        throw DistributedError("an exchange message from rank " + std::to_string(source) +
                               " is damaged (" + std::to_string(message.size()) + " bytes)");
      }
      anyone_has_more = anyone_has_more || message[0] != 0;
      if (source == comm_.rank()) {
        continue;
      }
      BatchDecoder decoder(std::string_view(message).substr(8), node_.schema,
                           "an exchange message from rank " + std::to_string(source));
      while (!decoder.done()) {
        RecordBatch batch = decoder.next();
        if (batch.num_rows() > 0) {
          received_.add(source, std::move(batch));
        }
      }
    }
    return anyone_has_more;
  }

  QueryContext& query_;
  const ExchangeSpec& node_;
  const DistributedContext& context_;
  Communicator& comm_;
  std::unique_ptr<HashRouter> router_;
  std::unique_ptr<RangeRouter> range_router_;
  ExchangeInput input_;
  ExchangeReceived received_;
  Sequencer<HeldBatch> in_order_;
  std::vector<size_t> cursor_;                         // in memory: each destination's next batch
  std::vector<std::optional<RecordBatch>> pending_;    // each destination's next rows, read ahead
  std::vector<SpillRun> destination_runs_;             // spilled hash and range: one per rank
  std::vector<std::unique_ptr<SpillReader>> readers_;  // spilled: each destination's
};

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
