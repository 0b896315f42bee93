// Breakers under a tiny memory budget: they spill, and their results equal the unlimited
// run exactly (same rows, same order, bit-identical sums), on one thread and on all;
// spill files are gone afterwards, whatever happened.
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/core/memory_context.h"
#include "setl/engine/builder.h"
#include "setl/engine/execution.h"
#include "setl/engine/lazy_frame.h"
#include "testing/table_matchers.h"
#include "testing/temp_dir.h"

namespace setl::engine {
namespace {

using ::testing::HasSubstr;

// Rows with many groups, text keys, NULLs, float values whose sums depend on the order
// of addition, and ties for the sort.
Table orders(int64_t rows, uint32_t seed = 7) {
  std::mt19937_64 random(seed);
  ColumnBuilder id(DataType::int64()), customer(DataType::int64()), city(DataType::string()),
      amount(DataType::float64()), quantity(DataType::int64());
  for (int64_t row = 0; row < rows; ++row) {
    id.append_int(row);
    customer.append_int(static_cast<int64_t>(random() % static_cast<uint64_t>(rows / 4 + 1)));
    if (random() % 50 == 0) {
      city.append_null();
    } else {
      city.append_string("city-" + std::to_string(random() % 5000));
    }
    amount.append_double(static_cast<double>(random() % 1'000'000) / 7.0);
    quantity.append_int(static_cast<int64_t>(random() % 10));
  }
  return Table::from_columns({{"id", id.finish()},
                              {"customer", customer.finish()},
                              {"city", city.finish()},
                              {"amount", amount.finish()},
                              {"quantity", quantity.finish()}});
}

struct Limited {
  std::shared_ptr<memory::MemoryBudget> budget;
  std::shared_ptr<MemoryCounters> counters = std::make_shared<MemoryCounters>();
  MemoryContext context;

  Limited(int64_t limit, const std::filesystem::path& spill_dir, int64_t max_spill = 0)
      : budget(memory::MemoryBudget::create(limit)) {
    context.budget = budget;
    context.spill_dir = spill_dir;
    context.max_spill_bytes = max_spill;
    context.batch_bytes = 64 << 10;
    context.owner = "SpillTest";
    context.counters = counters;
  }
};

class Spill : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { set_num_threads(GetParam()); }
  void TearDown() override { set_num_threads(0); }

  // Runs `query` unlimited and under a 1 MiB budget (same batch size: float sums follow
  // the batches); both must agree exactly and the limited run must have spilled.
  void expect_same_when_spilled(const LazyFrame& query) {
    Limited limited(1 << 20, dir_.path() / "spill");
    Table unlimited;
    {
      MemoryContext no_budget = limited.context;
      no_budget.budget = nullptr;
      MemoryContextScope scope(no_budget);
      unlimited = query.collect();
    }
    Table spilled;
    {
      MemoryContextScope scope(limited.context);
      spilled = query.collect();
    }
    EXPECT_THAT(spilled, testing::SameTableAs(unlimited));
    EXPECT_GT(limited.counters->spilled_bytes.load(), 0) << "nothing spilled";
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / "spill")) << "spill files left behind";
    EXPECT_EQ(limited.budget->used(), 0) << "reservations left behind";
  }

  testing::TempDir dir_;
};

TEST_P(Spill, SortEqualsTheInMemorySortIncludingTheOrderOfTies) {
  LazyFrame data = LazyFrame::from(orders(100'000));
  expect_same_when_spilled(data.sort({{"quantity", true}, {"city"}}));
  expect_same_when_spilled(data.filter("quantity > 2").sort({{"amount"}}));
}

TEST_P(Spill, HashAggregationEqualsTheInMemoryOneBitForBit) {
  LazyFrame data = LazyFrame::from(orders(200'000));
  expect_same_when_spilled(
      data.group_by({"customer"})
          .agg({fn::sum(col("amount")).alias("total"), fn::count_all().alias("n"),
                fn::mean(col("amount")).alias("average"), fn::min(col("city")).alias("first_city"),
                fn::first(col("id")).alias("first_id"), fn::last(col("id")).alias("last_id"),
                fn::count_distinct(col("quantity")).alias("quantities"),
                fn::stddev(col("amount")).alias("spread")}));
  expect_same_when_spilled(
      data.filter("quantity < 8").group_by({"city", "quantity"}).agg({fn::sum(col("amount"))}));
}

TEST_P(Spill, DecimalColumnsSpillAndComeBackExact) {
  LazyFrame data = LazyFrame::from(orders(200'000))
                       .with_column("price", col("amount").cast(DataType::decimal(18, 4)));
  expect_same_when_spilled(data.sort({{"price", true}, {"id"}}));
  expect_same_when_spilled(
      data.group_by({"customer"})
          .agg({fn::sum(col("price")).alias("total"), fn::max(col("price")).alias("top"),
                fn::mean(col("price")).alias("average")}));
  expect_same_when_spilled(
      data.select({(col("price") * lit(3)).alias("key")}).group_by({"key"}).agg({fn::count_all()}));
}

TEST_P(Spill, DistinctEqualsTheInMemoryOne) {
  LazyFrame data = LazyFrame::from(orders(200'000));
  expect_same_when_spilled(data.select({"customer", "quantity"}).distinct());
}

TEST_P(Spill, WindowFunctionsOverSpilledPartitionsEqualTheInMemoryOnes) {
  LazyFrame data = LazyFrame::from(orders(200'000));
  // Ties on the order key (quantity) keep their input order, as in memory.
  expect_same_when_spilled(
      data.with_column("rn", fn::row_number().over({{"customer"}, {asc("quantity")}}))
          .with_column("rank", fn::rank().over({{"city"}, {desc("quantity")}}))
          .with_column("previous",
                       fn::lag(col("amount"), 1, lit(-1.0)).over({{"customer"}, {asc("quantity")}}))
          .with_column("running", fn::cum_sum(col("amount")).over({{"city"}, {asc("id")}})));
  // A window that replaces a column, behind a filter.
  expect_same_when_spilled(
      data.filter("quantity > 3")
          .with_column("quantity", fn::dense_rank().over({{"customer"}, {asc("amount")}})));
}

TEST_P(Spill, AWindowPartitionLargerThanItsShareIsSplitAgainNotHeldWhole) {
  // 16 customers: first-level partitions are large, so they are split again by the next
  // hash bits until a file fits.
  Table data = orders(200'000).with_column("customer", col("customer") % lit(int64_t{16}));
  expect_same_when_spilled(LazyFrame::from(data).with_column(
      "rn", fn::row_number().over({{"customer", "quantity"}, {asc("id")}})));
}

TEST_P(Spill, BreakersChainedUnderOneBudget) {
  LazyFrame data = LazyFrame::from(orders(200'000));
  expect_same_when_spilled(data.group_by({"customer"})
                               .agg({fn::sum(col("amount")).alias("total")})
                               .sort({{"total", true}, {"customer"}})
                               .limit(5000, 10));
}

Table customers(int64_t rows) {
  ColumnBuilder customer(DataType::int64()), name(DataType::string()), city(DataType::string());
  for (int64_t row = 0; row < rows; ++row) {
    // Some customers twice (several matches), some never (unmatched on both sides).
    int64_t id = row % 10 == 9 ? row - 1 : row + (row % 7 == 3 ? 1'000'000 : 0);
    customer.append_int(id);
    name.append_string("customer " + std::to_string(row));
    if (row % 13 == 0) {
      city.append_null();
    } else {
      city.append_string("city-" + std::to_string(row % 5000));
    }
  }
  return Table::from_columns(
      {{"customer", customer.finish()}, {"name", name.finish()}, {"city", city.finish()}});
}

TEST_P(Spill, HashJoinsOfEveryKindEqualTheInMemoryJoin) {
  LazyFrame data = LazyFrame::from(orders(50'000)).select({"id", "customer", "amount"});
  LazyFrame people = LazyFrame::from(customers(20'000));
  for (JoinType type : {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kFull,
                        JoinType::kSemi, JoinType::kAnti}) {
    SCOPED_TRACE(static_cast<int>(type));
    expect_same_when_spilled(data.join(people, "customer", type));
  }
  // Keys of different names and a NULL-able text key.
  expect_same_when_spilled(LazyFrame::from(orders(50'000))
                               .join(people, {"city"}, {"city"}, JoinType::kLeft)
                               .filter("quantity >= 1"));
}

TEST_P(Spill, ExplainAnalyzeCountsTheRowsOfOperatorsThatSpilled) {
  LazyFrame query = LazyFrame::from(orders(50'000))
                        .select({"id", "customer", "amount"})
                        .join(LazyFrame::from(customers(20'000)), "customer", JoinType::kLeft)
                        .sort({{"amount"}});
  const std::string rows = "rows=" + std::to_string(query.collect().num_rows()) + " ";
  Limited limited(1 << 20, dir_.path() / "spill");
  std::string analyzed;
  {
    MemoryContextScope scope(limited.context);
    analyzed = query.explain_analyze();
  }
  EXPECT_GT(limited.counters->spilled_bytes.load(), 0) << "nothing spilled";
  std::istringstream lines(analyzed);
  std::string sort_line;
  std::string join_line;
  std::getline(lines, sort_line);
  std::getline(lines, join_line);
  EXPECT_THAT(sort_line, ::testing::StartsWith("Sort ")) << analyzed;
  EXPECT_THAT(sort_line, HasSubstr(rows)) << analyzed;
  EXPECT_THAT(join_line, ::testing::StartsWith("  Join left")) << analyzed;
  EXPECT_THAT(join_line, HasSubstr(rows)) << analyzed;  // the grace join's output stream
  EXPECT_THAT(join_line, HasSubstr(" peak=")) << analyzed;
  EXPECT_EQ(limited.budget->used(), 0) << "reservations left behind";
}

TEST_P(Spill, TwoJoinsThatEachWantMostOfTheBudgetBothFinish) {
  LazyFrame data = LazyFrame::from(orders(30'000));
  LazyFrame people = LazyFrame::from(customers(30'000));
  LazyFrame cities = LazyFrame::from(customers(30'000)).select({"city", "name"}).distinct();
  expect_same_when_spilled(
      data.join(people, "customer").join(cities, {"city"}, {"city"}, JoinType::kInner));
}

// A source that, after `patience` batches, takes most of the budget for itself (as a
// scan's read buffer or a cache entry would) and holds it to the end of the stream.
class GreedySource : public ScanSource {
 public:
  GreedySource(Table table, int64_t greed, int64_t patience)
      : table_(std::move(table)), greed_(greed), patience_(patience) {}
  SchemaPtr schema() const override { return table_.schema(); }
  std::string describe() const override { return "greedy source"; }
  ScanResult scan(const ScanRequest& /*request*/) const override { return {table_, {}}; }
  std::unique_ptr<BatchStream> scan_stream(const ScanRequest& /*request*/,
                                           int64_t batch_bytes) const override {
    return std::make_unique<Stream>(stream_table(table_, batch_bytes), greed_, patience_);
  }

 private:
  class Stream : public BatchStream {
   public:
    Stream(std::unique_ptr<BatchStream> rows, int64_t greed, int64_t patience)
        : rows_(std::move(rows)), greed_(greed), patience_(patience) {}
    const SchemaPtr& schema() const override { return rows_->schema(); }
    std::optional<RecordBatch> next() override {
      if (++batches_ == patience_ && current_memory_context().budget) {
        held_ = current_memory_context().budget->reserve(greed_, "greedy source");
      }
      return rows_->next();
    }

   private:
    std::unique_ptr<BatchStream> rows_;
    int64_t greed_;
    int64_t patience_;
    int64_t batches_ = 0;
    memory::MemoryBudget::Reservation held_;
  };

  Table table_;
  int64_t greed_;
  int64_t patience_;
};

// Runs `query` over `input` unlimited, and under 4 MiB over a GreedySource of `input`
// that takes 3 MiB after `patience` batches of 64 KiB, when the breaker holds more than
// 1 MiB (but not so much that it spilled by itself): only the breaker can give that memory
// back, by spilling what it holds, and the result is still the in-memory one.
void expect_breaker_gives_way(const std::filesystem::path& dir, const Table& input,
                              int64_t patience, const std::function<LazyFrame(LazyFrame)>& query) {
  Limited limited(4 << 20, dir / "spill");
  // The same kind of source both times (without a budget it takes nothing): the plan, and
  // so a join's build side, follows what the sources tell about their sizes.
  Table unlimited =
      query(LazyFrame::scan(std::make_shared<GreedySource>(input, 3 << 20, patience))).collect();
  Table spilled;
  {
    MemoryContextScope scope(limited.context);
    auto greedy = std::make_shared<GreedySource>(input, 3 << 20, patience);
    spilled = query(LazyFrame::scan(greedy)).collect();
  }
  EXPECT_THAT(spilled, testing::SameTableAs(unlimited));
  EXPECT_GT(limited.counters->spilled_bytes.load(), 0);
  EXPECT_GE(limited.budget->peak(), 3 << 20);
  EXPECT_EQ(limited.budget->used(), 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "spill"));
}

TEST_P(Spill, HoldingBreakersSpillWhenAnotherPartOfTheRunNeedsTheMemory) {
  // A sort and a window reserve three times their rows, a join build once.
  expect_breaker_gives_way(dir_.path(), orders(60'000), 20, [](LazyFrame rows) {
    return rows.sort({{"city"}, {"amount", true}});
  });
  LazyFrame people = LazyFrame::from(customers(5'000));
  expect_breaker_gives_way(dir_.path(), orders(80'000), 30, [&](LazyFrame rows) {
    return people.join(rows, "customer", JoinType::kLeft);  // rows are the build side
  });
  expect_breaker_gives_way(dir_.path(), orders(60'000), 20, [](LazyFrame rows) {
    return rows.with_column("rn", fn::row_number().over({{"customer"}, {asc("amount")}}));
  });
}

TEST_P(Spill, JoinsWithAConditionEqualTheInMemoryJoin) {
  LazyFrame data = LazyFrame::from(orders(100'000));
  LazyFrame other = LazyFrame::from(orders(100'000, 11))
                        .select({col("customer").alias("c2"), col("quantity").alias("q2"),
                                 col("id").alias("id2")});
  for (JoinType type : {JoinType::kSemi, JoinType::kAnti, JoinType::kLeft, JoinType::kFull}) {
    expect_same_when_spilled(data.join(other, {"customer"}, {"c2"},
                                       JoinOptions{type, "_right", col("q2") > col("quantity")}));
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, Spill, ::testing::Values(1, 0),
                         [](const auto& info) { return info.param == 1 ? "one" : "all"; });

TEST(SpillLimits, ExceedingTheSpillCapNamesTheOperatorAndTheOwnerAndCleansUp) {
  testing::TempDir dir;
  Limited limited(1 << 20, dir.path() / "spill", 256 << 10);
  LazyFrame query = LazyFrame::from(orders(200'000)).sort({{"amount"}});
  try {
    MemoryContextScope scope(limited.context);
    (void)query.collect();
    FAIL() << "expected SpillLimitError";
  } catch (const SpillLimitError& error) {
    EXPECT_THAT(error.what(), HasSubstr("Sort"));
    EXPECT_THAT(error.what(), HasSubstr("SpillTest"));
    EXPECT_THAT(error.what(), HasSubstr("256.0 KiB"));
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "spill"));
  EXPECT_EQ(limited.budget->used(), 0);
}

TEST(SpillLimits, ABudgetBelowOneBatchIsAClearErrorNotACrash) {
  testing::TempDir dir;
  Limited limited(16 << 10, dir.path() / "spill");  // less than one 64 KiB batch
  LazyFrame query = LazyFrame::from(orders(50'000)).sort({{"amount"}});
  try {
    MemoryContextScope scope(limited.context);
    (void)query.collect();
    FAIL() << "expected OutOfMemoryError";
  } catch (const OutOfMemoryError& error) {
    EXPECT_THAT(error.what(), HasSubstr("Sort (SpillTest)"));
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "spill"));
}

// A source that cancels `token` once it has produced `cancel_after` batches: the
// cancellation arrives at a known point of the work, with no timing involved.
class CancellingSource : public ScanSource {
 public:
  CancellingSource(Table table, CancellationToken token, int cancel_after)
      : table_(std::move(table)), token_(std::move(token)), cancel_after_(cancel_after) {}
  SchemaPtr schema() const override { return table_.schema(); }
  std::string describe() const override { return "cancelling source"; }
  ScanResult scan(const ScanRequest&) const override { return {table_, {}}; }
  std::unique_ptr<BatchStream> scan_stream(const ScanRequest&, int64_t batch_bytes) const override {
    struct Stream : BatchStream {
      std::unique_ptr<BatchStream> inner;
      CancellationToken token;
      int left;
      const SchemaPtr& schema() const override { return inner->schema(); }
      std::optional<RecordBatch> next() override {
        if (left-- == 0) {
          token.cancel("stop here");
        }
        return inner->next();
      }
    };
    auto stream = std::make_unique<Stream>();
    stream->inner = stream_table(table_, batch_bytes);
    stream->token = token_;
    stream->left = cancel_after_;
    return stream;
  }

 private:
  Table table_;
  CancellationToken token_;
  int cancel_after_;
};

TEST(SpillLimits, CancellationStopsASpillingSortAndRemovesItsFiles) {
  testing::TempDir dir;
  Limited limited(1 << 20, dir.path() / "spill");
  CancellationToken token;
  Table data = orders(200'000);
  int64_t batches = 0;
  {
    auto stream = stream_table(data, limited.context.batch_bytes);
    while (stream->next()) {
      ++batches;
    }
  }
  auto source = std::make_shared<CancellingSource>(data, token, static_cast<int>(batches / 2));
  try {
    CancellationScope cancellation(token);
    MemoryContextScope scope(limited.context);
    (void)LazyFrame::scan(source).sort({{"amount"}}).collect();
    FAIL() << "expected CancelledError";
  } catch (const CancelledError& error) {
    EXPECT_THAT(error.what(), HasSubstr("stop here"));
  }
  EXPECT_GT(limited.counters->spilled_bytes.load(), 0) << "cancelled before spilling";
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "spill"));
  EXPECT_EQ(limited.budget->used(), 0);
}

TEST(SpillLimits, AnUnwritableSpillDirectoryIsAnIoErrorNamingIt) {
  testing::TempDir dir;
  std::filesystem::path blocked = dir.path() / "file-not-dir";
  std::ofstream(blocked) << "x";
  Limited limited(1 << 20, blocked / "spill");
  try {
    MemoryContextScope scope(limited.context);
    (void)LazyFrame::from(orders(100'000)).sort({{"amount"}}).collect();
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    EXPECT_THAT(error.what(), HasSubstr("spill directory"));
    EXPECT_THAT(error.what(), HasSubstr("memory.spill_dir"));
  }
}

}  // namespace
}  // namespace setl::engine
