#include "storage/parquet/parquet_writer.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include <zlib.h>

#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/engine/builder.h"
#include "setl/engine/execution.h"
#include "storage/parquet/codec.h"
#include "storage/parquet/encoding.h"
#include "storage/parquet/metadata.h"

namespace setl::storage::parquet {
namespace {

using engine::ColumnPtr;
using engine::TypeId;
using Encoding = format::Encoding;
using PhysicalType = format::Type;

constexpr size_t kMaxStatisticBytes = 64;  // longer string bounds are left out of the footer
constexpr int64_t kMaxDictionaryEntries = 65'536;

Codec codec_of(ParquetCompression compression) {
  switch (compression) {
    case ParquetCompression::kNone:
      return Codec::kUncompressed;
    case ParquetCompression::kSnappy:
      return Codec::kSnappy;
    case ParquetCompression::kGzip:
      return Codec::kGzip;
    case ParquetCompression::kZstd:
      return Codec::kZstd;
    case ParquetCompression::kLz4Raw:
      return Codec::kLz4Raw;
  }
  return Codec::kUncompressed;
}

template <class T>
void append_raw(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

// The engine values of one column type as the writer sees them.
template <TypeId kId>
struct Values;
template <>
struct Values<TypeId::kBool> {
  using T = bool;
  static T get(const engine::Column& c, int64_t row) { return c.bool_value(row); }
};
template <>
struct Values<TypeId::kInt32> {
  using T = int32_t;
  static T get(const engine::Column& c, int64_t row) { return c.values<int32_t>()[row]; }
};
template <>
struct Values<TypeId::kInt64> {
  using T = int64_t;
  static T get(const engine::Column& c, int64_t row) { return c.values<int64_t>()[row]; }
};
template <>
struct Values<TypeId::kFloat64> {
  using T = double;
  static T get(const engine::Column& c, int64_t row) { return c.values<double>()[row]; }
};
// Decimals of up to 18 digits are written as INT64 (their unscaled value fits).
template <>
struct Values<TypeId::kDecimal> {
  using T = int64_t;
  static T get(const engine::Column& c, int64_t row) {
    return static_cast<int64_t>(c.values<engine::int128>()[row]);
  }
};
template <>
struct Values<TypeId::kString> {
  using T = std::string_view;
  static T get(const engine::Column& c, int64_t row) { return c.string_value(row); }
};

template <class T>
void append_plain(std::string& out, const T& value) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    append_raw(out, static_cast<uint32_t>(value.size()));
    out.append(value);
  } else {
    append_raw(out, value);
  }
}

template <class T>
std::string statistic_bytes(const T& value) {
  std::string bytes;
  if constexpr (std::is_same_v<T, std::string_view>) {
    bytes.assign(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    bytes.push_back(value ? 1 : 0);
  } else {
    append_raw(bytes, value);
  }
  return bytes;
}

struct EncodedChunk {
  std::string bytes;
  format::ColumnMetaData meta;
  int64_t data_offset = 0;  // relative to the chunk start
  bool has_dictionary = false;
};

struct PageWriter {
  const ParquetOptions& options;
  Codec codec;
  EncodedChunk& chunk;
  int64_t uncompressed_total = 0;
  std::string compressed;

  void append_page(format::PageHeader header, const std::string& prefix, const std::string& body,
                   bool compress_body) {
    compressed.clear();
    compressed.append(prefix);
    if (compress_body) {
      compress(codec, reinterpret_cast<const uint8_t*>(body.data()), body.size(),
               options.compression_level, compressed);
    } else {
      compressed.append(body);
    }
    header.__set_uncompressed_page_size(static_cast<int32_t>(prefix.size() + body.size()));
    header.__set_compressed_page_size(static_cast<int32_t>(compressed.size()));
    if (options.write_checksums) {
      header.__set_crc(
          static_cast<int32_t>(crc32(0L, reinterpret_cast<const Bytef*>(compressed.data()),
                                     static_cast<uInt>(compressed.size()))));
    }
    size_t before = chunk.bytes.size();
    append_serialized(header, chunk.bytes);
    size_t header_size = chunk.bytes.size() - before;
    chunk.bytes.append(compressed);
    uncompressed_total += static_cast<int64_t>(header_size + prefix.size() + body.size());
  }
};

template <TypeId kId>
EncodedChunk encode_chunk(const std::vector<ColumnPtr>& pieces, const engine::Field& field,
                          bool optional, PhysicalType::type physical,
                          const ParquetOptions& options) {
  using V = Values<kId>;
  using T = typename V::T;
  // Dictionary keys: doubles by bit pattern, so that NaN finds itself and -0.0 stays apart.
  using Stored = std::conditional_t<std::is_same_v<T, bool>, uint8_t,
                                    std::conditional_t<std::is_same_v<T, double>, uint64_t, T>>;
  auto key_of = [](T value) {
    if constexpr (std::is_same_v<T, double>) {
      return std::bit_cast<uint64_t>(value);
    } else {
      return static_cast<Stored>(value);
    }
  };
  auto value_of = [](Stored key) {
    if constexpr (std::is_same_v<T, double>) {
      return std::bit_cast<double>(key);
    } else {
      return static_cast<T>(key);
    }
  };
  EncodedChunk chunk;
  Codec codec = codec_of(options.compression);
  PageWriter writer{options, codec, chunk};
  int64_t rows = 0;
  int64_t nulls = 0;
  for (const ColumnPtr& piece : pieces) {
    rows += piece->length();
    nulls += piece->null_count();
  }

  // Statistics, and the dictionary when the column has few distinct values (each row's
  // index is kept so the pages need not hash again).
  bool any = false;
  T low{};
  T high{};
  bool use_dictionary = options.dictionary && !std::is_same_v<T, bool>;
  std::unordered_map<Stored, uint32_t> dictionary_index;
  std::vector<Stored> dictionary;
  std::vector<uint32_t> row_indices;
  if (use_dictionary) {
    row_indices.resize(static_cast<size_t>(rows));
  }
  int64_t dictionary_limit = std::min<int64_t>(kMaxDictionaryEntries, rows / 2 + 1);
  int64_t base = 0;
  for (const ColumnPtr& piece : pieces) {
    bool has_nulls = piece->null_count() > 0;
    for (int64_t row = 0; row < piece->length(); ++row) {
      if (has_nulls && piece->is_null(row)) {
        continue;
      }
      T value = V::get(*piece, row);
      if constexpr (std::is_floating_point_v<T>) {
        if (!std::isnan(value)) {
          // Zero bounds are written as -0.0 (min) and +0.0 (max), as the format asks.
          T value_low = value == 0 ? -0.0 : value;
          T value_high = value == 0 ? 0.0 : value;
          low = any ? std::min(low, value_low) : value_low;
          high = any ? std::max(high, value_high) : value_high;
          any = true;
        }
      } else {
        low = any ? std::min(low, value) : value;
        high = any ? std::max(high, value) : value;
        any = true;
      }
      if (use_dictionary) {
        auto [it, added] =
            dictionary_index.try_emplace(key_of(value), static_cast<uint32_t>(dictionary.size()));
        row_indices[static_cast<size_t>(base + row)] = it->second;
        if (added) {
          dictionary.push_back(key_of(value));
          if (static_cast<int64_t>(dictionary.size()) > dictionary_limit) {
            use_dictionary = false;
            dictionary_index.clear();
            dictionary.clear();
            row_indices.clear();
          }
        }
      }
    }
    base += piece->length();
  }
  int bit_width = bit_width_of(dictionary.empty() ? 0 : dictionary.size() - 1);

  std::string body;
  if (use_dictionary) {
    for (const Stored& value : dictionary) {
      append_plain(body, value_of(value));
    }
    format::PageHeader header;
    header.__set_type(format::PageType::DICTIONARY_PAGE);
    format::DictionaryPageHeader dictionary_header;
    dictionary_header.__set_num_values(static_cast<int32_t>(dictionary.size()));
    dictionary_header.__set_encoding(Encoding::PLAIN);
    header.__set_dictionary_page_header(dictionary_header);
    writer.append_page(header, {}, body, true);
    chunk.has_dictionary = true;
    chunk.data_offset = static_cast<int64_t>(chunk.bytes.size());
  }

  Encoding::type value_encoding = use_dictionary ? Encoding::RLE_DICTIONARY : Encoding::PLAIN;
  std::vector<uint32_t> levels;
  std::vector<uint32_t> indices;
  std::string level_bytes;
  base = 0;
  for (const ColumnPtr& piece : pieces) {
    bool has_nulls = piece->null_count() > 0;
    for (int64_t start = 0; start < piece->length(); start += options.page_rows) {
      int64_t count = std::min(options.page_rows, piece->length() - start);
      levels.clear();
      indices.clear();
      body.clear();
      int64_t page_nulls = 0;
      uint8_t bits = 0;
      int bit_count = 0;
      constexpr bool kFixedWidth = !std::is_same_v<T, bool> && !std::is_same_v<T, std::string_view>;
      if (!has_nulls && (use_dictionary || kFixedWidth)) {
        // No nulls: copy the values (or their dictionary indices) in one go.
        if (use_dictionary) {
          auto first = row_indices.begin() + static_cast<std::ptrdiff_t>(base + start);
          indices.assign(first, first + static_cast<std::ptrdiff_t>(count));
        } else if constexpr (kId == TypeId::kDecimal) {  // 128-bit values narrowed to T
          for (int64_t row = start; row < start + count; ++row) {
            append_raw(body, V::get(*piece, row));
          }
        } else if constexpr (kFixedWidth) {
          const T* values = piece->template values<T>() + start;
          body.append(reinterpret_cast<const char*>(values),
                      static_cast<size_t>(count) * sizeof(T));
        }
      } else {
        for (int64_t row = start; row < start + count; ++row) {
          bool valid = piece->is_valid(row);
          levels.push_back(valid ? 1 : 0);
          if (!valid) {
            ++page_nulls;
            continue;
          }
          if (use_dictionary) {
            indices.push_back(row_indices[static_cast<size_t>(base + row)]);
            continue;
          }
          T value = V::get(*piece, row);
          if constexpr (std::is_same_v<T, bool>) {
            bits = static_cast<uint8_t>(bits | (value ? 1u << bit_count : 0u));
            if (++bit_count == 8) {
              body.push_back(static_cast<char>(bits));
              bits = 0;
              bit_count = 0;
            }
          } else {
            append_plain(body, value);
          }
        }
      }
      if (bit_count > 0) {
        body.push_back(static_cast<char>(bits));
      }
      if (use_dictionary) {
        body.push_back(static_cast<char>(bit_width));
        rle_encode(indices.data(), static_cast<int64_t>(indices.size()), bit_width, body);
      }
      level_bytes.clear();
      if (optional && levels.empty()) {
        uint32_t present = 1;  // every row present: one run
        rle_encode_run(present, count, 1, level_bytes);
      } else if (optional) {
        rle_encode(levels.data(), count, 1, level_bytes);
      }
      format::PageHeader header;
      if (options.data_page_version == 2) {
        header.__set_type(format::PageType::DATA_PAGE_V2);
        format::DataPageHeaderV2 v2;
        v2.__set_num_values(static_cast<int32_t>(count));
        v2.__set_num_nulls(static_cast<int32_t>(page_nulls));
        v2.__set_num_rows(static_cast<int32_t>(count));
        v2.__set_encoding(value_encoding);
        v2.__set_definition_levels_byte_length(static_cast<int32_t>(level_bytes.size()));
        v2.__set_repetition_levels_byte_length(0);
        v2.__set_is_compressed(codec != Codec::kUncompressed);
        header.__set_data_page_header_v2(v2);
        writer.append_page(header, level_bytes, body, codec != Codec::kUncompressed);
      } else {
        header.__set_type(format::PageType::DATA_PAGE);
        format::DataPageHeader v1;
        v1.__set_num_values(static_cast<int32_t>(count));
        v1.__set_encoding(value_encoding);
        v1.__set_definition_level_encoding(Encoding::RLE);
        v1.__set_repetition_level_encoding(Encoding::RLE);
        header.__set_data_page_header(v1);
        std::string full;
        if (optional) {
          append_raw(full, static_cast<uint32_t>(level_bytes.size()));
          full.append(level_bytes);
        }
        full.append(body);
        writer.append_page(header, {}, full, true);
      }
    }
    base += piece->length();
  }

  format::ColumnMetaData& meta = chunk.meta;
  meta.__set_type(physical);
  std::vector<Encoding::type> encodings = {Encoding::RLE};
  encodings.push_back(use_dictionary ? Encoding::RLE_DICTIONARY : Encoding::PLAIN);
  if (use_dictionary) {
    encodings.push_back(Encoding::PLAIN);
  }
  meta.__set_encodings(encodings);
  meta.__set_path_in_schema({field.name});
  meta.__set_codec(static_cast<format::CompressionCodec::type>(codec));
  meta.__set_num_values(rows);
  meta.__set_total_uncompressed_size(writer.uncompressed_total);
  meta.__set_total_compressed_size(static_cast<int64_t>(chunk.bytes.size()));
  format::Statistics statistics;
  statistics.__set_null_count(nulls);
  if (any) {
    std::string low_bytes = statistic_bytes(low);
    std::string high_bytes = statistic_bytes(high);
    if (low_bytes.size() <= kMaxStatisticBytes && high_bytes.size() <= kMaxStatisticBytes) {
      statistics.__set_min_value(low_bytes);
      statistics.__set_max_value(high_bytes);
      if constexpr (!std::is_same_v<T, std::string_view>) {
        // Signed order is right for numbers: older readers use these fields.
        statistics.__set_min(low_bytes);
        statistics.__set_max(high_bytes);
      }
    }
  }
  meta.__set_statistics(statistics);
  return chunk;
}

EncodedChunk encode_null_chunk(int64_t rows, const engine::Field& field,
                               const ParquetOptions& options) {
  // An all-NULL column: INT32 with every definition level 0.
  auto column = engine::Column::nulls(engine::DataType::int32(), rows);
  EncodedChunk chunk =
      encode_chunk<TypeId::kInt32>({column}, field, true, PhysicalType::INT32, options);
  return chunk;
}

// Decimals wider than 18 digits as BYTE_ARRAY values of 16 big-endian two's complement
// bytes (the DECIMAL layout), held in string columns so the byte-array writer encodes them.
std::vector<ColumnPtr> big_endian_decimals(const std::vector<ColumnPtr>& pieces) {
  std::vector<ColumnPtr> out;
  for (const ColumnPtr& piece : pieces) {
    engine::ColumnBuilder builder(engine::DataType::string(), piece->length());
    const engine::int128* values = piece->values<engine::int128>();
    for (int64_t row = 0; row < piece->length(); ++row) {
      if (piece->is_null(row)) {
        builder.append_null();
        continue;
      }
      auto bits = static_cast<engine::uint128>(values[row]);
      char bytes[16];
      for (int i = 15; i >= 0; --i) {
        bytes[i] = static_cast<char>(static_cast<uint8_t>(bits));
        bits >>= 8;
      }
      builder.append_string(std::string_view(bytes, 16));
    }
    out.push_back(builder.finish());
  }
  return out;
}

ColumnLayout layout_of(const engine::Field& field, bool optional) {
  format::SchemaElement element;
  element.__set_name(field.name);
  element.__set_repetition_type(optional ? format::FieldRepetitionType::OPTIONAL
                                         : format::FieldRepetitionType::REQUIRED);
  format::LogicalType logical;
  PhysicalType::type physical = PhysicalType::INT32;
  switch (field.type.id()) {
    case TypeId::kNull:
      logical.__set_UNKNOWN(format::NullType());
      break;
    case TypeId::kBool:
      physical = PhysicalType::BOOLEAN;
      break;
    case TypeId::kInt32: {
      format::IntType integer;
      integer.__set_bitWidth(32);
      integer.__set_isSigned(true);
      logical.__set_INTEGER(integer);
      element.__set_converted_type(format::ConvertedType::INT_32);
      break;
    }
    case TypeId::kInt64: {
      physical = PhysicalType::INT64;
      format::IntType integer;
      integer.__set_bitWidth(64);
      integer.__set_isSigned(true);
      logical.__set_INTEGER(integer);
      element.__set_converted_type(format::ConvertedType::INT_64);
      break;
    }
    case TypeId::kFloat64:
      physical = PhysicalType::DOUBLE;
      break;
    case TypeId::kString:
      physical = PhysicalType::BYTE_ARRAY;
      logical.__set_STRING(format::StringType());
      element.__set_converted_type(format::ConvertedType::UTF8);
      break;
    case TypeId::kDate32:
      logical.__set_DATE(format::DateType());
      element.__set_converted_type(format::ConvertedType::DATE);
      break;
    case TypeId::kTimestamp: {
      physical = PhysicalType::INT64;
      format::TimestampType timestamp;
      bool utc = !field.type.zone().empty();
      timestamp.__set_isAdjustedToUTC(utc);
      format::TimeUnit unit;
      unit.__set_MICROS(format::MicroSeconds());
      timestamp.__set_unit(unit);
      logical.__set_TIMESTAMP(timestamp);
      if (utc) {  // the converted type implies UTC-adjusted values
        element.__set_converted_type(format::ConvertedType::TIMESTAMP_MICROS);
      }
      break;
    }
    case TypeId::kDecimal: {
      physical = field.type.precision() <= 18 ? PhysicalType::INT64 : PhysicalType::BYTE_ARRAY;
      format::DecimalType decimal;
      decimal.__set_precision(field.type.precision());
      decimal.__set_scale(field.type.scale());
      logical.__set_DECIMAL(decimal);
      element.__set_converted_type(format::ConvertedType::DECIMAL);
      element.__set_precision(field.type.precision());
      element.__set_scale(field.type.scale());
      break;
    }
  }
  element.__set_type(physical);
  bool has_logical = logical.__isset.UNKNOWN || logical.__isset.INTEGER || logical.__isset.STRING ||
                     logical.__isset.DATE || logical.__isset.TIMESTAMP || logical.__isset.DECIMAL;
  if (has_logical) {
    element.__set_logicalType(logical);
  }
  return {physical, element};
}

EncodedChunk encode_column(const std::vector<ColumnPtr>& pieces, const engine::Field& field,
                           const ColumnLayout& layout, bool optional,
                           const ParquetOptions& options) {
  switch (field.type.id()) {
    case TypeId::kNull: {
      int64_t rows = 0;
      for (const ColumnPtr& piece : pieces) {
        rows += piece->length();
      }
      return encode_null_chunk(rows, field, options);
    }
    case TypeId::kBool:
      return encode_chunk<TypeId::kBool>(pieces, field, optional, layout.physical, options);
    case TypeId::kInt32:
    case TypeId::kDate32:
      return encode_chunk<TypeId::kInt32>(pieces, field, optional, layout.physical, options);
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      return encode_chunk<TypeId::kInt64>(pieces, field, optional, layout.physical, options);
    case TypeId::kFloat64:
      return encode_chunk<TypeId::kFloat64>(pieces, field, optional, layout.physical, options);
    case TypeId::kString:
      return encode_chunk<TypeId::kString>(pieces, field, optional, layout.physical, options);
    case TypeId::kDecimal: {
      if (layout.physical == PhysicalType::INT64) {
        return encode_chunk<TypeId::kDecimal>(pieces, field, optional, layout.physical, options);
      }
      EncodedChunk chunk = encode_chunk<TypeId::kString>(big_endian_decimals(pieces), field,
                                                         optional, layout.physical, options);
      // Byte order is not signed order: keep the null count, drop the bounds.
      format::Statistics statistics;
      statistics.__set_null_count(chunk.meta.statistics.null_count);
      chunk.meta.__set_statistics(statistics);
      return chunk;
    }
  }
  throw InternalError("unhandled column type in the Parquet writer");
}

void validate(const ParquetOptions& options) {
  if (options.row_group_rows <= 0) {
    throw ConfigError("Parquet row_group_rows must be positive, got " +
                      std::to_string(options.row_group_rows));
  }
  if (options.page_rows <= 0 || options.page_rows > std::numeric_limits<int32_t>::max()) {
    throw ConfigError("Parquet page_rows must be between 1 and 2^31-1, got " +
                      std::to_string(options.page_rows));
  }
  if (options.data_page_version != 1 && options.data_page_version != 2) {
    throw ConfigError("Parquet data_page_version must be 1 or 2, got " +
                      std::to_string(options.data_page_version));
  }
}

}  // namespace

ParquetFileWriter::ParquetFileWriter(engine::SchemaPtr schema, std::vector<bool> optional,
                                     std::ostream& out, const ParquetOptions& options)
    : schema_(std::move(schema)), optional_(std::move(optional)), out_(out), options_(options) {
  validate(options_);
  const engine::Schema& schema_ref = *schema_;
  metadata_.__set_version(1);
  std::vector<format::SchemaElement> elements(1);
  elements[0].__set_name("schema");
  elements[0].__set_num_children(static_cast<int32_t>(schema_ref.num_fields()));
  std::vector<format::KeyValue> key_values;
  for (size_t c = 0; c < schema_ref.num_fields(); ++c) {
    const engine::Field& field = schema_ref.field(c);
    bool is_optional = optional_[c] || field.nullable || field.type.id() == TypeId::kNull;
    optional_[c] = is_optional;
    layouts_.push_back(layout_of(field, is_optional));
    elements.push_back(layouts_.back().element);
    const std::string& zone = field.type.zone();
    if (field.type.id() == TypeId::kTimestamp && !zone.empty() && zone != "UTC") {
      format::KeyValue entry;
      entry.__set_key("setl.zone." + field.name);
      entry.__set_value(zone);
      key_values.push_back(entry);
    }
  }
  metadata_.__set_schema(elements);
  metadata_.__set_created_by("setlpp version 0.1.0");
  if (!key_values.empty()) {
    metadata_.__set_key_value_metadata(key_values);
  }
  std::vector<format::ColumnOrder> orders(schema_ref.num_fields());
  for (format::ColumnOrder& order : orders) {
    order.__set_TYPE_ORDER(format::TypeDefinedOrder());
  }
  metadata_.__set_column_orders(orders);
  out_.write("PAR1", 4);
}

ParquetFileWriter::~ParquetFileWriter() = default;

void ParquetFileWriter::add(const engine::RecordBatch& batch) {
  if (batch.num_rows() == 0) {
    return;
  }
  pending_.emplace_back(schema_, batch.columns(), batch.num_rows());
  pending_rows_ += batch.num_rows();
  for (const engine::ColumnPtr& column : batch.columns()) {
    pending_bytes_ += column->data_size();
  }
  while (pending_rows_ >= options_.row_group_rows) {
    flush(options_.row_group_rows);
  }
  if (options_.row_group_bytes > 0 && pending_bytes_ >= options_.row_group_bytes) {
    flush(pending_rows_);
  }
}

void ParquetFileWriter::flush(int64_t rows) {
  engine::Table all(schema_, std::move(pending_));
  pending_.clear();
  write_row_group(all.slice(0, rows));
  engine::Table rest = all.slice(rows, all.num_rows() - rows);
  pending_ = rest.batches();
  pending_rows_ = rest.num_rows();
  pending_bytes_ = 0;
  for (const engine::RecordBatch& batch : pending_) {
    for (const engine::ColumnPtr& column : batch.columns()) {
      pending_bytes_ += column->data_size();
    }
  }
}

void ParquetFileWriter::write_row_group(const engine::Table& part) {
  current_cancellation().check();  // between row groups
  const engine::Schema& schema = *schema_;
  int64_t rows = part.num_rows();
  report_progress(rows);
  std::vector<EncodedChunk> chunks(schema.num_fields());
  engine::parallel_for(schema.num_fields(), [&](size_t c) {
    const engine::Field& field = schema.field(c);
    chunks[c] =
        encode_column(part.column_chunks(field.name), field, layouts_[c], optional_[c], options_);
  });
  format::RowGroup group;
  group.__set_num_rows(rows);
  group.__set_file_offset(offset_);
  group.__set_ordinal(static_cast<int16_t>(std::min<size_t>(row_groups_.size(), INT16_MAX)));
  int64_t uncompressed = 0;
  int64_t compressed = 0;
  std::vector<format::ColumnChunk> columns;
  for (EncodedChunk& chunk : chunks) {
    chunk.meta.__set_data_page_offset(offset_ + chunk.data_offset);
    if (chunk.has_dictionary) {
      chunk.meta.__set_dictionary_page_offset(offset_);
    }
    format::ColumnChunk column;
    column.__set_file_offset(0);  // the metadata lives only in the footer
    column.__set_meta_data(chunk.meta);
    columns.push_back(std::move(column));
    out_.write(chunk.bytes.data(), static_cast<std::streamsize>(chunk.bytes.size()));
    offset_ += static_cast<int64_t>(chunk.bytes.size());
    uncompressed += chunk.meta.total_uncompressed_size;
    compressed += chunk.meta.total_compressed_size;
  }
  group.__set_columns(columns);
  group.__set_total_byte_size(uncompressed);
  group.__set_total_compressed_size(compressed);
  row_groups_.push_back(std::move(group));
  total_rows_ += rows;
}

void ParquetFileWriter::finish() {
  if (pending_rows_ > 0) {
    flush(pending_rows_);
  }
  metadata_.__set_num_rows(total_rows_);
  metadata_.__set_row_groups(row_groups_);
  std::string footer;
  append_serialized(metadata_, footer);
  out_.write(footer.data(), static_cast<std::streamsize>(footer.size()));
  uint32_t footer_size = static_cast<uint32_t>(footer.size());
  out_.write(reinterpret_cast<const char*>(&footer_size), 4);
  out_.write("PAR1", 4);
}

void write_parquet(const engine::Table& table, std::ostream& out, const ParquetOptions& options) {
  // A column without nulls in a non-nullable field is written as required.
  std::vector<bool> optional;
  for (const engine::Field& field : table.schema()->fields()) {
    int64_t nulls = 0;
    for (const ColumnPtr& piece : table.column_chunks(field.name)) {
      nulls += piece->null_count();
    }
    optional.push_back(nulls > 0);
  }
  ParquetFileWriter writer(table.schema(), std::move(optional), out, options);
  for (const engine::RecordBatch& batch : table.batches()) {
    writer.add(batch);
  }
  writer.finish();
}

}  // namespace setl::storage::parquet
