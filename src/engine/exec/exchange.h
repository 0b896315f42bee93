// Exchanges between the ranks of a distributed query (private to the engine). A hash,
// range, broadcast or gather exchange is a breaker: it holds its input, works out each
// row's destination ranks, and sends the rows in rounds of at most chunk_bytes per
// destination (the ranks agree when to stop: every message says whether its sender has
// more), so what is in flight stays bounded however large the shuffle. Rows arrive in
// source rank order, each source's in its input order. Share and hash-local exchanges
// send nothing: their input is on every rank, and each rank keeps its rows.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/exec/sinks.h"
#include "setl/engine/distributed.h"

namespace setl::engine::detail {

/// How an exchange moves rows between ranks.
enum class ExchangeKind {
  kHash,       ///< each row to the rank its `keys` hash to
  kHashLocal,  ///< the same rows kept, without sending: the input is on every rank
  kRange,      ///< each row to the rank of its `sort_keys` range (splitters sampled)
  kBroadcast,  ///< every rank's rows to every rank (a small join input)
  kGather,     ///< the same, the result of a query, in rank order
  kShare,      ///< this rank's share of an input that is on every rank, without sending
};

/// One exchange of a plan: its rows' schema, how they move, and the run's ranks.
struct ExchangeSpec {
  ExchangeKind kind = ExchangeKind::kHash;
  SchemaPtr schema;
  std::vector<std::string> keys;   ///< kHash, kHashLocal
  std::vector<SortKey> sort_keys;  ///< kRange
  const DistributedContext* context = nullptr;
};

/// The rank a row whose key hash is `hash` goes to, of `ranks` (the same on every rank,
/// and independent of the bits hash tables and spill partitions use).
int rank_of_hash(uint64_t hash, int ranks);

/// The breaker of a kHash, kRange, kBroadcast or kGather exchange (`exchange` outlives it).
std::unique_ptr<BreakerSink> exchange_sink(QueryContext& query, const ExchangeSpec& exchange);

/// The streaming transform of a kShare or kHashLocal exchange.
std::shared_ptr<Transform> local_exchange(const ExchangeSpec& exchange);

}  // namespace setl::engine::detail
