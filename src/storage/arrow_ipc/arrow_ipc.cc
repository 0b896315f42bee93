#include "setl/storage/arrow_ipc.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setl/core/atomic_file.h"
#include "setl/core/error.h"
#include "setl/core/memory.h"
#include "storage/arrow_ipc/ipc_reader.h"
#include "storage/arrow_ipc/ipc_writer.h"

namespace setl::storage {
namespace {

// A read-only private mapping of a whole file, unmapped when the last user lets go.
// Counted in memory::mapped_bytes(), apart from allocated memory: the pages are the file's.
struct Mapping {
  void* address = MAP_FAILED;
  size_t size = 0;
  ~Mapping() {
    if (address != MAP_FAILED) {
      ::munmap(address, size);
      memory::record_unmapping(static_cast<int64_t>(size));
    }
  }
};

std::shared_ptr<const Mapping> map_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw IoError("cannot open " + path.string() + ": " + std::strerror(errno));
  }
  struct stat info {};
  auto mapping = std::make_shared<Mapping>();
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw IoError(path.string() + " is not a regular file");
  }
  mapping->size = static_cast<size_t>(info.st_size);
  if (mapping->size > 0) {
    mapping->address = ::mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE, fd, 0);
  }
  int error = errno;
  ::close(fd);
  if (mapping->size > 0 && mapping->address == MAP_FAILED) {
    throw IoError("cannot map " + path.string() + ": " + std::strerror(error));
  }
  if (mapping->address != MAP_FAILED) {
    memory::record_mapping(static_cast<int64_t>(mapping->size));
  }
  return mapping;
}

// The mapped bytes (a valid pointer also for an empty file, which maps nothing).
const uint8_t* bytes_of(const Mapping& mapping) {
  static const uint8_t kNothing = 0;
  return mapping.size > 0 ? static_cast<const uint8_t*>(mapping.address) : &kNothing;
}

}  // namespace

ArrowIpcData read_arrow_ipc_file(const std::filesystem::path& path) {
  return read_arrow_ipc_file(path, {});
}

ArrowIpcData read_arrow_ipc_file(const std::filesystem::path& path,
                                 const std::vector<std::string>& columns) {
  std::shared_ptr<const Mapping> mapping = map_file(path);
  return detail::read_ipc_file_bytes(bytes_of(*mapping), static_cast<int64_t>(mapping->size),
                                     mapping, "Arrow IPC file " + path.string(), columns);
}

engine::SchemaPtr arrow_ipc_file_schema(const std::filesystem::path& path) {
  std::shared_ptr<const Mapping> mapping = map_file(path);
  return detail::read_ipc_file_schema(bytes_of(*mapping), static_cast<int64_t>(mapping->size),
                                      "Arrow IPC file " + path.string())
      .schema;
}

ArrowIpcData read_arrow_ipc_stream(std::istream& in, const std::string& where) {
  return detail::read_ipc_stream(in, where);
}

void write_arrow_ipc_file(const engine::Table& table, const std::filesystem::path& path,
                          const ArrowIpcWriteOptions& options) {
  AtomicFile file(path);
  detail::write_ipc_file(table, file.stream(), options);
  file.commit();
}

void write_arrow_ipc_stream(const engine::Table& table, std::ostream& out,
                            const ArrowIpcWriteOptions& options) {
  detail::write_ipc_stream(table, out, options);
}

struct ArrowIpcStreamWriter::State {
  State(std::ostream& out, engine::SchemaPtr schema, ArrowIpcWriteOptions options)
      : writer(out, std::move(schema), std::move(options), detail::IpcFormat::kStream) {}
  detail::IpcWriter writer;
  bool closed = false;
};

ArrowIpcStreamWriter::ArrowIpcStreamWriter(std::ostream& out, engine::SchemaPtr schema,
                                           ArrowIpcWriteOptions options)
    : state_(std::make_unique<State>(out, std::move(schema), std::move(options))) {}

ArrowIpcStreamWriter::~ArrowIpcStreamWriter() = default;

void ArrowIpcStreamWriter::write(const engine::RecordBatch& batch) {
  if (state_->closed) {
    throw StateError("ArrowIpcStreamWriter: write() after close(): the stream has ended");
  }
  state_->writer.write(batch);
}

void ArrowIpcStreamWriter::write(const engine::Table& table) {
  for (const engine::RecordBatch& batch : table.batches()) {
    write(batch);
  }
}

void ArrowIpcStreamWriter::close() {
  if (!state_->closed) {
    state_->closed = true;
    state_->writer.finish();
  }
}

struct ArrowIpcStreamReader::State {
  State(std::istream& in, ArrowIpcStreamReader::Options options)
      : decoder(in, std::move(options.where), options.require_end_marker),
        column_metadata(decoder.column_metadata()) {}
  detail::IpcStreamDecoder decoder;
  std::vector<std::map<std::string, std::string>> column_metadata;
  int64_t rows = 0;
};

ArrowIpcStreamReader::ArrowIpcStreamReader(std::istream& in)
    : ArrowIpcStreamReader(in, Options{}) {}

ArrowIpcStreamReader::ArrowIpcStreamReader(std::istream& in, Options options)
    : state_(std::make_unique<State>(in, std::move(options))) {}

ArrowIpcStreamReader::~ArrowIpcStreamReader() = default;

const engine::SchemaPtr& ArrowIpcStreamReader::schema() const {
  return state_->decoder.schema();
}

std::optional<engine::RecordBatch> ArrowIpcStreamReader::next() {
  while (std::optional<engine::RecordBatch> batch = state_->decoder.next()) {
    if (batch->num_rows() > 0) {
      state_->rows += batch->num_rows();
      return batch;
    }
  }
  return std::nullopt;
}

engine::ScanStats ArrowIpcStreamReader::stats() const {
  engine::ScanStats stats;
  stats.rows = state_->rows;
  stats.bytes_read = state_->decoder.bytes_read();
  return stats;
}

const std::map<std::string, std::string>& ArrowIpcStreamReader::metadata() const {
  return state_->decoder.metadata();
}

const std::vector<std::map<std::string, std::string>>& ArrowIpcStreamReader::column_metadata()
    const {
  return state_->column_metadata;
}

}  // namespace setl::storage
