#include "setl/workflow/inspector.h"

#include <cstdio>
#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/workflow/pipeline.h"
#include "test_factories.h"
#include "testing/golden.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::message_of;
using ::testing::SizeIs;
using namespace test;

class Report : public Factory<std::string> {
 public:
  Delivery<double> revenue{this, {.producer = "RevenueFactory"}};
  Delivery<std::vector<Order>> orders{this, {.producer = "OrdersFactory"}};
  Delivery<std::string> title{this, {.id = "title", .optional = true}};
  std::string process() override {
    return title.value_or("report") + ": " + std::to_string(*revenue);
  }
};

// Input -> orders -> (revenue, more orders) -> report
Pipeline example_pipeline() {
  Pipeline pipeline("sales");
  pipeline.set_input<double>(1.1, {.id = "factor", .consumers = {"RevenueFactory"}});
  pipeline.set_input<std::string>("Q3 \"EU\" <draft>", {.id = "title"});
  pipeline.add_factory<OrdersFactory>();
  pipeline.add_stage().set_parallel().add_factory<RevenueFactory>();
  pipeline.add_factory<Report>();
  return pipeline;
}

TEST(Inspector, BuildsNodesAndFlowsIncludingExternalInputs) {
  Pipeline pipeline = example_pipeline();
  Inspector inspector(pipeline);
  ASSERT_TRUE(inspector.ok());
  const Dag& dag = inspector.dag();
  ASSERT_THAT(dag.nodes, SizeIs(5));
  EXPECT_EQ(dag.nodes[0].kind, DagNode::Kind::kExternal);
  EXPECT_EQ(dag.nodes[0].name, "factor");
  EXPECT_EQ(dag.nodes[2].name, "OrdersFactory");
  EXPECT_EQ(dag.nodes[2].stage, 0u);
  EXPECT_EQ(dag.nodes[4].name, "Report");
  EXPECT_EQ(dag.nodes[4].output_type, "std::string");
  ASSERT_THAT(dag.nodes[4].inputs, SizeIs(3));
  EXPECT_EQ(dag.nodes[4].inputs[0].source, 3u);
  EXPECT_EQ(dag.nodes[4].inputs[2].source, 1u);
  ASSERT_THAT(dag.flows, SizeIs(5));
  EXPECT_EQ(dag.flows[0].from, 2u);  // orders -> revenue
  EXPECT_EQ(dag.flows[0].to, 3u);
  EXPECT_EQ(dag.flows[1].from, 0u);  // factor -> revenue
  EXPECT_EQ(dag.flows[1].delivery_id, "factor");
  EXPECT_TRUE(dag.flows[1].optional);
  ASSERT_THAT(dag.stages, SizeIs(3));
  EXPECT_TRUE(dag.stages[1].parallel);
}

class Counting : public Factory<int> {
 public:
  static inline int runs = 0;
  int process() override { return ++runs; }
};
class NeedsFloat : public Factory<long> {
 public:
  Delivery<float> value{this};
  long process() override { return 0; }
};
class NeedsLaterInt : public Factory<short> {
 public:
  Delivery<long> value{this};
  short process() override { return 0; }
};

TEST(Inspector, ReportsAllProblemsTogetherBeforeAnyFactoryRuns) {
  Counting::runs = 0;
  Pipeline pipeline;
  pipeline.set_input<int>(1, {.consumers = {"Nobody"}});
  pipeline.add_factory<Counting>();
  pipeline.add_factory<NeedsLaterInt>();  // its producer comes one stage later
  pipeline.add_factory<NeedsFloat>();     // nothing produces float
  pipeline.add_factory<ConstantFactory<char>>('a');
  pipeline.add_factory<ConstantFactory<char>>('b');  // duplicate name
  Inspector inspector(pipeline);
  EXPECT_THAT(inspector.problems(), SizeIs(4));
  std::string message = message_of<DeliveryError>([&] { pipeline.run(); });
  EXPECT_THAT(message, AllOf(HasSubstr("cannot run: 4 problem(s) found before running"),
                             HasSubstr("1. 2 factories are named 'ConstantFactory<char>'"),
                             HasSubstr("2. external input 'input 0' lists consumer 'Nobody'"),
                             HasSubstr("3. factory 'NeedsLaterInt' (stage 1) input #0 long: its "
                                       "producer 'NeedsFloat' (stage 2) does not run before it"),
                             HasSubstr("4. factory 'NeedsFloat' (stage 2) input #0 float: no "
                                       "deliverable matches")));
  EXPECT_EQ(Counting::runs, 0);
}

TEST(Inspector, FactoryCannotConsumeItsOwnOutput) {
  Pipeline pipeline;
  pipeline.add_factory<IncrementFactory>();
  EXPECT_THAT(message_of<DeliveryError>([&] { pipeline.run(); }),
              HasSubstr("nothing in the pipeline produces int"));
}

TEST(Inspector, MermaidOutputIsStable) {
  Pipeline pipeline = example_pipeline();
  std::string mermaid = pipeline.dag().to_mermaid();
  EXPECT_EQ(mermaid, pipeline.dag().to_mermaid());
  testing::expect_golden("example_pipeline.mmd", mermaid);
}

TEST(Inspector, DotOutputIsStable) {
  Pipeline pipeline = example_pipeline();
  testing::expect_golden("example_pipeline.dot", pipeline.dag().to_dot());
}

TEST(Inspector, DotOutputIsAcceptedByGraphviz) {
#ifndef SETL_DOT_EXECUTABLE
  GTEST_SKIP() << "graphviz 'dot' was not found at configure time (scripts/install-deps.sh "
                  "installs it)";
#else
  testing::TempDir dir;
  std::filesystem::path dot_file = dir.write("pipeline.dot", example_pipeline().dag().to_dot());
  std::filesystem::path svg = dir.path() / "pipeline.svg";
  std::string command = std::string(SETL_DOT_EXECUTABLE) + " -Tsvg '" + dot_file.string() +
                        "' -o '" + svg.string() + "' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  EXPECT_THAT(testing::read_file(svg), HasSubstr("OrdersFactory"));
#endif
}

}  // namespace
}  // namespace setl::workflow
