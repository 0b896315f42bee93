#include "storage/parquet/parquet_reader.h"

#include <cerrno>
#include <cstring>
#include <limits>
#include <map>

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include "setl/core/error.h"
#include "storage/parquet/codec.h"
#include "storage/parquet/column_decoder.h"
#include "storage/parquet/encoding.h"

namespace setl::storage::parquet {
namespace {

using engine::DataType;
using PhysicalType = format::Type;

constexpr char kMagic[4] = {'P', 'A', 'R', '1'};
constexpr int64_t kTrailerSize = 8;  // footer length + magic
// A row group becomes one engine column per column chunk, with 32-bit string offsets; the
// bound also keeps every size computed from a row count far from overflowing.
constexpr int64_t kMaxRowGroupRows = std::numeric_limits<int32_t>::max() - 1;

uint32_t load_u32(const uint8_t* p) {
  uint32_t value;
  std::memcpy(&value, p, 4);
  return value;
}

struct Mapping {
  DataType type;
  Conversion conversion = Conversion::kNone;
  int32_t scale = 0;
  bool unsigned_order = false;
};

// Engine type of a primitive schema element, or the reason there is none.
std::optional<Mapping> map_type(const format::SchemaElement& element, std::string& why) {
  using Converted = format::ConvertedType;
  PhysicalType::type physical = element.type;
  bool is_int = physical == PhysicalType::INT32 || physical == PhysicalType::INT64;
  bool is_bytes =
      physical == PhysicalType::BYTE_ARRAY || physical == PhysicalType::FIXED_LEN_BYTE_ARRAY;
  auto decimal = [&](int32_t scale) -> std::optional<Mapping> {
    if (!is_int && !is_bytes) {
      why = "DECIMAL stored as " + format::to_string(physical);
      return std::nullopt;
    }
    return Mapping{DataType::float64(), Conversion::kDecimal, scale};
  };
  auto timestamp = [&](int unit, bool utc) -> std::optional<Mapping> {  // 0 ms, 1 us, 2 ns
    if (physical != PhysicalType::INT64) {
      why = "TIMESTAMP stored as " + format::to_string(physical);
      return std::nullopt;
    }
    Conversion conversion = unit == 0   ? Conversion::kMillisToMicros
                            : unit == 2 ? Conversion::kNanosToMicros
                                        : Conversion::kNone;
    return Mapping{DataType::timestamp(utc ? "UTC" : ""), conversion};
  };
  if (element.__isset.logicalType) {
    const format::LogicalType& logical = element.logicalType;
    if (logical.__isset.STRING || logical.__isset.ENUM || logical.__isset.JSON ||
        logical.__isset.BSON || logical.__isset.UUID) {
      if (is_bytes) {
        return Mapping{DataType::string()};
      }
    } else if (logical.__isset.DECIMAL) {
      return decimal(logical.DECIMAL.scale);
    } else if (logical.__isset.DATE) {
      if (physical == PhysicalType::INT32) {
        return Mapping{DataType::date32()};
      }
    } else if (logical.__isset.TIMESTAMP) {
      const format::TimeUnit& unit = logical.TIMESTAMP.unit;
      return timestamp(unit.__isset.MILLIS  ? 0
                       : unit.__isset.NANOS ? 2
                                            : 1,
                       logical.TIMESTAMP.isAdjustedToUTC);
    } else if (logical.__isset.INTEGER) {
      int bits = logical.INTEGER.bitWidth;
      bool is_signed = logical.INTEGER.isSigned;
      if (physical == PhysicalType::INT32) {
        if (!is_signed && bits == 32) {
          return Mapping{DataType::int64(), Conversion::kUnsigned32};
        }
        return Mapping{DataType::int32()};
      }
      if (physical == PhysicalType::INT64) {
        return Mapping{DataType::int64(), Conversion::kNone, 0, !is_signed};
      }
    } else if (logical.__isset.UNKNOWN) {
      return Mapping{DataType::null(), Conversion::kAllNull};
    } else if (logical.__isset.LIST || logical.__isset.MAP) {
      why = "a LIST or MAP annotation on a primitive column";
      return std::nullopt;
    }
    // TIME and annotations that do not fit the physical type: fall through to the
    // converted type, then to the physical type.
  }
  if (element.__isset.converted_type) {
    switch (element.converted_type) {
      case Converted::UTF8:
      case Converted::ENUM:
      case Converted::JSON:
      case Converted::BSON:
        if (is_bytes) {
          return Mapping{DataType::string()};
        }
        break;
      case Converted::DECIMAL:
        return decimal(element.__isset.scale ? element.scale : 0);
      case Converted::DATE:
        if (physical == PhysicalType::INT32) {
          return Mapping{DataType::date32()};
        }
        break;
      case Converted::TIMESTAMP_MILLIS:
        return timestamp(0, true);
      case Converted::TIMESTAMP_MICROS:
        return timestamp(1, true);
      case Converted::UINT_32:
        if (physical == PhysicalType::INT32) {
          return Mapping{DataType::int64(), Conversion::kUnsigned32};
        }
        break;
      case Converted::UINT_64:
        if (physical == PhysicalType::INT64) {
          return Mapping{DataType::int64(), Conversion::kNone, 0, true};
        }
        break;
      case Converted::MAP:
      case Converted::LIST:
      case Converted::MAP_KEY_VALUE:
        why = "a LIST or MAP annotation on a primitive column";
        return std::nullopt;
      default:
        break;
    }
  }
  switch (physical) {
    case PhysicalType::BOOLEAN:
      return Mapping{DataType::boolean()};
    case PhysicalType::INT32:
      return Mapping{DataType::int32()};
    case PhysicalType::INT64:
      return Mapping{DataType::int64()};
    case PhysicalType::INT96:
      return Mapping{DataType::timestamp(), Conversion::kInt96};
    case PhysicalType::FLOAT:
      return Mapping{DataType::float64(), Conversion::kFloatToDouble};
    case PhysicalType::DOUBLE:
      return Mapping{DataType::float64()};
    case PhysicalType::BYTE_ARRAY:
    case PhysicalType::FIXED_LEN_BYTE_ARRAY:
      return Mapping{DataType::string()};
  }
  why = "unknown physical type " + format::to_string(physical);
  return std::nullopt;
}

// Rows with a value, from flat definition levels (0 = NULL, 1 = present).
int64_t count_present(const std::vector<uint32_t>& levels) {
  int64_t present = 0;
  for (uint32_t level : levels) {
    if (level > 1) {
      throw ParseError("definition level " + std::to_string(level) +
                       " exceeds the column's maximum of 1");
    }
    present += level;
  }
  return present;
}

std::string zone_key(const std::string& column) {
  return "setl.zone." + column;
}

}  // namespace

ParquetFileReader::ParquetFileReader(std::filesystem::path path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    throw IoError("cannot open " + path_.string() + ": " + std::strerror(errno));
  }
  off_t end = ::lseek(fd_, 0, SEEK_END);
  if (end < 0) {
    ::close(fd_);
    throw IoError("cannot read " + path_.string() + ": " + std::strerror(errno));
  }
  file_size_ = end;
  try {
    open_footer();
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

ParquetFileReader::ParquetFileReader(std::shared_ptr<const std::string> bytes, std::string name)
    : path_(std::move(name)), memory_(std::move(bytes)) {
  file_size_ = static_cast<int64_t>(memory_->size());
  open_footer();
}

void ParquetFileReader::open_footer() {
  try {
    if (file_size_ < 4 + kTrailerSize) {
      throw ParseError(path_.string() + " is not a Parquet file: only " +
                       std::to_string(file_size_) + " bytes");
    }
    std::string head = read_range(0, 4);
    std::string trailer = read_range(file_size_ - kTrailerSize, kTrailerSize);
    if (std::memcmp(head.data(), kMagic, 4) != 0 ||
        std::memcmp(trailer.data() + 4, kMagic, 4) != 0) {
      throw ParseError(path_.string() +
                       " is not a Parquet file (no PAR1 magic at its start and end; truncated?)");
    }
    int64_t footer_size = load_u32(reinterpret_cast<const uint8_t*>(trailer.data()));
    footer_start_ = file_size_ - kTrailerSize - footer_size;
    if (footer_size <= 0 || footer_start_ < 4) {
      throw ParseError(path_.string() + ": corrupt Parquet footer length " +
                       std::to_string(footer_size) + " in a file of " + std::to_string(file_size_) +
                       " bytes");
    }
    std::string footer = read_range(footer_start_, footer_size);
    metadata_ = parse_file_metadata(reinterpret_cast<const uint8_t*>(footer.data()), footer.size());
    map_schema();
  } catch (Error& error) {
    if (error.message().find(path_.string()) == std::string::npos) {
      error.add_context("in Parquet file " + path_.string());
    }
    throw;
  }
}

ParquetFileReader::~ParquetFileReader() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

std::string ParquetFileReader::read_range(int64_t offset, int64_t length) const {
  if (offset < 0 || length < 0 || offset > file_size_ || length > file_size_ - offset) {
    throw ParseError("byte range [" + std::to_string(offset) + ", " +
                     std::to_string(offset + length) + ") lies outside the file (" +
                     std::to_string(file_size_) + " bytes)");
  }
  if (memory_) {
    return memory_->substr(static_cast<size_t>(offset), static_cast<size_t>(length));
  }
  std::string bytes(static_cast<size_t>(length), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t got = ::pread(fd_, bytes.data() + done, bytes.size() - done,
                          static_cast<off_t>(offset + static_cast<int64_t>(done)));
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      throw IoError("cannot read " + path_.string() + ": " +
                    (got == 0 ? std::string("unexpected end of file") : std::strerror(errno)));
    }
    done += static_cast<size_t>(got);
  }
  return bytes;
}

void ParquetFileReader::map_schema() {
  const std::vector<format::SchemaElement>& elements = metadata_.schema;
  if (elements.empty()) {
    throw ParseError("corrupt Parquet footer: empty schema");
  }
  std::map<std::string, std::string> key_values;
  for (const format::KeyValue& entry : metadata_.key_value_metadata) {
    key_values[entry.key] = entry.value;
  }
  int64_t children = elements[0].__isset.num_children ? elements[0].num_children : 0;
  size_t index = 1;
  size_t leaf = 0;
  std::vector<engine::Field> fields;
  for (int64_t c = 0; c < children; ++c) {
    if (index >= elements.size()) {
      throw ParseError("corrupt Parquet schema: the root declares " + std::to_string(children) +
                       " columns but the schema list ends after " + std::to_string(c));
    }
    const format::SchemaElement& element = elements[index];
    if (element.__isset.num_children && element.num_children > 0) {
      // A group: skip its whole subtree, counting the leaf chunks it owns.
      int64_t pending = 1;
      while (pending > 0) {
        if (index >= elements.size()) {
          throw ParseError("corrupt Parquet schema: group '" + element.name +
                           "' declares more children than the schema holds");
        }
        const format::SchemaElement& node = elements[index++];
        --pending;
        if (node.__isset.num_children && node.num_children > 0) {
          pending += node.num_children;
        } else {
          ++leaf;
        }
      }
      unsupported_.push_back(element.name + ": nested group (struct, list or map)");
      continue;
    }
    ++index;
    size_t this_leaf = leaf++;
    if (!element.__isset.type) {
      throw ParseError("corrupt Parquet schema: column '" + element.name +
                       "' has neither a type nor children");
    }
    if (element.__isset.repetition_type &&
        element.repetition_type == format::FieldRepetitionType::REPEATED) {
      unsupported_.push_back(element.name + ": repeated (list) column");
      continue;
    }
    std::string why;
    std::optional<Mapping> mapping = map_type(element, why);
    if (!mapping) {
      unsupported_.push_back(element.name + ": " + why);
      continue;
    }
    FlatColumn column;
    column.name = element.name;
    column.leaf = this_leaf;
    column.physical = element.type;
    column.type_length = element.__isset.type_length ? element.type_length : 0;
    column.optional = !element.__isset.repetition_type ||
                      element.repetition_type != format::FieldRepetitionType::REQUIRED;
    column.type = mapping->type;
    column.conversion = mapping->conversion;
    column.scale = mapping->scale;
    column.unsigned_order = mapping->unsigned_order;
    if (column.physical == PhysicalType::FIXED_LEN_BYTE_ARRAY && column.type_length <= 0) {
      throw ParseError("corrupt Parquet schema: FIXED_LEN_BYTE_ARRAY column '" + column.name +
                       "' has no positive type_length");
    }
    if (column.scale < 0 || column.scale > 38) {
      throw ParseError("corrupt Parquet schema: column '" + column.name + "' has scale " +
                       std::to_string(column.scale));
    }
    if (column.type.id() == engine::TypeId::kTimestamp) {
      auto zone = key_values.find(zone_key(column.name));
      if (zone != key_values.end()) {
        column.type = DataType::timestamp(zone->second);
      }
    }
    fields.push_back({column.name, column.type, column.optional});
    columns_.push_back(std::move(column));
  }
  for (size_t g = 0; g < metadata_.row_groups.size(); ++g) {
    if (metadata_.row_groups[g].columns.size() != leaf) {
      throw ParseError("corrupt Parquet footer: row group " + std::to_string(g) + " has " +
                       std::to_string(metadata_.row_groups[g].columns.size()) +
                       " column chunks, the schema " + std::to_string(leaf) + " columns");
    }
    int64_t rows = metadata_.row_groups[g].num_rows;
    if (rows < 0 || rows > kMaxRowGroupRows) {
      throw ParseError("corrupt Parquet footer: row group " + std::to_string(g) + " claims " +
                       std::to_string(rows) + " rows (at most " + std::to_string(kMaxRowGroupRows) +
                       " are read per row group)");
    }
  }
  schema_ = std::make_shared<engine::Schema>(std::move(fields));
}

int64_t ParquetFileReader::row_group_rows(size_t row_group) const {
  return metadata_.row_groups.at(row_group).num_rows;
}

ChunkStatistics ParquetFileReader::statistics(size_t row_group, size_t column) const {
  const FlatColumn& flat = columns_.at(column);
  const format::ColumnChunk& chunk = metadata_.row_groups.at(row_group).columns.at(flat.leaf);
  ChunkStatistics result;
  result.num_values = row_group_rows(row_group);
  if (!chunk.__isset.meta_data || !chunk.meta_data.__isset.statistics) {
    return result;
  }
  const format::Statistics& stats = chunk.meta_data.statistics;
  if (stats.__isset.null_count) {
    result.null_count = stats.null_count;
  }
  if (flat.unsigned_order || flat.conversion == Conversion::kInt96 ||
      flat.conversion == Conversion::kAllNull) {
    return result;
  }
  if (stats.__isset.min_value && stats.__isset.max_value) {
    result.min = decode_statistic(flat, stats.min_value);
    result.max = decode_statistic(flat, stats.max_value);
  } else if (stats.__isset.min && stats.__isset.max && flat.type.id() != engine::TypeId::kString &&
             flat.conversion != Conversion::kUnsigned32 &&
             flat.physical != PhysicalType::BYTE_ARRAY &&
             flat.physical != PhysicalType::FIXED_LEN_BYTE_ARRAY) {
    // The deprecated fields use signed order, which is right for signed numbers only.
    result.min = decode_statistic(flat, stats.min);
    result.max = decode_statistic(flat, stats.max);
  }
  if (!result.min || !result.max) {
    result.min.reset();
    result.max.reset();
  }
  return result;
}

engine::ColumnPtr ParquetFileReader::read_column(size_t row_group, size_t column,
                                                 bool verify_checksums, int64_t& bytes_read) const {
  const FlatColumn& flat = columns_.at(column);
  const format::ColumnChunk& chunk = metadata_.row_groups.at(row_group).columns.at(flat.leaf);
  int64_t rows = row_group_rows(row_group);
  int page_number = -1;
  try {
    if (!chunk.__isset.meta_data) {
      throw ParseError("column chunk has no metadata");
    }
    if (chunk.__isset.file_path && !chunk.file_path.empty()) {
      throw ParseError("column chunk stored in another file ('" + chunk.file_path +
                       "') is not supported");
    }
    const format::ColumnMetaData& meta = chunk.meta_data;
    if (meta.type != flat.physical) {
      throw ParseError("column chunk type " + format::to_string(meta.type) +
                       " differs from the schema's " + format::to_string(flat.physical));
    }
    if (meta.num_values != rows) {
      throw ParseError("column chunk declares " + std::to_string(meta.num_values) +
                       " values, the row group " + std::to_string(rows) + " rows");
    }
    int64_t start = meta.data_page_offset;
    if (meta.__isset.dictionary_page_offset && meta.dictionary_page_offset > 0 &&
        meta.dictionary_page_offset < start) {
      start = meta.dictionary_page_offset;
    }
    int64_t length = meta.total_compressed_size;
    if (start < 4 || length < 0 || start > footer_start_ || length > footer_start_ - start) {
      throw ParseError("column chunk range [" + std::to_string(start) + ", +" +
                       std::to_string(length) + ") lies outside the data section");
    }
    std::string bytes = read_range(start, length);
    bytes_read = length;
    auto data = reinterpret_cast<const uint8_t*>(bytes.data());
    size_t size = bytes.size();
    auto codec = static_cast<Codec>(meta.codec);
    std::unique_ptr<ColumnDecoder> decoder = make_column_decoder(flat, rows);
    std::string page_buffer;
    std::vector<uint32_t> levels;
    int64_t values_seen = 0;
    size_t pos = 0;
    while (values_seen < meta.num_values) {
      ++page_number;
      if (pos >= size) {
        throw ParseError("column chunk ends after " + std::to_string(values_seen) + " of " +
                         std::to_string(meta.num_values) + " values");
      }
      size_t header_size = 0;
      format::PageHeader header = parse_page_header(data + pos, size - pos, header_size);
      pos += header_size;
      if (header.compressed_page_size < 0 || header.uncompressed_page_size < 0 ||
          static_cast<size_t>(header.compressed_page_size) > size - pos) {
        throw ParseError("page size " + std::to_string(header.compressed_page_size) +
                         " runs past the end of the column chunk");
      }
      const uint8_t* page = data + pos;
      auto page_size = static_cast<size_t>(header.compressed_page_size);
      pos += page_size;
      if (verify_checksums && header.__isset.crc) {
        uint32_t actual = static_cast<uint32_t>(crc32(0L, page, static_cast<uInt>(page_size)));
        if (actual != static_cast<uint32_t>(header.crc)) {
          throw ParseError("page checksum mismatch (CRC-32 stored " +
                           std::to_string(static_cast<uint32_t>(header.crc)) + ", computed " +
                           std::to_string(actual) + "): the file is corrupt");
        }
      }
      auto expected = static_cast<size_t>(header.uncompressed_page_size);
      switch (header.type) {
        case format::PageType::DICTIONARY_PAGE: {
          if (!header.__isset.dictionary_page_header) {
            throw ParseError("dictionary page without its header");
          }
          const auto& dictionary = header.dictionary_page_header;
          if (dictionary.encoding != format::Encoding::PLAIN &&
              dictionary.encoding != format::Encoding::PLAIN_DICTIONARY) {
            throw ParseError("dictionary page encoding " + format::to_string(dictionary.encoding) +
                             " is not supported");
          }
          decompress(codec, page, page_size, expected, page_buffer);
          decoder->dictionary_page(reinterpret_cast<const uint8_t*>(page_buffer.data()),
                                   page_buffer.size(), dictionary.num_values);
          break;
        }
        case format::PageType::DATA_PAGE: {
          if (!header.__isset.data_page_header) {
            throw ParseError("data page without its header");
          }
          const auto& v1 = header.data_page_header;
          if (v1.num_values < 0 || v1.num_values > meta.num_values - values_seen) {
            throw ParseError("data page declares " + std::to_string(v1.num_values) +
                             " values; the column chunk has " +
                             std::to_string(meta.num_values - values_seen) + " left");
          }
          decompress(codec, page, page_size, expected, page_buffer);
          auto body = reinterpret_cast<const uint8_t*>(page_buffer.data());
          size_t body_size = page_buffer.size();
          size_t offset = 0;
          const uint32_t* level_data = nullptr;
          int64_t present = v1.num_values;
          if (flat.optional) {
            levels.resize(static_cast<size_t>(v1.num_values));
            if (v1.definition_level_encoding == format::Encoding::BIT_PACKED) {
              // The deprecated encoding packs levels most significant bit first.
              size_t bytes_needed = (levels.size() + 7) / 8;
              if (bytes_needed > body_size) {
                throw ParseError("truncated BIT_PACKED definition levels");
              }
              for (size_t i = 0; i < levels.size(); ++i) {
                levels[i] = (body[i >> 3] >> (7 - (i & 7))) & 1;
              }
              offset = bytes_needed;
            } else {
              if (body_size < 4) {
                throw ParseError("truncated definition levels");
              }
              uint32_t level_bytes = load_u32(body);
              if (level_bytes > body_size - 4) {
                throw ParseError("definition levels run past the end of the page");
              }
              RleDecoder(body + 4, level_bytes, 1).decode(levels.data(), v1.num_values);
              offset = 4 + level_bytes;
            }
            present = count_present(levels);
            level_data = levels.data();
          }
          decoder->data_page(body + offset, body_size - offset, v1.num_values, level_data, present,
                             v1.encoding);
          values_seen += v1.num_values;
          break;
        }
        case format::PageType::DATA_PAGE_V2: {
          if (!header.__isset.data_page_header_v2) {
            throw ParseError("data page v2 without its header");
          }
          const auto& v2 = header.data_page_header_v2;
          int64_t level_bytes =
              int64_t{v2.definition_levels_byte_length} + v2.repetition_levels_byte_length;
          if (v2.num_values < 0 || v2.num_values > meta.num_values - values_seen ||
              v2.definition_levels_byte_length < 0 || v2.repetition_levels_byte_length < 0 ||
              level_bytes > static_cast<int64_t>(page_size)) {
            throw ParseError("corrupt data page v2 header");
          }
          const uint8_t* level_start = page + v2.repetition_levels_byte_length;
          const uint32_t* level_data = nullptr;
          int64_t present = v2.num_values;
          if (flat.optional && v2.definition_levels_byte_length > 0) {
            levels.resize(static_cast<size_t>(v2.num_values));
            RleDecoder(level_start, static_cast<size_t>(v2.definition_levels_byte_length), 1)
                .decode(levels.data(), v2.num_values);
            present = count_present(levels);
            level_data = levels.data();
          }
          const uint8_t* values = page + level_bytes;
          size_t values_size = page_size - static_cast<size_t>(level_bytes);
          bool compressed = !v2.__isset.is_compressed || v2.is_compressed;
          if (compressed && codec != Codec::kUncompressed && values_size > 0) {
            if (expected < static_cast<size_t>(level_bytes)) {
              throw ParseError("corrupt data page v2 sizes");
            }
            decompress(codec, values, values_size, expected - static_cast<size_t>(level_bytes),
                       page_buffer);
            values = reinterpret_cast<const uint8_t*>(page_buffer.data());
            values_size = page_buffer.size();
          }
          decoder->data_page(values, values_size, v2.num_values, level_data, present, v2.encoding);
          values_seen += v2.num_values;
          break;
        }
        default:
          break;  // index pages and future page types carry no values
      }
    }
    return decoder->finish();
  } catch (Error& error) {
    std::string where =
        path_.string() + ": column '" + flat.name + "', row group " + std::to_string(row_group);
    if (page_number >= 0) {
      where += ", page " + std::to_string(page_number);
    }
    error.add_context("in " + where);
    throw;
  }
}

}  // namespace setl::storage::parquet
