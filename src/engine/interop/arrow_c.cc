// Arrow C Data / Stream Interface export and import, written from the Arrow format
// specification. Formats: "n" null, "b" bool, "i" int32, "l" int64, "g" float64, "u" utf8,
// "tdD" date32, "tsu:<zone>" timestamp in microseconds, "d:p,s" decimal128, "+s" struct
// (a record batch).
#include "setl/engine/arrow_c.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/types/column_ops.h"
#include "setl/core/error.h"
#include "setl/core/parse_number.h"

namespace setl::engine {
namespace {

// ---- export ------------------------------------------------------------------------------

struct SchemaPrivate {
  std::string format;
  std::string name;
  std::vector<std::unique_ptr<ArrowSchema>> children;
  std::vector<ArrowSchema*> child_pointers;
};

std::string format_of(const DataType& type) {
  switch (type.id()) {
    case TypeId::kNull:
      return "n";
    case TypeId::kBool:
      return "b";
    case TypeId::kInt32:
      return "i";
    case TypeId::kInt64:
      return "l";
    case TypeId::kFloat64:
      return "g";
    case TypeId::kString:
      return "u";
    case TypeId::kDate32:
      return "tdD";
    case TypeId::kTimestamp:
      return "tsu:" + type.zone();
    case TypeId::kDecimal:
      return "d:" + std::to_string(type.precision()) + "," + std::to_string(type.scale());
  }
  return "n";
}

void release_schema(ArrowSchema* schema) {
  if (schema == nullptr || schema->release == nullptr) {
    return;
  }
  auto* data = static_cast<SchemaPrivate*>(schema->private_data);
  for (auto& child : data->children) {
    if (child->release != nullptr) {
      child->release(child.get());
    }
  }
  delete data;
  schema->release = nullptr;
}

void fill_schema(ArrowSchema* out, std::string format, std::string name, bool nullable,
                 std::vector<std::unique_ptr<ArrowSchema>> children) {
  auto* data = new SchemaPrivate{std::move(format), std::move(name), std::move(children), {}};
  for (auto& child : data->children) {
    data->child_pointers.push_back(child.get());
  }
  out->format = data->format.c_str();
  out->name = data->name.c_str();
  out->metadata = nullptr;
  out->flags = nullable ? ARROW_FLAG_NULLABLE : 0;
  out->n_children = static_cast<int64_t>(data->child_pointers.size());
  out->children = data->child_pointers.empty() ? nullptr : data->child_pointers.data();
  out->dictionary = nullptr;
  out->release = release_schema;
  out->private_data = data;
}

struct ArrayPrivate {
  std::vector<BufferPtr> keep_alive;
  std::vector<const void*> buffers;
  std::vector<std::unique_ptr<ArrowArray>> children;
  std::vector<ArrowArray*> child_pointers;
};

void release_array(ArrowArray* array) {
  if (array == nullptr || array->release == nullptr) {
    return;
  }
  auto* data = static_cast<ArrayPrivate*>(array->private_data);
  for (auto& child : data->children) {
    if (child->release != nullptr) {
      child->release(child.get());
    }
  }
  delete data;
  array->release = nullptr;
}

// Arrow requires non-null data buffers even for empty arrays; one shared zero block does.
const void* empty_buffer() {
  alignas(64) static const uint8_t zeros[64] = {};
  return zeros;
}

void export_column(const Column& column, ArrowArray* out) {
  auto* data = new ArrayPrivate();
  auto add = [&](const BufferPtr& buffer) {
    data->keep_alive.push_back(buffer);
    data->buffers.push_back(buffer ? static_cast<const void*>(buffer->data()) : empty_buffer());
  };
  if (column.type().id() != TypeId::kNull) {
    data->keep_alive.push_back(column.validity_buffer());
    data->buffers.push_back(column.validity_buffer() ? column.validity_buffer()->data() : nullptr);
    add(column.values_buffer());
    if (column.type().id() == TypeId::kString) {
      add(column.chars_buffer());
    }
  }
  out->length = column.length();
  out->null_count = column.null_count();
  out->offset = column.offset();
  out->n_buffers = static_cast<int64_t>(data->buffers.size());
  out->n_children = 0;
  out->buffers = data->buffers.empty() ? nullptr : data->buffers.data();
  out->children = nullptr;
  out->dictionary = nullptr;
  out->release = release_array;
  out->private_data = data;
}

// ---- import ------------------------------------------------------------------------------

// "d:p,s" or "d:p,s,128"; nullopt for anything else (other widths are not imported).
std::optional<DataType> decimal128_of(const std::string& format) {
  if (format.rfind("d:", 0) != 0) {
    return std::nullopt;
  }
  int numbers[3] = {0, 0, 128};
  size_t count = 0;
  std::string_view rest = std::string_view(format).substr(2);
  while (true) {
    size_t comma = rest.find(',');
    std::string_view part = rest.substr(0, comma);
    if (count == 3 || part.empty() || part.size() > 3 ||
        part.find_first_not_of("0123456789") != std::string_view::npos) {
      return std::nullopt;
    }
    numbers[count++] = parse_number<int>(part).value_or(0);  // at most three digits
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
  if (count < 2 || numbers[2] != 128 || numbers[0] < 1 || numbers[0] > kMaxDecimalPrecision ||
      numbers[1] < 0 || numbers[1] > numbers[0]) {
    return std::nullopt;
  }
  return DataType::decimal(numbers[0], numbers[1]);
}

DataType type_of(const ArrowSchema& field) {
  std::string format = field.format ? field.format : "";
  if (format == "n")
    return DataType::null();
  if (format == "b")
    return DataType::boolean();
  if (format == "i")
    return DataType::int32();
  if (format == "l")
    return DataType::int64();
  if (format == "g")
    return DataType::float64();
  if (format == "u")
    return DataType::string();
  if (format == "tdD")
    return DataType::date32();
  if (format.rfind("tsu:", 0) == 0)
    return DataType::timestamp(format.substr(4));
  std::string name = field.name ? field.name : "";
  if (std::optional<DataType> decimal = decimal128_of(format)) {
    return *decimal;
  }
  throw SchemaError("field \"" + name + "\" has Arrow format '" + format +
                    "', which setlpp does not import; supported: n, b, i, l, g, u, tdD, "
                    "tsu:<zone>, d:<precision>,<scale>[,128]");
}

// Owns an imported ArrowArray (moved from the producer's struct) and releases it last.
struct ImportedArray {
  ArrowArray array{};
  ~ImportedArray() {
    if (array.release != nullptr) {
      array.release(&array);
    }
  }
};

ColumnPtr import_column(const DataType& type, const std::string& name, const ArrowArray& array,
                        const std::shared_ptr<ImportedArray>& owner) {
  int64_t rows = array.length + array.offset;
  auto require_buffers = [&](int64_t count) {
    if (array.n_buffers != count) {
      throw SchemaError("Arrow array for field \"" + name + "\" (" + type.to_string() + ") has " +
                        std::to_string(array.n_buffers) + " buffers, expected " +
                        std::to_string(count));
    }
  };
  auto wrap = [&](int64_t index, int64_t bytes) -> BufferPtr {
    const void* pointer = array.buffers[index];
    if (pointer == nullptr) {
      if (bytes == 0) {
        return Buffer::allocate(0);
      }
      throw SchemaError("Arrow array for field \"" + name + "\" has a null buffer " +
                        std::to_string(index));
    }
    return Buffer::wrap(pointer, static_cast<size_t>(bytes), owner);
  };
  if (type.id() == TypeId::kNull) {
    return Column::nulls(type, array.length);
  }
  BufferPtr validity;
  int64_t null_count = array.null_count;
  if (array.n_buffers > 0 && array.buffers[0] != nullptr && null_count != 0) {
    validity = Buffer::wrap(array.buffers[0], static_cast<size_t>((rows + 7) / 8), owner);
  } else if (null_count > 0) {
    throw SchemaError("Arrow array for field \"" + name + "\" reports " +
                      std::to_string(null_count) + " nulls but has no validity bitmap");
  } else {
    null_count = 0;
  }
  switch (type.id()) {
    case TypeId::kBool:
      require_buffers(2);
      return std::make_shared<Column>(type, array.length, validity, wrap(1, (rows + 7) / 8),
                                      nullptr, null_count < 0 ? -1 : null_count, array.offset);
    case TypeId::kString: {
      require_buffers(3);
      BufferPtr offsets = wrap(1, (rows + 1) * 4);
      int64_t chars = rows == 0 ? 0 : offsets->data_as<int32_t>()[rows];
      return std::make_shared<Column>(type, array.length, validity, offsets, wrap(2, chars),
                                      null_count < 0 ? -1 : null_count, array.offset);
    }
    default: {
      require_buffers(2);
      BufferPtr values = wrap(1, rows * type.byte_width());
      if (type.is_decimal() && reinterpret_cast<uintptr_t>(values->data()) % 16 != 0) {
        // The C interface promises 8-byte alignment; 128-bit loads may want 16.
        BufferPtr aligned = Buffer::allocate(values->size());
        std::memcpy(aligned->mutable_data(), values->data(), values->size());
        values = aligned;
      }
      return std::make_shared<Column>(type, array.length, validity, values, nullptr,
                                      null_count < 0 ? -1 : null_count, array.offset);
    }
  }
}

// ---- stream ------------------------------------------------------------------------------

struct StreamPrivate {
  Table table;
  size_t next = 0;
  std::string last_error;
};

int stream_get_schema(ArrowArrayStream* stream, ArrowSchema* out) {
  auto* data = static_cast<StreamPrivate*>(stream->private_data);
  try {
    export_schema(*data->table.schema(), out);
    return 0;
  } catch (const std::exception& error) {
    data->last_error = error.what();
    return EIO;
  }
}

int stream_get_next(ArrowArrayStream* stream, ArrowArray* out) {
  auto* data = static_cast<StreamPrivate*>(stream->private_data);
  try {
    if (data->next >= data->table.batches().size()) {
      std::memset(out, 0, sizeof(ArrowArray));
      out->release = nullptr;  // end of stream
      return 0;
    }
    export_batch(data->table.batches()[data->next++], out);
    return 0;
  } catch (const std::exception& error) {
    data->last_error = error.what();
    return EIO;
  }
}

const char* stream_last_error(ArrowArrayStream* stream) {
  auto* data = static_cast<StreamPrivate*>(stream->private_data);
  return data->last_error.empty() ? nullptr : data->last_error.c_str();
}

void stream_release(ArrowArrayStream* stream) {
  if (stream == nullptr || stream->release == nullptr) {
    return;
  }
  delete static_cast<StreamPrivate*>(stream->private_data);
  stream->release = nullptr;
}

}  // namespace

void export_schema(const Schema& schema, ArrowSchema* out) {
  std::vector<std::unique_ptr<ArrowSchema>> children;
  for (const Field& field : schema.fields()) {
    auto child = std::make_unique<ArrowSchema>();
    fill_schema(child.get(), format_of(field.type), field.name, field.nullable, {});
    children.push_back(std::move(child));
  }
  fill_schema(out, "+s", "", false, std::move(children));
}

void export_batch(const RecordBatch& batch, ArrowArray* out) {
  auto* data = new ArrayPrivate();
  data->buffers.push_back(nullptr);  // a struct's validity: every row present
  for (const ColumnPtr& column : batch.columns()) {
    auto child = std::make_unique<ArrowArray>();
    export_column(*detail::decoded(column), child.get());
    data->child_pointers.push_back(child.get());
    data->children.push_back(std::move(child));
  }
  out->length = batch.num_rows();
  out->null_count = 0;
  out->offset = 0;
  out->n_buffers = 1;
  out->n_children = static_cast<int64_t>(data->child_pointers.size());
  out->buffers = data->buffers.data();
  out->children = data->child_pointers.empty() ? nullptr : data->child_pointers.data();
  out->dictionary = nullptr;
  out->release = release_array;
  out->private_data = data;
}

void export_table(const Table& table, ArrowArrayStream* out) {
  out->get_schema = stream_get_schema;
  out->get_next = stream_get_next;
  out->get_last_error = stream_last_error;
  out->release = stream_release;
  out->private_data = new StreamPrivate{table, 0, {}};
}

Schema import_schema(const ArrowSchema& schema) {
  std::string format = schema.format ? schema.format : "";
  if (format != "+s") {
    throw SchemaError("an Arrow record batch schema must be a struct ('+s'), found '" + format +
                      "'");
  }
  std::vector<Field> fields;
  for (int64_t i = 0; i < schema.n_children; ++i) {
    const ArrowSchema& child = *schema.children[i];
    fields.push_back(
        {child.name ? child.name : "", type_of(child), (child.flags & ARROW_FLAG_NULLABLE) != 0});
  }
  return Schema(std::move(fields));
}

RecordBatch import_batch(const ArrowSchema& schema, ArrowArray* array) {
  auto owner = std::make_shared<ImportedArray>();
  owner->array = *array;  // move: the producer's struct is ours now
  array->release = nullptr;
  auto result_schema = std::make_shared<Schema>(import_schema(schema));
  const ArrowArray& parent = owner->array;
  if (parent.n_children != static_cast<int64_t>(result_schema->num_fields())) {
    throw SchemaError("Arrow struct array has " + std::to_string(parent.n_children) +
                      " children but its schema has " +
                      std::to_string(result_schema->num_fields()) + " fields");
  }
  if (parent.offset != 0 || parent.null_count > 0) {
    throw SchemaError(
        "Arrow struct arrays with an offset or null rows are not supported as "
        "record batches");
  }
  std::vector<ColumnPtr> columns;
  for (size_t i = 0; i < result_schema->num_fields(); ++i) {
    const Field& field = result_schema->field(i);
    const ArrowArray& child = *parent.children[i];
    if (child.length < parent.length) {
      throw SchemaError("Arrow child array for \"" + field.name + "\" has " +
                        std::to_string(child.length) + " rows, expected " +
                        std::to_string(parent.length));
    }
    columns.push_back(import_column(field.type, field.name, child, owner)->slice(0, parent.length));
  }
  // A producer's non-nullable flag is a promise about the data; when the data breaks it,
  // the data wins.
  std::vector<Field> fields = result_schema->fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    fields[i].nullable = fields[i].nullable || columns[i]->null_count() > 0;
  }
  return RecordBatch(std::make_shared<Schema>(std::move(fields)), std::move(columns),
                     parent.length);
}

Table import_table(ArrowArrayStream* stream) {
  struct StreamGuard {
    ArrowArrayStream* stream;
    ~StreamGuard() {
      if (stream->release != nullptr) {
        stream->release(stream);
      }
    }
  } guard{stream};
  auto fail = [&](const char* what) {
    const char* message = stream->get_last_error ? stream->get_last_error(stream) : nullptr;
    throw IoError(std::string("Arrow stream ") + what +
                  " failed: " + (message ? message : "no message from the producer"));
  };
  ArrowSchema schema{};
  if (stream->get_schema(stream, &schema) != 0) {
    fail("get_schema");
  }
  struct SchemaGuard {
    ArrowSchema* schema;
    ~SchemaGuard() {
      if (schema->release != nullptr) {
        schema->release(schema);
      }
    }
  } schema_guard{&schema};
  // Batches may differ in which columns hold nulls, so the table's columns are nullable.
  std::vector<Field> fields = import_schema(schema).fields();
  for (Field& field : fields) {
    field.nullable = true;
  }
  auto table_schema = std::make_shared<Schema>(std::move(fields));
  std::vector<RecordBatch> batches;
  while (true) {
    ArrowArray array{};
    if (stream->get_next(stream, &array) != 0) {
      fail("get_next");
    }
    if (array.release == nullptr) {
      break;
    }
    RecordBatch batch = import_batch(schema, &array);
    batches.emplace_back(table_schema, batch.columns(), batch.num_rows());
  }
  return Table(table_schema, std::move(batches));
}

}  // namespace setl::engine
