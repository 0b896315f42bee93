#include "engine/exec/spill.h"

#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "engine/types/column_ops.h"
#include "setl/core/error.h"
#include "setl/core/memory.h"

namespace setl::engine::detail {
namespace {

constexpr uint32_t kBatchMagic = 0x42'4C'50'53;  // "SPLB"
std::atomic<int64_t> next_space{0};

std::string error_text(int code) {
  return code == ENOSPC ? "no space left on device" : std::strerror(code);
}

// Bytes of the values buffer of `rows` values of `type` in a spill file.
uint64_t values_bytes(const DataType& type, int64_t rows) {
  switch (type.id()) {
    case TypeId::kNull:
      return 0;
    case TypeId::kBool:
      return static_cast<uint64_t>((rows + 7) / 8);
    case TypeId::kString:
      return static_cast<uint64_t>(rows + 1) * 4;
    default:
      return static_cast<uint64_t>(rows) * static_cast<uint64_t>(type.byte_width());
  }
}

}  // namespace

SpillSpace::SpillSpace(const MemoryContext& context)
    : base_(context.spill_dir.empty() ? std::filesystem::current_path() / ".setl-spill"
                                      : context.spill_dir),
      max_bytes_(context.max_spill_bytes),
      owner_(context.owner),
      counters_(context.counters) {}

SpillSpace::~SpillSpace() {
  if (!directory_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
    // The base directory goes too when no other query uses it.
    std::filesystem::remove(base_, ignored);
  }
}

std::filesystem::path SpillSpace::new_file(const std::string& operator_name) {
  std::lock_guard lock(mutex_);
  if (directory_.empty()) {
    std::filesystem::path directory =
        base_ / ("query-" + std::to_string(::getpid()) + "-" + std::to_string(next_space++));
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) {
      throw IoError(operator_name + (owner_.empty() ? "" : " in " + owner_) +
                    ": cannot create the spill directory " + directory.string() + ": " +
                    error.message() + " (set memory.spill_dir)");
    }
    directory_ = directory;
  }
  return directory_ / ("spill-" + std::to_string(files_++) + ".bin");
}

void SpillSpace::charge(int64_t bytes, const std::string& operator_name) {
  int64_t now = in_use_.fetch_add(bytes) + bytes;
  if (max_bytes_ > 0 && now > max_bytes_) {
    in_use_.fetch_sub(bytes);
    throw SpillLimitError(operator_name + (owner_.empty() ? "" : " in " + owner_) +
                          " needs more than the spill limit of " +
                          memory::format_bytes(max_bytes_) +
                          " on disk (raise memory.max_spill or memory.limit)");
  }
  if (counters_) {
    counters_->spilled_bytes += bytes;
  }
}

void SpillSpace::refund(int64_t bytes) noexcept {
  in_use_.fetch_sub(bytes);
}

SpillWriter::SpillWriter(SpillSpace& space, SchemaPtr schema, std::string operator_name)
    : space_(space), operator_name_(std::move(operator_name)) {
  run_.schema = std::move(schema);
  run_.path = space_.new_file(operator_name_);
  file_ = std::fopen(run_.path.c_str(), "wbx");
  if (file_ == nullptr) {
    throw IoError(operator_name_ + ": cannot create spill file " + run_.path.string() + ": " +
                  error_text(errno));
  }
}

SpillWriter::~SpillWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::error_code ignored;
    std::filesystem::remove(run_.path, ignored);
    space_.refund(run_.bytes);
  }
}

void SpillWriter::put(const void* data, size_t size) {
  if (size == 0) {
    return;
  }
  space_.charge(static_cast<int64_t>(size), operator_name_);
  run_.bytes += static_cast<int64_t>(size);
  if (std::fwrite(data, 1, size, file_) != size) {
    throw IoError(operator_name_ + (space_.owner().empty() ? "" : " in " + space_.owner()) +
                  ": writing spill file " + run_.path.string() + " failed: " + error_text(errno));
  }
}

void SpillWriter::put_bits(const uint8_t* bits, int64_t offset, int64_t length) {
  if (offset % 8 == 0) {
    put(bits + offset / 8, static_cast<size_t>((length + 7) / 8));
    return;
  }
  std::vector<uint8_t> shifted(static_cast<size_t>((length + 7) / 8));
  copy_bits(bits, offset, length, shifted.data());
  put(shifted.data(), shifted.size());
}

void SpillWriter::write(const RecordBatch& batch) {
  if (batch.num_columns() != run_.schema->num_fields()) {
    throw InternalError("spill: batch does not match the run's schema");
  }
  int64_t rows = batch.num_rows();
  uint32_t header[2] = {kBatchMagic, static_cast<uint32_t>(batch.num_columns())};
  put(header, sizeof(header));
  put(&rows, sizeof(rows));
  for (const ColumnPtr& column_ptr : batch.columns()) {
    ColumnPtr plain = decoded(column_ptr);  // runs hold plain strings
    const Column& column = *plain;
    const DataType& type = column.type();
    int64_t offset = column.offset();
    uint8_t has_validity = column.validity_buffer() != nullptr && column.null_count() != 0;
    const int32_t* offsets = type.id() == TypeId::kString ? column.values<int32_t>() : nullptr;
    uint64_t chars = offsets ? static_cast<uint64_t>(offsets[rows] - offsets[0]) : 0;
    put(&has_validity, 1);
    put(&chars, sizeof(chars));
    if (has_validity) {
      put_bits(column.validity_buffer()->data(), offset, rows);
    }
    switch (type.id()) {
      case TypeId::kNull:
        break;
      case TypeId::kBool:
        put_bits(column.values_buffer()->data(), offset, rows);
        break;
      case TypeId::kString: {
        std::vector<int32_t> rebased(static_cast<size_t>(rows) + 1);
        for (int64_t i = 0; i <= rows; ++i) {
          rebased[static_cast<size_t>(i)] = offsets[i] - offsets[0];
        }
        put(rebased.data(), rebased.size() * 4);
        put(column.chars_buffer()->data() + offsets[0], chars);
        break;
      }
      default:
        put(column.values_buffer()->data() + offset * type.byte_width(), values_bytes(type, rows));
    }
  }
  run_.rows += rows;
}

SpillRun SpillWriter::finish() {
  std::FILE* file = file_;
  file_ = nullptr;
  if (std::fflush(file) != 0 || std::fclose(file) != 0) {
    int code = errno;
    std::error_code ignored;
    std::filesystem::remove(run_.path, ignored);
    space_.refund(run_.bytes);
    throw IoError(operator_name_ + ": writing spill file " + run_.path.string() +
                  " failed: " + error_text(code));
  }
  return run_;
}

SpillReader::SpillReader(SpillRun run) : run_(std::move(run)) {
  file_ = std::fopen(run_.path.c_str(), "rb");
  if (file_ == nullptr) {
    throw IoError("cannot open spill file " + run_.path.string() + ": " + error_text(errno));
  }
  std::error_code error;
  auto size = std::filesystem::file_size(run_.path, error);
  remaining_bytes_ = error ? 0 : static_cast<int64_t>(size);
}

SpillReader::~SpillReader() {
  if (file_ != nullptr) {
    std::fclose(file_);
  }
}

void SpillReader::get(void* data, size_t size) {
  if (static_cast<int64_t>(size) > remaining_bytes_ || std::fread(data, 1, size, file_) != size) {
    throw IoError("spill file " + run_.path.string() + " is damaged (it ends early)");
  }
  remaining_bytes_ -= static_cast<int64_t>(size);
}

BufferPtr SpillReader::get_buffer(uint64_t size) {
  if (size > static_cast<uint64_t>(remaining_bytes_)) {
    throw IoError("spill file " + run_.path.string() + " is damaged (a buffer is larger " +
                  "than what is left of the file)");
  }
  BufferPtr buffer = Buffer::allocate(static_cast<size_t>(size));
  get(buffer->mutable_data(), static_cast<size_t>(size));
  return buffer;
}

std::optional<RecordBatch> SpillReader::next() {
  if (remaining_bytes_ == 0) {
    return std::nullopt;
  }
  uint32_t header[2] = {0, 0};
  int64_t rows = 0;
  get(header, sizeof(header));
  get(&rows, sizeof(rows));
  const Schema& schema = *run_.schema;
  if (header[0] != kBatchMagic || header[1] != schema.num_fields() || rows < 0 ||
      rows > remaining_bytes_ * 8 + 8) {
    throw IoError("spill file " + run_.path.string() + " is damaged (bad batch header)");
  }
  std::vector<ColumnPtr> columns;
  for (size_t c = 0; c < schema.num_fields(); ++c) {
    const DataType& type = schema.field(c).type;
    uint8_t has_validity = 0;
    uint64_t chars = 0;
    get(&has_validity, 1);
    get(&chars, sizeof(chars));
    BufferPtr validity = has_validity ? get_buffer(static_cast<uint64_t>((rows + 7) / 8)) : nullptr;
    if (type.id() == TypeId::kNull) {
      columns.push_back(Column::nulls(type, rows));
      continue;
    }
    BufferPtr values = get_buffer(values_bytes(type, rows));
    BufferPtr chars_buffer;
    if (type.id() == TypeId::kString) {
      if (chars > static_cast<uint64_t>(INT32_MAX)) {
        throw IoError("spill file " + run_.path.string() + " is damaged (string sizes)");
      }
      const int32_t* offsets = values->data_as<int32_t>();
      for (int64_t i = 0; i < rows; ++i) {
        if (offsets[i] > offsets[i + 1]) {
          throw IoError("spill file " + run_.path.string() + " is damaged (string offsets)");
        }
      }
      if (offsets[0] != 0 || static_cast<uint64_t>(offsets[rows]) != chars) {
        throw IoError("spill file " + run_.path.string() + " is damaged (string offsets)");
      }
      chars_buffer = get_buffer(chars);
    }
    columns.push_back(std::make_shared<Column>(type, rows, validity, values, chars_buffer));
  }
  return RecordBatch(run_.schema, std::move(columns), rows);
}

void discard(SpillSpace& space, const SpillRun& run) noexcept {
  std::error_code ignored;
  std::filesystem::remove(run.path, ignored);
  space.refund(run.bytes);
}

}  // namespace setl::engine::detail
