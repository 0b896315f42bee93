#include "engine/types/column_ops.h"

#include <cstring>

#include "setl/core/error.h"
#include "setl/engine/record_batch.h"

namespace setl::engine::detail {
namespace {

template <class T>
ColumnPtr take_fixed(const Column& column, const std::vector<int64_t>& indices,
                     BufferPtr validity) {
  auto out = Buffer::allocate(indices.size() * sizeof(T));
  const T* in = column.values<T>();
  T* result = out->mutable_data_as<T>();
  for (size_t i = 0; i < indices.size(); ++i) {
    int64_t index = indices[i];
    result[i] = index < 0 ? T{} : in[index];
  }
  return std::make_shared<Column>(column.type(), static_cast<int64_t>(indices.size()),
                                  std::move(validity), std::move(out));
}

bool shares_one_dictionary(const std::vector<ColumnPtr>& parts) {
  for (const ColumnPtr& part : parts) {
    if (!part->is_dictionary() || part->dictionary() != parts.front()->dictionary()) {
      return false;
    }
  }
  return true;
}

// Pieces of one dictionary-encoded chunk (a Parquet row group read in pieces) stay encoded.
ColumnPtr concat_codes(const std::vector<ColumnPtr>& parts, int64_t rows) {
  auto codes = Buffer::allocate(static_cast<size_t>(rows) * 4);
  BufferPtr validity;
  int64_t at = 0;
  for (const ColumnPtr& part : parts) {
    std::memcpy(codes->mutable_data() + at * 4, part->codes(),
                static_cast<size_t>(part->length()) * 4);
    if (part->null_count() > 0 && validity == nullptr) {
      validity = Buffer::allocate(static_cast<size_t>((rows + 7) / 8), true);
      for (int64_t row = 0; row < at; ++row) {
        set_bit(validity->mutable_data(), row, true);
      }
    }
    if (validity != nullptr) {
      for (int64_t i = 0; i < part->length(); ++i) {
        set_bit(validity->mutable_data(), at + i, part->is_valid(i));
      }
    }
    at += part->length();
  }
  return Column::dictionary_encoded(parts.front()->dictionary(), rows, std::move(codes),
                                    std::move(validity));
}

}  // namespace

ColumnPtr take(const Column& column, const std::vector<int64_t>& indices) {
  int64_t rows = static_cast<int64_t>(indices.size());
  if (column.type().id() == TypeId::kNull) {
    return Column::nulls(column.type(), rows);
  }
  bool any_missing = false;
  for (int64_t index : indices) {
    if (index < 0) {
      any_missing = true;
      break;
    }
  }
  BufferPtr validity;
  if (column.null_count() > 0 || any_missing) {
    validity = Buffer::allocate(static_cast<size_t>((rows + 7) / 8), true);
    uint8_t* bits = validity->mutable_data();
    for (int64_t i = 0; i < rows; ++i) {
      int64_t index = indices[static_cast<size_t>(i)];
      if (index >= 0 && column.is_valid(index)) {
        set_bit(bits, i, true);
      }
    }
  }
  switch (column.type().id()) {
    case TypeId::kBool: {
      auto out = Buffer::allocate(static_cast<size_t>((rows + 7) / 8), true);
      for (int64_t i = 0; i < rows; ++i) {
        int64_t index = indices[static_cast<size_t>(i)];
        if (index >= 0 && column.bool_value(index)) {
          set_bit(out->mutable_data(), i, true);
        }
      }
      return std::make_shared<Column>(column.type(), rows, std::move(validity), std::move(out));
    }
    case TypeId::kInt32:
    case TypeId::kDate32:
      return take_fixed<int32_t>(column, indices, std::move(validity));
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      return take_fixed<int64_t>(column, indices, std::move(validity));
    case TypeId::kFloat64:
      return take_fixed<double>(column, indices, std::move(validity));
    case TypeId::kDecimal:
      return take_fixed<int128>(column, indices, std::move(validity));
    case TypeId::kString: {
      if (column.is_dictionary()) {  // gathers codes; the dictionary is shared
        auto codes = Buffer::allocate(static_cast<size_t>(rows) * 4);
        const int32_t* in = column.codes();
        int32_t* out = codes->mutable_data_as<int32_t>();
        for (int64_t i = 0; i < rows; ++i) {
          int64_t index = indices[static_cast<size_t>(i)];
          out[i] = index < 0 ? 0 : in[index];
        }
        return Column::dictionary_encoded(column.dictionary(), rows, std::move(codes),
                                          std::move(validity));
      }
      int64_t total = 0;
      for (int64_t index : indices) {
        if (index >= 0) {
          total += static_cast<int64_t>(column.string_value(index).size());
        }
      }
      if (total > INT32_MAX) {
        throw ResourceError("a string column chunk cannot hold more than 2 GiB of text");
      }
      auto offsets = Buffer::allocate(static_cast<size_t>(rows + 1) * 4);
      auto chars = Buffer::allocate(static_cast<size_t>(total));
      int32_t* out_offsets = offsets->mutable_data_as<int32_t>();
      char* out_chars = chars->mutable_data_as<char>();
      int32_t at = 0;
      out_offsets[0] = 0;
      for (int64_t i = 0; i < rows; ++i) {
        int64_t index = indices[static_cast<size_t>(i)];
        if (index >= 0) {
          std::string_view value = column.string_value(index);
          std::memcpy(out_chars + at, value.data(), value.size());
          at += static_cast<int32_t>(value.size());
        }
        out_offsets[i + 1] = at;
      }
      return std::make_shared<Column>(column.type(), rows, std::move(validity), std::move(offsets),
                                      std::move(chars));
    }
    case TypeId::kNull:
      break;
  }
  return Column::nulls(column.type(), rows);
}

ColumnPtr decoded(const ColumnPtr& column) {
  if (column == nullptr || !column->is_dictionary()) {
    return column;
  }
  // The dictionary's strings gathered by code, NULL rows by index -1.
  const Column& encoded = *column;
  const int32_t* codes = encoded.codes();
  bool has_nulls = encoded.null_count() > 0;
  std::vector<int64_t> indices(static_cast<size_t>(encoded.length()));
  for (int64_t row = 0; row < encoded.length(); ++row) {
    indices[static_cast<size_t>(row)] = has_nulls && encoded.is_null(row) ? -1 : codes[row];
  }
  return take(*encoded.dictionary(), indices);
}

RecordBatch decoded(const RecordBatch& batch) {
  bool any = false;
  for (const ColumnPtr& column : batch.columns()) {
    any = any || column->is_dictionary();
  }
  if (!any) {
    return batch;
  }
  std::vector<ColumnPtr> columns;
  columns.reserve(batch.num_columns());
  for (const ColumnPtr& column : batch.columns()) {
    columns.push_back(decoded(column));
  }
  return RecordBatch(batch.schema(), std::move(columns), batch.num_rows());
}

std::vector<int64_t> true_rows(const Column& mask) {
  std::vector<int64_t> rows;
  int64_t length = mask.length();
  if (mask.type().id() == TypeId::kNull || mask.values_buffer() == nullptr) {
    return rows;
  }
  const uint8_t* values = mask.values_buffer()->data();
  const uint8_t* validity = mask.validity_buffer() ? mask.validity_buffer()->data() : nullptr;
  int64_t offset = mask.offset();
  if (offset % 8 != 0) {
    for (int64_t row = 0; row < length; ++row) {
      if (mask.is_valid(row) && mask.bool_value(row)) {
        rows.push_back(row);
      }
    }
    return rows;
  }
  const uint8_t* value_bytes = values + offset / 8;
  const uint8_t* valid_bytes = validity ? validity + offset / 8 : nullptr;
  // Count first so the output is allocated once, then scan 64 rows per word.
  int64_t words = length / 64;
  int64_t selected = 0;
  auto true_bits = [&](int64_t word) {
    uint64_t bits = 0;
    std::memcpy(&bits, value_bytes + word * 8, 8);
    if (valid_bytes) {
      uint64_t valid = 0;
      std::memcpy(&valid, valid_bytes + word * 8, 8);
      bits &= valid;
    }
    return bits;
  };
  for (int64_t word = 0; word < words; ++word) {
    selected += __builtin_popcountll(true_bits(word));
  }
  rows.reserve(static_cast<size_t>(selected + 64));
  for (int64_t word = 0; word < words; ++word) {
    uint64_t bits = true_bits(word);
    while (bits != 0) {
      rows.push_back(word * 64 + __builtin_ctzll(bits));
      bits &= bits - 1;
    }
  }
  for (int64_t row = words * 64; row < length; ++row) {
    if (mask.is_valid(row) && mask.bool_value(row)) {
      rows.push_back(row);
    }
  }
  return rows;
}

std::vector<int64_t> selected_indices(const BufferPtr& selection, int64_t rows) {
  return true_rows(Column(DataType::boolean(), rows, nullptr, selection, nullptr, 0));
}

BufferPtr selection_bits(const Column& mask) {
  int64_t rows = mask.length();
  auto bits = Buffer::allocate(static_cast<size_t>((rows + 7) / 8), true);
  if (mask.type().id() == TypeId::kNull) {
    return bits;
  }
  uint8_t* out = bits->mutable_data();
  if (mask.offset() % 8 == 0) {
    const uint8_t* values = mask.values_buffer()->data() + mask.offset() / 8;
    const uint8_t* valid =
        mask.validity_buffer() ? mask.validity_buffer()->data() + mask.offset() / 8 : nullptr;
    for (int64_t i = 0; i < (rows + 7) / 8; ++i) {
      out[i] = static_cast<uint8_t>(values[i] & (valid ? valid[i] : 0xFF));
    }
    if (rows % 8 != 0) {
      out[rows / 8] &= static_cast<uint8_t>((1u << (rows % 8)) - 1);
    }
    return bits;
  }
  for (int64_t row = 0; row < rows; ++row) {
    if (mask.is_valid(row) && mask.bool_value(row)) {
      set_bit(out, row, true);
    }
  }
  return bits;
}

ColumnPtr concat(const std::vector<ColumnPtr>& chunks, const DataType& type) {
  if (chunks.size() == 1) {
    return chunks.front();
  }
  int64_t rows = 0;
  for (const ColumnPtr& chunk : chunks) {
    rows += chunk->length();
  }
  if (type.id() == TypeId::kNull) {
    return Column::nulls(type, rows);
  }
  const std::vector<ColumnPtr>& parts = chunks;
  if (parts.empty()) {
    return Column::nulls(type, 0);
  }
  if (shares_one_dictionary(parts)) {
    return concat_codes(parts, rows);
  }
  int64_t total_chars = 0;
  bool any_nulls = false;
  for (const ColumnPtr& part : parts) {
    any_nulls = any_nulls || part->null_count() > 0;
    if (type.id() == TypeId::kString) {
      for (int64_t i = 0; i < part->length(); ++i) {
        total_chars += static_cast<int64_t>(part->string_value(i).size());
      }
    }
  }
  BufferPtr validity;
  if (any_nulls) {
    validity = Buffer::allocate(static_cast<size_t>((rows + 7) / 8), true);
  }
  int64_t at = 0;
  BufferPtr values;
  BufferPtr chars;
  if (type.id() == TypeId::kString) {
    if (total_chars > INT32_MAX) {
      throw ResourceError("a string column chunk cannot hold more than 2 GiB of text");
    }
    values = Buffer::allocate(static_cast<size_t>(rows + 1) * 4);
    chars = Buffer::allocate(static_cast<size_t>(total_chars));
    values->mutable_data_as<int32_t>()[0] = 0;
  } else if (type.id() == TypeId::kBool) {
    values = Buffer::allocate(static_cast<size_t>((rows + 7) / 8), true);
  } else {
    values = Buffer::allocate(static_cast<size_t>(rows * type.byte_width()));
  }
  int32_t char_at = 0;
  for (const ColumnPtr& part : parts) {
    int64_t length = part->length();
    if (validity) {
      for (int64_t i = 0; i < length; ++i) {
        if (part->is_valid(i)) {
          set_bit(validity->mutable_data(), at + i, true);
        }
      }
    }
    switch (type.id()) {
      case TypeId::kString: {
        int32_t* offsets = values->mutable_data_as<int32_t>();
        for (int64_t i = 0; i < length; ++i) {
          std::string_view value = part->string_value(i);
          std::memcpy(chars->mutable_data() + char_at, value.data(), value.size());
          char_at += static_cast<int32_t>(value.size());
          offsets[at + i + 1] = char_at;
        }
        break;
      }
      case TypeId::kBool:
        for (int64_t i = 0; i < length; ++i) {
          if (part->bool_value(i)) {
            set_bit(values->mutable_data(), at + i, true);
          }
        }
        break;
      default: {
        int width = type.byte_width();
        std::memcpy(values->mutable_data() + at * width,
                    part->values_buffer()->data() + part->offset() * width,
                    static_cast<size_t>(length * width));
      }
    }
    at += length;
  }
  return std::make_shared<Column>(type, rows, validity, values, chars);
}

}  // namespace setl::engine::detail
