// A pipeline run under a trace, and the per-factory CPU time, rows and bytes of its
// benchmark.
#include "setl/core/trace.h"

#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/engine/builder.h"
#include "setl/engine/lazy_frame.h"
#include "setl/storage/csv_connector.h"
#include "setl/workflow/pipeline.h"
#include "setl/workflow/setl.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using engine::col;
using engine::LazyFrame;
using engine::Table;

// Counts rows per key with the engine and writes the counts as CSV.
class KeyCounts : public Factory<Table> {
 public:
  explicit KeyCounts(std::filesystem::path out) : out_(std::move(out)) {}
  Table process() override {
    engine::ColumnBuilder keys(engine::DataType::int64());
    for (int64_t i = 0; i < 200'000; ++i) {
      keys.append_int(i % 97);
    }
    Table input = Table::from_columns({{"key", keys.finish()}}).rechunk(10'000);
    return LazyFrame::from(input)
        .group_by({"key"})
        .agg({engine::fn::count_all().alias("n")})
        .sort({{"key"}})
        .collect();
  }
  void write() override {
    storage::make_connector<storage::CsvConnector>(out_)->write(get(),
                                                                storage::SaveMode::kOverwrite);
  }

 private:
  std::filesystem::path out_;
};

class Total : public Factory<int64_t> {
 public:
  Delivery<Table> counts{this};
  int64_t process() override { return counts->num_rows(); }
};

// Reads back what KeyCounts wrote.
class ReadBack : public Factory<std::string> {
 public:
  explicit ReadBack(std::filesystem::path in) : in_(std::move(in)) { depends_on("KeyCounts"); }
  std::string process() override {
    Table read = storage::make_connector<storage::CsvConnector>(in_)->lazy().collect();
    return std::to_string(read.num_rows()) + " rows";
  }

 private:
  std::filesystem::path in_;
};

const TraceSpan* find_span(const std::vector<TraceSpan>& spans, const std::string& name) {
  auto found = std::find_if(spans.begin(), spans.end(),
                            [&](const TraceSpan& span) { return span.name == name; });
  return found == spans.end() ? nullptr : &*found;
}

bool inside(const TraceSpan& inner, const TraceSpan& outer) {
  return inner.start_us >= outer.start_us &&
         inner.start_us + inner.duration_us <= outer.start_us + outer.duration_us;
}

TEST(PipelineTrace, ShowsTheRunStagesFactoriesTheirPhasesAndTheirQueries) {
  testing::TempDir dir;
  // One engine thread: workflow tests run under ThreadSanitizer, which cannot see oneTBB's
  // own synchronisation (operator spans on worker threads are tested in the engine's tests).
  Setl setl(Config::from_yaml("engine:\n  threads: 1\n"));
  Pipeline pipeline = setl.new_pipeline("traced");
  pipeline.add_factory<KeyCounts>(dir.path() / "counts.csv");
  pipeline.add_factory<Total>();
  pipeline.add<ReadBack>(dir.path() / "counts.csv");
  auto trace = std::make_shared<TraceRecorder>();
  pipeline.set_trace(trace).set_benchmark(true);
  pipeline.run();
  EXPECT_EQ(pipeline.last_output<int64_t>(), 97);

  std::vector<TraceSpan> spans = trace->spans();
  const TraceSpan* run = find_span(spans, "run traced");
  const TraceSpan* factory = find_span(spans, "KeyCounts");
  const TraceSpan* process = find_span(spans, "KeyCounts.process()");
  const TraceSpan* write = find_span(spans, "KeyCounts.write()");
  ASSERT_NE(run, nullptr);
  ASSERT_NE(factory, nullptr);
  ASSERT_NE(process, nullptr);
  ASSERT_NE(write, nullptr);
  ASSERT_NE(find_span(spans, "Total.process()"), nullptr);
  EXPECT_TRUE(inside(*factory, *run));
  EXPECT_TRUE(inside(*process, *factory));
  EXPECT_TRUE(inside(*write, *factory));
  EXPECT_EQ(process->thread, factory->thread);
  EXPECT_EQ(std::count_if(spans.begin(), spans.end(),
                          [](const TraceSpan& span) { return span.category == "stage"; }),
            2);
  // The factory's query and its operators ran inside its process() phase (ReadBack's
  // ran later, inside its own).
  int queries = 0;
  int operators = 0;
  for (const TraceSpan& span : spans) {
    queries += span.category == "query" && inside(span, *process);
    operators += span.category == "operator" && inside(span, *process);
  }
  EXPECT_EQ(queries, 1);
  EXPECT_GT(operators, 2);

  const FactoryBenchmark& counted = pipeline.benchmark().factories.at(0);
  ASSERT_EQ(counted.factory, "KeyCounts");
  EXPECT_GT(counted.cpu.count(), 0);
  EXPECT_GT(counted.rows, 0);
  // The bytes it wrote, and those the reader read: the CSV file.
  auto file_bytes = static_cast<int64_t>(std::filesystem::file_size(dir.path() / "counts.csv"));
  EXPECT_EQ(counted.bytes, file_bytes);
  auto read_back =
      std::find_if(pipeline.benchmark().factories.begin(), pipeline.benchmark().factories.end(),
                   [](const FactoryBenchmark& row) { return row.factory == "ReadBack"; });
  ASSERT_NE(read_back, pipeline.benchmark().factories.end());
  EXPECT_EQ(read_back->bytes, file_bytes);
}

TEST(PipelineTrace, IsOffUnlessSet) {
  Pipeline pipeline;
  pipeline.add_factory<Total>();
  pipeline.set_input(Table());
  pipeline.run();
  EXPECT_EQ(pipeline.trace(), nullptr);
  EXPECT_EQ(current_trace(), nullptr);
}

}  // namespace
}  // namespace setl::workflow
