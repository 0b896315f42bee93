#include "setl/workflow/table_comparator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "setl/core/error.h"

namespace setl::workflow {
namespace {

using engine::ColumnPtr;
using engine::Scalar;
using engine::Table;

struct Side {
  std::vector<ColumnPtr> keys;
  std::map<std::string, ColumnPtr> values;  // the other columns, by name
};

Side columns_of(const Table& table, const std::vector<std::string>& keys, const char* which) {
  Side side;
  for (const std::string& key : keys) {
    if (!table.schema()->find(key)) {
      throw SchemaError("compare_tables: the " + std::string(which) + " has no key column \"" +
                        key + "\"");
    }
    side.keys.push_back(table.column(key));
  }
  for (const engine::Field& field : table.schema()->fields()) {
    if (std::find(keys.begin(), keys.end(), field.name) == keys.end()) {
      side.values[field.name] = table.column(field.name);
    }
  }
  return side;
}

std::string key_of(const Side& side, int64_t row) {
  std::string key;
  for (const ColumnPtr& column : side.keys) {
    key += (key.empty() ? "" : ", ") + column->scalar(row).to_string();
  }
  return key;
}

bool equal(const Scalar& a, const Scalar& b, double tolerance) {
  if (a.is_null() || b.is_null()) {
    return a.is_null() && b.is_null();
  }
  if (a.type().is_numeric() && b.type().is_numeric()) {
    if (a.type().is_integer() && b.type().is_integer()) {
      return std::abs(static_cast<double>(a.as_int() - b.as_int())) <= tolerance;
    }
    return std::abs(a.as_double() - b.as_double()) <= tolerance;
  }
  return a == b;
}

class Counter {
 public:
  Counter(Mismatches& result, size_t max_details) : result_(result), max_details_(max_details) {}
  void add(std::string detail) {
    ++result_.count;
    if (result_.details.size() < max_details_) {
      result_.details.push_back(std::move(detail));
    }
  }

 private:
  Mismatches& result_;
  size_t max_details_;
};

// The first column that differs between two matched rows, described; "" if none does.
std::string row_difference(const Side& control, int64_t a, const Side& candidate, int64_t b,
                           double tolerance) {
  for (const auto& [name, column] : control.values) {
    auto other = candidate.values.find(name);
    if (other == candidate.values.end()) {
      continue;  // reported once as a schema difference
    }
    Scalar left = column->scalar(a);
    Scalar right = other->second->scalar(b);
    if (!equal(left, right, tolerance)) {
      return "column " + name + ": " + left.to_string() + " vs " + right.to_string();
    }
  }
  return {};
}

}  // namespace

Mismatches compare_tables(const Table& control, const Table& candidate,
                          const TableComparison& options) {
  Mismatches result;
  Counter counter(result, options.max_details);
  Side left = columns_of(control, options.keys, "control");
  Side right = columns_of(candidate, options.keys, "candidate");
  std::set<std::string> names;
  for (const auto& [name, column] : left.values) {
    names.insert(name);
  }
  for (const auto& [name, column] : right.values) {
    names.insert(name);
  }
  for (const std::string& name : names) {
    bool in_left = left.values.count(name) > 0;
    if (in_left != (right.values.count(name) > 0)) {
      counter.add("column " + name + " is only in the " + (in_left ? "control" : "candidate"));
    }
  }
  if (options.keys.empty()) {
    int64_t rows = std::max(control.num_rows(), candidate.num_rows());
    for (int64_t row = 0; row < rows; ++row) {
      if (row >= control.num_rows() || row >= candidate.num_rows()) {
        counter.add("row " + std::to_string(row) + " is only in the " +
                    (row >= control.num_rows() ? "candidate" : "control"));
        continue;
      }
      std::string difference = row_difference(left, row, right, row, options.tolerance);
      if (!difference.empty()) {
        counter.add("row " + std::to_string(row) + ": " + difference);
      }
    }
    return result;
  }
  std::map<std::string, int64_t> candidate_rows;
  for (int64_t row = 0; row < candidate.num_rows(); ++row) {
    if (!candidate_rows.emplace(key_of(right, row), row).second) {
      counter.add("key (" + key_of(right, row) + ") is held by two rows of the candidate");
    }
  }
  std::set<std::string> seen;
  for (int64_t row = 0; row < control.num_rows(); ++row) {
    std::string key = key_of(left, row);
    if (!seen.insert(key).second) {
      counter.add("key (" + key + ") is held by two rows of the control");
      continue;
    }
    auto match = candidate_rows.find(key);
    if (match == candidate_rows.end()) {
      counter.add("key (" + key + ") is only in the control");
      continue;
    }
    std::string difference = row_difference(left, row, right, match->second, options.tolerance);
    if (!difference.empty()) {
      counter.add("key (" + key + "): " + difference);
    }
  }
  for (const auto& [key, row] : candidate_rows) {
    if (seen.count(key) == 0) {
      counter.add("key (" + key + ") is only in the candidate");
    }
  }
  return result;
}

}  // namespace setl::workflow
