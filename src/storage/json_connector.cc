#include "setl/storage/json_connector.h"

#include <sstream>

#include <simdjson.h>

#include "file_io.h"
#include "json_objects.h"
#include "setl/core/error.h"

namespace setl::storage {
namespace {

// Rows are parsed in ranges of about this many bytes of their JSON Lines form.
constexpr size_t kRangeBytes = size_t{4} << 20;

}  // namespace

JsonConnector::JsonConnector(ConnectorKey key, std::filesystem::path path, JsonOptions options)
    : FileConnector(key, std::move(path), "json"), options_(std::move(options)) {}

std::string JsonConnector::rows_as_lines() const {
  const std::string where = path().string();
  std::string data = detail::read_file(path());
  detail::remove_bom(data);
  simdjson::padded_string padded(data);
  data.clear();
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (auto error = parser.parse(padded).get(document)) {
    throw ParseError(where + ": invalid JSON document (" + simdjson::error_message(error) + ")");
  }
  std::string lines;
  simdjson::dom::array array;
  simdjson::dom::object object;
  if (document.get_object().get(object) == simdjson::SUCCESS) {
    lines = simdjson::minify(object);
    lines += '\n';
  } else if (document.get_array().get(array) == simdjson::SUCCESS) {
    int64_t index = 0;
    for (simdjson::dom::element element : array) {
      ++index;
      if (element.get_object().get(object) != simdjson::SUCCESS) {
        throw ParseError(where + ": element " + std::to_string(index) +
                         " of the array is not an object; a JSON document holds an array of "
                         "objects (one row each) or one object");
      }
      lines += simdjson::minify(object);
      lines += '\n';
    }
  } else {
    throw ParseError(where +
                     ": a JSON document holds an array of objects (one row each) or "
                     "one object, not a " +
                     std::string(document.is_number()   ? "number"
                                 : document.is_string() ? "string"
                                                        : "scalar"));
  }
  return lines;
}

engine::SchemaPtr JsonConnector::schema() const {
  std::lock_guard lock(mutex_);
  if (!schema_) {
    schema_ = options_.schema ? options_.schema
                              : detail::infer_json_objects(rows_as_lines(), options_.infer_rows,
                                                           path().string() + " element");
  }
  return schema_;
}

engine::ScanResult JsonConnector::scan(const engine::ScanRequest& request) const {
  engine::SchemaPtr file_schema = schema();
  std::string lines = rows_as_lines();
  // Messages name the element: "orders.json element:3: key ..." as file:line does.
  engine::Table table = detail::parse_json_objects(lines, file_schema, request.columns, kRangeBytes,
                                                   path().string() + " element");
  engine::ScanStats stats;
  stats.rows = table.num_rows();
  stats.bytes_read = static_cast<int64_t>(lines.size());
  return {std::move(table), stats};
}

void JsonConnector::write_file(const engine::Table& table, bool append) const {
  std::string held;
  if (append && exists()) {
    held = rows_as_lines();
    engine::SchemaPtr existing =
        detail::infer_json_objects(held, options_.infer_rows, path().string() + " element");
    if (existing->num_fields() > 0 && existing->names() != table.schema()->names()) {
      throw SchemaError("cannot append to " + path().string() + ": its objects have the keys " +
                        existing->to_string() + ", the table's columns are " +
                        table.schema()->to_string());
    }
  }
  std::ostringstream rows;
  std::unique_ptr<engine::BatchStream> batches = engine::stream_table(table, INT64_MAX);
  while (std::optional<engine::RecordBatch> batch = batches->next()) {
    detail::write_json_objects(rows, *table.schema(), *batch);
  }
  std::string added = rows.str();
  detail::write_file_atomically(
      path(),
      [&](std::ostream& out) {
        // One object per line, separated by commas: the lines written above hold no raw
        // newline (strings are escaped), so joining them keeps each object whole.
        out << "[";
        bool first = true;
        for (std::string_view part : {std::string_view(held), std::string_view(added)}) {
          size_t start = 0;
          while (start < part.size()) {
            size_t end = part.find('\n', start);
            end = end == std::string_view::npos ? part.size() : end;
            out << (first ? "\n" : ",\n") << part.substr(start, end - start);
            first = false;
            start = end + 1;
          }
        }
        out << "\n]\n";
      },
      false);
  std::lock_guard lock(mutex_);
  schema_.reset();
}

}  // namespace setl::storage
