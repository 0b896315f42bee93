#include "storage/arrow_ipc/ipc_batch.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "engine/types/column_ops.h"
#include "message_generated.h"
#include "setl/core/error.h"
#include "setl/engine/buffer.h"
#include "setl/engine/column.h"
#include "setl/engine/decimal.h"
#include "setl/storage/connector.h"
#include "storage/arrow_ipc/ipc_compression.h"
#include "storage/arrow_ipc/struct_at.h"
#include "storage/file_io.h"

namespace setl::storage::detail {
namespace {

namespace fb = arrow_ipc::fb;
using engine::Buffer;
using engine::BufferPtr;
using engine::Column;
using engine::ColumnPtr;

// Reads the nodes and buffers of one batch in order, checking each against the body.
class BatchCursor {
 public:
  BatchCursor(const fb::RecordBatch& batch, const IpcBody& body, std::string where)
      : batch_(batch), body_(body), where_(std::move(where)) {
    if (const fb::BodyCompression* compression = batch.compression()) {
      if (compression->method() != fb::BodyCompressionMethod::BUFFER) {
        fail("the batch's body is compressed by a method other than buffer by buffer");
      }
      codec_ =
          compression->codec() == fb::CompressionType::ZSTD ? IpcCodec::kZstd : IpcCodec::kLz4Frame;
    }
  }

  [[noreturn]] void fail(const std::string& what) const { throw IoError(where_ + ": " + what); }

  fb::FieldNode node(const std::string& column) {
    const auto* nodes = batch_.nodes();
    if (nodes == nullptr || next_node_ >= nodes->size()) {
      fail("column \"" + column + "\" has no field node");
    }
    const fb::FieldNode found = struct_at(*nodes, next_node_++);
    if (found.length() < 0 || found.null_count() < 0 || found.null_count() > found.length()) {
      fail("column \"" + column + "\" has a field node of length " +
           std::to_string(found.length()) + " with " + std::to_string(found.null_count()) +
           " nulls");
    }
    return found;
  }

  // The next buffer's bytes, of which the column needs `needed`: wrapped when aligned to
  // `alignment`, copied when not (a writer need not align more than 8 bytes), and
  // decompressed when the batch is compressed.
  BufferPtr buffer(const std::string& column, int64_t needed, size_t alignment) {
    auto [start, length] = next_range(column);
    if (codec_ && length > 0) {
      return decompressed(column, start, length, needed, alignment);
    }
    return in_place(column, start, length, needed, alignment);
  }

  // Skips a buffer the column does not need (a validity bitmap of a column without nulls
  // may be empty or present).
  void skip_buffer(const std::string& column) { static_cast<void>(next_range(column)); }

  std::pair<const uint8_t*, int64_t> next_range(const std::string& column) {
    const auto* buffers = batch_.buffers();
    if (buffers == nullptr || next_buffer_ >= buffers->size()) {
      fail("column \"" + column + "\" is missing a buffer");
    }
    const fb::Buffer found = struct_at(*buffers, next_buffer_++);
    int64_t offset = found.offset();
    int64_t length = found.length();
    if (offset < 0 || length < 0 || offset > body_.size || length > body_.size - offset) {
      fail("column \"" + column + "\" has a buffer at " + std::to_string(offset) + " of " +
           std::to_string(length) + " bytes, past the body's " + std::to_string(body_.size));
    }
    return {body_.data + offset, length};
  }

  BufferPtr in_place(const std::string& column, const uint8_t* start, int64_t length,
                     int64_t needed, size_t alignment) const {
    if (length < needed) {
      fail("column \"" + column + "\" has a buffer of " + std::to_string(length) +
           " bytes where its rows need " + std::to_string(needed));
    }
    if (needed == 0) {
      return Buffer::allocate(0);
    }
    if (reinterpret_cast<uintptr_t>(start) % alignment != 0) {
      BufferPtr copy = Buffer::allocate(static_cast<size_t>(needed));
      std::memcpy(copy->mutable_data(), start, static_cast<size_t>(needed));
      return copy;
    }
    return Buffer::wrap(start, static_cast<size_t>(needed), body_.owner);
  }

  // A compressed buffer: its uncompressed length (-1: stored as it is), then its frame.
  // The length is checked against the rows and the decompression limits before anything
  // is allocated for it.
  BufferPtr decompressed(const std::string& column, const uint8_t* start, int64_t length,
                         int64_t needed, size_t alignment) const {
    if (length < 8) {
      fail("column \"" + column + "\" has a compressed buffer of " + std::to_string(length) +
           " bytes, shorter than its length prefix");
    }
    int64_t declared = 0;
    std::memcpy(&declared, start, sizeof(declared));
    if (declared == -1) {
      return in_place(column, start + 8, length - 8, needed, alignment);
    }
    if (declared < needed) {
      fail("column \"" + column + "\" has a " + ipc_codec_name(*codec_) + " buffer of " +
           std::to_string(length) + " bytes declaring " + std::to_string(declared) +
           " uncompressed, where its rows need " + std::to_string(needed));
    }
    // Past the limits is a ResourceError, as for every compressed input.
    check_expansion(where_ + ": column \"" + column + "\"", static_cast<uint64_t>(length),
                    static_cast<uint64_t>(declared));
    BufferPtr out = Buffer::allocate(static_cast<size_t>(declared));
    try {
      ipc_decompress(*codec_, start + 8, static_cast<size_t>(length - 8), out->mutable_data(),
                     static_cast<size_t>(declared));
    } catch (const IoError& error) {
      fail("column \"" + column + "\": " + error.what());
    }
    return out;
  }

  // Steps over a column that is not read: its field nodes and buffers.
  void skip(const std::string& column, int64_t nodes, int64_t buffers) {
    if (buffers < 0) {
      fail("column \"" + column + "\" (a view type) cannot be stepped over; read it too");
    }
    size_t node_count = batch_.nodes() == nullptr ? 0 : batch_.nodes()->size();
    size_t buffer_count = batch_.buffers() == nullptr ? 0 : batch_.buffers()->size();
    if (static_cast<uint64_t>(nodes) > node_count - next_node_ ||
        static_cast<uint64_t>(buffers) > buffer_count - next_buffer_) {
      fail("column \"" + column + "\" needs more field nodes or buffers than the batch has");
    }
    next_node_ += static_cast<size_t>(nodes);
    next_buffer_ += static_cast<size_t>(buffers);
  }

  void expect_consumed() const {
    size_t nodes = batch_.nodes() == nullptr ? 0 : batch_.nodes()->size();
    size_t buffers = batch_.buffers() == nullptr ? 0 : batch_.buffers()->size();
    if (nodes != next_node_ || buffers != next_buffer_) {
      fail("the batch has " + std::to_string(nodes) + " field nodes and " +
           std::to_string(buffers) + " buffers where its schema uses " +
           std::to_string(next_node_) + " and " + std::to_string(next_buffer_));
    }
  }

 private:
  const fb::RecordBatch& batch_;
  const IpcBody& body_;
  std::string where_;
  std::optional<IpcCodec> codec_;
  size_t next_node_ = 0;
  size_t next_buffer_ = 0;
};

int64_t checked_bytes(int64_t rows, int64_t width, const BatchCursor& cursor) {
  if (width > 0 && rows > std::numeric_limits<int64_t>::max() / width) {
    cursor.fail(std::to_string(rows) + " rows do not fit in memory");
  }
  return rows * width;
}

template <class From, class To>
BufferPtr widen(const BufferPtr& values, int64_t rows) {
  BufferPtr out = Buffer::allocate(static_cast<size_t>(rows) * sizeof(To));
  const auto* in = values->data_as<From>();
  auto* to = reinterpret_cast<To*>(out->mutable_data());
  for (int64_t i = 0; i < rows; ++i) {
    to[i] = static_cast<To>(in[i]);
  }
  return out;
}

double half_to_double(uint16_t half) {
  int exponent = (half >> 10) & 0x1f;
  int mantissa = half & 0x3ff;
  double sign = (half & 0x8000) != 0 ? -1.0 : 1.0;
  if (exponent == 0) {
    return sign * std::ldexp(mantissa, -24);
  }
  if (exponent == 31) {
    return mantissa == 0 ? sign * std::numeric_limits<double>::infinity()
                         : std::numeric_limits<double>::quiet_NaN();
  }
  return sign * std::ldexp(mantissa + 1024, exponent - 25);
}

bool is_valid(const BufferPtr& validity, int64_t row) {
  return validity == nullptr || engine::get_bit(validity->data(), row);
}

int64_t floor_div(int64_t value, int64_t divisor) {
  return value / divisor - (value % divisor < 0 ? 1 : 0);
}

// The values of a fixed-width column as the engine holds them. A NULL row's value is not
// checked: writers leave anything there.
BufferPtr convert_fixed(const IpcColumnType& type, const BufferPtr& values,
                        const BufferPtr& validity, int64_t rows, const std::string& column,
                        const BatchCursor& cursor) {
  auto refuse = [&](int64_t row, const std::string& why) {
    cursor.fail("column \"" + column + "\" (" + type.arrow_name + ") row " + std::to_string(row) +
                ": " + why);
  };
  switch (type.conversion) {
    case IpcConversion::kNone:
      return values;
    case IpcConversion::kSignExtend:
      return type.byte_width == 1   ? widen<int8_t, int32_t>(values, rows)
             : type.byte_width == 2 ? widen<int16_t, int32_t>(values, rows)
                                    : widen<int32_t, int64_t>(values, rows);
    case IpcConversion::kZeroExtend:
      return type.byte_width == 1   ? widen<uint8_t, int32_t>(values, rows)
             : type.byte_width == 2 ? widen<uint16_t, int32_t>(values, rows)
                                    : widen<uint32_t, int64_t>(values, rows);
    case IpcConversion::kUnsigned64:
      return widen<uint64_t, engine::int128>(values, rows);
    case IpcConversion::kHalfToDouble: {
      BufferPtr out = Buffer::allocate(static_cast<size_t>(rows) * sizeof(double));
      const auto* in = values->data_as<uint16_t>();
      auto* to = reinterpret_cast<double*>(out->mutable_data());
      for (int64_t i = 0; i < rows; ++i) {
        to[i] = half_to_double(in[i]);
      }
      return out;
    }
    case IpcConversion::kFloatToDouble:
      return widen<float, double>(values, rows);
    case IpcConversion::kMillisToDays: {
      BufferPtr out = Buffer::allocate(static_cast<size_t>(rows) * sizeof(int32_t));
      const auto* in = values->data_as<int64_t>();
      auto* to = reinterpret_cast<int32_t*>(out->mutable_data());
      constexpr int64_t kMillisPerDay = 86'400'000;
      for (int64_t i = 0; i < rows; ++i) {
        int64_t days = floor_div(in[i], kMillisPerDay);
        if (is_valid(validity, i) && (days < INT32_MIN || days > INT32_MAX)) {
          refuse(i, "the date is out of range");
        }
        to[i] = static_cast<int32_t>(days);
      }
      return out;
    }
    case IpcConversion::kScaleUp:
    case IpcConversion::kScaleDown: {
      BufferPtr out = Buffer::allocate(static_cast<size_t>(rows) * sizeof(int64_t));
      const auto* in = values->data_as<int64_t>();
      auto* to = reinterpret_cast<int64_t*>(out->mutable_data());
      for (int64_t i = 0; i < rows; ++i) {
        if (type.conversion == IpcConversion::kScaleDown) {
          // Below a microsecond is dropped (rounding down), as the Parquet reader does.
          to[i] = floor_div(in[i], type.factor);
        } else if (__builtin_mul_overflow(in[i], type.factor, &to[i]) && is_valid(validity, i)) {
          refuse(i, "the timestamp is out of range in microseconds");
        }
      }
      return out;
    }
    case IpcConversion::kLargeOffsets:
      break;
  }
  return values;
}

// The offsets of a string column, as the engine's int32 ones, after checking that they
// rise and stay inside the bytes; returns the bytes the values use.
template <class Offset>
int64_t check_offsets(const Offset* offsets, int64_t rows, const std::string& column,
                      const BatchCursor& cursor) {
  if (offsets[0] < 0) {
    cursor.fail("column \"" + column + "\" has a negative first offset");
  }
  for (int64_t i = 0; i < rows; ++i) {
    if (offsets[i + 1] < offsets[i]) {
      cursor.fail("column \"" + column + "\" has decreasing offsets at row " + std::to_string(i));
    }
  }
  return static_cast<int64_t>(offsets[rows]);
}

ColumnPtr read_column(BatchCursor& cursor, const IpcColumnType& type, const std::string& name,
                      std::optional<int64_t> expected_rows) {
  const fb::FieldNode node = cursor.node(name);
  int64_t rows = node.length();
  if (expected_rows && rows != *expected_rows) {
    cursor.fail("column \"" + name + "\" has " + std::to_string(rows) + " rows in a batch of " +
                std::to_string(*expected_rows));
  }
  if (type.layout == IpcLayout::kNull) {
    return Column::nulls(type.type, rows);
  }
  BufferPtr validity;
  if (node.null_count() > 0) {
    validity = cursor.buffer(name, (rows + 7) / 8, 1);
  } else {
    cursor.skip_buffer(name);
  }
  int64_t nulls = node.null_count();
  switch (type.layout) {
    case IpcLayout::kBool:
      return std::make_shared<Column>(type.type, rows, validity,
                                      cursor.buffer(name, (rows + 7) / 8, 1), nullptr, nulls);
    case IpcLayout::kFixed: {
      size_t alignment = static_cast<size_t>(type.byte_width);
      BufferPtr values =
          cursor.buffer(name, checked_bytes(rows, type.byte_width, cursor), alignment);
      return std::make_shared<Column>(type.type, rows, validity,
                                      convert_fixed(type, values, validity, rows, name, cursor),
                                      nullptr, nulls);
    }
    case IpcLayout::kBinary: {
      if (rows == 0) {  // a writer may leave the single offset out
        cursor.skip_buffer(name);
        cursor.skip_buffer(name);
        return std::make_shared<Column>(type.type, 0, nullptr, Buffer::allocate(4, true),
                                        Buffer::allocate(0), 0);
      }
      BufferPtr offsets = cursor.buffer(name, checked_bytes(rows + 1, 4, cursor), 4);
      int64_t bytes = check_offsets(offsets->data_as<int32_t>(), rows, name, cursor);
      return std::make_shared<Column>(type.type, rows, validity, offsets,
                                      cursor.buffer(name, bytes, 1), nulls);
    }
    case IpcLayout::kLargeBinary: {
      if (rows == 0) {
        cursor.skip_buffer(name);
        cursor.skip_buffer(name);
        return std::make_shared<Column>(type.type, 0, nullptr, Buffer::allocate(4, true),
                                        Buffer::allocate(0), 0);
      }
      BufferPtr wide = cursor.buffer(name, checked_bytes(rows + 1, 8, cursor), 8);
      const auto* large = wide->data_as<int64_t>();
      int64_t bytes = check_offsets(large, rows, name, cursor);
      if (bytes > INT32_MAX) {
        cursor.fail("column \"" + name + "\" holds more than 2 GiB of text in one batch");
      }
      BufferPtr offsets = Buffer::allocate(static_cast<size_t>(rows + 1) * 4);
      auto* narrow = reinterpret_cast<int32_t*>(offsets->mutable_data());
      for (int64_t i = 0; i <= rows; ++i) {
        narrow[i] = static_cast<int32_t>(large[i]);
      }
      return std::make_shared<Column>(type.type, rows, validity, offsets,
                                      cursor.buffer(name, bytes, 1), nulls);
    }
    case IpcLayout::kFixedBinary: {
      // The values are the bytes as they are; only the offsets are made.
      int64_t bytes = checked_bytes(rows, type.byte_width, cursor);
      if (bytes > INT32_MAX) {
        cursor.fail("column \"" + name + "\" holds more than 2 GiB in one batch");
      }
      BufferPtr chars = cursor.buffer(name, bytes, 1);
      BufferPtr offsets = Buffer::allocate(static_cast<size_t>(rows + 1) * 4);
      auto* at = reinterpret_cast<int32_t*>(offsets->mutable_data());
      for (int64_t i = 0; i <= rows; ++i) {
        at[i] = static_cast<int32_t>(i * type.byte_width);
      }
      return std::make_shared<Column>(type.type, rows, validity, offsets, chars, nulls);
    }
    case IpcLayout::kNull:
      break;
  }
  cursor.fail("column \"" + name + "\" has an unknown layout");
}

// Rows of `dictionary` picked by the index column's values (NULL where the index is).
ColumnPtr look_up(const Column& dictionary, const Column& indices, const std::string& name,
                  const BatchCursor& cursor) {
  std::vector<int64_t> rows(static_cast<size_t>(indices.length()));
  const bool wide = indices.type().id() == engine::TypeId::kInt64;
  const BufferPtr& validity = indices.validity_buffer();
  for (int64_t i = 0; i < indices.length(); ++i) {
    if (!is_valid(validity, i)) {
      rows[static_cast<size_t>(i)] = -1;
      continue;
    }
    int64_t index = wide ? indices.values_buffer()->data_as<int64_t>()[i]
                         : indices.values_buffer()->data_as<int32_t>()[i];
    if (index < 0 || index >= dictionary.length()) {
      cursor.fail("column \"" + name + "\" row " + std::to_string(i) + " names dictionary entry " +
                  std::to_string(index) + " of " + std::to_string(dictionary.length()));
    }
    rows[static_cast<size_t>(i)] = index;
  }
  return engine::detail::take(dictionary, rows);
}

// A dictionary-encoded field as the engine keeps such columns (an int32 code per row into
// plain strings), so that queries filter and group once per distinct string and a write
// sends the dictionary on: when the dictionary is strings without NULLs and the indices
// fit int32 (int8 and int16 ones arrive widened). The codes are the file's own bytes
// unless a NULL row's code is out of range (the format leaves it undefined; the engine
// wants every code valid). Anything else is looked up row by row.
ColumnPtr dictionary_column(const ColumnPtr& dictionary, const ColumnPtr& indices,
                            const std::string& name, const BatchCursor& cursor) {
  if (dictionary->type().id() != engine::TypeId::kString || dictionary->null_count() != 0 ||
      dictionary->is_dictionary() || dictionary->length() == 0 ||
      indices->type().id() != engine::TypeId::kInt32 || indices->offset() != 0) {
    return look_up(*dictionary, *indices, name, cursor);
  }
  const int32_t* codes = indices->values<int32_t>();
  auto entries = static_cast<uint32_t>(dictionary->length());
  bool null_codes_out_of_range = false;
  for (int64_t i = 0; i < indices->length(); ++i) {
    if (static_cast<uint32_t>(codes[i]) < entries) {
      continue;
    }
    if (indices->is_valid(i)) {
      cursor.fail("column \"" + name + "\" row " + std::to_string(i) + " names dictionary entry " +
                  std::to_string(codes[i]) + " of " + std::to_string(entries));
    }
    null_codes_out_of_range = true;
  }
  BufferPtr code_buffer = indices->values_buffer();
  if (null_codes_out_of_range) {
    code_buffer = Buffer::allocate(static_cast<size_t>(indices->length()) * 4);
    auto* out = reinterpret_cast<int32_t*>(code_buffer->mutable_data());
    for (int64_t i = 0; i < indices->length(); ++i) {
      out[i] = static_cast<uint32_t>(codes[i]) < entries ? codes[i] : 0;
    }
  }
  return Column::dictionary_encoded(dictionary, indices->length(), std::move(code_buffer),
                                    indices->validity_buffer(), indices->null_count());
}

}  // namespace

IpcBatchDecoder::IpcBatchDecoder(const IpcSchema& schema, std::string where,
                                 const std::vector<std::string>& columns)
    : schema_(schema), where_(std::move(where)), selected_(schema.fields.size(), columns.empty()) {
  std::vector<engine::Field> fields;
  auto take = [&](size_t index) {
    const IpcField& field = schema.fields[index];
    if (!field.unsupported.empty()) {
      throw IoError(where_ + ": " + field.unsupported);
    }
    selected_[index] = true;
    fields.push_back({field.name, field.values.type, field.nullable});
  };
  if (columns.empty()) {
    for (size_t i = 0; i < schema.fields.size(); ++i) {
      take(i);
    }
  } else {
    for (const std::string& name : columns) {
      auto found = std::find_if(schema.fields.begin(), schema.fields.end(),
                                [&](const IpcField& field) { return field.name == name; });
      if (found == schema.fields.end()) {
        throw SchemaError(where_ + ": no column \"" + name + "\"; it holds " +
                          schema.schema->to_string());
      }
      size_t index = static_cast<size_t>(found - schema.fields.begin());
      if (selected_[index]) {
        throw SchemaError(where_ + ": column \"" + name + "\" is asked for twice");
      }
      take(index);
      order_.push_back(index);
    }
  }
  output_ = std::make_shared<engine::Schema>(std::move(fields));
}

engine::RecordBatch IpcBatchDecoder::decode(const fb::RecordBatch& batch,
                                            const IpcBody& body) const {
  BatchCursor cursor(batch, body, where_);
  int64_t rows = batch.length();
  // Columns of the null type take no bytes, so nothing else bounds their rows; no writer
  // makes a batch past int32 (the engine's string offsets are int32, too).
  if (rows < 0 || rows > INT32_MAX) {
    cursor.fail("a batch of " + std::to_string(rows) + " rows");
  }
  // Columns in the file's order; the ones not asked for are stepped over, their buffers
  // never touched (in a mapped file, their pages never read).
  std::vector<ColumnPtr> in_file(schema_.fields.size());
  for (size_t i = 0; i < schema_.fields.size(); ++i) {
    const IpcField& field = schema_.fields[i];
    if (!selected_[i]) {
      cursor.skip(field.name, field.nodes, field.buffers);
    } else if (!field.dictionary_id) {
      in_file[i] = read_column(cursor, field.values, field.name, rows);
    } else {
      auto found = dictionaries_.find(*field.dictionary_id);
      if (found == dictionaries_.end()) {
        cursor.fail("column \"" + field.name + "\" uses dictionary " +
                    std::to_string(*field.dictionary_id) + ", which no message before it sent");
      }
      ColumnPtr indices = read_column(cursor, field.indices, field.name, rows);
      in_file[i] = dictionary_column(found->second, indices, field.name, cursor);
    }
  }
  cursor.expect_consumed();
  std::vector<ColumnPtr> columns;
  if (order_.empty()) {
    for (ColumnPtr& column : in_file) {
      if (column != nullptr) {
        columns.push_back(std::move(column));
      }
    }
  } else {
    for (size_t index : order_) {
      columns.push_back(in_file[index]);
    }
  }
  return engine::RecordBatch(output_, std::move(columns), rows);
}

void IpcBatchDecoder::add_dictionary(const fb::DictionaryBatch& batch, const IpcBody& body) {
  const IpcField* user = nullptr;
  bool wanted = false;
  for (size_t i = 0; i < schema_.fields.size(); ++i) {
    if (schema_.fields[i].dictionary_id == batch.id()) {
      user = &schema_.fields[i];
      wanted = selected_[i];
      break;
    }
  }
  if (user == nullptr) {
    throw IoError(where_ + ": a dictionary of id " + std::to_string(batch.id()) +
                  " that no column uses");
  }
  if (!wanted) {
    return;  // the column is not read: neither is its dictionary
  }
  if (batch.data() == nullptr) {
    throw IoError(where_ + ": dictionary " + std::to_string(batch.id()) + " has no data");
  }
  BatchCursor cursor(*batch.data(), body, where_);
  if (batch.data()->length() < 0 || batch.data()->length() > INT32_MAX) {
    cursor.fail("a dictionary of " + std::to_string(batch.data()->length()) + " entries");
  }
  ColumnPtr values = read_column(cursor, user->values, user->name, batch.data()->length());
  cursor.expect_consumed();
  ColumnPtr& kept = dictionaries_[batch.id()];
  if (batch.is_delta() && kept != nullptr) {
    kept = engine::detail::concat({kept, values}, user->values.type);
  } else {
    kept = values;
  }
}

}  // namespace setl::storage::detail
