// The CSV tokenizer and parser behind CsvConnector (private to the storage layer).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "setl/storage/csv_connector.h"

namespace setl::storage::detail {

/// Where the parallel parse cuts the file: record starts found by the tokenizer itself.
struct Split {
  size_t data_start = 0;  // first byte after the header
  std::vector<size_t> starts;
  std::vector<int64_t> lines;
};

struct CsvParse {
  engine::SchemaPtr schema;
  Split split;
  std::vector<std::string> header;
};

/// Finds the header, infers or checks the schema and cuts the data into ranges.
/// `where` names the file in errors. Throws: ParseError.
CsvParse prepare_csv(const std::string& data, const std::string& where, const CsvOptions& options);

struct RangeResult {
  std::optional<engine::RecordBatch> batch;
  std::vector<std::string> rejects;  // "line\treason\trecord"
  std::string error;                 // first error when not permissive
};

/// Parses the records in [begin, end) into the `wanted` columns of `file_schema`.
RangeResult parse_range(const std::string& data, size_t begin, size_t end, int64_t first_line,
                        const engine::SchemaPtr& file_schema, const std::vector<size_t>& wanted,
                        const engine::SchemaPtr& output_schema, const std::string& where,
                        const CsvOptions& options);

}  // namespace setl::storage::detail
