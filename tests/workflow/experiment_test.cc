// Experiments: consumers get the control's output whatever the candidate does; the
// candidate's failure is recorded, not raised; mismatches are counted exactly; the
// candidate can be sampled or switched off by configuration.
#include "setl/workflow/experiment.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/engine/expr.h"
#include "setl/engine/table.h"
#include "setl/workflow/pipeline.h"
#include "setl/workflow/setl.h"
#include "setl/workflow/table_comparator.h"
#include "testing/columns.h"

namespace setl::workflow {
namespace {

using engine::Table;
using ::testing::HasSubstr;
using Status = FactoryOutcome::Status;

Table orders(int64_t rows) {
  std::vector<std::optional<int64_t>> ids;
  std::vector<std::optional<double>> totals;
  for (int64_t i = 0; i < rows; ++i) {
    ids.emplace_back(i);
    totals.emplace_back(static_cast<double>(i) * 1.5);
  }
  return Table::from_columns({{"id", testing::int64s(ids)}, {"total", testing::float64s(totals)}});
}

class Orders : public Factory<Table> {
 public:
  Table process() override { return orders(1000); }
};

// The control: passes the orders through.
class Dedupe : public Factory<Table> {
 public:
  Delivery<Table> input{this, {.producer = "Orders"}};
  Table process() override { return *input; }
};

// The candidate: changes `changed` totals, drops `dropped` rows, adds `added` ones; or
// throws.
class DedupeV2 : public Factory<Table> {
 public:
  DedupeV2(int changed, int dropped, int added, bool throws = false)
      : changed_(changed), dropped_(dropped), added_(added), throws_(throws) {}
  Delivery<Table> input{this, {.producer = "Orders"}};
  Table process() override {
    if (throws_) {
      throw IoError("the new dedupe service is down");
    }
    std::vector<std::optional<int64_t>> ids;
    std::vector<std::optional<double>> totals;
    for (int64_t row = dropped_; row < input->num_rows(); ++row) {
      ids.push_back(input->at(row, "id").as_int());
      double total = input->at(row, "total").as_double();
      totals.push_back(row < dropped_ + changed_ ? total + 1 : total + 1e-9);
    }
    for (int i = 0; i < added_; ++i) {
      ids.push_back(100'000 + i);
      totals.push_back(0);
    }
    return Table::from_columns(
        {{"id", testing::int64s(ids)}, {"total", testing::float64s(totals)}});
  }

 private:
  int changed_, dropped_, added_;
  bool throws_;
};

struct CandidateArgs {
  int changed = 0;
  int dropped = 0;
  int added = 0;
  bool throws = false;
};

class Report : public Factory<int64_t> {
 public:
  Delivery<Table> deduped{this, {.producer = "Dedupe"}};
  int64_t process() override { return deduped->num_rows(); }
};

Pipeline experiment_pipeline(const Setl* setl, CandidateArgs args,
                             std::vector<ExperimentOutcome>* published = nullptr) {
  Pipeline pipeline = setl != nullptr ? setl->new_pipeline("experiment") : Pipeline("experiment");
  pipeline.add<Orders>();
  Experiment<Table>& dedupe = pipeline.add_experiment<Table>("dedupe-v2");
  dedupe.control<Dedupe>();
  dedupe.candidate<DedupeV2>(args.changed, args.dropped, args.added, args.throws);
  dedupe.compare(table_comparator({.keys = {"id"}, .tolerance = 1e-6}));
  if (published != nullptr) {
    dedupe.publish(
        [published](const ExperimentOutcome& outcome) { published->push_back(outcome); });
  }
  pipeline.add<Report>();
  return pipeline;
}

TEST(Experiments, ACandidateThatThrowsLeavesTheRunSucceedingWithOneCandidateError) {
  std::vector<ExperimentOutcome> published;
  Pipeline pipeline = experiment_pipeline(nullptr, CandidateArgs{0, 0, 0, true}, &published);
  RunResult result = pipeline.run();
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.output<int64_t>("Report"), 1000);
  ASSERT_EQ(result.experiments().size(), 1U);
  const ExperimentOutcome& outcome = result.experiments()[0];
  EXPECT_THAT(outcome.candidate_error, HasSubstr("the new dedupe service is down"));
  EXPECT_FALSE(outcome.candidate_ran);
  EXPECT_FALSE(outcome.compared);
  EXPECT_EQ(result.factory("DedupeV2").status, Status::kFailed);
  EXPECT_TRUE(result.factory("DedupeV2").failure_tolerated);
  ASSERT_EQ(published.size(), 1U);
  EXPECT_THAT(published[0].to_string(), HasSubstr("candidate 'DedupeV2' failed"));
}

TEST(Experiments, TheMismatchCountEqualsTheInjectedDifferences) {
  for (auto [changed, dropped, added] : {std::tuple{0, 0, 0}, {7, 0, 0}, {3, 2, 4}}) {
    Pipeline pipeline = experiment_pipeline(nullptr, CandidateArgs{changed, dropped, added});
    RunResult result = pipeline.run();
    const ExperimentOutcome& outcome = result.experiments().at(0);
    EXPECT_TRUE(outcome.candidate_ran);
    EXPECT_TRUE(outcome.compared);
    // Differences within the tolerance (1e-9 on every row) are not mismatches.
    EXPECT_EQ(outcome.mismatches.count, changed + dropped + added);
    EXPECT_EQ(result.output<int64_t>("Report"), 1000);  // always the control's
    EXPECT_GT(outcome.control_time.count(), 0);
    EXPECT_GT(outcome.candidate_time.count(), 0);
    if (changed > 0) {
      EXPECT_THAT(outcome.mismatches.details, ::testing::Contains(HasSubstr("column total:")));
    }
  }
}

TEST(Experiments, ConfigurationSwitchesTheCandidateOff) {
  Setl setl(Config::from_yaml("experiments:\n  dedupe-v2:\n    enabled: false\n"));
  Pipeline pipeline = experiment_pipeline(&setl, CandidateArgs{1, 0, 0});
  RunResult result = pipeline.run();
  const ExperimentOutcome& outcome = result.experiments().at(0);
  EXPECT_FALSE(outcome.candidate_ran);
  EXPECT_THAT(outcome.candidate_skipped,
              HasSubstr("experiment 'dedupe-v2' is enabled and sampled` was false"));
  EXPECT_EQ(result.factory("DedupeV2").status, Status::kSkipped);
  EXPECT_EQ(result.output<int64_t>("Report"), 1000);
}

TEST(Experiments, SamplingRunsTheCandidateInItsShareOfRunsReproducibly) {
  auto draws = [](uint64_t seed) {
    Pipeline pipeline("sampled");
    pipeline.add<Orders>();
    Experiment<Table>& experiment = pipeline.add_experiment<Table>("sampled");
    experiment.control<Dedupe>();
    experiment.candidate<DedupeV2>(0, 0, 0);
    experiment.sample_percent(30, seed);
    std::vector<bool> ran;
    for (int run = 0; run < 400; ++run) {
      ran.push_back(pipeline.run().experiments().at(0).candidate_ran);
    }
    return ran;
  };
  std::vector<bool> first = draws(7);
  EXPECT_EQ(first, draws(7));
  EXPECT_NE(first, draws(8));
  auto share = static_cast<double>(std::count(first.begin(), first.end(), true)) / 400;
  EXPECT_NEAR(share, 0.30, 0.07);
}

TEST(Experiments, SamplingByKeyKeepsEachKeyInOrOut) {
  std::string day;
  Pipeline pipeline("by key");
  pipeline.add<Orders>();
  Experiment<Table>& experiment = pipeline.add_experiment<Table>("by-day");
  experiment.control<Dedupe>();
  experiment.candidate<DedupeV2>(0, 0, 0);
  experiment.sample_by_key([&day] { return day; }, 40);
  int in = 0;
  for (int d = 0; d < 300; ++d) {
    day = "2026-" + std::to_string(d);
    bool first = pipeline.run().experiments().at(0).candidate_ran;
    EXPECT_EQ(pipeline.run().experiments().at(0).candidate_ran, first) << day;
    in += first ? 1 : 0;
  }
  EXPECT_NEAR(in / 300.0, 0.4, 0.1);
}

TEST(Experiments, TheCandidateIsShownAndReachesNoConsumer) {
  Pipeline pipeline = experiment_pipeline(nullptr, CandidateArgs{0, 0, 0});
  std::string described = pipeline.describe();
  EXPECT_THAT(described, HasSubstr("DedupeV2 -> setl::engine::Table (id "
                                   "'experiment.dedupe-v2.candidate')"));
  EXPECT_THAT(described, HasSubstr("after Dedupe"));
  EXPECT_TRUE(pipeline.run().ok());
}

TEST(Experiments, IncompleteOrMisorderedExperimentsAreRefused) {
  Pipeline pipeline("misordered");
  Experiment<Table>& experiment = pipeline.add_experiment<Table>("x");
  EXPECT_THROW(experiment.candidate<DedupeV2>(0, 0, 0), StateError);
  experiment.control<Dedupe>();
  EXPECT_THROW(experiment.control<Dedupe>(), StateError);
  EXPECT_THROW(experiment.sample_percent(120), ConfigError);
}

TEST(CompareTables, CountsRowsThatDifferByKeyOrPosition) {
  Table a = Table::from_columns(
      {{"id", testing::int64s({1, 2, 3})}, {"v", testing::float64s({1.0, 2.0, 3.0})}});
  Table b = Table::from_columns(
      {{"id", testing::int64s({3, 2, 4})}, {"v", testing::float64s({3.0, 2.5, 4.0})}});
  Mismatches by_key = compare_tables(a, b, {.keys = {"id"}});
  EXPECT_EQ(by_key.count, 3);  // 1 only in control, 2 differs, 4 only in candidate
  EXPECT_THAT(by_key.details, ::testing::Contains("key (2): column v: 2.0 vs 2.5"));
  EXPECT_EQ(compare_tables(a, b, {.keys = {"id"}, .tolerance = 0.5}).count, 2);
  EXPECT_EQ(compare_tables(a, a).count, 0);
  EXPECT_EQ(compare_tables(a, b).count, 3);  // by position: every row differs
  EXPECT_EQ(compare_tables(a, a.slice(0, 2)).count, 1);
  Table extra = a.with_column("w", engine::lit(1));
  EXPECT_THAT(compare_tables(a, extra).details,
              ::testing::ElementsAre("column w is only in the candidate"));
  Table duplicated = Table::from_columns(
      {{"id", testing::int64s({1, 1, 2, 3})}, {"v", testing::float64s({1.0, 1.0, 2.0, 3.0})}});
  EXPECT_EQ(compare_tables(a, duplicated, {.keys = {"id"}}).count, 1);
  EXPECT_THROW(compare_tables(a, b, {.keys = {"nope"}}), SchemaError);
  EXPECT_EQ(compare_tables(a, b, {.keys = {"id"}, .max_details = 1}).details.size(), 1U);
}

}  // namespace
}  // namespace setl::workflow
