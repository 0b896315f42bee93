// Delta's schema serialization (Spark's JSON schema) and partition value strings, mapped
// to the engine's types (private to the storage layer).
#pragma once

#include <optional>
#include <string>

#include "setl/engine/scalar.h"
#include "setl/engine/schema.h"
#include "setl/engine/table.h"

namespace setl::storage::detail {

/// Throws: ParseError for malformed JSON; SchemaError naming a column whose type setlpp
/// does not read (nested, binary, timestamp without time zone, variant).
engine::SchemaPtr schema_from_delta(const std::string& schema_string, const std::string& where);
/// Throws: SchemaError for a column type Delta cannot hold.
std::string schema_to_delta(const engine::Schema& schema);

/// The protocol's partition value string (NULL: nullopt).
std::optional<std::string> partition_value_text(const engine::Scalar& value);
/// Throws: ParseError naming the column for text that is not a value of `type`.
engine::Scalar partition_value(const std::optional<std::string>& text, const engine::DataType& type,
                               const std::string& column);

/// Per-file statistics as the log's `stats` JSON: numRecords, and nullCount, minValues and
/// maxValues of the columns whose order is total (numbers, dates, timestamps, booleans;
/// strings up to 32 bytes).
std::string delta_file_stats(const engine::Table& rows);

}  // namespace setl::storage::detail
