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
#include "engine/plan/logical_plan.h"

namespace setl::engine::detail {

/// The rank a row whose key hash is `hash` goes to, of `ranks` (the same on every rank,
/// and independent of the bits hash tables and spill partitions use).
int rank_of_hash(uint64_t hash, int ranks);

/// The breaker of a kHash, kRange, kBroadcast or kGather exchange node.
std::unique_ptr<BreakerSink> exchange_sink(QueryContext& query, const PlanNode& exchange);

/// The streaming transform of a kShare or kHashLocal exchange node.
std::shared_ptr<Transform> local_exchange(const PlanNode& exchange);

}  // namespace setl::engine::detail
