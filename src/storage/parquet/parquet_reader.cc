#include "storage/parquet/parquet_reader.h"

#include <cerrno>
#include <cstring>
#include <limits>
#include <map>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "setl/core/error.h"
#include "setl/core/memory.h"
#include "storage/parquet/column_chunk_reader.h"

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
  auto decimal = [&](int32_t precision, int32_t scale) -> std::optional<Mapping> {
    if (!is_int && !is_bytes) {
      why = "DECIMAL stored as " + format::to_string(physical);
      return std::nullopt;
    }
    if (scale < 0 || scale > precision || precision < 1) {
      why = "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) +
            ") (the scale must be 0 to the precision)";
      return std::nullopt;
    }
    // Exact up to 38 digits; wider ones (rare: Arrow's decimal256) read as float64.
    if (precision <= engine::kMaxDecimalPrecision) {
      return Mapping{DataType::decimal(precision, scale), Conversion::kDecimal, scale};
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
      return decimal(logical.DECIMAL.precision, logical.DECIMAL.scale);
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
        return decimal(element.__isset.precision ? element.precision : 0,
                       element.__isset.scale ? element.scale : 0);
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
  if (file_size_ > 0) {
    // Column chunks are read from the mapping: no copy, and the kernel keeps or drops the
    // pages as memory allows (they are the file's, not the engine's). pread otherwise.
    void* mapped = ::mmap(nullptr, static_cast<size_t>(file_size_), PROT_READ, MAP_PRIVATE, fd_, 0);
    if (mapped != MAP_FAILED) {
      mapped_ = static_cast<const char*>(mapped);
      memory::record_mapping(file_size_);
    }
  }
  try {
    open_footer();
  } catch (...) {
    unmap();
    ::close(fd_);
    throw;
  }
}

void ParquetFileReader::unmap() noexcept {
  if (mapped_ != nullptr) {
    ::munmap(const_cast<char*>(mapped_), static_cast<size_t>(file_size_));
    memory::record_unmapping(file_size_);
    mapped_ = nullptr;
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
  unmap();
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void ParquetFileReader::check_range(int64_t offset, int64_t length) const {
  if (offset < 0 || length < 0 || offset > file_size_ || length > file_size_ - offset) {
    throw ParseError("byte range [" + std::to_string(offset) + ", " +
                     std::to_string(offset + length) + ") lies outside the file (" +
                     std::to_string(file_size_) + " bytes)");
  }
}

std::string_view ParquetFileReader::view_range(int64_t offset, int64_t length,
                                               std::string& storage) const {
  check_range(offset, length);
  if (memory_) {
    return std::string_view(*memory_).substr(static_cast<size_t>(offset),
                                             static_cast<size_t>(length));
  }
  if (mapped_ != nullptr) {
    return std::string_view(mapped_ + offset, static_cast<size_t>(length));
  }
  storage = read_range(offset, length);
  return storage;
}

std::string ParquetFileReader::read_range(int64_t offset, int64_t length) const {
  check_range(offset, length);
  if (memory_) {
    return memory_->substr(static_cast<size_t>(offset), static_cast<size_t>(length));
  }
  if (mapped_ != nullptr) {
    return std::string(mapped_ + offset, static_cast<size_t>(length));
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
                                                 bool verify_checksums, int64_t& bytes_read,
                                                 bool keep_dictionary) const {
  // One read of the whole chunk: the row group is being read whole anyway.
  ColumnChunkReader chunk(*this, row_group, column, verify_checksums,
                          std::numeric_limits<int64_t>::max(), keep_dictionary);
  engine::ColumnPtr values = chunk.read_rows(chunk.rows_left());
  bytes_read = chunk.bytes_read();
  return values;
}

}  // namespace setl::storage::parquet
