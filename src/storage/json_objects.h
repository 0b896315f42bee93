// Rows as JSON objects, one per line: what the JSON Lines connector reads and writes,
// shared with the JSON document connector, which turns a document's array into such lines.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "setl/engine/record_batch.h"
#include "setl/engine/schema.h"
#include "setl/engine/table.h"

namespace setl::storage::detail {

/// Removes a leading UTF-8 byte-order mark.
inline void remove_bom(std::string& data) {
  if (std::string_view(data).starts_with("\xEF\xBB\xBF")) {
    data.erase(0, 3);
  }
}

/// The schema of the first `infer_rows` objects of `data` (one per line), as documented in
/// json_lines_connector.h. `where` names the source in errors ("file:line: ...").
/// Throws: ParseError.
engine::SchemaPtr infer_json_objects(std::string_view data, int64_t infer_rows,
                                     const std::string& where);
/// The rows of `data` (one object per line) in `schema`, only `columns` if not empty,
/// parsed in parallel ranges of about `range_bytes`.
/// Throws: ParseError naming `where`, the line and the key.
engine::Table parse_json_objects(std::string_view data, const engine::SchemaPtr& schema,
                                 const std::vector<std::string>& columns, size_t range_bytes,
                                 const std::string& where);
/// One object per row, keys in column order, each followed by a newline.
void write_json_objects(std::ostream& out, const engine::Schema& schema,
                        const engine::RecordBatch& batch);

}  // namespace setl::storage::detail
