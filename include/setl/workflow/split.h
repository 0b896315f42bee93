// Routing rows to variants (A/B tests on data): a split hashes each row's key with a
// stable hash (the same key goes to the same variant in every run, on every machine),
// gives each variant its share of the key space, and delivers one Table per variant —
// under the delivery id "<split>.<variant>" — plus an audit table of (key, variant).
//
//   pipeline.add_split("scoring-ab", {.input = {.producer = "Orders"},
//                                     .key = "customer_id",
//                                     .variants = {{"A", 0.5}, {"B", 0.5}}});
//   pipeline.add<ScoreA>();   // Delivery<Table> orders{this, {.id = "scoring-ab.A"}};
//   pipeline.add<ScoreB>();   // Delivery<Table> orders{this, {.id = "scoring-ab.B"}};
//
// Changing the shares moves only the keys whose hash falls between the old and the new
// boundaries; renaming the split reshuffles every key (the name salts the hash).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "setl/engine/table.h"
#include "setl/workflow/delivery.h"

namespace setl::workflow {

struct SplitVariant {
  std::string name;
  /// Its share of the keys, in (0, 1]; the shares add up to 1.
  double share = 0;
};

struct SplitOptions {
  /// Which Table to split (narrow it by producer or id like any input).
  DeliveryOptions input;
  /// The column whose value routes a row (rows with one key stay together).
  std::string key;
  std::vector<SplitVariant> variants;
};

/// The variant of `key` (its text as Scalar::to_string prints it) among `variants` for
/// the split named `split`: the same answer everywhere and always.
size_t split_variant(const std::string& split, const std::string& key,
                     const std::vector<SplitVariant>& variants);

namespace detail {
/// The rows of `table` by variant (in the order of `options.variants`), and the audit
/// table: the key column and a string column "variant". Throws: SchemaError if the key
/// column is missing.
struct SplitTables {
  std::vector<engine::Table> parts;
  engine::Table audit;
};
SplitTables split_table(const std::string& split, const engine::Table& table,
                        const SplitOptions& options);
/// Throws: ConfigError for no variants, a bad share, shares not adding up to 1, duplicate
/// or empty variant names, or an empty key.
void check_split(const std::string& split, const SplitOptions& options);
}  // namespace detail

}  // namespace setl::workflow
