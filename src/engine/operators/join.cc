// Table::join: the hash join of engine/operators/hash_join.h over whole tables (the right
// table is the build side).
#include "engine/operators/hash_join.h"
#include "setl/engine/table.h"

namespace setl::engine {

Table Table::join(const Table& right, const std::vector<std::string>& left_on,
                  const std::vector<std::string>& right_on, JoinType type,
                  std::string right_suffix) const {
  return join(right, left_on, right_on, JoinOptions{type, std::move(right_suffix), std::nullopt});
}

Table Table::join(const Table& right, const std::vector<std::string>& left_on,
                  const std::vector<std::string>& right_on, const JoinOptions& options) const {
  detail::JoinHashTable table(
      schema_, right.schema(),
      {left_on, right_on, options.type, options.right_suffix, options.condition});
  table.build(right.combine());
  std::vector<RecordBatch> batches{table.probe(combine())};
  if (std::optional<RecordBatch> unmatched = table.unmatched_build_rows()) {
    batches.push_back(std::move(*unmatched));
  }
  return Table(table.output_schema(), std::move(batches));
}

}  // namespace setl::engine
