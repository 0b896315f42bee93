// Compares two Tables for an experiment (or a test): rows matched by key columns (or by
// position), every other column compared, numbers within a tolerance. A row missing on one
// side, or differing in any column, is one mismatch.
//
//   experiment.compare(table_comparator({.keys = {"order_id"}, .tolerance = 1e-6}));
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "setl/engine/table.h"
#include "setl/workflow/experiment.h"

namespace setl::workflow {

struct TableComparison {
  /// Columns that identify a row on both sides; empty: rows are matched by position.
  std::vector<std::string> keys;
  /// Numbers (integers, floats, decimals) within this absolute difference are equal.
  double tolerance = 0;
  /// How many mismatches are described (all are counted).
  size_t max_details = 10;
};

/// Counts the rows that differ between `control` and `candidate`. Columns are matched by
/// name; a column on one side only makes every row a mismatch (described once). A key
/// value held by two rows of one side is a mismatch of its own.
/// Throws: SchemaError if a key column is missing on either side.
Mismatches compare_tables(const engine::Table& control, const engine::Table& candidate,
                          const TableComparison& options = {});

/// compare_tables as an Experiment<Table> comparator.
inline std::function<Mismatches(const engine::Table&, const engine::Table&)> table_comparator(
    TableComparison options = {}) {
  return
      [options = std::move(options)](const engine::Table& control, const engine::Table& candidate) {
        return compare_tables(control, candidate, options);
      };
}

}  // namespace setl::workflow
