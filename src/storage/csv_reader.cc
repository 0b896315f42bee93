// CSV reading: quote-aware split into byte ranges, parallel typed parsing, inference.
#include "csv_reader.h"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "file_io.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/engine/builder.h"
#include "setl/engine/execution.h"
#include "setl/engine/parse_value.h"

namespace setl::storage {
namespace {

using detail::Split;

using engine::DataType;
using engine::TypeId;

struct Field {
  std::string_view text;
  bool quoted = false;
};

struct Record {
  int64_t line = 0;  // 1-based line where the record starts
  std::vector<Field> fields;
  std::string_view raw;
};

// Tokenizes records in [begin, end) of the data. Unescaped quoted fields are copied into
// per-record scratch storage; everything else views the data. The parallel split walks
// the data with the same state machine (skip()), so both always agree on where records
// and quoted fields start and end.
class RecordReader {
 public:
  RecordReader(std::string_view data, size_t begin, size_t end, int64_t first_line,
               const CsvOptions& options)
      : data_(data), pos_(begin), end_(end), line_(first_line), options_(options) {}

  /// False at the end. A malformed record sets `error` (and is skipped past).
  bool next(Record& record, std::string& error) { return scan<true>(&record, error); }

  /// Moves past one record without building it; false at the end.
  bool skip() {
    std::string error;
    return scan<false>(nullptr, error);
  }

  size_t position() const { return pos_; }
  int64_t line() const { return line_; }

 private:
  template <bool kBuild>
  bool scan(Record* record, std::string& error) {
    error.clear();
    // State of the previous record never leaks into this one, however that one ended.
    field_indexes_.clear();
    scratch_.clear();
    if constexpr (kBuild) {
      record->fields.clear();
    }
    // Skip blank lines.
    while (pos_ < end_ && (data_[pos_] == '\n' || data_[pos_] == '\r')) {
      if (data_[pos_] == '\n') {
        ++line_;
      }
      ++pos_;
    }
    if (pos_ >= end_) {
      return false;
    }
    size_t record_start = pos_;
    if constexpr (kBuild) {
      record->line = line_;
    }
    const char delimiter = options_.delimiter;
    const char quote = options_.quote;
    const char escape = options_.escape;
    auto fail = [&](std::string message, size_t raw_length) {
      error = std::move(message);
      if constexpr (kBuild) {
        record->fields.clear();
        record->raw = data_.substr(record_start, raw_length);
      }
      return true;
    };
    while (true) {
      Field field;
      if (pos_ < end_ && data_[pos_] == quote) {
        ++pos_;
        std::string value;
        bool closed = false;
        while (pos_ < end_) {
          char c = data_[pos_];
          if (c == escape && escape != quote && pos_ + 1 < end_) {
            if constexpr (kBuild) {
              value += data_[pos_ + 1];
            }
            if (data_[pos_ + 1] == '\n') {
              ++line_;
            }
            pos_ += 2;
            continue;
          }
          if (c == quote) {
            if (escape == quote && pos_ + 1 < end_ && data_[pos_ + 1] == quote) {
              if constexpr (kBuild) {
                value += quote;
              }
              pos_ += 2;
              continue;
            }
            ++pos_;
            closed = true;
            break;
          }
          if (c == '\n') {
            ++line_;
          }
          if constexpr (kBuild) {
            value += c;
          }
          ++pos_;
        }
        if (!closed) {
          size_t length = std::min<size_t>(pos_ - record_start, 200);
          pos_ = end_;
          return fail("a quoted field is not closed before the end of the file", length);
        }
        if (pos_ < end_ && data_[pos_] != delimiter && data_[pos_] != '\n' && data_[pos_] != '\r') {
          std::string message =
              std::string("unexpected character '") + data_[pos_] + "' after a closing quote";
          skip_line();
          return fail(std::move(message), pos_ - record_start);
        }
        if constexpr (kBuild) {
          scratch_.push_back(std::move(value));
          field.quoted = true;
          field_indexes_.push_back(scratch_.size() - 1);
        }
      } else {
        size_t start = pos_;
        while (pos_ < end_ && data_[pos_] != delimiter && data_[pos_] != '\n') {
          ++pos_;
        }
        if constexpr (kBuild) {
          size_t stop = pos_;
          if (stop > start && data_[stop - 1] == '\r' && (pos_ >= end_ || data_[pos_] == '\n')) {
            --stop;
          }
          field.text = data_.substr(start, stop - start);
          field_indexes_.push_back(SIZE_MAX);
        }
      }
      if constexpr (kBuild) {
        record->fields.push_back(field);
      }
      if (pos_ < end_ && data_[pos_] == delimiter) {
        ++pos_;
        if (!options_.trailing_delimiter ||
            (pos_ < end_ && data_[pos_] != '\n' && data_[pos_] != '\r')) {
          continue;
        }
      }
      if (pos_ < end_ && data_[pos_] == '\r') {
        ++pos_;
      }
      if (pos_ < end_ && data_[pos_] == '\n') {
        ++pos_;
        ++line_;
      }
      break;
    }
    if constexpr (kBuild) {
      // Quoted fields point into scratch storage (stable now that it stopped growing).
      for (size_t i = 0; i < record->fields.size(); ++i) {
        if (field_indexes_[i] != SIZE_MAX) {
          record->fields[i].text = scratch_[field_indexes_[i]];
        }
      }
      size_t raw_end = pos_;
      while (raw_end > record_start && (data_[raw_end - 1] == '\n' || data_[raw_end - 1] == '\r')) {
        --raw_end;
      }
      record->raw = data_.substr(record_start, raw_end - record_start);
    }
    return true;
  }

  void skip_line() {
    while (pos_ < end_ && data_[pos_] != '\n') {
      ++pos_;
    }
    if (pos_ < end_) {
      ++pos_;
      ++line_;
    }
  }

  std::string_view data_;
  size_t pos_;
  size_t end_;
  int64_t line_;
  const CsvOptions& options_;
  std::vector<std::string> scratch_;
  std::vector<size_t> field_indexes_;
};

bool is_null(const Field& field, const CsvOptions& options) {
  if (field.quoted) {
    return false;
  }
  return std::find(options.null_values.begin(), options.null_values.end(), field.text) !=
         options.null_values.end();
}

// ---- inference -----------------------------------------------------------------------------

enum Candidate : unsigned {
  kBoolCandidate = 1,
  kIntCandidate = 2,
  kFloatCandidate = 4,
  kDateCandidate = 8,
  kTimestampCandidate = 16,
};

unsigned candidates_of(std::string_view text) {
  unsigned result = 0;
  std::string lower;
  for (char c : text) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (lower == "true" || lower == "false") {
    result |= kBoolCandidate;
  }
  int64_t integer = 0;
  double number = 0;
  if (engine::parse_int64(text, integer)) {
    result |= kIntCandidate | kFloatCandidate;
  } else if (engine::parse_float64(text, number)) {
    result |= kFloatCandidate;
  }
  int32_t days = 0;
  int64_t micros = 0;
  if (engine::parse_date(text, days)) {
    result |= kDateCandidate | kTimestampCandidate;
  } else if (engine::parse_timestamp(text, micros)) {
    result |= kTimestampCandidate;
  }
  return result;
}

DataType type_from_candidates(unsigned candidates, bool seen) {
  if (!seen) {
    return DataType::string();
  }
  if (candidates & kBoolCandidate)
    return DataType::boolean();
  if (candidates & kIntCandidate)
    return DataType::int64();
  if (candidates & kFloatCandidate)
    return DataType::float64();
  if (candidates & kDateCandidate)
    return DataType::date32();
  if (candidates & kTimestampCandidate)
    return DataType::timestamp();
  return DataType::string();
}

}  // namespace

namespace detail {

CsvParse prepare_csv(std::string_view data, const std::string& where, const CsvOptions& options) {
  CsvParse parse;
  // A UTF-8 byte order mark (written by Excel and PowerShell) is not part of the data.
  size_t body = std::string_view(data).starts_with("\xEF\xBB\xBF") ? 3 : 0;
  int64_t body_line = 1;
  std::vector<std::string> names;
  if (options.header) {
    RecordReader reader(data, body, data.size(), 1, options);
    Record record;
    std::string error;
    if (reader.next(record, error)) {
      if (!error.empty()) {
        throw ParseError(where + ":" + std::to_string(record.line) + ": bad header: " + error);
      }
      for (const Field& field : record.fields) {
        names.emplace_back(field.text);
      }
    }
    body = reader.position();
    body_line = reader.line();
    parse.header = names;
  }

  if (!options.column_names.empty()) {
    if (options.header && names.size() != options.column_names.size()) {
      throw SchemaError(where + ": the header has " + std::to_string(names.size()) +
                        " columns but " + std::to_string(options.column_names.size()) +
                        " column names were given");
    }
    names = options.column_names;
  }
  if (options.schema) {
    parse.schema = options.schema;
    if (options.header && names.size() != options.schema->num_fields()) {
      throw SchemaError(where + ": the header has " + std::to_string(names.size()) +
                        " columns but the given schema has " +
                        std::to_string(options.schema->num_fields()) + " (" +
                        options.schema->to_string() + ")");
    }
  } else {
    RecordReader reader(data, body, data.size(), body_line, options);
    Record record;
    std::string error;
    std::vector<unsigned> candidates;
    std::vector<bool> seen;
    size_t width = names.size();
    int64_t sampled = 0;
    while (sampled < options.infer_rows && reader.next(record, error)) {
      if (!error.empty()) {
        continue;  // malformed records are reported by the parse itself
      }
      if (width == 0) {
        width = record.fields.size();
      }
      candidates.resize(width, ~0u);
      seen.resize(width, false);
      for (size_t c = 0; c < std::min(width, record.fields.size()); ++c) {
        const Field& field = record.fields[c];
        if (is_null(field, options) || (field.text.empty())) {
          continue;
        }
        candidates[c] &= candidates_of(field.text);
        seen[c] = true;
      }
      ++sampled;
    }
    if (names.empty()) {
      for (size_t c = 0; c < width; ++c) {
        names.push_back("column_" + std::to_string(c + 1));
      }
    }
    candidates.resize(names.size(), ~0u);
    seen.resize(names.size(), false);
    std::vector<engine::Field> fields;
    for (size_t c = 0; c < names.size(); ++c) {
      DataType type =
          options.infer_types ? type_from_candidates(candidates[c], seen[c]) : DataType::string();
      fields.push_back({names[c], type, true});
    }
    parse.schema = std::make_shared<engine::Schema>(std::move(fields));
  }
  parse.data_start = body;
  parse.data_line = body_line;
  // The average record length of a sample, to cut ranges of about batch_rows records.
  RecordReader reader(data, body, data.size(), body_line, options);
  Record record;
  std::string error;
  size_t bytes = 0;
  int64_t count = 0;
  while (count < 1000 && reader.next(record, error)) {
    bytes += record.raw.size() + 1;
    ++count;
  }
  if (count > 0) {
    parse.average_record_bytes = std::max<size_t>(1, bytes / static_cast<size_t>(count));
  }
  return parse;
}

Split split_block(std::string_view data, size_t from, int64_t first_line, size_t chunk, bool at_end,
                  const CsvOptions& options) {
  Split split;
  split.data_start = from;
  split.starts.push_back(from);
  split.lines.push_back(first_line);
  RecordReader reader(data, from, data.size(), first_line, options);
  size_t last_start = from;
  int64_t last_line = first_line;
  size_t next_cut = from + chunk;
  while (true) {
    size_t start = reader.position();
    int64_t line = reader.line();
    if (!reader.skip()) {
      break;
    }
    last_start = start;
    last_line = line;
    size_t position = reader.position();
    if (position >= next_cut && position < data.size()) {
      split.starts.push_back(position);
      split.lines.push_back(reader.line());
      next_cut = position + chunk;
    }
  }
  split.end = data.size();
  if (!at_end) {
    // The last record may continue in the next block: it is left for that block.
    split.end = last_start;
    split.end_line = last_line;
    while (!split.starts.empty() && split.starts.back() >= last_start) {
      split.starts.pop_back();
      split.lines.pop_back();
    }
  }
  return split;
}

std::optional<size_t> skip_csv_record(std::string_view data, size_t from, bool at_end,
                                      int64_t& lines, const CsvOptions& options) {
  RecordReader reader(data, from, data.size(), 0, options);
  bool found = reader.skip();
  if (!at_end && (!found || reader.position() >= data.size())) {
    return std::nullopt;  // the record, or the next one, may still be arriving
  }
  lines += reader.line();
  return found ? reader.position() : data.size();
}

struct ParsedValue {
  bool is_null = false;
  bool flag = false;
  int64_t integer = 0;
  double number = 0;
  engine::int128 decimal = 0;
};

RangeResult parse_range(std::string_view data, size_t begin, size_t end, int64_t first_line,
                        const engine::SchemaPtr& file_schema, const std::vector<size_t>& wanted,
                        const engine::SchemaPtr& output_schema, const std::string& where,
                        const CsvOptions& options) {
  RangeResult result;
  size_t width = file_schema->num_fields();
  std::vector<engine::ColumnBuilder> builders;
  // Capacity for the records this range can hold at most, not batch_rows per column: a
  // short file with very many columns must not reserve batch_rows values for each.
  int64_t capacity =
      std::min<int64_t>(options.batch_rows, static_cast<int64_t>((end - begin) / (width + 1)) + 1);
  for (size_t index : wanted) {
    builders.emplace_back(file_schema->field(index).type, capacity);
  }
  RecordReader reader(data, begin, end, first_line, options);
  Record record;
  std::string error;
  int64_t rows = 0;
  std::vector<ParsedValue> parsed(wanted.size());
  auto reject = [&](const std::string& reason) {
    if (!options.permissive) {
      result.error = where + ":" + std::to_string(record.line) + ": " + reason;
      return false;
    }
    result.rejects.push_back(std::to_string(record.line) + "\t" + reason + "\t" +
                             std::string(record.raw));
    return true;
  };
  while (reader.next(record, error)) {
    if (!error.empty()) {
      if (!reject(error)) {
        return result;
      }
      continue;
    }
    if (record.fields.size() != width) {
      if (!reject("expected " + std::to_string(width) + " fields, found " +
                  std::to_string(record.fields.size()))) {
        return result;
      }
      continue;
    }
    // Parse every wanted value once into `parsed`, so a rejected record adds nothing and
    // an accepted one is appended without parsing again.
    std::string problem;
    for (size_t k = 0; k < wanted.size() && problem.empty(); ++k) {
      const Field& field = record.fields[wanted[k]];
      const engine::Field& column = file_schema->field(wanted[k]);
      ParsedValue& value = parsed[k];
      value.is_null =
          is_null(field, options) || (field.text.empty() && column.type.id() != TypeId::kString);
      if (value.is_null) {
        continue;
      }
      bool ok = true;
      switch (column.type.id()) {
        case TypeId::kBool:
          ok = engine::parse_bool(field.text, value.flag);
          break;
        case TypeId::kInt32:
        case TypeId::kInt64:
          ok = engine::parse_int64(field.text, value.integer) &&
               (column.type.id() == TypeId::kInt64 ||
                (value.integer >= INT32_MIN && value.integer <= INT32_MAX));
          break;
        case TypeId::kFloat64:
          ok = engine::parse_float64(field.text, value.number);
          break;
        case TypeId::kDate32: {
          int32_t days = 0;
          ok = engine::parse_date(field.text, days);
          value.integer = days;
          break;
        }
        case TypeId::kTimestamp:
          ok = engine::parse_timestamp(field.text, value.integer);
          break;
        case TypeId::kDecimal:
          ok = engine::parse_decimal(field.text, column.type.precision(), column.type.scale(),
                                     value.decimal);
          break;
        case TypeId::kString:
          if (!engine::is_valid_utf8(field.text)) {
            problem = "column " + std::to_string(wanted[k] + 1) + " (\"" + column.name +
                      "\"): invalid UTF-8";
          }
          break;
        case TypeId::kNull:
          break;
      }
      if (!ok) {
        problem = "column " + std::to_string(wanted[k] + 1) + " (\"" + column.name +
                  "\"): expected " + column.type.to_string() + ", found \"" +
                  std::string(field.text.substr(0, 100)) + "\"";
      }
    }
    if (!problem.empty()) {
      if (!reject(problem)) {
        return result;
      }
      continue;
    }
    for (size_t k = 0; k < wanted.size(); ++k) {
      const ParsedValue& value = parsed[k];
      engine::ColumnBuilder& builder = builders[k];
      if (value.is_null) {
        builder.append_null();
        continue;
      }
      switch (file_schema->field(wanted[k]).type.id()) {
        case TypeId::kBool:
          builder.append_bool(value.flag);
          break;
        case TypeId::kFloat64:
          builder.append_double(value.number);
          break;
        case TypeId::kDecimal:
          builder.append_decimal(value.decimal);
          break;
        case TypeId::kString:
          builder.append_string(record.fields[wanted[k]].text);
          break;
        case TypeId::kNull:
          builder.append_null();
          break;
        default:
          builder.append_int(value.integer);
      }
    }
    ++rows;
  }
  if (rows > 0) {
    std::vector<engine::ColumnPtr> columns;
    for (engine::ColumnBuilder& builder : builders) {
      columns.push_back(builder.finish());
    }
    result.batch = engine::RecordBatch(output_schema, std::move(columns), rows);
  }
  return result;
}

}  // namespace detail

}  // namespace setl::storage
