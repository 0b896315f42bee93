// The DAG as SETL and PySetl draw it: describe()'s "Pipeline Summary" for SETL's own
// docs/Pipeline.md example, the Mermaid classDiagram and its live-editor link.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/workflow/pipeline.h"

namespace setl::workflow {
namespace {

using ::testing::HasSubstr;

struct Product1 {
  std::string x;
};
struct Product2 {
  std::string x;
  std::string y;
};

class ProductFactory : public Factory<Product1> {
 public:
  Delivery<std::string> id{this};
  Product1 process() override { return {*id}; }
};
class DatasetFactory : public Factory<std::vector<Product1>> {
 public:
  Delivery<Product1> p1{this};
  std::vector<Product1> process() override { return {*p1, {"pd1"}}; }
};
class DatasetFactory2 : public Factory<std::vector<Product2>> {
 public:
  Delivery<std::vector<Product1>> ds{this};
  std::vector<Product2> process() override {
    std::vector<Product2> out;
    for (const Product1& p : *ds) {
      out.push_back({p.x, "c2"});
    }
    return out;
  }
};

Pipeline setl_pipeline_md_example() {
  Pipeline pipeline;
  pipeline.set_input("id_of_product1", {.consumers = {"ProductFactory"}});
  pipeline.set_input("wrong_id_of_product1");
  pipeline.add_factory<ProductFactory>();
  pipeline.add_factory<DatasetFactory>();
  pipeline.add_factory<DatasetFactory2>();
  return pipeline;
}

TEST(DagViews, SummaryHasTheOriginalsLayout) {
  Pipeline pipeline = setl_pipeline_md_example();
  std::string summary = pipeline.summary();
  EXPECT_THAT(summary, HasSubstr("========== Pipeline Summary ==========\n\n"
                                 "----------   Nodes Summary  ----------\n"
                                 "Node   : ProductFactory\nStage  : 0\nInput  : std::string\n"));
  EXPECT_THAT(summary, HasSubstr("Direction : ProductFactory ==> DatasetFactory\n"));
  RunResult result = pipeline.run();
  const auto& rows = result.output<std::vector<Product2>>("DatasetFactory2");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].x, "id_of_product1");
  EXPECT_EQ(rows[1].y, "c2");
}

TEST(DagViews, ClassDiagramAndLiveEditorLink) {
  Pipeline pipeline = setl_pipeline_md_example();
  std::string diagram = pipeline.dag().to_class_diagram();
  EXPECT_THAT(diagram, HasSubstr("classDiagram\n"));
  EXPECT_THAT(diagram, HasSubstr("class F_ProductFactory[\"ProductFactory\"] {\n    <<Factory>>"));
  EXPECT_THAT(diagram, HasSubstr("F_DatasetFactory <-- "));
  std::string url = Dag::mermaid_live_url("classDiagram\n");
  // {"code":"classDiagram\n","mermaid":{"theme":"default"}} in base64
  EXPECT_EQ(url,
            "https://mermaid.live/edit#base64:"
            "eyJjb2RlIjoiY2xhc3NEaWFncmFtXG4iLCJtZXJtYWlkIjp7InRoZW1lIjoiZGVmYXVsdCJ9fQ==");
}

}  // namespace
}  // namespace setl::workflow
