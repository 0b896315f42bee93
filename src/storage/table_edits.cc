#include "table_edits.h"

#include <algorithm>

#include "setl/core/error.h"

namespace setl::storage::detail {

void check_upsert_keys(const engine::Table& rows, const std::vector<std::string>& keys,
                       const std::string& target) {
  if (keys.empty()) {
    throw SchemaError("upsert into " + target +
                      ": no key columns; say which columns identify a row");
  }
  std::vector<engine::Expr> key_columns;
  for (const std::string& key : keys) {
    if (!rows.schema()->find(key)) {
      throw SchemaError("upsert into " + target + ": key '" + key +
                        "' is not a column of the rows (" + rows.schema()->to_string() + ")");
    }
    key_columns.push_back(engine::col(key));
  }
  engine::Expr any_null = key_columns.front().is_null();
  for (size_t i = 1; i < key_columns.size(); ++i) {
    any_null = any_null || key_columns[i].is_null();
  }
  if (rows.filter(any_null).num_rows() > 0) {
    throw SchemaError("upsert into " + target + ": a key column is NULL in " +
                      std::to_string(rows.filter(any_null).num_rows()) +
                      " row(s); NULL never equals a stored key");
  }
  if (rows.select(keys).distinct().num_rows() != rows.num_rows()) {
    throw SchemaError("upsert into " + target +
                      ": the rows repeat a key; each key may be written once");
  }
}

engine::Table upserted(const engine::Table* stored, const engine::Table& rows,
                       const std::vector<std::string>& keys, const std::string& target) {
  if (stored == nullptr) {
    check_upsert_keys(rows, keys, target);
    return rows;
  }
  return upserted(*stored, rows, keys, target);
}

engine::Table upserted(const engine::Table& stored, const engine::Table& rows,
                       const std::vector<std::string>& keys, const std::string& target) {
  check_upsert_keys(rows, keys, target);
  std::vector<std::string> stored_names = stored.schema()->names();
  std::vector<std::string> row_names = rows.schema()->names();
  std::sort(stored_names.begin(), stored_names.end());
  std::sort(row_names.begin(), row_names.end());
  if (stored_names != row_names) {  // order may differ: partition columns come last
    throw SchemaError("upsert into " + target + ": it holds the columns " +
                      stored.schema()->to_string() + ", the rows have " +
                      rows.schema()->to_string());
  }
  std::vector<engine::Expr> as_rows;
  for (const engine::Field& field : rows.schema()->fields()) {
    engine::Expr column = engine::col(field.name);
    if (!(stored.schema()->field(*stored.schema()->find(field.name)).type == field.type)) {
      column = column.cast(field.type).alias(field.name);
    }
    as_rows.push_back(std::move(column));
  }
  engine::Table kept =
      stored.select(as_rows).join(rows.select(keys), keys, keys, engine::JoinType::kAnti);
  return kept.union_all(rows);
}

engine::Table without_rows(const engine::Table& stored, const engine::Expr& condition) {
  return stored.filter(!condition || condition.is_null());
}

}  // namespace setl::storage::detail
