// The CSV tokenizer and parser behind CsvConnector (private to the storage layer).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "setl/storage/csv_connector.h"

namespace setl::storage::detail {

/// Where the parallel parse cuts a block of the file: record starts found by the
/// tokenizer itself. Ranges run from each start to the next, the last one to `end`.
struct Split {
  size_t data_start = 0;
  std::vector<size_t> starts;
  std::vector<int64_t> lines;
  size_t end = 0;        // where the block's complete records end
  int64_t end_line = 0;  // the line number at `end`
};

struct CsvParse {
  engine::SchemaPtr schema;
  std::vector<std::string> header;
  size_t data_start = 0;  // first byte after the header (and byte order mark)
  int64_t data_line = 1;
  size_t average_record_bytes = 64;
};

/// Finds the header and infers or checks the schema from the first records of `data` (the
/// file's first block). `where` names the file in errors. Throws: ParseError.
CsvParse prepare_csv(std::string_view data, const std::string& where, const CsvOptions& options);

/// Cuts the records of `data` from `from` into ranges of about `chunk` bytes. Unless
/// `at_end` (the block ends the file), the last record found is left out (`end` is its
/// start), as it may continue in the next block; the ranges then end before it.
Split split_block(std::string_view data, size_t from, int64_t first_line, size_t chunk, bool at_end,
                  const CsvOptions& options);

/// Moves past the record of `data` starting at `from` (and blank lines before it), adding
/// the newlines passed to `lines`: where the next record begins, or nullopt when the
/// record may go on past `data` and `at_end` is false.
std::optional<size_t> skip_csv_record(std::string_view data, size_t from, bool at_end,
                                      int64_t& lines, const CsvOptions& options);

struct RangeResult {
  std::optional<engine::RecordBatch> batch;
  std::vector<std::string> rejects;  // "line\treason\trecord"
  std::string error;                 // first error when not permissive
};

/// Parses the records in [begin, end) into the `wanted` columns of `file_schema`.
RangeResult parse_range(std::string_view data, size_t begin, size_t end, int64_t first_line,
                        const engine::SchemaPtr& file_schema, const std::vector<size_t>& wanted,
                        const engine::SchemaPtr& output_schema, const std::string& where,
                        const CsvOptions& options);

}  // namespace setl::storage::detail
