#include "setl/storage/json_lines_connector.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <map>

#include <fmt/format.h>
#include <simdjson.h>

#include "byte_shares.h"
#include "byte_stream.h"
#include "file_io.h"
#include "json_objects.h"
#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/engine/builder.h"
#include "setl/engine/execution.h"
#include "setl/engine/parse_value.h"

namespace setl::storage {
namespace {

using engine::DataType;
using engine::TypeId;
using simdjson::dom::element;
using simdjson::dom::element_type;

int64_t line_of(std::string_view data, size_t offset) {
  return 1 + std::count(data.begin(),
                        data.begin() + static_cast<std::ptrdiff_t>(std::min(offset, data.size())),
                        '\n');
}

// Lines [begin, end) of the data, as byte offsets.
std::vector<std::pair<size_t, size_t>> line_ranges(std::string_view data, size_t target) {
  std::vector<std::pair<size_t, size_t>> ranges;
  size_t start = 0;
  while (start < data.size()) {
    size_t cut = std::min(data.size(), start + target);
    size_t newline = data.find('\n', cut == 0 ? 0 : cut - 1);
    size_t end = newline == std::string_view::npos ? data.size() : newline + 1;
    ranges.emplace_back(start, end);
    start = end;
  }
  return ranges;
}

// simdjson's parse_many reads documents in windows of `batch_size` bytes; a line longer
// than the window would read as invalid JSON. Windows hold the longest line of [begin, end).
size_t window_for(std::string_view data) {
  size_t longest = 0;
  size_t start = 0;
  while (start < data.size()) {
    size_t newline = data.find('\n', start);
    size_t end = newline == std::string_view::npos ? data.size() : newline + 1;
    longest = std::max(longest, end - start);
    start = end;
  }
  // Small inputs get small windows: a parser allocates several times its window.
  return std::max(longest, std::min(data.size(), simdjson::dom::DEFAULT_BATCH_SIZE)) + 64;
}

// Bytes of `data` holding its first `lines` lines.
size_t prefix_of_lines(std::string_view data, int64_t lines) {
  size_t pos = 0;
  for (int64_t i = 0; i < lines && pos < data.size(); ++i) {
    size_t newline = data.find('\n', pos);
    pos = newline == std::string_view::npos ? data.size() : newline + 1;
  }
  return pos;
}

// JSON has no NaN or infinities; they are written as these strings (as Spark does) and a
// float64 column reads them back.
std::optional<double> special_float(std::string_view text) {
  if (text == "NaN") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (text == "Infinity") {
    return std::numeric_limits<double>::infinity();
  }
  if (text == "-Infinity") {
    return -std::numeric_limits<double>::infinity();
  }
  return std::nullopt;
}

// The file's first `lines` lines (or all of it), read piece by piece.
std::string first_lines(const std::filesystem::path& file, int64_t lines) {
  detail::ByteStream input(file);
  std::string data;
  int64_t seen = 0;
  std::vector<char> piece(size_t{1} << 20);
  while (seen < lines) {
    size_t got = input.read(piece.data(), piece.size());
    if (got == 0) {
      break;
    }
    seen += std::count(piece.begin(), piece.begin() + static_cast<std::ptrdiff_t>(got), '\n');
    data.append(piece.data(), got);
  }
  return data;
}

// What a key's non-null values were seen to be, as bit flags.
enum Seen : unsigned {
  kSeenBool = 1,
  kSeenInteger = 2,
  kSeenFloat = 4,
  kSeenDate = 8,
  kSeenTimestamp = 16,
  kSeenText = 32,          // other strings, objects and arrays (kept as their JSON text)
  kSeenSpecialFloat = 64,  // "NaN", "Infinity", "-Infinity"
  kSeenBigUnsigned = 128,  // integers above int64's range: kept exactly, as text
};

unsigned observed(const element& value) {
  switch (value.type()) {
    case element_type::BOOL:
      return kSeenBool;
    case element_type::INT64:
      return kSeenInteger;
    case element_type::UINT64:  // only values above INT64_MAX are typed UINT64
      return kSeenBigUnsigned;
    case element_type::DOUBLE:
      return kSeenFloat;
    case element_type::STRING: {
      std::string_view text = value.get_string().value_unsafe();
      if (special_float(text)) {
        return kSeenSpecialFloat;
      }
      int32_t days = 0;
      int64_t micros = 0;
      if (engine::parse_date(text, days)) {
        return kSeenDate;
      }
      return engine::parse_timestamp(text, micros) ? kSeenTimestamp : kSeenText;
    }
    default:
      return kSeenText;
  }
}

DataType inferred_type(unsigned seen) {
  if (seen == kSeenBool) {
    return DataType::boolean();
  }
  if (seen == kSeenInteger) {
    return DataType::int64();
  }
  if ((seen & ~(kSeenInteger | kSeenFloat | kSeenSpecialFloat)) == 0 &&
      (seen & (kSeenFloat | kSeenSpecialFloat)) != 0) {
    return DataType::float64();
  }
  if (seen == kSeenDate) {
    return DataType::date32();
  }
  if ((seen & ~(kSeenDate | kSeenTimestamp)) == 0 && seen != 0) {
    return DataType::timestamp();
  }
  return DataType::string();
}

}  // namespace

namespace detail {

engine::SchemaPtr infer_json_objects(std::string_view data, int64_t infer_rows,
                                     const std::string& where) {
  simdjson::padded_string padded(data);
  simdjson::dom::parser parser;
  simdjson::dom::document_stream stream;
  if (parser.parse_many(padded, window_for(data)).get(stream)) {
    throw ParseError(where + ": not JSON Lines");
  }
  std::vector<std::string> order;
  std::map<std::string, unsigned> seen;  // bit flags: which kinds occurred
  int64_t count = 0;
  for (auto it = stream.begin(); it != stream.end() && count < infer_rows; ++it, ++count) {
    element document;
    if ((*it).get(document)) {
      throw ParseError(where + ":" + std::to_string(line_of(data, it.current_index())) +
                       ": invalid JSON");
    }
    simdjson::dom::object object;
    if (document.get_object().get(object)) {
      throw ParseError(where + ":" + std::to_string(line_of(data, it.current_index())) +
                       ": expected a JSON object per line");
    }
    for (auto [key, value] : object) {
      std::string name(key);
      if (seen.find(name) == seen.end()) {
        order.push_back(name);
        seen[name] = 0;
      }
      if (!value.is_null()) {
        seen[name] |= observed(value);
      }
    }
  }
  std::vector<engine::Field> fields;
  for (const std::string& name : order) {
    fields.push_back({name, inferred_type(seen[name]), true});
  }
  return std::make_shared<engine::Schema>(std::move(fields));
}

}  // namespace detail

JsonLinesConnector::JsonLinesConnector(ConnectorKey key, std::filesystem::path path,
                                       JsonLinesOptions options)
    : FileConnector(key, std::move(path), "jsonl"), options_(std::move(options)) {}

engine::SchemaPtr JsonLinesConnector::schema() const {
  const std::filesystem::path& file = path();
  std::lock_guard lock(mutex_);
  if (schema_) {
    return schema_;
  }
  if (options_.schema) {
    schema_ = options_.schema;
    return schema_;
  }
  // Only the lines inference looks at are read and parsed.
  std::string data = first_lines(file, options_.infer_rows);
  detail::remove_bom(data);
  data.resize(prefix_of_lines(data, options_.infer_rows));
  schema_ = detail::infer_json_objects(data, options_.infer_rows, file.string());
  return schema_;
}

namespace {

// Which columns of the file a scan returns.
struct ScanLayout {
  engine::SchemaPtr file_schema;
  std::vector<size_t> wanted;
  engine::SchemaPtr output;
};

ScanLayout scan_layout(engine::SchemaPtr file_schema, const std::vector<std::string>& columns) {
  ScanLayout layout{std::move(file_schema), {}, nullptr};
  if (columns.empty()) {
    for (size_t i = 0; i < layout.file_schema->num_fields(); ++i) {
      layout.wanted.push_back(i);
    }
  } else {
    for (const std::string& name : columns) {
      layout.wanted.push_back(layout.file_schema->index_of(name));
    }
  }
  std::vector<engine::Field> fields;
  for (size_t index : layout.wanted) {
    fields.push_back(layout.file_schema->field(index));
  }
  layout.output = std::make_shared<engine::Schema>(std::move(fields));
  return layout;
}

// Parses complete lines (`data` ends at a line's end or the file's), in parallel ranges of
// about `range_bytes`; `lines_before` lines precede `data` in the file (for messages).
std::vector<engine::RecordBatch> parse_lines(std::string_view data, int64_t lines_before,
                                             size_t range_bytes, const ScanLayout& layout,
                                             const std::string& where_) {
  auto ranges = line_ranges(data, range_bytes);
  std::vector<std::optional<engine::RecordBatch>> batches(ranges.size());
  engine::parallel_for(ranges.size(), [&](size_t r) {
    auto [begin, end] = ranges[r];
    simdjson::padded_string padded(data.data() + begin, end - begin);
    simdjson::dom::parser parser;
    simdjson::dom::document_stream stream;
    if (parser.parse_many(padded, window_for(data.substr(begin, end - begin))).get(stream)) {
      throw ParseError(where_ + ":" + std::to_string(lines_before + line_of(data, begin)) +
                       ": invalid JSON");
    }
    std::vector<engine::ColumnBuilder> builders;
    for (size_t index : layout.wanted) {
      builders.emplace_back(layout.file_schema->field(index).type);
    }
    int64_t rows = 0;
    for (auto it = stream.begin(); it != stream.end(); ++it) {
      size_t offset = begin + it.current_index();
      auto where = [&](const std::string& key) {
        return where_ + ":" + std::to_string(lines_before + line_of(data, offset)) +
               (key.empty() ? std::string() : ": key \"" + key + "\"");
      };
      element document;
      simdjson::dom::object object;
      if ((*it).get(document) || document.get_object().get(object)) {
        throw ParseError(where("") + ": expected a JSON object per line");
      }
      for (size_t k = 0; k < layout.wanted.size(); ++k) {
        const engine::Field& field = layout.file_schema->field(layout.wanted[k]);
        engine::ColumnBuilder& builder = builders[k];
        element value;
        if (object.at_key(field.name).get(value) || value.is_null()) {
          builder.append_null();
          continue;
        }
        auto wrong = [&]() {
          throw ParseError(where(field.name) + ": expected " + field.type.to_string() + ", found " +
                           simdjson::minify(value).substr(0, 100));
        };
        switch (field.type.id()) {
          case TypeId::kBool: {
            bool flag = false;
            if (value.get_bool().get(flag))
              wrong();
            builder.append_bool(flag);
            break;
          }
          case TypeId::kInt32:
          case TypeId::kInt64: {
            int64_t number = 0;
            if (value.get_int64().get(number))
              wrong();
            builder.append_int(number);
            break;
          }
          case TypeId::kFloat64: {
            double number = 0;
            std::string_view text;
            std::optional<double> special;
            if (value.is_string() && !value.get_string().get(text) &&
                (special = special_float(text))) {
              number = *special;
            } else if (value.get_double().get(number)) {
              wrong();
            }
            builder.append_double(number);
            break;
          }
          case TypeId::kDecimal: {
            // A string keeps every digit; a number arrives as a double or an integer,
            // exact up to 15 significant digits (what the writer emits as numbers).
            engine::int128 unscaled = 0;
            std::string_view text;
            int64_t whole = 0;
            double number = 0;
            bool ok = false;
            if (!value.get_string().get(text)) {
              ok =
                  engine::parse_decimal(text, field.type.precision(), field.type.scale(), unscaled);
            } else if (!value.get_int64().get(whole)) {
              ok = engine::rescale_decimal(whole, 0, field.type.scale(), field.type.precision(),
                                           unscaled);
            } else if (!value.get_double().get(number)) {
              ok = engine::decimal_from_double(number, field.type.precision(), field.type.scale(),
                                               unscaled);
            }
            if (!ok) {
              wrong();
            }
            builder.append_decimal(unscaled);
            break;
          }
          case TypeId::kDate32:
          case TypeId::kTimestamp: {
            std::string_view text;
            int32_t days = 0;
            int64_t micros = 0;
            if (value.get_string().get(text))
              wrong();
            if (field.type.id() == TypeId::kDate32 ? !engine::parse_date(text, days)
                                                   : !engine::parse_timestamp(text, micros)) {
              wrong();
            }
            builder.append_int(field.type.id() == TypeId::kDate32 ? days : micros);
            break;
          }
          default: {
            std::string_view text;
            if (value.is_string() && !value.get_string().get(text)) {
              builder.append_string(text);
            } else {
              builder.append_string(simdjson::minify(value));
            }
          }
        }
      }
      ++rows;
    }
    if (stream.truncated_bytes() > 0) {
      throw ParseError(where_ + ":" + std::to_string(lines_before + line_of(data, end - 1)) +
                       ": the last line is not complete JSON");
    }
    if (rows > 0) {
      std::vector<engine::ColumnPtr> columns;
      for (engine::ColumnBuilder& builder : builders) {
        columns.push_back(builder.finish());
      }
      batches[r] = engine::RecordBatch(layout.output, std::move(columns), rows);
    }
  });
  std::vector<engine::RecordBatch> out;
  for (auto& batch : batches) {
    if (batch) {
      out.push_back(std::move(*batch));
    }
  }
  return out;
}

// Reads a JSON Lines file block by block: each block's complete lines are parsed (in
// parallel) while the next is not yet read; a line cut by the block's end waits for the
// next block.
class JsonLinesStream : public engine::BatchStream {
 public:
  JsonLinesStream(const std::filesystem::path& path, ScanLayout layout, size_t range_bytes,
                  int64_t batch_bytes)
      : input_(path), where_(path.string()), layout_(std::move(layout)), range_bytes_(range_bytes) {
    block_capacity_ = std::clamp(static_cast<size_t>(std::max<int64_t>(batch_bytes, 4096)) * 2 *
                                     static_cast<size_t>(engine::num_threads()),
                                 size_t{1} << 20, size_t{256} << 20);
  }
  const engine::SchemaPtr& schema() const override { return layout_.output; }

  // Reads only a share of a distributed scan (share_read: the whole file, nothing, or the
  // lines in [share.begin, share.end)).
  void restrict(const engine::ScanRequest& request) {
    detail::ShareRead read = detail::share_read(request);
    done_ = read == detail::ShareRead::kNothing;
    if (read != detail::ShareRead::kBytes) {
      return;
    }
    input_.restrict_to(request.byte_share->begin, request.byte_share->end);
    lines_before_ = request.byte_share->first_line - 1;
    first_ = false;  // the byte order mark is before share 0's first byte
  }

  std::optional<engine::RecordBatch> next() override {
    while (ready_.empty()) {
      if (done_) {
        return std::nullopt;
      }
      read_block();
    }
    engine::RecordBatch batch = std::move(ready_.front());
    ready_.pop_front();
    return batch;
  }

 private:
  // A line longer than this is an error, not an endless buffer.
  static constexpr size_t kMaxLineBytes = size_t{1} << 30;

  void read_block() {
    current_cancellation().check();
    size_t capacity = std::max(block_capacity_, carried_ + block_capacity_ / 2);
    block_.resize(capacity);
    size_t got = input_.read_fully(block_.data() + carried_, capacity - carried_);
    size_t filled = carried_ + got;
    bool at_end = filled < capacity;
    std::string_view data(block_.data(), filled);
    if (first_ && data.substr(0, 3) == "\xEF\xBB\xBF") {
      data.remove_prefix(3);
    }
    size_t cut = at_end ? data.size() : data.rfind('\n');
    if (cut == std::string_view::npos) {
      if (filled >= kMaxLineBytes) {
        throw ParseError(where_ + ":" + std::to_string(lines_before_ + 1) +
                         ": a line longer than 1 GiB (is a newline missing?)");
      }
      block_capacity_ = filled * 2;  // one line fills the block: read on
      carried_ = filled;
      return;
    }
    if (!at_end) {
      ++cut;  // keep the newline with its line
    }
    std::string_view lines = data.substr(0, cut);
    for (engine::RecordBatch& batch :
         parse_lines(lines, lines_before_, range_bytes_, layout_, where_)) {
      ready_.push_back(std::move(batch));
    }
    lines_before_ += std::count(lines.begin(), lines.end(), '\n');
    size_t rest = data.size() - cut;
    std::memmove(block_.data(), data.data() + cut, rest);
    carried_ = rest;
    first_ = false;
    done_ = at_end;
  }

  detail::ByteStream input_;
  std::string where_;
  ScanLayout layout_;
  size_t range_bytes_;
  size_t block_capacity_;
  std::vector<char> block_;
  size_t carried_ = 0;
  int64_t lines_before_ = 0;
  bool first_ = true;
  bool done_ = false;
  std::deque<engine::RecordBatch> ready_;
};

}  // namespace

namespace detail {

engine::Table parse_json_objects(std::string_view data, const engine::SchemaPtr& schema,
                                 const std::vector<std::string>& columns, size_t range_bytes,
                                 const std::string& where) {
  ScanLayout layout = scan_layout(schema, columns);
  return engine::Table(layout.output, parse_lines(data, 0, range_bytes, layout, where));
}

}  // namespace detail

engine::ScanResult JsonLinesConnector::scan(const engine::ScanRequest& request) const {
  if (request.shards > 1) {
    std::unique_ptr<engine::BatchStream> stream = scan_stream(request, engine::kDefaultBatchBytes);
    engine::Table table = engine::collect_stream(*stream);
    engine::ScanStats stats;
    stats.rows = table.num_rows();
    return {std::move(table), stats};
  }
  const std::filesystem::path& file = path();
  ScanLayout layout = scan_layout(schema(), request.columns);
  std::string data = detail::read_file(file);
  detail::remove_bom(data);
  engine::Table table(layout.output, parse_lines(data, 0, range_bytes(), layout, file.string()));
  engine::ScanStats stats;
  stats.rows = table.num_rows();
  stats.bytes_read = static_cast<int64_t>(data.size());
  return {std::move(table), stats};
}

std::unique_ptr<engine::BatchStream> JsonLinesConnector::scan_stream(
    const engine::ScanRequest& request, int64_t batch_bytes) const {
  // Batches near the requested size: one parsing range of lines each.
  size_t range = std::min(range_bytes(), static_cast<size_t>(std::max<int64_t>(batch_bytes, 4096)));
  auto stream = std::make_unique<JsonLinesStream>(path(), scan_layout(schema(), request.columns),
                                                  range, batch_bytes);
  stream->restrict(request);
  return stream;
}

bool JsonLinesConnector::reads_shares() const {
  return detail::splittable_by_bytes(path());
}

engine::ScanRequest JsonLinesConnector::agree_share(engine::ScanRequest request,
                                                    Communicator& communicator) const {
  int64_t data_start = 0;
  {
    detail::ByteStream input(path());
    char bom[3] = {};
    data_start =
        input.read_fully(bom, 3) == 3 && std::string_view(bom, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  }
  request.byte_share = detail::agree_byte_share(
      path(), data_start, 1, request.shard, request.shards, communicator,
      [](std::string_view data, size_t from, bool at_end, int64_t& lines) -> std::optional<size_t> {
        size_t newline = data.find('\n', from);
        if (newline == std::string_view::npos) {
          return at_end ? std::optional<size_t>(data.size()) : std::nullopt;
        }
        ++lines;
        return newline + 1;
      });
  return request;
}

size_t JsonLinesConnector::range_bytes() const {
  return static_cast<size_t>(std::max<int64_t>(1, options_.batch_rows)) * 64;
}

namespace {

void write_json_string(std::ostream& out, std::string_view text) {
  out << '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out << "\\\"";
        break;
      case '\\':
        out << "\\\\";
        break;
      case '\n':
        out << "\\n";
        break;
      case '\r':
        out << "\\r";
        break;
      case '\t':
        out << "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out << fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out << c;
        }
    }
  }
  out << '"';
}

}  // namespace

namespace detail {

void write_json_objects(std::ostream& out, const engine::Schema& schema,
                        const engine::RecordBatch& batch) {
  current_cancellation().check();
  report_progress(batch.num_rows());
  for (int64_t row = 0; row < batch.num_rows(); ++row) {
    out << '{';
    for (size_t c = 0; c < batch.num_columns(); ++c) {
      if (c > 0) {
        out << ',';
      }
      write_json_string(out, schema.field(c).name);
      out << ':';
      const engine::Column& column = *batch.column(c);
      if (column.is_null(row)) {
        out << "null";
        continue;
      }
      switch (column.type().id()) {
        case TypeId::kBool:
          out << (column.bool_value(row) ? "true" : "false");
          break;
        case TypeId::kInt32:
        case TypeId::kInt64:
          out << column.scalar(row).as_int();
          break;
        case TypeId::kFloat64: {
          double value = column.values<double>()[row];
          if (std::isfinite(value)) {
            std::string text = fmt::format("{}", value);
            if (text.find_first_of(".e") == std::string::npos) {
              text += ".0";  // keeps it a float when read back
            }
            out << text;
          } else {
            out << (std::isnan(value) ? "\"NaN\"" : value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
          }
          break;
        }
        case TypeId::kString:
          write_json_string(out, column.string_value(row));
          break;
        case TypeId::kDecimal: {
          // A number while a double holds it exactly (15 digits), else a string.
          std::string text =
              engine::format_decimal(column.values<engine::int128>()[row], column.type().scale());
          column.type().precision() <= 15 ? void(out << text) : write_json_string(out, text);
          break;
        }
        default:
          write_json_string(out, column.scalar(row).to_display());
      }
    }
    out << "}\n";
  }
}

}  // namespace detail

void JsonLinesConnector::write_file(const engine::Table& table, bool append) const {
  std::unique_ptr<engine::BatchStream> rows = engine::stream_table(table, INT64_MAX);
  write_file_stream(*rows, append);
}

void JsonLinesConnector::write_file_stream(engine::BatchStream& rows, bool append) const {
  const engine::Schema& schema = *rows.schema();
  detail::write_file_atomically(
      path(),
      [&](std::ostream& out) {
        while (std::optional<engine::RecordBatch> batch = rows.next()) {
          detail::write_json_objects(out, schema, *batch);
        }
      },
      append);
  std::lock_guard lock(mutex_);
  schema_.reset();
}

}  // namespace setl::storage
