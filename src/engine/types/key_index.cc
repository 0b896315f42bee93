#include "engine/types/key_index.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <optional>

#include "engine/types/hash_mix.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"

namespace setl::engine::detail {
namespace {

enum class Storage { kInteger, kDouble, kDecimal, kString };

Storage storage_of(const DataType& type) {
  switch (type.id()) {
    case TypeId::kFloat64:
      return Storage::kDouble;
    case TypeId::kDecimal:
      return Storage::kDecimal;
    case TypeId::kString:
      return Storage::kString;
    default:
      return Storage::kInteger;
  }
}

int64_t integer_at(const Column& column, int64_t row) {
  switch (column.type().id()) {
    case TypeId::kBool:
      return column.bool_value(row);
    case TypeId::kInt32:
    case TypeId::kDate32:
      return column.values<int32_t>()[row];
    default:
      return column.values<int64_t>()[row];
  }
}

double canonical(double value) {
  if (std::isnan(value)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return value == 0.0 ? 0.0 : value;
}

constexpr uint64_t kNullHash = 0x9e3779b97f4a7c15ULL;
constexpr uint64_t kHashSeed = 0x12345678ULL;

// Folds one column's hash of a row into the row's hash so far.
uint64_t combine(uint64_t acc, uint64_t hash) {
  return mix64(acc ^ (hash + 0x9e3779b97f4a7c15ULL + (acc << 6) + (acc >> 2)));
}

// The hash of each integer-backed value (kNullHash for NULL), folded into `out`.
template <class T>
void hash_integers(const Column& column, int64_t rows, std::vector<uint64_t>& out) {
  const T* values = column.values<T>();
  bool has_nulls = column.null_count() > 0;
  for (int64_t row = 0; row < rows; ++row) {
    uint64_t hash = has_nulls && column.is_null(row)
                        ? kNullHash
                        : mix64(static_cast<uint64_t>(static_cast<int64_t>(values[row])));
    uint64_t& acc = out[static_cast<size_t>(row)];
    acc = combine(acc, hash);
  }
}

// The hash of one present value, as hash_rows() folds it.
uint64_t value_hash(const Column& column, Storage storage, int64_t row) {
  switch (storage) {
    case Storage::kInteger:
      return mix64(static_cast<uint64_t>(integer_at(column, row)));
    case Storage::kDouble: {
      double value = canonical(column.values<double>()[row]);
      uint64_t bits = 0;
      std::memcpy(&bits, &value, 8);
      return mix64(bits);
    }
    case Storage::kDecimal: {
      auto bits = static_cast<uint128>(column.values<int128>()[row]);
      return mix64(static_cast<uint64_t>(bits) ^ mix64(static_cast<uint64_t>(bits >> 64)));
    }
    case Storage::kString:
      break;
  }
  return std::hash<std::string_view>()(column.string_value(row));
}

// A dictionary-encoded column's strings hashed once each, folded into `out` by code.
void hash_dictionary(const Column& column, int64_t rows, std::vector<uint64_t>& out) {
  const Column& dictionary = *column.dictionary();
  std::vector<uint64_t> entry_hashes(static_cast<size_t>(dictionary.length()));
  for (int64_t entry = 0; entry < dictionary.length(); ++entry) {
    entry_hashes[static_cast<size_t>(entry)] =
        std::hash<std::string_view>()(dictionary.string_value(entry));
  }
  const int32_t* codes = column.codes();
  bool has_nulls = column.null_count() > 0;
  for (int64_t row = 0; row < rows; ++row) {
    uint64_t hash = has_nulls && column.is_null(row)
                        ? kNullHash
                        : entry_hashes[static_cast<size_t>(codes[row])];
    uint64_t& acc = out[static_cast<size_t>(row)];
    acc = combine(acc, hash);
  }
}

// Key tuples of dictionary-encoded columns numbered densely (each column's code, NULL
// after its dictionary's last, in mixed radix), when there are few enough numbers for a
// table indexed by them: a batch's rows then find their ids with one lookup per distinct
// tuple instead of one hash probe per row.
class DenseCodes {
 public:
  static std::optional<DenseCodes> of(const std::vector<ColumnPtr>& keys, int64_t rows) {
    DenseCodes dense;
    int64_t limit = std::max<int64_t>(rows, kMinTable);
    dense.size_ = 1;
    for (const ColumnPtr& key : keys) {
      if (!key->is_dictionary()) {
        return std::nullopt;
      }
      int64_t radix = key->dictionary()->length() + 1;
      if (radix > limit / dense.size_) {
        return std::nullopt;
      }
      dense.strides_.push_back(dense.size_);
      dense.size_ *= radix;
      dense.columns_.push_back(key.get());
    }
    return dense;
  }
  int64_t size() const noexcept { return size_; }
  int64_t at(int64_t row) const {
    int64_t number = 0;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const Column& column = *columns_[c];
      int64_t code = column.null_count() > 0 && column.is_null(row) ? column.dictionary()->length()
                                                                    : column.codes()[row];
      number += code * strides_[c];
    }
    return number;
  }

 private:
  static constexpr int64_t kMinTable = 4096;
  std::vector<const Column*> columns_;
  std::vector<int64_t> strides_;
  int64_t size_ = 0;
};

bool single_integer_key(const std::vector<DataType>& types) {
  return types.size() == 1 && storage_of(types[0]) == Storage::kInteger &&
         types[0].id() != TypeId::kBool && types[0].id() != TypeId::kNull;
}

}  // namespace

KeyIndex::KeyIndex(std::vector<DataType> types) : single_integer_(single_integer_key(types)) {
  for (DataType& type : types) {
    columns_.push_back(KeyColumn{std::move(type), {}, {}, {}, {}});
  }
  slots_.assign(1024, -1);
  mask_ = slots_.size() - 1;
}

void KeyIndex::hash_rows(const std::vector<ColumnPtr>& keys, int64_t rows,
                         std::vector<uint64_t>& out) const {
  out.assign(static_cast<size_t>(rows), kHashSeed);
  for (size_t c = 0; c < keys.size(); ++c) {
    const Column& column = *keys[c];
    Storage storage = storage_of(columns_[c].type);
    // Integer columns column at a time, without a type switch per row.
    if (storage == Storage::kInteger && column.type().id() != TypeId::kBool &&
        column.type().id() != TypeId::kNull) {
      column.type().byte_width() == 4 ? hash_integers<int32_t>(column, rows, out)
                                      : hash_integers<int64_t>(column, rows, out);
      continue;
    }
    if (column.is_dictionary() && column.dictionary()->length() <= rows) {
      hash_dictionary(column, rows, out);
      continue;
    }
    for (int64_t row = 0; row < rows; ++row) {
      uint64_t hash = column.is_null(row) ? kNullHash : value_hash(column, storage, row);
      uint64_t& acc = out[static_cast<size_t>(row)];
      acc = combine(acc, hash);
    }
  }
}

uint64_t KeyIndex::row_hash(const std::vector<ColumnPtr>& keys, int64_t row) const {
  uint64_t acc = kHashSeed;
  for (size_t c = 0; c < keys.size(); ++c) {
    const Column& column = *keys[c];
    acc = combine(acc, column.is_null(row) ? kNullHash
                                           : value_hash(column, storage_of(columns_[c].type), row));
  }
  return acc;
}

int64_t KeyIndex::probe(const std::vector<ColumnPtr>& keys, int64_t row, uint64_t hash) const {
  uint64_t slot = hash & mask_;
  while (slots_[slot] != -1) {
    int64_t id = slots_[slot];
    if (hashes_[static_cast<size_t>(id)] == hash && equal(id, keys, row)) {
      return id;
    }
    slot = (slot + 1) & mask_;
  }
  return -1;
}

int64_t KeyIndex::insert_row(const std::vector<ColumnPtr>& keys, int64_t row, uint64_t hash) {
  uint64_t slot = hash & mask_;
  while (true) {
    int64_t id = slots_[slot];
    if (id == -1) {
      id = size();
      append(keys, row, hash);
      slots_[slot] = id;
      if (static_cast<uint64_t>(size()) * 2 > slots_.size()) {
        grow();
      }
      return id;
    }
    if (hashes_[static_cast<size_t>(id)] == hash && equal(id, keys, row)) {
      return id;
    }
    slot = (slot + 1) & mask_;
  }
}

template <class T>
void KeyIndex::insert_integers(const Column& column, int64_t rows, std::vector<int64_t>& ids,
                               const uint8_t* selection) {
  const T* values = column.values<T>();
  bool has_nulls = column.null_count() > 0;
  KeyColumn& stored = columns_[0];
  ids.resize(static_cast<size_t>(rows));
  for (int64_t row = 0; row < rows; ++row) {
    if (selection != nullptr && !get_bit(selection, row)) {
      ids[static_cast<size_t>(row)] = -1;
      continue;
    }
    bool valid = !has_nulls || column.is_valid(row);
    int64_t value = valid ? static_cast<int64_t>(values[row]) : 0;
    // As hash_rows() computes it, so that find() and lookup() agree.
    uint64_t hash = combine(kHashSeed, valid ? mix64(static_cast<uint64_t>(value)) : kNullHash);
    uint64_t slot = hash & mask_;
    while (true) {
      int64_t id = slots_[slot];
      if (id == -1) {
        id = size();
        stored.valid.push_back(valid);
        stored.integers.push_back(value);
        hashes_.push_back(hash);
        slots_[slot] = id;
        ids[static_cast<size_t>(row)] = id;
        if (static_cast<uint64_t>(size()) * 2 > slots_.size()) {
          grow();
        }
        break;
      }
      size_t at = static_cast<size_t>(id);
      if (hashes_[at] == hash && stored.integers[at] == value &&
          static_cast<bool>(stored.valid[at]) == valid) {
        ids[static_cast<size_t>(row)] = id;
        break;
      }
      slot = (slot + 1) & mask_;
    }
  }
}

bool KeyIndex::equal(int64_t id, const std::vector<ColumnPtr>& keys, int64_t row) const {
  size_t at = static_cast<size_t>(id);
  for (size_t c = 0; c < keys.size(); ++c) {
    const KeyColumn& stored = columns_[c];
    const Column& column = *keys[c];
    bool valid = column.is_valid(row);
    if (valid != static_cast<bool>(stored.valid[at])) {
      return false;
    }
    if (!valid) {
      continue;
    }
    switch (storage_of(stored.type)) {
      case Storage::kInteger:
        if (stored.integers[at] != integer_at(column, row)) {
          return false;
        }
        break;
      case Storage::kDouble: {
        double a = stored.doubles[at];
        double b = canonical(column.values<double>()[row]);
        if (!(a == b || (std::isnan(a) && std::isnan(b)))) {
          return false;
        }
        break;
      }
      case Storage::kDecimal:
        if (stored.decimals[at] != column.values<int128>()[row]) {
          return false;
        }
        break;
      case Storage::kString:
        if (stored.strings[at] != column.string_value(row)) {
          return false;
        }
        break;
    }
  }
  return true;
}

void KeyIndex::append(const std::vector<ColumnPtr>& keys, int64_t row, uint64_t hash) {
  for (size_t c = 0; c < keys.size(); ++c) {
    KeyColumn& stored = columns_[c];
    const Column& column = *keys[c];
    bool valid = column.is_valid(row);
    stored.valid.push_back(valid);
    switch (storage_of(stored.type)) {
      case Storage::kInteger:
        stored.integers.push_back(valid ? integer_at(column, row) : 0);
        break;
      case Storage::kDouble:
        stored.doubles.push_back(valid ? canonical(column.values<double>()[row]) : 0.0);
        break;
      case Storage::kDecimal:
        stored.decimals.push_back(valid ? column.values<int128>()[row] : 0);
        break;
      case Storage::kString:
        stored.strings.emplace_back(valid ? column.string_value(row) : std::string_view());
        // std::string keeps up to 15 bytes inline; longer keys live on the heap.
        string_bytes_ += static_cast<int64_t>(sizeof(std::string)) +
                         (stored.strings.back().size() > 15
                              ? static_cast<int64_t>(stored.strings.back().size()) + 1
                              : 0);
        break;
    }
  }
  hashes_.push_back(hash);
}

void KeyIndex::grow() {
  slots_.assign(slots_.size() * 2, -1);
  mask_ = slots_.size() - 1;
  for (size_t id = 0; id < hashes_.size(); ++id) {
    uint64_t slot = hashes_[id] & mask_;
    while (slots_[slot] != -1) {
      slot = (slot + 1) & mask_;
    }
    slots_[slot] = static_cast<int64_t>(id);
  }
}

void KeyIndex::insert(const std::vector<ColumnPtr>& keys, int64_t rows, std::vector<int64_t>& ids,
                      const uint8_t* selection) {
  if (single_integer_ && keys[0]->type().id() != TypeId::kBool &&
      keys[0]->type().id() != TypeId::kNull) {
    keys[0]->type().byte_width() == 4 ? insert_integers<int32_t>(*keys[0], rows, ids, selection)
                                      : insert_integers<int64_t>(*keys[0], rows, ids, selection);
    return;
  }
  ids.resize(static_cast<size_t>(rows));
  if (std::optional<DenseCodes> dense = DenseCodes::of(keys, rows)) {
    std::vector<int64_t> known(static_cast<size_t>(dense->size()), -1);
    for (int64_t row = 0; row < rows; ++row) {
      if (selection != nullptr && !get_bit(selection, row)) {
        ids[static_cast<size_t>(row)] = -1;
        continue;
      }
      int64_t& id = known[static_cast<size_t>(dense->at(row))];
      if (id < 0) {
        id = insert_row(keys, row, row_hash(keys, row));
      }
      ids[static_cast<size_t>(row)] = id;
    }
    return;
  }
  std::vector<uint64_t> hashes;
  hash_rows(keys, rows, hashes);
  for (int64_t row = 0; row < rows; ++row) {
    ids[static_cast<size_t>(row)] = selection != nullptr && !get_bit(selection, row)
                                        ? -1
                                        : insert_row(keys, row, hashes[static_cast<size_t>(row)]);
  }
}

void KeyIndex::find(const std::vector<ColumnPtr>& keys, int64_t rows,
                    std::vector<int64_t>& ids) const {
  search(keys, rows, ids, false);
}

void KeyIndex::lookup(const std::vector<ColumnPtr>& keys, int64_t rows,
                      std::vector<int64_t>& ids) const {
  search(keys, rows, ids, true);
}

void KeyIndex::search(const std::vector<ColumnPtr>& keys, int64_t rows, std::vector<int64_t>& ids,
                      bool null_is_a_value) const {
  ids.assign(static_cast<size_t>(rows), -1);
  auto has_null = [&](int64_t row) {
    for (const ColumnPtr& key : keys) {
      if (key->is_null(row)) {
        return true;
      }
    }
    return false;
  };
  if (std::optional<DenseCodes> dense = DenseCodes::of(keys, rows)) {
    constexpr int64_t kNotProbed = -2;
    std::vector<int64_t> known(static_cast<size_t>(dense->size()), kNotProbed);
    for (int64_t row = 0; row < rows; ++row) {
      int64_t& id = known[static_cast<size_t>(dense->at(row))];
      if (id == kNotProbed) {
        id = !null_is_a_value && has_null(row) ? -1 : probe(keys, row, row_hash(keys, row));
      }
      ids[static_cast<size_t>(row)] = id;
    }
    return;
  }
  std::vector<uint64_t> hashes;
  hash_rows(keys, rows, hashes);
  for (int64_t row = 0; row < rows; ++row) {
    if (null_is_a_value || !has_null(row)) {
      ids[static_cast<size_t>(row)] = probe(keys, row, hashes[static_cast<size_t>(row)]);
    }
  }
}

int64_t KeyIndex::memory_bytes() const noexcept {
  int64_t bytes = static_cast<int64_t>(slots_.capacity() + hashes_.capacity()) * 8;
  for (const KeyColumn& stored : columns_) {
    bytes += static_cast<int64_t>(stored.integers.capacity() * 8 + stored.doubles.capacity() * 8 +
                                  stored.decimals.capacity() * 16 + stored.valid.capacity() +
                                  (stored.strings.capacity() - stored.strings.size()) *
                                      sizeof(std::string));
  }
  return bytes + string_bytes_;
}

std::vector<ColumnPtr> KeyIndex::key_columns() const {
  std::vector<ColumnPtr> out;
  for (const KeyColumn& stored : columns_) {
    ColumnBuilder builder(stored.type, size());
    for (size_t id = 0; id < hashes_.size(); ++id) {
      if (!stored.valid[id]) {
        builder.append_null();
        continue;
      }
      switch (storage_of(stored.type)) {
        case Storage::kInteger:
          stored.type.id() == TypeId::kBool ? builder.append_bool(stored.integers[id] != 0)
                                            : builder.append_int(stored.integers[id]);
          break;
        case Storage::kDouble:
          builder.append_double(stored.doubles[id]);
          break;
        case Storage::kDecimal:
          builder.append_decimal(stored.decimals[id]);
          break;
        case Storage::kString:
          builder.append_string(stored.strings[id]);
          break;
      }
    }
    out.push_back(builder.finish());
  }
  return out;
}

}  // namespace setl::engine::detail
