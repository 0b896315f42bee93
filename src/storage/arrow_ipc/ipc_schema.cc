#include "storage/arrow_ipc/ipc_schema.h"

#include <tuple>

#include "schema_generated.h"
#include "setl/core/error.h"

namespace setl::storage::detail {
namespace {

namespace fb = arrow_ipc::fb;
using engine::DataType;

std::string text_of(const flatbuffers::String* text) {
  return text == nullptr ? std::string() : text->str();
}

std::map<std::string, std::string> metadata_of(
    const flatbuffers::Vector<flatbuffers::Offset<fb::KeyValue>>* pairs) {
  std::map<std::string, std::string> out;
  if (pairs != nullptr) {
    for (const fb::KeyValue* pair : *pairs) {
      if (pair != nullptr) {
        out[text_of(pair->key())] = text_of(pair->value());
      }
    }
  }
  return out;
}

IpcColumnType fixed(int width, DataType type, std::string name,
                    IpcConversion conversion = IpcConversion::kNone, int64_t factor = 1) {
  return {IpcLayout::kFixed, width, conversion, factor, std::move(type), std::move(name)};
}

IpcColumnType integer_type(const fb::Int* integer, const std::string& refuse) {
  int bits = integer == nullptr ? 0 : integer->bit_width();
  bool is_signed = integer != nullptr && integer->is_signed();
  std::string name = (is_signed ? "int" : "uint") + std::to_string(bits);
  switch (bits) {
    case 8:
    case 16:
      return fixed(bits / 8, DataType::int32(), name,
                   is_signed ? IpcConversion::kSignExtend : IpcConversion::kZeroExtend);
    case 32:
      return is_signed ? fixed(4, DataType::int32(), name)
                       : fixed(4, DataType::int64(), name, IpcConversion::kZeroExtend);
    case 64:
      // uint64 does not fit int64; decimal(20, 0) holds every value exactly.
      return is_signed ? fixed(8, DataType::int64(), name)
                       : fixed(8, DataType::decimal(20, 0), name, IpcConversion::kUnsigned64);
    default:
      throw IoError(refuse + "an integer of " + std::to_string(bits) + " bits");
  }
}

const char* unit_name(fb::TimeUnit unit) {
  switch (unit) {
    case fb::TimeUnit::SECOND:
      return "s";
    case fb::TimeUnit::MILLISECOND:
      return "ms";
    case fb::TimeUnit::MICROSECOND:
      return "us";
    case fb::TimeUnit::NANOSECOND:
      return "ns";
  }
  return "?";
}

IpcColumnType timestamp_type(const fb::Timestamp& stamp, const std::string& refuse) {
  std::string zone = text_of(stamp.timezone());
  std::string name =
      std::string("timestamp[") + unit_name(stamp.unit()) + (zone.empty() ? "" : ", " + zone) + "]";
  DataType type = DataType::timestamp(zone);
  switch (stamp.unit()) {
    case fb::TimeUnit::SECOND:
      return fixed(8, type, name, IpcConversion::kScaleUp, 1'000'000);
    case fb::TimeUnit::MILLISECOND:
      return fixed(8, type, name, IpcConversion::kScaleUp, 1'000);
    case fb::TimeUnit::MICROSECOND:
      return fixed(8, type, name);
    case fb::TimeUnit::NANOSECOND:
      return fixed(8, type, name, IpcConversion::kScaleDown, 1'000);
  }
  throw IoError(refuse + "a timestamp of an unknown unit");
}

// The engine type a field's values become, or IoError("... has type X, which setlpp does
// not read").
IpcColumnType column_type(const fb::Field& field, const std::string& refuse) {
  switch (field.type_type()) {
    case fb::Type::Null:
      return {IpcLayout::kNull, 0, IpcConversion::kNone, 1, DataType::null(), "null"};
    case fb::Type::Bool:
      return {IpcLayout::kBool, 0, IpcConversion::kNone, 1, DataType::boolean(), "bool"};
    case fb::Type::Int:
      return integer_type(field.type_as_Int(), refuse);
    case fb::Type::FloatingPoint: {
      const fb::FloatingPoint* real = field.type_as_FloatingPoint();
      switch (real == nullptr ? fb::Precision::DOUBLE : real->precision()) {
        case fb::Precision::HALF:
          return fixed(2, DataType::float64(), "float16", IpcConversion::kHalfToDouble);
        case fb::Precision::SINGLE:
          return fixed(4, DataType::float64(), "float32", IpcConversion::kFloatToDouble);
        case fb::Precision::DOUBLE:
          return fixed(8, DataType::float64(), "float64");
      }
      throw IoError(refuse + "a floating point type of unknown precision");
    }
    case fb::Type::Utf8:
    case fb::Type::Binary:
      return {IpcLayout::kBinary,   0,
              IpcConversion::kNone, 1,
              DataType::string(),   field.type_type() == fb::Type::Utf8 ? "utf8" : "binary"};
    case fb::Type::LargeUtf8:
    case fb::Type::LargeBinary:
      return {IpcLayout::kLargeBinary,
              0,
              IpcConversion::kLargeOffsets,
              1,
              DataType::string(),
              field.type_type() == fb::Type::LargeUtf8 ? "large_utf8" : "large_binary"};
    case fb::Type::FixedSizeBinary: {
      const fb::FixedSizeBinary* binary = field.type_as_FixedSizeBinary();
      int width = binary == nullptr ? -1 : binary->byte_width();
      if (width < 0) {
        throw IoError(refuse + "fixed-size binary of " + std::to_string(width) + " bytes");
      }
      return {IpcLayout::kFixedBinary, width,
              IpcConversion::kNone,    1,
              DataType::string(),      "fixed_size_binary[" + std::to_string(width) + "]"};
    }
    case fb::Type::Decimal: {
      const fb::Decimal* decimal = field.type_as_Decimal();
      int precision = decimal == nullptr ? 0 : decimal->precision();
      int scale = decimal == nullptr ? 0 : decimal->scale();
      int bits = decimal == nullptr ? 128 : decimal->bit_width();
      std::string name = "decimal" + std::to_string(bits) + "(" + std::to_string(precision) + ", " +
                         std::to_string(scale) + ")";
      if (bits != 128 || precision < 1 || precision > 38 || scale < 0 || scale > precision) {
        throw IoError(refuse + name + " (setlpp reads decimal128 of precision 1 to 38)");
      }
      return fixed(16, DataType::decimal(precision, scale), name);
    }
    case fb::Type::Date: {
      const fb::Date* date = field.type_as_Date();
      if (date != nullptr && date->unit() == fb::DateUnit::DAY) {
        return fixed(4, DataType::date32(), "date32");
      }
      return fixed(8, DataType::date32(), "date64", IpcConversion::kMillisToDays);
    }
    case fb::Type::Timestamp:
      if (const fb::Timestamp* stamp = field.type_as_Timestamp()) {
        return timestamp_type(*stamp, refuse);
      }
      throw IoError(refuse + "a timestamp without its unit");
    default:
      break;
  }
  static const char* const kNames[] = {"none",
                                       "null",
                                       "int",
                                       "floating point",
                                       "binary",
                                       "utf8",
                                       "bool",
                                       "decimal",
                                       "date",
                                       "time",
                                       "timestamp",
                                       "interval",
                                       "list",
                                       "struct",
                                       "union",
                                       "fixed-size binary",
                                       "fixed-size list",
                                       "map",
                                       "duration",
                                       "large binary",
                                       "large utf8",
                                       "large list",
                                       "run-end encoded",
                                       "binary view",
                                       "utf8 view",
                                       "list view",
                                       "large list view"};
  auto index = static_cast<size_t>(field.type_type());
  std::string name = index < std::size(kNames) ? kNames[index] : "#" + std::to_string(index);
  throw IoError(refuse + name + ", which setlpp does not read" +
                (field.children() != nullptr && field.children()->size() > 0
                     ? " (setlpp's columns are not nested)"
                     : ""));
}

// The field nodes and buffers a field of this type takes in a record batch (its children
// included); buffers -1 when the batch decides (views' variadic buffers).
std::pair<int64_t, int64_t> footprint(const fb::Field& field) {
  if (field.dictionary() != nullptr) {
    return {1, 2};  // the indices; the values travel in dictionary batches
  }
  int64_t own = 0;
  switch (field.type_type()) {
    case fb::Type::Null:
    case fb::Type::RunEndEncoded:
      own = 0;
      break;
    case fb::Type::Struct_:
    case fb::Type::FixedSizeList:
      own = 1;
      break;
    case fb::Type::Union:
      own =
          field.type_as_Union() != nullptr && field.type_as_Union()->mode() == fb::UnionMode::Dense
              ? 2
              : 1;
      break;
    case fb::Type::Utf8:
    case fb::Type::Binary:
    case fb::Type::LargeUtf8:
    case fb::Type::LargeBinary:
    case fb::Type::ListView:
    case fb::Type::LargeListView:
      own = 3;
      break;
    case fb::Type::BinaryView:
    case fb::Type::Utf8View:
      return {1, -1};
    default:  // a validity bitmap and values, or offsets for lists and maps
      own = 2;
      break;
  }
  int64_t nodes = 1;
  int64_t buffers = own;
  if (field.children() != nullptr) {
    for (const fb::Field* child : *field.children()) {
      if (child == nullptr) {
        return {nodes, -1};
      }
      auto [child_nodes, child_buffers] = footprint(*child);
      if (child_buffers < 0) {
        return {nodes, -1};
      }
      nodes += child_nodes;
      buffers += child_buffers;
    }
  }
  return {nodes, buffers};
}

}  // namespace

IpcSchema read_ipc_schema(const fb::Schema& schema, const std::string& where) {
  if (schema.endianness() != fb::Endianness::Little) {
    throw IoError(where + ": the data is big-endian, which setlpp does not read");
  }
  IpcSchema out;
  out.metadata = metadata_of(schema.custom_metadata());
  std::vector<engine::Field> fields;
  if (schema.fields() != nullptr) {
    for (const fb::Field* field : *schema.fields()) {
      if (field == nullptr) {
        throw IoError(where + ": the schema holds an empty field entry");
      }
      IpcField read;
      read.name = text_of(field->name());
      read.nullable = field->nullable();
      read.metadata = metadata_of(field->custom_metadata());
      std::tie(read.nodes, read.buffers) = footprint(*field);
      std::string refuse = "column \"" + read.name + "\" has type ";
      try {
        read.values = column_type(*field, refuse);
        if (const fb::DictionaryEncoding* dictionary = field->dictionary()) {
          read.dictionary_id = dictionary->id();
          read.indices =
              dictionary->index_type() == nullptr
                  ? fixed(4, DataType::int32(), "int32")
                  : integer_type(dictionary->index_type(), refuse + "dictionary indices of ");
          if (read.values.layout == IpcLayout::kNull) {
            throw IoError(refuse + "a dictionary of nulls, which setlpp does not read");
          }
        }
        fields.push_back({read.name, read.values.type, read.nullable});
      } catch (const IoError& error) {
        read.unsupported = error.what();
      }
      out.fields.push_back(std::move(read));
    }
  }
  out.schema = std::make_shared<engine::Schema>(std::move(fields));
  return out;
}

}  // namespace setl::storage::detail
