// Which columns of its inputs a script uses, through setl::migrate::analyze: the
// projected-scan hint (MIG304) for columns of a read file never used, its silence when
// whole rows matter, and the inferred input schemas (names, types, compared literals)
// that `setl migrate validate` generates sample data from.
#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "migrate_fixture.h"
#include "setl/cli/migrate_command.h"
#include "setl/migrate/migrate.h"

namespace {

namespace fs = std::filesystem;
using setl::migrate::analyze;
using setl::migrate::ConnectorPlan;
using setl::migrate::Finding;
using setl::migrate::InferredColumn;
using setl::migrate::ModuleAnalysis;
using setl::migrate::testing::MigrateTest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<Finding> hints(const ModuleAnalysis& analysis) {
  std::vector<Finding> found;
  std::copy_if(analysis.findings.begin(), analysis.findings.end(), std::back_inserter(found),
               [](const Finding& finding) { return finding.code == "MIG304"; });
  return found;
}

const ConnectorPlan& connector(const ModuleAnalysis& analysis, const std::string& id) {
  for (const ConnectorPlan& plan : analysis.connectors) {
    if (plan.id == id) {
      return plan;
    }
  }
  throw std::runtime_error("no connector " + id);
}

std::vector<std::string> names(const ConnectorPlan& plan) {
  std::vector<std::string> found;
  for (const InferredColumn& column : plan.columns) {
    found.push_back(column.name);
  }
  return found;
}

const InferredColumn& column(const ConnectorPlan& plan, const std::string& name) {
  for (const InferredColumn& column : plan.columns) {
    if (column.name == name) {
      return column;
    }
  }
  throw std::runtime_error("no column " + name + " in " + plan.id);
}

class ColumnUseTest : public MigrateTest {
 protected:
  void SetUp() override {
    MigrateTest::SetUp();
    write("data/orders.csv",
          "order_id,customer_id,amount,status,note,warehouse\n1,7,12.5,shipped,a,w1\n");
    write("data/customers.csv", "customer_id,region,segment,phone\n7,EMEA,smb,555\n");
  }
};

TEST_F(ColumnUseTest, ColumnsOfAReadFileThatNothingUsesAreAProjectionHint) {
  ModuleAnalysis analysis = analyze(write("report.py", R"(import pandas as pd

orders = pd.read_csv("data/orders.csv")
customers = pd.read_csv("data/customers.csv")
shipped = orders[orders["status"] == "shipped"]
joined = shipped.merge(customers, on="customer_id")
totals = joined.groupby("region").agg(revenue=("amount", "sum"))
totals.to_csv("out/totals.csv")
)"));
  ASSERT_TRUE(analysis.parsed) << analysis.error;
  std::vector<Finding> found = hints(analysis);
  ASSERT_EQ(found.size(), 2U);
  EXPECT_EQ(found[0].line, 3);
  EXPECT_THAT(found[0].message, HasSubstr("data/orders.csv: columns order_id, note, warehouse"));
  EXPECT_EQ(found[1].line, 4);
  EXPECT_THAT(found[1].message, HasSubstr("data/customers.csv: columns segment, phone"));
  EXPECT_EQ(found[0].severity, "hint");
}

TEST_F(ColumnUseTest, WholeRowsWrittenComparedOrUntranslatedKeepEveryColumn) {
  // Each script needs every column of orders: no hint may claim otherwise.
  for (const char* use : {
           "orders[orders.amount > 5].to_csv('out/x.csv')",         // written as it is
           "orders.drop_duplicates().groupby('status').size()",     // deduplicated on all
           "orders.dropna().groupby('status').size()",              // a null anywhere drops
           "for index, row in orders.iterrows():\n    print(row)",  // not translated
           "pd.merge(orders, orders).groupby('status').size()",     // joined on all columns
       }) {
    ModuleAnalysis analysis = analyze(write(
        "whole.py", std::string("import pandas as pd\norders = pd.read_csv('data/orders.csv')\n") +
                        use + "\n"));
    ASSERT_TRUE(analysis.parsed) << analysis.error;
    EXPECT_TRUE(hints(analysis).empty()) << use << ": " << hints(analysis).front().message;
  }
}

TEST_F(ColumnUseTest, ColumnsNamedInSqlOrProjectedAwayAreHandled) {
  ModuleAnalysis sql = analyze(write("sql.py", R"(from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
spark.read.csv("data/orders.csv", header=True).createOrReplaceTempView("orders")
spark.sql("SELECT status, sum(amount) AS total FROM orders GROUP BY status").write.csv("out/s")
)"));
  ASSERT_TRUE(sql.parsed) << sql.error;
  ASSERT_EQ(hints(sql).size(), 1U);
  EXPECT_THAT(hints(sql)[0].message, HasSubstr("order_id, customer_id, note, warehouse"));
  EXPECT_THAT(hints(sql)[0].message, Not(HasSubstr("status")));

  ModuleAnalysis usecols = analyze(write("usecols.py", R"(import pandas as pd
orders = pd.read_csv("data/orders.csv", usecols=["status", "amount"])
orders.to_csv("out/x.csv")
)"));
  ASSERT_TRUE(usecols.parsed) << usecols.error;
  EXPECT_TRUE(hints(usecols).empty());
  EXPECT_THAT(names(connector(usecols, "orders")), ElementsAre("status", "amount"));
}

TEST_F(ColumnUseTest, InputSchemasAreInferredFromUses) {
  ModuleAnalysis analysis = analyze(write("typed.py", R"(import pandas as pd
orders = pd.read_csv("in/orders.csv")
customers = pd.read_csv("in/customers.csv")
orders["total"] = orders["price"] * 1.5
orders = orders[(orders["qty"] > 5) & (orders["total"] > 10)]
orders["day"] = pd.to_datetime(orders["day"])
customers["label"] = customers["name"].str.upper()
both = orders.merge(customers[customers.region == "EMEA"], on="customer_id")
both.to_csv("out/both.csv", index=False)
)"));
  ASSERT_TRUE(analysis.parsed) << analysis.error;
  const ConnectorPlan& orders = connector(analysis, "orders");
  const ConnectorPlan& customers = connector(analysis, "customers");
  // Computed columns (total, label) are not inputs; the key goes to both sides.
  EXPECT_THAT(names(orders), ElementsAre("price", "qty", "day", "customer_id"));
  EXPECT_THAT(names(customers), ElementsAre("name", "region", "customer_id"));
  EXPECT_EQ(column(orders, "price").type, "double");
  EXPECT_EQ(column(orders, "qty").type, "int64");
  EXPECT_THAT(column(orders, "qty").literals, ElementsAre("5"));
  EXPECT_EQ(column(orders, "day").type, "date");
  EXPECT_EQ(column(customers, "name").type, "string");
  EXPECT_EQ(column(customers, "region").type, "string");
  EXPECT_THAT(column(customers, "region").literals, ElementsAre("EMEA"));
  EXPECT_TRUE(connector(analysis, "both").columns.empty());  // an output
  // No file is present, so nothing can be said about unused columns.
  EXPECT_TRUE(hints(analysis).empty());
}

TEST_F(ColumnUseTest, SortedOutputsRecordTheirKeys) {
  ModuleAnalysis analysis = analyze(write("sorted.py", R"(import pandas as pd
orders = pd.read_csv("data/orders.csv")
orders.sort_values(["status", "amount"], ascending=False).to_csv("out/sorted.csv")
orders.to_csv("out/plain.csv")
)"));
  ASSERT_TRUE(analysis.parsed) << analysis.error;
  EXPECT_THAT(connector(analysis, "sorted").sorted_by, ElementsAre("status", "amount"));
  EXPECT_TRUE(connector(analysis, "plain").sorted_by.empty());
}

TEST_F(ColumnUseTest, TheJsonReportListsInferredColumns) {
  std::ostringstream out;
  std::ostringstream err;
  fs::path script = write("json.py", R"(import pandas as pd
orders = pd.read_csv("in/orders.csv")
orders[orders["status"] == "open"].to_csv("out/open.csv")
)");
  ASSERT_EQ(setl::cli::migrate_command({"analyze", "--json", script.string()}, out, err), 0)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr(R"("name": "status")"));
  EXPECT_THAT(out.str(), HasSubstr(R"("type": "string")"));
  EXPECT_THAT(out.str(), HasSubstr(R"("open")"));
}

TEST_F(ColumnUseTest, EachCommandHasItsOwnHelp) {
  for (const char* command : {"analyze", "generate", "validate", "diff", "status", "rollback"}) {
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(setl::cli::migrate_command({command, "--help"}, out, err), 0) << command;
    EXPECT_THAT(out.str(), HasSubstr(std::string("setl migrate ") + command));
    EXPECT_TRUE(err.str().empty()) << err.str();
  }
}

}  // namespace
