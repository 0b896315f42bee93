#include "setl/storage/arrow_ipc_stream_connector.h"

#include <sys/stat.h>
#include <unistd.h>

#include "setl/core/atomic_file.h"
#include "setl/core/error.h"
#include "setl/core/fd_stream.h"
#include "storage/arrow_ipc/stream_endpoint.h"

namespace setl::storage {
namespace {

// A path whose open connects to another process (a FIFO, a device, a socket file) rather
// than naming stored bytes.
bool is_channel(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode) && !S_ISDIR(info.st_mode);
}

}  // namespace

// The open stream: the descriptor, the buffered input over it and the IPC reader.
struct ArrowIpcStreamConnector::Reading {
  Reading(int fd, const std::string& where)
      : input(fd, FdOwnership::kClose), reader(input, {where, true}) {}
  FdInputStream input;
  ArrowIpcStreamReader reader;
};

namespace {

// The requested columns of an open stream's batches; owns the stream.
template <class Reading>
class ProjectedStream : public engine::BatchStream {
 public:
  ProjectedStream(std::unique_ptr<Reading> reading, const std::vector<std::string>& columns)
      : reading_(std::move(reading)) {
    const engine::Schema& all = *reading_->reader.schema();
    std::vector<engine::Field> fields;
    for (const std::string& name : columns) {
      size_t index = all.index_of(name);  // SchemaError for a name the stream lacks
      indices_.push_back(index);
      fields.push_back(all.field(index));
    }
    schema_ = columns.empty() ? reading_->reader.schema()
                              : std::make_shared<engine::Schema>(std::move(fields));
  }
  const engine::SchemaPtr& schema() const override { return schema_; }
  std::optional<engine::RecordBatch> next() override {
    std::optional<engine::RecordBatch> batch = reading_->reader.next();
    if (!batch || indices_.empty()) {
      return batch;
    }
    std::vector<engine::ColumnPtr> columns;
    for (size_t index : indices_) {
      columns.push_back(batch->columns()[index]);
    }
    return engine::RecordBatch(schema_, std::move(columns), batch->num_rows());
  }
  engine::ScanStats stats() const override { return reading_->reader.stats(); }

 private:
  std::unique_ptr<Reading> reading_;
  std::vector<size_t> indices_;
  engine::SchemaPtr schema_;
};

}  // namespace

ArrowIpcStreamConnector::ArrowIpcStreamConnector(ConnectorKey key, std::string endpoint,
                                                 ArrowIpcStreamOptions options)
    : Connector(key), endpoint_(std::move(endpoint)), options_(std::move(options)) {
  detail::StreamEndpoint::parse(endpoint_);  // a malformed endpoint fails here, not later
}

ArrowIpcStreamConnector::~ArrowIpcStreamConnector() = default;

std::string ArrowIpcStreamConnector::describe() const {
  return "arrow stream " + endpoint_;
}

engine::SchemaPtr ArrowIpcStreamConnector::schema() const {
  std::lock_guard lock(mutex_);
  if (consumed_) {
    throw StateError("Arrow IPC stream " + endpoint_ + " was read already; a stream is read once");
  }
  if (reading_ == nullptr) {
    int fd = detail::open_stream_endpoint(detail::StreamEndpoint::parse(endpoint_), false,
                                          options_.timeout);
    reading_ = std::make_unique<Reading>(fd, "Arrow IPC stream " + endpoint_);
  }
  return reading_->reader.schema();
}

std::unique_ptr<engine::BatchStream> ArrowIpcStreamConnector::take_reader(
    const engine::ScanRequest& request) const {
  schema();  // opens the stream unless schema() did
  std::lock_guard lock(mutex_);
  if (consumed_ || reading_ == nullptr) {
    throw StateError("Arrow IPC stream " + endpoint_ + " was read already; a stream is read once");
  }
  consumed_ = true;
  return std::make_unique<ProjectedStream<Reading>>(std::move(reading_), request.columns);
}

engine::ScanResult ArrowIpcStreamConnector::scan(const engine::ScanRequest& request) const {
  std::unique_ptr<engine::BatchStream> rows = take_reader(request);
  engine::Table table = engine::collect_stream(*rows);
  return {std::move(table), rows->stats()};
}

std::unique_ptr<engine::BatchStream> ArrowIpcStreamConnector::scan_stream(
    const engine::ScanRequest& request, int64_t /*batch_bytes: the writer's batches*/) const {
  return take_reader(request);
}

void ArrowIpcStreamConnector::write(const engine::Table& table, SaveMode /*mode*/) const {
  std::unique_ptr<engine::BatchStream> rows =
      engine::stream_table(table, engine::kDefaultBatchBytes);
  write_stream(*rows);
}

void ArrowIpcStreamConnector::write_stream(engine::BatchStream& rows) const {
  detail::StreamEndpoint endpoint = detail::StreamEndpoint::parse(endpoint_);
  auto send = [&](std::ostream& out) {
    ArrowIpcStreamWriter writer(out, rows.schema(), options_.write);
    while (std::optional<engine::RecordBatch> batch = rows.next()) {
      writer.write(*batch);
    }
    writer.close();
  };
  if (endpoint.kind == detail::StreamEndpoint::Kind::kPath && !is_channel(endpoint.path)) {
    AtomicFile file(endpoint.path);  // a stream file: whole or not there
    send(file.stream());
    file.commit();
    return;
  }
  FdOutputStream out(detail::open_stream_endpoint(endpoint, true, options_.timeout),
                     FdOwnership::kClose);
  send(out);
}

void ArrowIpcStreamConnector::sink(const engine::LazyFrame& query) const {
  std::unique_ptr<engine::BatchStream> rows = query.stream();
  write_stream(*rows);
}

std::optional<std::string> ArrowIpcStreamConnector::fingerprint(bool /*content*/) const {
  return std::nullopt;
}

}  // namespace setl::storage
