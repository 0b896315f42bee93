// The tables an upsert or a delete leaves, computed the same way for every connector that
// edits by reading, changing and rewriting its data under a lock or in a transaction.
#pragma once

#include <string>
#include <vector>

#include "setl/engine/expr.h"
#include "setl/engine/table.h"

namespace setl::storage::detail {

/// Throws: SchemaError naming `target` for no key, a key not in `rows`, NULL or repeated
/// keys in `rows`.
void check_upsert_keys(const engine::Table& rows, const std::vector<std::string>& keys,
                       const std::string& target);
/// `stored` with its rows whose `keys` equal a row of `rows` replaced by that row, and the
/// other rows of `rows` added. Stored columns are cast to the types `rows` has (a CSV
/// column inferred as integers receiving strings).
/// Throws: SchemaError naming `target` for no key, a key missing on either side, NULL or
/// repeated keys in `rows`, or columns that differ by name (their order may differ;
/// the result has `rows`' order).
engine::Table upserted(const engine::Table& stored, const engine::Table& rows,
                       const std::vector<std::string>& keys, const std::string& target);
/// The same where `stored` may be null (nothing stored yet): then `rows`, keys checked.
engine::Table upserted(const engine::Table* stored, const engine::Table& rows,
                       const std::vector<std::string>& keys, const std::string& target);
/// `stored` without the rows for which `condition` is true (a NULL result keeps the row, as
/// SQL's DELETE does).
engine::Table without_rows(const engine::Table& stored, const engine::Expr& condition);

}  // namespace setl::storage::detail
