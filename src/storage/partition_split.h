// Hive-style partition directories (private to the storage layer): the names a row's
// partition values get, and a table split into one part per directory. Shared by the
// partitioned-dataset and Delta connectors.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "setl/engine/expr.h"
#include "setl/engine/table.h"

namespace setl::storage::detail {

inline constexpr std::string_view kNullPartition = "__HIVE_DEFAULT_PARTITION__";

/// A partition key or value as a directory name component (escaped so that no name can
/// leave the root or split a component; NULL has its own name).
std::string encode_partition_component(std::string_view value);
std::string decode_partition_component(std::string_view text);

struct PartitionPart {
  std::string directory;               // "k1=v1/k2=v2"
  std::vector<engine::Scalar> values;  // the keys' values, in key order
  engine::Table rows;                  // without the key columns
};

/// The rows of `table` grouped by partition directory (rows keep their order in a part).
std::vector<PartitionPart> split_by_partition(const engine::Table& table,
                                              const std::vector<std::string>& keys);

/// For pruning by partition values: the columns an expression reads, and the parts of a
/// conjunction (a AND b AND c).
void collect_columns(const engine::Expr& expr, std::set<std::string>& out);
void conjuncts(const engine::Expr& expr, std::vector<engine::Expr>& out);

}  // namespace setl::storage::detail
