#include "migrate/sample_data.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <nlohmann/json.hpp>

#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/core/parse_number.h"
#include "setl/engine/builder.h"
#include "setl/engine/table.h"
#include "setl/storage/connector_builder.h"

namespace setl::migrate {
namespace {

using engine::ColumnBuilder;
using engine::DataType;

template <class T>
std::vector<T> parsed_literals(const InferredColumn& column) {
  std::vector<T> values;
  for (const std::string& literal : column.literals) {
    // A literal of another type is not a value of this one.
    if (std::optional<T> value = parse_number<T>(literal)) {
      if constexpr (std::is_same_v<T, int64_t>) {
        values.push_back(*value);
      } else if (std::isfinite(*value)) {
        values.push_back(*value);
      }
    }
  }
  return values;
}

/// The values a column cycles through: the literals the script compares it with, their
/// neighbours, and a small range shared by every column of the type.
std::vector<int64_t> int_domain(const InferredColumn& column) {
  std::vector<int64_t> domain = {1, 2, 3, 4, 5, 6};
  for (int64_t literal : parsed_literals<int64_t>(column)) {
    for (int64_t value : {literal - 1, literal, literal + 1}) {
      if (std::find(domain.begin(), domain.end(), value) == domain.end()) {
        domain.push_back(value);
      }
    }
  }
  return domain;
}

std::vector<double> double_domain(const InferredColumn& column) {
  std::vector<double> domain = {0.5, 1.25, 2.0, 10.75, 42.5, 99.0};
  for (double literal : parsed_literals<double>(column)) {
    domain.push_back(literal * 0.5);
    domain.push_back(literal);
    domain.push_back(literal * 1.5 + 1);
  }
  return domain;
}

std::vector<std::string> string_domain(const InferredColumn& column) {
  std::vector<std::string> domain = column.literals;
  for (int k = 1; k <= 3; ++k) {
    domain.push_back(column.name + " " + std::to_string(k));
  }
  return domain;
}

/// Whether `column` looks like its table's own key (id, order_id in orders): such a column
/// gets a distinct value per row, so sorts and joins on it have no ties.
bool own_key(const std::string& table, const std::string& column) {
  std::string singular = table.ends_with("s") ? table.substr(0, table.size() - 1) : table;
  return column == "id" || column == table + "_id" || column == singular + "_id";
}

engine::ColumnPtr sample_column(const InferredColumn& column, size_t index, int rows, bool unique) {
  // Each column steps through its values at its own pace, so rows differ in several ways.
  size_t stride = 1 + index % 4;
  if (unique && column.type == "int64") {
    // 1, 2, 3... or, when the script compares the key with a literal, a run across it.
    std::vector<int64_t> literals = parsed_literals<int64_t>(column);
    int64_t first =
        literals.empty() ? 1 : *std::min_element(literals.begin(), literals.end()) - rows / 2;
    ColumnBuilder builder(DataType::int64(), rows);
    for (int row = 0; row < rows; ++row) {
      builder.append_int(first + row);
    }
    return builder.finish();
  }
  auto pick = [&](int row, size_t size) { return (static_cast<size_t>(row) * stride) % size; };
  if (column.type == "double") {
    std::vector<double> domain = double_domain(column);
    ColumnBuilder builder(DataType::float64(), rows);
    for (int row = 0; row < rows; ++row) {
      builder.append_double(domain[pick(row, domain.size())]);
    }
    return builder.finish();
  }
  if (column.type == "string" || column.type == "date") {
    std::vector<std::string> domain = string_domain(column);
    ColumnBuilder builder(DataType::string(), rows);
    for (int row = 0; row < rows; ++row) {
      if (column.type == "date") {
        std::string day = std::to_string(1 + (row * stride) % 28);
        builder.append_string("2024-0" + std::to_string(1 + row % 3) + "-" +
                              (day.size() == 1 ? "0" : "") + day);
      } else {
        builder.append_string(domain[pick(row, domain.size())]);
      }
    }
    return builder.finish();
  }
  if (column.type == "bool") {
    ColumnBuilder builder(DataType::boolean(), rows);
    for (int row = 0; row < rows; ++row) {
      builder.append_bool(pick(row, 2) == 0);
    }
    return builder.finish();
  }
  std::vector<int64_t> domain = int_domain(column);
  ColumnBuilder builder(DataType::int64(), rows);
  for (int row = 0; row < rows; ++row) {
    builder.append_int(domain[pick(row, domain.size())]);
  }
  return builder.finish();
}

/// Inputs: connectors read, except files a step writes (another factory's output, or a
/// database the script fills and then queries).
bool is_input(const ModuleAnalysis& analysis, const ConnectorPlan& plan) {
  return plan.read && std::none_of(analysis.connectors.begin(), analysis.connectors.end(),
                                   [&](const ConnectorPlan& other) {
                                     return other.written && other.path == plan.path;
                                   });
}

}  // namespace

SampleData generate_samples(const ModuleAnalysis& analysis, const std::filesystem::path& into,
                            int rows) {
  SampleData result;
  for (const ConnectorPlan& plan : analysis.connectors) {
    if (!is_input(analysis, plan)) {
      continue;
    }
    if (plan.options.contains("query")) {
      result.missing.push_back(plan.path + ": a SQL query's columns are not inferred");
      continue;
    }
    if (plan.columns.empty()) {
      result.missing.push_back(plan.path + ": no column of it is used by name");
      continue;
    }
    std::vector<std::pair<std::string, engine::ColumnPtr>> columns;
    for (size_t index = 0; index < plan.columns.size(); ++index) {
      const InferredColumn& column = plan.columns[index];
      columns.emplace_back(column.name,
                           sample_column(column, index, rows, own_key(plan.id, column.name)));
    }
    std::filesystem::path file = into / plan.path;
    std::error_code error;
    std::filesystem::create_directories(file.parent_path(), error);
    if (error) {
      throw IoError("cannot create " + file.parent_path().string() +
                    " for sample data: " + error.message());
    }
    nlohmann::json section = {{"storage", plan.storage}, {"path", file.string()}};
    if (!plan.table.empty()) {
      section["table"] = plan.table;
    }
    for (const auto& [key, value] : plan.options) {
      section[key] = value;
    }
    storage::build_connector(Config::from_json(section.dump()))
        ->write(engine::Table::from_columns(std::move(columns)), storage::SaveMode::kOverwrite);
    result.written.push_back(plan.path);
  }
  return result;
}

}  // namespace setl::migrate
