// Arrow IPC streams between threads and processes: batches read as they arrive, through
// pipes, sockets and FIFOs; a writer that stops half way and a reader that goes away;
// dictionary columns in streams (replaced between batches) and files (one dictionary);
// ArrowIpcStreamConnector and `storage: ARROW_STREAM`.
#include <future>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setl/core/cancellation.h"
#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/core/fd_stream.h"
#include "setl/engine/functions.h"
#include "setl/engine/lazy_frame.h"
#include "setl/storage/arrow_ipc.h"
#include "setl/storage/arrow_ipc_stream_connector.h"
#include "setl/storage/connector_builder.h"
#include "testing/columns.h"
#include "testing/table_matchers.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using engine::ColumnPtr;
using engine::RecordBatch;
using engine::Table;
using ::testing::HasSubstr;
using testing::message_of;
using testing::SameTableAs;

// Rows [from, from + rows) with a repetitive text column.
RecordBatch numbered(int64_t from, int64_t rows) {
  std::vector<std::optional<int64_t>> ids;
  std::vector<std::optional<std::string>> cities;
  for (int64_t i = from; i < from + rows; ++i) {
    ids.push_back(i);
    cities.push_back(i % 5 == 0
                         ? std::nullopt
                         : std::optional<std::string>("district-number-" + std::to_string(i % 3)));
  }
  return Table::from_columns({{"id", testing::int64s(ids)}, {"city", testing::strings(cities)}})
      .batches()
      .front();
}

struct Pipe {
  Pipe() { EXPECT_EQ(::pipe(fds), 0); }
  ~Pipe() {
    for (int fd : fds) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }
  int release(int end) { return std::exchange(fds[end], -1); }
  int fds[2] = {-1, -1};
};

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST(ArrowIpcStream, BatchesArriveOneByOneWhileTheWriterIsStillWriting) {
  Pipe pipe;
  std::promise<void> first_read;
  std::thread writer_thread([&, fd = pipe.release(1)] {
    FdOutputStream out(fd, FdOwnership::kClose);
    ArrowIpcStreamWriter writer(out, numbered(0, 1).schema());
    writer.write(numbered(0, 100));
    // The second batch waits until the reader has the first: the reader cannot be
    // reading a stream that is already complete.
    first_read.get_future().wait();
    writer.write(numbered(100, 50));
    writer.close();
  });
  FdInputStream in(pipe.release(0), FdOwnership::kClose);
  ArrowIpcStreamReader reader(in, {"loader", true});
  EXPECT_EQ(reader.schema()->to_string(), "id: int64, city: string");
  std::optional<RecordBatch> first = reader.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->num_rows(), 100);
  first_read.set_value();
  std::optional<RecordBatch> second = reader.next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->column("id")->values<int64_t>()[49], 149);
  EXPECT_FALSE(reader.next().has_value());
  EXPECT_EQ(reader.stats().rows, 150);
  writer_thread.join();
}

TEST(ArrowIpcStream, AWriterThatStopsHalfWayIsAnErrorForAReaderThatRequiresTheEnd) {
  auto cut_short = [] {
    std::stringstream bytes;
    ArrowIpcStreamWriter writer(bytes, numbered(0, 1).schema());
    writer.write(numbered(0, 10));
    return bytes.str();  // destroyed without close(): no end-of-stream marker
  }();
  std::istringstream strict_input(cut_short);
  ArrowIpcStreamReader strict(strict_input, {"loader", true});
  ASSERT_TRUE(strict.next().has_value());
  EXPECT_THAT(message_of<IoError>([&] { return strict.next(); }),
              HasSubstr("loader: the stream ends at byte"));
  std::istringstream lenient_input(cut_short);
  ArrowIpcStreamReader lenient(lenient_input);
  ASSERT_TRUE(lenient.next().has_value());
  EXPECT_FALSE(lenient.next().has_value());
  // Cut inside a message: an error either way.
  std::istringstream torn(cut_short.substr(0, cut_short.size() - 3));
  ArrowIpcStreamReader reader(torn);
  EXPECT_THAT(message_of<IoError>([&] { return reader.next(); }), HasSubstr("ends inside"));
}

TEST(ArrowIpcStream, AReaderThatGoesAwayFailsTheWriterWithoutSigpipe) {
  Pipe pipe;
  ::close(pipe.release(0));
  FdOutputStream out(pipe.release(1), FdOwnership::kClose);
  ArrowIpcStreamWriter writer(out, numbered(0, 1).schema());
  EXPECT_THAT(message_of<IoError>([&] { writer.write(numbered(0, 100'000)); }),
              HasSubstr("the output failed"));
  EXPECT_EQ(out.buffer().error(), EPIPE);
}

// A reader waiting for a writer that never sends, and a listener waiting for a peer that
// never comes, stop when their work is cancelled (before or during the wait: either way,
// never a hang) instead of waiting on.
TEST(ArrowIpcStream, CancellingTheWorkEndsAWaitForTheOtherSide) {
  Pipe pipe;
  CancellationToken token;
  std::promise<std::string> stopped;
  std::thread reader_thread([&] {
    CancellationScope scope(token);
    FdInputStream in(pipe.fds[0]);
    stopped.set_value(message_of<CancelledError>([&] {
      ArrowIpcStreamReader reader(in, {"idle", true});
    }));
  });
  std::thread listener_thread([&] {
    CancellationScope scope(token);
    auto lonely = make_connector<ArrowIpcStreamConnector>(
        "listen://127.0.0.1:" + std::to_string(free_port()));  // 30 s to wait, by default
    message_of<CancelledError>([&] { return lonely->read(); });
  });
  token.cancel("the job was cancelled");
  EXPECT_THAT(stopped.get_future().get(), HasSubstr("the job was cancelled"));
  reader_thread.join();
  listener_thread.join();
}

TEST(ArrowIpcStream, BatchesOfOtherColumnsAreRefused) {
  std::stringstream bytes;
  ArrowIpcStreamWriter writer(bytes, numbered(0, 1).schema());
  RecordBatch other = Table::from_columns({{"id", testing::strings({"x"})}}).batches().front();
  EXPECT_THAT(message_of<SchemaError>([&] { writer.write(other); }),
              HasSubstr("a batch of columns (id: string)"));
  writer.close();
  EXPECT_THAT(message_of<StateError>([&] { writer.write(numbered(0, 1)); }),
              HasSubstr("write() after close()"));
  EXPECT_THAT(message_of<SchemaError>([&] {
                ArrowIpcStreamWriter bad(bytes, numbered(0, 1).schema(),
                                         {.dictionary_columns = {"id"}});
              }),
              HasSubstr("dictionary column 'id' is not a string column"));
}

// A stream sends a dictionary again only when a batch's differs; a file holds one per
// column, the batches' dictionaries united.
TEST(ArrowIpcStream, DictionaryColumnsAreSentOnceOrReplacedAndFilesUniteThem) {
  Table table(numbered(0, 1).schema(), {numbered(0, 300), numbered(300, 300)});
  ArrowIpcWriteOptions options{.dictionary_columns = {"city"}};
  std::stringstream plain;
  write_arrow_ipc_stream(table, plain);
  std::stringstream encoded;
  write_arrow_ipc_stream(table, encoded, options);
  EXPECT_LT(encoded.str().size(), plain.str().size() * 3 / 4);
  EXPECT_THAT(read_arrow_ipc_stream(encoded).table, SameTableAs(table));

  // Two batches over different dictionaries (the second has an entry the first lacks).
  Table other = Table::from_columns({{"id", testing::int64s({1, 2, 3})},
                                     {"city", testing::strings({"Oslo", std::nullopt, "Rome"})}});
  Table changing(other.schema(), {table.slice(0, 4).batches().front(), other.batches().front()});
  std::stringstream replaced;
  write_arrow_ipc_stream(changing, replaced, options);
  EXPECT_THAT(read_arrow_ipc_stream(replaced).table, SameTableAs(changing));
  testing::TempDir dir;
  write_arrow_ipc_file(changing, dir.path() / "united.arrow", options);
  EXPECT_THAT(read_arrow_ipc_file(dir.path() / "united.arrow").table, SameTableAs(changing));
  // Read back, string dictionaries stay encoded: queries group by code, and a write sends
  // the dictionary on.
  Table read = read_arrow_ipc_file(dir.path() / "united.arrow").table;
  EXPECT_TRUE(read.batches().front().column("city")->is_dictionary());
  std::stringstream again;
  write_arrow_ipc_stream(read, again);
  std::string city = "district-number-1";
  EXPECT_EQ(again.str().find(city), again.str().rfind(city));
  Table counts = engine::LazyFrame::from(read)
                     .group_by({"city"})
                     .agg({engine::fn::count_all().alias("n")})
                     .sort({{"city"}})
                     .collect();
  EXPECT_THAT(counts, testing::TableIs({"city", "n"}, {{"null", "2"},
                                                       {"Oslo", "1"},
                                                       {"Rome", "1"},
                                                       {"district-number-0", "1"},
                                                       {"district-number-1", "1"},
                                                       {"district-number-2", "1"}}));
  // A column of NULLs only still has a dictionary (of one empty string) its codes index.
  Table nulls = Table::from_columns({{"city", testing::strings({std::nullopt, std::nullopt})}});
  write_arrow_ipc_file(nulls, dir.path() / "nulls.arrow", options);
  EXPECT_THAT(read_arrow_ipc_file(dir.path() / "nulls.arrow").table, SameTableAs(nulls));
}

// A factory's output sent over TCP: the producer listens, the consumer connects (and
// retries while the producer is not up yet), columns are projected on the reading side.
TEST(ArrowIpcStreamConnector, SendsAQueryOverTcpAsItIsProduced) {
  Table table(numbered(0, 1).schema(), {numbered(0, 1000), numbered(1000, 1000)});
  std::string port = std::to_string(free_port());
  auto producer = make_connector<ArrowIpcStreamConnector>("listen://127.0.0.1:" + port);
  auto consumer = make_connector<ArrowIpcStreamConnector>("tcp://127.0.0.1:" + port);
  std::thread sender([&] { producer->sink(engine::LazyFrame::from(table).filter("id % 2 = 0")); });
  Table cities = consumer->scan({{"city"}, std::nullopt}).table;
  sender.join();
  EXPECT_EQ(cities.schema()->to_string(), "city: string");
  EXPECT_EQ(cities.num_rows(), 1000);
  EXPECT_THAT(message_of<StateError>([&] { return consumer->read(); }), HasSubstr("read once"));
}

TEST(ArrowIpcStreamConnector, AFifoCarriesTheStreamBatchByBatch) {
  testing::TempDir dir;
  std::filesystem::path fifo = dir.path() / "orders.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Table table(numbered(0, 1).schema(), {numbered(0, 10), numbered(10, 5)});
  std::thread sender([&] {
    make_connector<ArrowIpcStreamConnector>(fifo.string())->write(table, SaveMode::kAppend);
  });
  auto reading = make_connector<ArrowIpcStreamConnector>(fifo.string());
  std::unique_ptr<engine::BatchStream> rows = reading->scan_stream({}, 1 << 20);
  Table read = engine::collect_stream(*rows);
  sender.join();
  EXPECT_THAT(read, SameTableAs(table));
  // A path that is not a FIFO is written as a stream file, atomically.
  make_connector<ArrowIpcStreamConnector>((dir.path() / "orders.arrows").string())
      ->write(table, SaveMode::kOverwrite);
  EXPECT_THAT(
      make_connector<ArrowIpcStreamConnector>((dir.path() / "orders.arrows").string())->read(),
      SameTableAs(table));
}

TEST(ArrowIpcStreamConnector, IsBuiltFromConfigurationAndRefusesBadEndpoints) {
  Pipe pipe;
  Table table(numbered(0, 1).schema(), {numbered(0, 7)});
  {
    FdOutputStream out(pipe.release(1), FdOwnership::kClose);
    write_arrow_ipc_stream(table, out);
  }
  Config config = Config::from_yaml(
      "in: {storage: ARROW_STREAM, endpoint: \"fd:" + std::to_string(pipe.fds[0]) +
          "\", timeout_ms: 500}\n"
          "bad: {storage: IPC_STREAM, endpoint: \"tcp://host\"}\n",
      "app.yaml");
  EXPECT_THAT(build_connector(config.section("in"))->read(), SameTableAs(table));
  EXPECT_THAT(message_of<ConfigError>([&] { build_connector(config.section("bad")); }),
              HasSubstr("expected HOST:PORT"));
  auto nobody = make_connector<ArrowIpcStreamConnector>(
      "tcp://127.0.0.1:" + std::to_string(free_port()),
      ArrowIpcStreamOptions{.timeout = std::chrono::milliseconds(100)});
  EXPECT_THAT(message_of<IoError>([&] { return nobody->schema(); }), HasSubstr("cannot connect"));
  auto lonely = make_connector<ArrowIpcStreamConnector>(
      "listen://127.0.0.1:" + std::to_string(free_port()),
      ArrowIpcStreamOptions{.timeout = std::chrono::milliseconds(100)});
  EXPECT_THAT(message_of<IoError>([&] { lonely->write(table, SaveMode::kOverwrite); }),
              HasSubstr("no peer connected in time"));
}

}  // namespace
}  // namespace setl::storage
