// Typed access to a connector's data, SETL's Repository[T]: rows of a SETL_SCHEMA struct,
// found with conditions that are pushed down to the connector's scan.
//
//   Repository<Citizen> citizens(make_connector<SqliteConnector>("census.db", "citizens"));
//   citizens.save(Dataset<Citizen>::from(people));
//   Dataset<Citizen> adults = citizens.find_by("age >= 18 and city = 'Paris'");
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
  /// The columns that identify a row, for update() (SETL's @CompoundKey / primary key).
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
    connector_->write(data.table(), mode);
    forget();
  }
  /// With the connector's save mode (its configuration's `save_mode` / `saveMode`).
  void save(const engine::Dataset<T>& data) const { save(data, connector_->save_mode()); }

  /// SETL's update: upserts the rows by `keys` (RepositoryOptions::keys unless given),
  /// atomically, through the connector (Connector::upsert).
  /// Throws: SchemaError for no key or NULL/repeated keys; StateError where the connector
  /// cannot do it safely.
  void update(const engine::Dataset<T>& data) const { update(data, options_.keys); }
  void update(const engine::Dataset<T>& data, const std::vector<std::string>& keys) const {
    connector_->upsert(data.table(), keys);
    forget();
  }
  /// SETL's delete: removes the stored rows matching `condition`, atomically.
  void delete_where(const engine::Expr& condition) const {
    connector_->delete_where(condition);
    forget();
  }
  void delete_where(const char* condition) const { delete_where(engine::parse_expr(condition)); }
  /// Removes the stored data entirely.
  void drop() const {
    connector_->drop();
    forget();
  }

  const std::shared_ptr<Connector>& connector() const noexcept { return connector_; }

 private:
  // Only the struct's columns are read, and the condition goes into the scan request. A
  // column stored with another type than the struct declares (a CSV column of digits
  // inferred as integers for a string field) is cast to the declared type, as SETL reads
  // with the case class's schema; text that does not convert is a ParseError.
  engine::Table read_columns(const std::optional<engine::Expr>& condition) const {
    engine::LazyFrame frame = connector_->lazy();
    if (condition) {
      frame = frame.filter(*condition);
    }
    engine::SchemaPtr stored = frame.schema();
    std::vector<engine::Expr> columns;
    for (const engine::Field& field : engine::Dataset<T>::schema()->fields()) {
      engine::Expr column = engine::col(field.name);
      std::optional<size_t> index = stored->find(field.name);
      if (index && !(stored->field(*index).type == field.type)) {
        column = column.cast(field.type).alias(field.name);
      }
      columns.push_back(std::move(column));
    }
    return frame.select(columns).collect();
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

}  // namespace setl::storage
