// Writing a stream of batches: every file format writes batches as they arrive (memory
// stays near one batch or row group however long the stream), the target changes
// atomically (a stream that fails half-way leaves the old file), and sink() writes a
// query's result without collecting it.
#include <csignal>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "setl/core/error.h"
#include "setl/core/memory.h"
#include "setl/core/memory_context.h"
#include "setl/engine/builder.h"
#include "setl/engine/lazy_frame.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/parquet_connector.h"
#include "testing/table_matchers.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using engine::BatchStream;
using engine::DataType;
using engine::RecordBatch;
using engine::SchemaPtr;

// Makes `batches` batches of `rows` rows on demand (nothing is held); throws at batch
// `fail_at` when it is set.
class Generated : public BatchStream {
 public:
  Generated(int batches, int64_t rows, int fail_at = -1)
      : batches_(batches), rows_(rows), fail_at_(fail_at) {
    schema_ = std::make_shared<engine::Schema>(std::vector<engine::Field>{
        {"id", DataType::int64(), true}, {"label", DataType::string(), true}});
  }
  const SchemaPtr& schema() const override { return schema_; }
  std::optional<RecordBatch> next() override {
    if (made_ == batches_) {
      return std::nullopt;
    }
    if (made_ == fail_at_) {
      throw IoError("the source broke");
    }
    engine::ColumnBuilder id(DataType::int64()), label(DataType::string());
    for (int64_t row = 0; row < rows_; ++row) {
      int64_t value = made_ * rows_ + row;
      id.append_int(value);
      label.append_string("label number " + std::to_string(value));
    }
    ++made_;
    return RecordBatch(schema_, {id.finish(), label.finish()}, rows_);
  }

 private:
  SchemaPtr schema_;
  int batches_;
  int64_t rows_;
  int fail_at_;
  int made_ = 0;
};

class Sink : public ::testing::TestWithParam<std::string> {
 protected:
  std::shared_ptr<FileConnector> connector(const std::filesystem::path& path) {
    if (GetParam() == "csv") {
      return make_connector<CsvConnector>(path);
    }
    if (GetParam() == "jsonl") {
      return make_connector<JsonLinesConnector>(path);
    }
    ParquetOptions options;
    options.row_group_rows = 20'000;
    return make_connector<ParquetConnector>(path, options);
  }
  testing::TempDir dir_;
};

TEST_P(Sink, AStreamIsWrittenAsItArrivesInBoundedMemory) {
  auto target = connector(dir_.path() / ("out." + GetParam()));
  // 60 batches of ~0.8 MiB each: ~50 MiB of rows, never all held.
  Generated rows(60, 25'000);
  int64_t before = memory::bytes_allocated();
  memory::reset_peak();
  target->write_stream(rows, SaveMode::kOverwrite);
  int64_t growth = memory::peak_bytes() - before;
  EXPECT_LT(growth, int64_t{12} << 20) << "peak " << memory::format_bytes(growth);
  engine::Table back = target->read();
  ASSERT_EQ(back.num_rows(), 1'500'000);
  engine::Table last = back.aggregate({engine::fn::max(engine::col("id"))});
  EXPECT_EQ(last.batches()[0].column(0)->values<int64_t>()[0], 1'499'999);
}

TEST_P(Sink, AStreamThatFailsHalfWayLeavesTheOldFileAndNoTemporaries) {
  auto target = connector(dir_.path() / ("out." + GetParam()));
  Generated first(2, 1000);
  target->write_stream(first, SaveMode::kOverwrite);
  Generated broken(10, 1000, 5);
  EXPECT_THROW(target->write_stream(broken, SaveMode::kOverwrite), IoError);
  EXPECT_EQ(target->read().num_rows(), 2000);
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos)
        << "a temporary file was left behind: " << entry.path();
  }
}

TEST_P(Sink, SaveModesApplyToStreams) {
  auto target = connector(dir_.path() / ("out." + GetParam()));
  Generated first(1, 10);
  target->write_stream(first, SaveMode::kOverwrite);
  Generated second(1, 10);
  EXPECT_THROW(target->write_stream(second, SaveMode::kErrorIfExists), IoError);
  Generated third(1, 10);
  target->write_stream(third, SaveMode::kIgnore);
  EXPECT_EQ(target->read().num_rows(), 10);
  Generated fourth(2, 10);
  target->write_stream(fourth, SaveMode::kAppend);
  EXPECT_EQ(target->read().num_rows(), 30);
}

TEST_P(Sink, SinkWritesAQueryResultWithoutCollectingIt) {
  std::filesystem::path input = dir_.path() / "in.csv";
  {
    std::ofstream out(input);
    out << "id,amount\n";
    for (int i = 0; i < 50'000; ++i) {
      out << i << "," << i % 100 << "\n";
    }
  }
  auto csv = make_connector<CsvConnector>(input);
  engine::LazyFrame query = csv->lazy().filter("amount >= 50").select({"id", "amount"});
  auto target = connector(dir_.path() / ("out." + GetParam()));
  target->sink(query);
  EXPECT_THAT(target->read(), testing::SameTableAs(query.collect()));
}

// The disk fills up while a sort spills on its way into a file: simulated with a file
// size limit (RLIMIT_FSIZE) in a child process. The write fails with an IoError naming
// the spill file, the spill directory is gone and the target file never appears, not
// even in part. (The exit code says which check failed.)
int sort_into_file_on_a_full_disk(const std::filesystem::path& dir) {
  rlimit limit{256 << 10, 256 << 10};
  if (setrlimit(RLIMIT_FSIZE, &limit) != 0) {
    return 20;
  }
  std::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG instead
  MemoryContext context;
  context.budget = memory::MemoryBudget::create(1 << 20);
  context.spill_dir = dir / "spill";
  context.batch_bytes = 64 << 10;
  engine::ColumnBuilder values(DataType::int64());
  for (int64_t i = 0; i < 400'000; ++i) {
    values.append_int((i * 2654435761) % 1000003);
  }
  engine::LazyFrame data =
      engine::LazyFrame::from(engine::Table::from_columns({{"value", values.finish()}}));
  int code = 10;  // no error at all
  try {
    MemoryContextScope scope(context);
    make_connector<CsvConnector>(dir / "sorted.csv")->sink(data.sort({{"value"}}));
  } catch (const IoError& error) {
    code = std::string(error.what()).find("spill file") != std::string::npos ? 0 : 11;
  } catch (...) {
    code = 12;
  }
  if (std::filesystem::exists(dir / "spill")) {
    code = 13;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    code = 14;  // the target or a temporary of it
  }
  return code;
}

TEST(SinkFaults, DiskFullWhileSpillingIsAnIoErrorAndLeavesNothingBehind) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  testing::TempDir dir;
  EXPECT_EXIT(std::_Exit(sort_into_file_on_a_full_disk(dir.path())), ::testing::ExitedWithCode(0),
              "");
}

TEST(ParquetStream, ReadsOneRowGroupAtATimeAndSkipsWhatTheFilterExcludes) {
  testing::TempDir dir;
  ParquetOptions options;
  options.row_group_rows = 10'000;
  auto file = make_connector<ParquetConnector>(dir.path() / "t.parquet", options);
  Generated rows(10, 10'000);
  file->write_stream(rows, SaveMode::kOverwrite);
  engine::ScanRequest request;
  request.filter = engine::col("id") >= engine::lit(int64_t{85'000});
  std::unique_ptr<BatchStream> stream = file->scan_stream(request, 64 << 10);
  int64_t batches = 0;
  int64_t read = 0;
  while (std::optional<RecordBatch> batch = stream->next()) {
    ++batches;
    read += batch->num_rows();
  }
  EXPECT_EQ(read, 20'000);  // the last two row groups
  EXPECT_GT(batches, 2);    // cut below the row group size
  EXPECT_EQ(stream->stats().units_total, 10);
  EXPECT_EQ(stream->stats().units_read, 2);
  std::unique_ptr<BatchStream> all = file->scan_stream({}, 64 << 10);
  EXPECT_THAT(engine::collect_stream(*all), testing::SameTableAs(file->read()));
}

INSTANTIATE_TEST_SUITE_P(Formats, Sink, ::testing::Values("csv", "jsonl", "parquet"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace setl::storage
