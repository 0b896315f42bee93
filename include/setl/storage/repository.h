// Typed access to a connector's data, SETL's Repository[T]: rows of a SETL_SCHEMA struct,
// found with conditions that are pushed down to the connector's scan.
//
//   Repository<Citizen> citizens(make_connector<SqliteConnector>("census.db", "citizens"));
//   citizens.save(Dataset<Citizen>::from(people));
//   Dataset<Citizen> adults = citizens.find_by("age >= 18 and city = 'Paris'");
//
// Rows are stored in T's stored form: the column names, compressed columns and compound
// keys its SETL_ANNOTATE declares (setl/engine/annotations.h). Conditions name fields.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "setl/core/error.h"
#include "setl/engine/dataset.h"
#include "setl/engine/expr.h"
#include "setl/storage/connector.h"

namespace setl::storage {

struct RepositoryOptions {
  /// Keep what find_all() read in memory for later finds; save() drops it.
  bool cache = false;
  /// The columns that identify a row, for update(); without, T's compound keys.
  std::vector<std::string> keys;
};

/// A repository in the Setl context is a source: `Delivery<Repository<T>>` receives it,
/// and `Delivery<Dataset<T>>{.auto_load = true, .condition = "..."}` is filled from it
/// with the condition pushed into the scan (SETL's autoLoad).
template <class T>
class Repository {
 public:
  using Loaded = engine::Dataset<T>;

  /// Throws: StateError for a null connector.
  explicit Repository(std::shared_ptr<Connector> connector, RepositoryOptions options = {})
      : connector_(std::move(connector)), options_(options) {
    if (!connector_) {
      throw StateError("a Repository needs a connector");
    }
  }

  /// Every row. Throws: SchemaError if the stored columns do not fit T.
  engine::Dataset<T> find_all() const {
    if (options_.cache) {
      std::lock_guard lock(mutex_);
      if (!cached_) {
        cached_ = engine::Dataset<T>(read_columns(std::nullopt));
      }
      return *cached_;
    }
    return engine::Dataset<T>(read_columns(std::nullopt));
  }

  /// Rows matching `condition` (built in C++ or parsed), pushed into the scan.
  engine::Dataset<T> find_by(const engine::Expr& condition) const {
    if (options_.cache) {
      return find_all().filter(condition);
    }
    return engine::Dataset<T>(read_columns(condition));
  }
  engine::Dataset<T> find_by(const char* condition) const {
    return find_by(engine::parse_expr(condition));
  }

  /// Rows matching `condition` (parsed), or every row when it is empty.
  engine::Dataset<T> auto_load(std::string_view condition) const {
    return condition.empty() ? find_all() : find_by(engine::parse_expr(std::string(condition)));
  }

  /// The version of the stored data (its connector's), for result-cache keys.
  std::optional<std::string> fingerprint() const { return connector_->fingerprint(); }

  /// Writes the rows with `mode` and forgets any cached data. Like a connector, a
  /// repository is a handle: saving changes the stored data, so it is const.
  void save(const engine::Dataset<T>& data, SaveMode mode) const {
    connector_->write(data.to_stored(), mode);
    forget();
  }
  /// With the connector's save mode (its configuration's `save_mode` / `saveMode`).
  void save(const engine::Dataset<T>& data) const { save(data, connector_->save_mode()); }
  /// SETL's save(data, suffix): below the partition "_user_defined_suffix=<suffix>"; the
  /// mode applies to that suffix's rows alone (Connector::write_with_suffix).
  /// Throws: StateError where the connector does not hold partitions.
  void save(const engine::Dataset<T>& data, SaveMode mode, const std::string& suffix) const {
    connector_->write_with_suffix(data.to_stored(), mode, suffix);
    forget();
  }
  void save(const engine::Dataset<T>& data, const std::string& suffix) const {
    save(data, connector_->save_mode(), suffix);
  }

  /// The stored partitions ("year=2024/city=NYC"), and the rows of some of them.
  /// Throws: StateError where the connector does not hold partitions; IoError naming a
  /// partition that does not exist.
  std::vector<std::string> list_partitions() const { return connector_->list_partitions(); }
  engine::Dataset<T> load_partitions(const std::vector<std::string>& partitions) const {
    return engine::Dataset<T>::from_stored(connector_->load_partitions(partitions));
  }

  /// SETL's update: upserts the rows by `keys` (fields, or generated key columns), or
  /// else RepositoryOptions::keys, or else T's compound keys (SETL_ANNOTATE), atomically,
  /// through the connector (Connector::upsert).
  /// Throws: SchemaError for no key or NULL/repeated keys; StateError where the connector
  /// cannot do it safely.
  void update(const engine::Dataset<T>& data) const { update(data, options_.keys); }
  void update(const engine::Dataset<T>& data, const std::vector<std::string>& keys) const {
    connector_->upsert(data.to_stored(), stored_keys(keys));
    forget();
  }
  /// SETL's delete: removes the stored rows matching `condition`, atomically.
  void delete_where(const engine::Expr& condition) const {
    connector_->delete_where(engine::Dataset<T>::stored_form().on_stored(condition));
    forget();
  }
  void delete_where(const char* condition) const { delete_where(engine::parse_expr(condition)); }
  /// Removes the stored data entirely.
  void drop() const {
    connector_->drop();
    forget();
  }

  const std::shared_ptr<Connector>& connector() const noexcept { return connector_; }
  /// The columns as stored: T's fields under their SETL_ANNOTATE column names, compressed
  /// ones as strings, then the generated compound-key columns.
  engine::SchemaPtr schema() const { return engine::Dataset<T>::stored_schema(); }

 private:
  // Only the struct's stored columns are read, and the condition (over the fields, or
  // other stored columns) goes into the scan request. A column stored with another type
  // than the struct declares (a CSV column of digits inferred as integers for a string
  // field) is cast to the declared type, as SETL reads with the case class's schema; text
  // that does not convert is a ParseError.
  engine::Table read_columns(const std::optional<engine::Expr>& condition) const {
    const engine::StoredForm& form = engine::Dataset<T>::stored_form();
    engine::LazyFrame frame = connector_->lazy();
    if (condition) {
      frame = frame.filter(form.on_stored(*condition));
    }
    engine::SchemaPtr stored = frame.schema();
    std::vector<engine::Expr> columns;
    const engine::Schema& wanted = *form.stored_schema();
    for (size_t i = 0; i < engine::Dataset<T>::schema()->num_fields(); ++i) {
      const engine::Field& field = wanted.field(i);
      engine::Expr column = engine::col(field.name);
      std::optional<size_t> index = stored->find(field.name);
      if (index && !(stored->field(*index).type == field.type)) {
        column = column.cast(field.type).alias(field.name);
      }
      columns.push_back(std::move(column));
    }
    frame = frame.select(columns);
    if (!form.identity()) {
      frame = frame.select(form.from_stored());
    }
    return frame.collect();
  }

  // Keys name fields (stored under their column names) or generated key columns; none
  // means the struct's compound keys.
  std::vector<std::string> stored_keys(const std::vector<std::string>& keys) const {
    const engine::StoredForm& form = engine::Dataset<T>::stored_form();
    if (keys.empty()) {
      return form.key_columns();
    }
    std::vector<std::string> stored;
    for (const std::string& key : keys) {
      bool field = engine::Dataset<T>::schema()->find(key).has_value();
      stored.push_back(field ? form.stored_name(key) : key);
    }
    return stored;
  }

  void forget() const {
    std::lock_guard lock(mutex_);
    cached_.reset();
  }

  std::shared_ptr<Connector> connector_;
  RepositoryOptions options_;
  mutable std::mutex mutex_;
  mutable std::optional<engine::Dataset<T>> cached_;
};

/// Writes typed rows through any connector in their stored form (T's SETL_ANNOTATE column
/// names, compressed columns and compound keys), as a Repository<T> does.
template <class T>
void write_dataset(const Connector& connector, const engine::Dataset<T>& data, SaveMode mode) {
  connector.write(data.to_stored(), mode);
}
/// Reads typed rows that write_dataset() or a Repository<T> wrote.
/// Throws: SchemaError if the stored columns do not fit T.
template <class T>
engine::Dataset<T> read_dataset(const Connector& connector) {
  return engine::Dataset<T>::from_stored(connector.read());
}

}  // namespace setl::storage
