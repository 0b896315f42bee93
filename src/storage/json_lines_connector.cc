#include "setl/storage/json_lines_connector.h"

#include <cmath>
#include <map>

#include <fmt/format.h>
#include <simdjson.h>

#include "file_io.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/engine/execution.h"
#include "setl/engine/parse_value.h"

namespace setl::storage {
namespace {

using engine::DataType;
using engine::TypeId;
using simdjson::dom::element;
using simdjson::dom::element_type;

int64_t line_of(const std::string& data, size_t offset) {
  return 1 + std::count(data.begin(),
                        data.begin() + static_cast<std::ptrdiff_t>(std::min(offset, data.size())),
                        '\n');
}

// Lines [begin, end) of the data, as byte offsets.
std::vector<std::pair<size_t, size_t>> line_ranges(const std::string& data, size_t target) {
  std::vector<std::pair<size_t, size_t>> ranges;
  size_t start = 0;
  while (start < data.size()) {
    size_t cut = std::min(data.size(), start + target);
    size_t newline = data.find('\n', cut == 0 ? 0 : cut - 1);
    size_t end = newline == std::string::npos ? data.size() : newline + 1;
    ranges.emplace_back(start, end);
    start = end;
  }
  return ranges;
}

// What a key's non-null values were seen to be, as bit flags.
enum Seen : unsigned {
  kSeenBool = 1,
  kSeenInteger = 2,
  kSeenFloat = 4,
  kSeenDate = 8,
  kSeenTimestamp = 16,
  kSeenText = 32,  // other strings, objects and arrays (kept as their JSON text)
};

unsigned observed(const element& value) {
  switch (value.type()) {
    case element_type::BOOL:
      return kSeenBool;
    case element_type::INT64:
    case element_type::UINT64:
      return kSeenInteger;
    case element_type::DOUBLE:
      return kSeenFloat;
    case element_type::STRING: {
      std::string_view text = value.get_string().value_unsafe();
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
  if ((seen & ~(kSeenInteger | kSeenFloat)) == 0 && seen != 0) {
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

JsonLinesConnector::JsonLinesConnector(std::filesystem::path path, JsonLinesOptions options)
    : path_(std::move(path)), options_(std::move(options)) {}

std::string JsonLinesConnector::describe() const {
  return "jsonl " + path_.string();
}
bool JsonLinesConnector::exists() const {
  return std::filesystem::exists(path_);
}

engine::SchemaPtr JsonLinesConnector::schema() const {
  std::lock_guard lock(mutex_);
  if (schema_) {
    return schema_;
  }
  if (options_.schema) {
    schema_ = options_.schema;
    return schema_;
  }
  std::string data = detail::read_file(path_);
  simdjson::padded_string padded(data);
  simdjson::dom::parser parser;
  simdjson::dom::document_stream stream;
  if (parser.parse_many(padded).get(stream)) {
    throw ParseError(path_.string() + ": not JSON Lines");
  }
  std::vector<std::string> order;
  std::map<std::string, unsigned> seen;  // bit flags: which kinds occurred
  int64_t count = 0;
  for (auto it = stream.begin(); it != stream.end() && count < options_.infer_rows; ++it, ++count) {
    element document;
    if ((*it).get(document)) {
      throw ParseError(path_.string() + ":" + std::to_string(line_of(data, it.current_index())) +
                       ": invalid JSON");
    }
    simdjson::dom::object object;
    if (document.get_object().get(object)) {
      throw ParseError(path_.string() + ":" + std::to_string(line_of(data, it.current_index())) +
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
  schema_ = std::make_shared<engine::Schema>(std::move(fields));
  return schema_;
}

engine::Table JsonLinesConnector::scan(const engine::ScanRequest& request) const {
  engine::SchemaPtr file_schema = schema();
  std::vector<size_t> wanted;
  if (request.columns.empty()) {
    for (size_t i = 0; i < file_schema->num_fields(); ++i) {
      wanted.push_back(i);
    }
  } else {
    for (const std::string& name : request.columns) {
      wanted.push_back(file_schema->index_of(name));
    }
  }
  std::vector<engine::Field> fields;
  for (size_t index : wanted) {
    fields.push_back(file_schema->field(index));
  }
  auto output = std::make_shared<engine::Schema>(std::move(fields));
  std::string data = detail::read_file(path_);
  auto ranges =
      line_ranges(data, static_cast<size_t>(std::max<int64_t>(1, options_.batch_rows)) * 64);
  std::vector<std::optional<engine::RecordBatch>> batches(ranges.size());
  engine::parallel_for(ranges.size(), [&](size_t r) {
    auto [begin, end] = ranges[r];
    simdjson::padded_string padded(data.data() + begin, end - begin);
    simdjson::dom::parser parser;
    simdjson::dom::document_stream stream;
    if (parser.parse_many(padded).get(stream)) {
      throw ParseError(path_.string() + ":" + std::to_string(line_of(data, begin)) +
                       ": invalid JSON");
    }
    std::vector<engine::ColumnBuilder> builders;
    for (size_t index : wanted) {
      builders.emplace_back(file_schema->field(index).type);
    }
    int64_t rows = 0;
    for (auto it = stream.begin(); it != stream.end(); ++it) {
      size_t offset = begin + it.current_index();
      auto where = [&](const std::string& key) {
        return path_.string() + ":" + std::to_string(line_of(data, offset)) +
               (key.empty() ? std::string() : ": key \"" + key + "\"");
      };
      element document;
      simdjson::dom::object object;
      if ((*it).get(document) || document.get_object().get(object)) {
        throw ParseError(where("") + ": expected a JSON object per line");
      }
      for (size_t k = 0; k < wanted.size(); ++k) {
        const engine::Field& field = file_schema->field(wanted[k]);
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
            if (value.get_double().get(number))
              wrong();
            builder.append_double(number);
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
      throw ParseError(path_.string() + ":" + std::to_string(line_of(data, end - 1)) +
                       ": the last line is not complete JSON");
    }
    if (rows > 0) {
      std::vector<engine::ColumnPtr> columns;
      for (engine::ColumnBuilder& builder : builders) {
        columns.push_back(builder.finish());
      }
      batches[r] = engine::RecordBatch(output, std::move(columns), rows);
    }
  });
  std::vector<engine::RecordBatch> out;
  for (auto& batch : batches) {
    if (batch) {
      out.push_back(std::move(*batch));
    }
  }
  return engine::Table(output, std::move(out));
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

void JsonLinesConnector::write(const engine::Table& table, SaveMode mode) {
  bool present = exists();
  if (present && mode == SaveMode::kErrorIfExists) {
    throw IoError(path_.string() + " already exists (save mode error_if_exists)");
  }
  if (present && mode == SaveMode::kIgnore) {
    return;
  }
  const engine::Schema& schema = *table.schema();
  detail::write_file_atomically(
      path_,
      [&](std::ostream& out) {
        for (const engine::RecordBatch& batch : table.batches()) {
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
                    out << "null";
                  }
                  break;
                }
                case TypeId::kString:
                  write_json_string(out, column.string_value(row));
                  break;
                default:
                  write_json_string(out, column.scalar(row).to_display());
              }
            }
            out << "}\n";
          }
        }
      },
      present && mode == SaveMode::kAppend);
  std::lock_guard lock(mutex_);
  schema_.reset();
}

}  // namespace setl::storage
