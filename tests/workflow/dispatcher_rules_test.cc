// One test per row of the dispatcher's rule table (setl/workflow/dispatcher.h), through
// pipelines as users build them, and the rule each resolution reports in the DAG.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/workflow/pipeline.h"
#include "testing/temp_dir.h"

namespace setl::workflow {
namespace {

using ::testing::HasSubstr;
using testing::message_of;

class Text : public Factory<std::string> {
 public:
  std::string process() override { return "from a factory"; }
};

class Echo : public Factory<std::string> {
 public:
  Delivery<std::string> text{this};
  std::string process() override { return *text; }
};

std::string rule_of(const Pipeline& pipeline, const std::string& factory) {
  for (const DagNode& node : pipeline.dag().nodes) {
    if (node.name == factory) {
      return node.inputs.at(0).rule;
    }
  }
  return "?";
}

TEST(DispatcherRules, OnlyMatch) {
  Pipeline pipeline;
  pipeline.set_input("hello");  // text is a std::string
  pipeline.add<Echo>();
  EXPECT_EQ(pipeline.run().output<std::string>("Echo"), "hello");
  EXPECT_EQ(rule_of(pipeline, "Echo"), "only match");
}

TEST(DispatcherRules, WithoutAProducerAnExternalInputIsPreferred) {
  Pipeline pipeline;
  pipeline.set_input("external");
  pipeline.add_factory<Text>();
  pipeline.add_factory<Echo>();
  EXPECT_EQ(pipeline.run().output<std::string>("Echo"), "external");
  EXPECT_EQ(rule_of(pipeline, "Echo"), "external input preferred");
}

TEST(DispatcherRules, NamingTheProducerPicksTheFactory) {
  Pipeline pipeline;
  pipeline.set_input("external");
  pipeline.add_factory<Text>();
  pipeline.add_factory<Echo>();
  pipeline.add_function("ByProducer", [](const std::string& text) { return text; },
                        {{.producer = "Text"}});
  EXPECT_EQ(pipeline.run().output<std::string>("ByProducer"), "from a factory");
}

TEST(DispatcherRules, AConsumerListNamingTheFactoryWinsOverOneWithout) {
  Pipeline pipeline;
  pipeline.set_input("for Echo", {.consumers = {"Echo"}});
  pipeline.set_input("for anyone");
  pipeline.add<Echo>();
  EXPECT_EQ(pipeline.run().output<std::string>("Echo"), "for Echo");
  EXPECT_EQ(rule_of(pipeline, "Echo"), "consumer list names the factory");
}

TEST(DispatcherRules, EqualCandidatesAreAmbiguous) {
  Pipeline pipeline;
  Stage& producers = pipeline.add_stage();
  producers.add_factory<Text>().set_name("T1");
  producers.add_factory<Text>().set_name("T2");
  pipeline.add_factory<Echo>();
  EXPECT_THAT(message_of<DeliveryError>([&] { pipeline.run(); }),
              HasSubstr("2 deliverables match equally: 'T1' (stage 0), 'T2' (stage 0)"));
}

TEST(DispatcherRules, NothingMatchingAnOptionalInputLeavesItEmpty) {
  Pipeline pipeline;
  pipeline.add_function("Maybe", [](const std::string* text) { return text != nullptr; });
  EXPECT_FALSE(pipeline.run().output<bool>("Maybe"));
}

TEST(DispatcherRules, NothingMatchingARequiredInputIsAnError) {
  Pipeline pipeline;
  pipeline.add<Echo>();
  EXPECT_THAT(message_of<DeliveryError>([&] { pipeline.run(); }),
              HasSubstr("nothing in the pipeline produces std::string"));
}

TEST(DispatcherRules, ADuplicateExternalInputIsAnError) {
  Pipeline pipeline;
  pipeline.set_input("one");
  EXPECT_THROW(pipeline.set_input("two"), DeliveryError);
  pipeline.set_input("three", {.consumers = {"Echo"}});  // distinguishable: fine
  EXPECT_EQ(pipeline.inputs().size(), 2u);
}

TEST(DispatcherRules, AStagedConsumerOfALaterStageProducerIsReported) {
  Pipeline pipeline;
  pipeline.add_factory<Echo>();
  pipeline.add_factory<Text>();
  EXPECT_THAT(message_of<DeliveryError>([&] { pipeline.run(); }),
              HasSubstr("does not run before it"));
}

class Numbers : public Factory<std::vector<int>> {
 public:
  std::vector<int> process() override { return {1, 2, 3}; }
};
class FilteredNumbers : public Factory<size_t> {
 public:
  Delivery<std::vector<int>> numbers{this, {.auto_load = true, .condition = "value > 1"}};
  size_t process() override { return numbers->size(); }
};

// SETL applies an auto-load condition to a value found in the pool too; a type without
// filter(const char*) cannot honour it, which must be said, not ignored.
TEST(DispatcherRules, AConditionOnAValueThatCannotBeFilteredIsAnError) {
  Pipeline pipeline;
  pipeline.add_factory<Numbers>();
  pipeline.add_factory<FilteredNumbers>();
  std::string message = message_of<DeliveryError>([&] { pipeline.run(); });
  EXPECT_THAT(message, HasSubstr("condition 'value > 1' cannot filter"));
  EXPECT_THAT(message, HasSubstr("FilteredNumbers"));
}

}  // namespace
}  // namespace setl::workflow
