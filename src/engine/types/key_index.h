// Dense ids for key tuples (private to the engine): the hash table behind group-by,
// distinct, count_distinct and hash joins. Keys are one or more columns; integers,
// dates, timestamps and bools are stored as int64, floats as double (-0.0 and 0.0 equal,
// NaNs equal), strings as bytes. Ids are assigned in first-seen order. Dictionary-encoded
// string keys are hashed once per distinct string, and a batch whose keys are all
// encoded finds each distinct key tuple once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "setl/engine/column.h"

namespace setl::engine::detail {

class KeyIndex {
 public:
  explicit KeyIndex(std::vector<DataType> types);

  /// Ids of the rows' keys, adding unseen keys. NULL is a key value like any other
  /// (GROUP BY and DISTINCT semantics).
  /// With `selection` (a bitmap from bit 0), unselected rows get id -1 and add nothing.
  void insert(const std::vector<ColumnPtr>& keys, int64_t rows, std::vector<int64_t>& ids,
              const uint8_t* selection = nullptr);
  /// Ids of the rows' keys, -1 where the key is unknown or contains a NULL (join
  /// semantics: NULL never matches).
  void find(const std::vector<ColumnPtr>& keys, int64_t rows, std::vector<int64_t>& ids) const;

  /// Ids of the rows' keys with GROUP BY semantics (NULL is a value), -1 where the key is
  /// unknown; adds nothing.
  void lookup(const std::vector<ColumnPtr>& keys, int64_t rows, std::vector<int64_t>& ids) const;
  /// The hash of each row's key tuple (the same for int32 and int64 of equal value).
  void hash_rows(const std::vector<ColumnPtr>& keys, int64_t rows,
                 std::vector<uint64_t>& out) const;

  int64_t size() const noexcept { return static_cast<int64_t>(hashes_.size()); }
  /// About the bytes it holds (slots, hashes and stored keys).
  int64_t memory_bytes() const noexcept;
  /// The distinct keys as columns, in id order.
  std::vector<ColumnPtr> key_columns() const;

 private:
  struct KeyColumn {
    DataType type;
    std::vector<int64_t> integers;
    std::vector<double> doubles;
    std::vector<int128> decimals;
    std::vector<std::string> strings;
    std::vector<uint8_t> valid;
  };

  bool equal(int64_t id, const std::vector<ColumnPtr>& keys, int64_t row) const;
  // The hash hash_rows() gives one row.
  uint64_t row_hash(const std::vector<ColumnPtr>& keys, int64_t row) const;
  // The id of the row's key, or -1.
  int64_t probe(const std::vector<ColumnPtr>& keys, int64_t row, uint64_t hash) const;
  // The id of the row's key, added if unseen.
  int64_t insert_row(const std::vector<ColumnPtr>& keys, int64_t row, uint64_t hash);
  // find() and lookup().
  void search(const std::vector<ColumnPtr>& keys, int64_t rows, std::vector<int64_t>& ids,
              bool null_is_a_value) const;
  // insert() for one integer-backed key column of physical type T, without the general
  // per-row type dispatch.
  template <class T>
  void insert_integers(const Column& column, int64_t rows, std::vector<int64_t>& ids,
                       const uint8_t* selection);
  void append(const std::vector<ColumnPtr>& keys, int64_t row, uint64_t hash);
  void grow();

  bool single_integer_ = false;
  std::vector<KeyColumn> columns_;
  std::vector<uint64_t> hashes_;  // per id
  std::vector<int64_t> slots_;    // open addressing: id or -1
  uint64_t mask_ = 0;
  int64_t string_bytes_ = 0;
};

}  // namespace setl::engine::detail
