// setl migrate through its public API: the front end (syntax errors, notebooks, a missing
// python3), classification of API references, statement accounting, factory boundaries,
// configuration from argparse, and generation with snapshots and edit preservation.
#include "setl/migrate/migrate.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "migrate_fixture.h"
#include "setl/cli/migrate_command.h"
#include "setl/core/error.h"

namespace {

namespace fs = std::filesystem;
using setl::migrate::analyze;
using setl::migrate::ModuleAnalysis;
using setl::migrate::testing::MigrateTest;
using ::testing::HasSubstr;

TEST_F(MigrateTest, SyntaxErrorIsReportedWithFileAndLine) {
  ModuleAnalysis analysis =
      analyze(write("broken.py", "import pandas as pd\n\norders = pd.read_csv('x.csv'\n"));
  EXPECT_FALSE(analysis.parsed);
  EXPECT_THAT(analysis.error, HasSubstr("broken.py:3"));
  EXPECT_THAT(analysis.error, HasSubstr("never closed"));
  EXPECT_THAT(codes(analysis), ::testing::Contains("MIG001"));
}

TEST_F(MigrateTest, MissingInterpreterIsAClearError) {
  fs::path script = write("ok.py", "x = 1\n");
  try {
    analyze(script, {.python = "no-such-python-here"});
    FAIL() << "expected an error";
  } catch (const setl::Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("no-such-python-here"));
    EXPECT_THAT(error.what(), HasSubstr("python3"));
  }
}

TEST_F(MigrateTest, AliasesResolveToQualifiedApisAndEachIsClassified) {
  ModuleAnalysis analysis = analyze(write("etl.py", R"(import pandas as pd
import numpy as np
orders = pd.read_csv("data/orders.csv")
orders["big"] = np.where(orders["amount"] > 10, "yes", "no")
totals = orders.groupby("big").agg(total=("amount", "sum")).reset_index()
rows = orders.iterrows()
orders.frobnicate()
totals.to_csv("out/totals.csv", index=False)
)"));
  ASSERT_TRUE(analysis.parsed) << analysis.error;
  EXPECT_EQ(analysis.language, "pandas");
  EXPECT_EQ(category(analysis, "pandas.read_csv"), "direct");
  EXPECT_EQ(category(analysis, "numpy.where"), "rewrite");
  EXPECT_EQ(category(analysis, "pandas.DataFrame.reset_index"), "ignorable");
  EXPECT_EQ(category(analysis, "pandas.DataFrame.iterrows"), "unsupported");
  EXPECT_EQ(category(analysis, "pandas.DataFrame.frobnicate"), "unmapped");
  EXPECT_THAT(codes(analysis), ::testing::IsSupersetOf({"MIG102", "MIG201", "MIG303"}));
  // 7 references of which 5 convertible (the unsupported and the unmapped are not).
  ASSERT_EQ(analysis.references.size(), 8U);
  EXPECT_DOUBLE_EQ(analysis.readiness(), 6.0 / 8.0);
  EXPECT_EQ(analysis.unaccounted_statements(), 0);
  std::string json = setl::migrate::to_json(analysis);
  EXPECT_THAT(json, HasSubstr("\"readiness_meaning\""));
  EXPECT_THAT(setl::migrate::summary(analysis), HasSubstr("coverage, not correctness"));
}

TEST_F(MigrateTest, EveryStatementGetsADisposition) {
  ModuleAnalysis analysis = analyze(write("flow.py", R"("""docstring"""
import os
import pandas as pd

THRESHOLD = 3


def unused(frame):
    return frame


orders = pd.read_csv("data/orders.csv")
print(orders.head())
for column in ["a", "b"]:
    orders[column] = orders[column].fillna(0)
os.makedirs("out", exist_ok=True)
orders[orders["a"] > THRESHOLD].to_csv("out/a.csv", index=False)
)"));
  ASSERT_TRUE(analysis.parsed) << analysis.error;
  EXPECT_EQ(analysis.unaccounted_statements(), 0);
  std::map<std::string, int> dispositions;
  for (const auto& record : analysis.statements) {
    ++dispositions[record.disposition];
  }
  EXPECT_GE(dispositions["code"], 4);
  EXPECT_GE(dispositions["ignorable"], 3);
  EXPECT_EQ(dispositions["definition"], 1);
  EXPECT_THAT(codes(analysis), ::testing::Contains("MIG104"));  // unused() never called
  ASSERT_EQ(analysis.factories.size(), 1U);
  EXPECT_EQ(analysis.factories[0].reason, "dataflow");
}

TEST_F(MigrateTest, BoundariesFollowFunctionsSharedFramesAndFiles) {
  ModuleAnalysis analysis = analyze(write("steps.py", R"(import sqlite3
import pandas as pd


def clean(frame):
    return frame.dropna(subset=["amount"])


raw = pd.read_csv("data/orders.csv")
cleaned = clean(raw)
by_status = cleaned.groupby("status").agg(n=("order_id", "count")).reset_index()
by_day = cleaned.groupby("day").agg(n=("order_id", "count")).reset_index()
connection = sqlite3.connect("out/shop.db")
by_status.to_sql("by_status", connection, index=False)
back = pd.read_sql("SELECT * FROM by_status", connection)
back.to_csv("out/back.csv", index=False)
by_day.to_csv("out/by_day.csv", index=False)
)"));
  ASSERT_TRUE(analysis.parsed) << analysis.error;
  std::vector<std::string> names;
  for (const auto& factory : analysis.factories) {
    names.push_back(factory.name);
  }
  // The read, the step function, the two consumers of the shared frame, the reader of
  // the database the first one writes.
  EXPECT_THAT(names, ::testing::ElementsAre("Raw", "Clean", "ByStatus", "ByDay", "Back"));
  const auto& clean = analysis.factories[1];
  EXPECT_EQ(clean.reason, "function clean()");
  EXPECT_THAT(clean.inputs, ::testing::ElementsAre("Raw"));
  EXPECT_THAT(analysis.factories[4].after, ::testing::ElementsAre("ByStatus"));
}

TEST_F(MigrateTest, NotebookCellsAreBoundariesAndMagicsAreNeutralised) {
  nlohmann::json notebook = {
      {"nbformat", 4},
      {"cells",
       {{{"cell_type", "markdown"}, {"source", "## Load"}},
        {{"cell_type", "code"},
         {"source",
          {"%matplotlib inline\n", "import pandas as pd\n",
           "orders = pd.read_csv('data/orders.csv')\n"}}},
        {{"cell_type", "markdown"}, {"source", "## Report"}},
        {{"cell_type", "code"},
         {"source", "!ls\norders.groupby('status').size().reset_index().to_csv('out/s.csv')\n"}}}}};
  fs::path path = write("report.ipynb", notebook.dump());
  ModuleAnalysis analysis = analyze(path);
  ASSERT_TRUE(analysis.parsed) << analysis.error;
  EXPECT_TRUE(analysis.notebook);
  std::vector<std::string> found = codes(analysis);
  EXPECT_EQ(std::count(found.begin(), found.end(), "MIG002"), 2);
  ASSERT_EQ(analysis.factories.size(), 2U);
  EXPECT_THAT(analysis.factories[0].reason, HasSubstr("cell 1: Load"));
  EXPECT_THAT(analysis.factories[1].reason, HasSubstr("cell 2: Report"));

  try {
    analyze(write("bad.ipynb", "{\"cells\": 3}"));
    FAIL() << "expected an error";
  } catch (const setl::ParseError& error) {
    EXPECT_THAT(error.what(), HasSubstr("no `cells` list"));
  }
}

TEST_F(MigrateTest, ArgparseOptionsBecomeConfiguration) {
  ModuleAnalysis analysis = analyze(write("cli.py", R"(import argparse
import pandas as pd
parser = argparse.ArgumentParser()
parser.add_argument("--input", default="data/orders.csv")
parser.add_argument("--min-amount", type=float, default=2.5)
args = parser.parse_args()
orders = pd.read_csv(args.input)
orders[orders["amount"] > args.min_amount].to_csv("out/x.csv", index=False)
)"));
  ASSERT_TRUE(analysis.parsed) << analysis.error;
  ASSERT_EQ(analysis.params.size(), 2U);
  EXPECT_EQ(analysis.params[1].key, "min_amount");
  EXPECT_EQ(analysis.params[1].cpp_type, "double");
  EXPECT_EQ(analysis.params[1].yaml_value, "2.5");
  EXPECT_EQ(analysis.params[1].origin, "--min-amount");
  ASSERT_FALSE(analysis.connectors.empty());
  EXPECT_EQ(analysis.connectors[0].id, "input");
  EXPECT_EQ(analysis.connectors[0].path, "data/orders.csv");
  EXPECT_EQ(analysis.connectors[0].origin, "params.input");
}

// `setl migrate generate SCRIPT -o OUT`, expected to succeed; what it printed.
std::string generate(const fs::path& script, const fs::path& out) {
  std::ostringstream printed;
  std::ostringstream complaints;
  EXPECT_EQ(setl::cli::migrate_command({"generate", script.string(), "-o", out.string()}, printed,
                                       complaints),
            0)
      << complaints.str();
  return printed.str();
}

TEST_F(MigrateTest, GenerationKeepsSnapshotsAndEditedFactories) {
  fs::path script = write("job.py", R"(import pandas as pd
orders = pd.read_csv("data/orders.csv")
orders[orders["amount"] > 1].to_csv("out/x.csv", index=False)
)");
  fs::path out = directory_ / "migrated";
  generate(script, out);
  fs::path factory = out / "job" / "factories" / "Orders.h";
  ASSERT_TRUE(fs::exists(factory));
  for (const char* file : {"main.cc", "pipeline.yaml", "CMakeLists.txt", "migration.json"}) {
    EXPECT_TRUE(fs::exists(out / "job" / file)) << file;
  }
  EXPECT_TRUE(fs::exists(out / "support" / "migrated_support.h"));
  std::ifstream generated(factory);
  std::string text((std::istreambuf_iterator<char>(generated)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr("class Orders : public Factory<Table>"));
  EXPECT_THAT(text, HasSubstr("job.py:2"));

  std::ofstream(factory, std::ios::app) << "// my change\n";
  std::string printed = generate(script, out);
  EXPECT_THAT(printed, HasSubstr("snapshot 1"));
  EXPECT_THAT(printed, HasSubstr("conflict: factories/Orders.h"));
  EXPECT_TRUE(fs::exists(out / ".setl-migrate" / "snapshots" / "job" / "1" / "main.cc"));
  std::ifstream kept(factory);
  std::string kept_text((std::istreambuf_iterator<char>(kept)), std::istreambuf_iterator<char>());
  EXPECT_THAT(kept_text, HasSubstr("// my change"));
  EXPECT_TRUE(fs::exists(factory.string() + ".new"));
}

// The translator marks frame references in the code it writes; a user's string constant
// spelled like such a mark stays the user's text.
TEST_F(MigrateTest, StringConstantsThatLookLikeFrameMarksAreKept) {
  fs::path script = write("marks.py", R"(import pandas as pd
orders = pd.read_csv("data/orders.csv")
orders[orders["note"] == "@@0@@"].to_csv("out/x.csv", index=False)
)");
  fs::path out = directory_ / "migrated";
  generate(script, out);
  std::string text;
  for (const auto& entry : fs::recursive_directory_iterator(out / "marks" / "factories")) {
    std::ifstream file(entry.path());
    text += std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  }
  EXPECT_THAT(text, HasSubstr("lit(\"@@0@@\")"));
  EXPECT_EQ(text.find('\x1f'), std::string::npos);  // no mark left behind
}

TEST_F(MigrateTest, StatusDiffAndRollbackFollowACodebase) {
  fs::path sources = directory_ / "etl";
  fs::create_directories(sources / "nested");
  std::ofstream(sources / "a.py") << "import pandas as pd\n"
                                     "orders = pd.read_csv('data/orders.csv')\n"
                                     "orders.to_csv('out/a.csv', index=False)\n";
  std::ofstream(sources / "nested" / "b.py") << "import pandas as pd\n"
                                                "frame = pd.read_excel('x.xlsx')\n";
  fs::path out = directory_ / "migrated";
  std::ostringstream text;
  std::ostringstream err;
  ASSERT_EQ(setl::cli::migrate_command(
                {"generate", (sources / "a.py").string(), "-o", out.string()}, text, err),
            0)
      << err.str();
  text.str("");
  ASSERT_EQ(setl::cli::migrate_command({"status", sources.string(), "-o", out.string(), "--json"},
                                       text, err),
            0)
      << err.str();
  nlohmann::json status = nlohmann::json::parse(text.str());
  ASSERT_EQ(status.size(), 2U);
  EXPECT_TRUE(status[0]["generated"].get<bool>());
  EXPECT_EQ(status[0]["validated"], "-");
  EXPECT_FALSE(status[1]["generated"].get<bool>());
  EXPECT_THAT(status[1]["open_issues"].dump(), HasSubstr("MIG201"));

  text.str("");
  fs::path page = directory_ / "diff.html";
  ASSERT_EQ(setl::cli::migrate_command(
                {"diff", (sources / "a.py").string(), "-o", out.string(), "--html", page.string()},
                text, err),
            0)
      << err.str();
  EXPECT_THAT(text.str(), HasSubstr("orders = pd.read_csv('data/orders.csv')"));
  EXPECT_THAT(text.str(), HasSubstr("class Orders : public Factory<Table>"));
  std::ifstream html(page);
  std::string html_text((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
  EXPECT_THAT(html_text, HasSubstr("<h2>Orders"));

  // Regenerate from a changed script, then roll back to the first generation.
  std::ofstream(sources / "a.py") << "import pandas as pd\n"
                                     "orders = pd.read_csv('data/orders.csv')\n"
                                     "orders.head(3).to_csv('out/a.csv', index=False)\n";
  ASSERT_EQ(setl::cli::migrate_command(
                {"generate", (sources / "a.py").string(), "-o", out.string()}, text, err),
            0);
  auto factory_text = [&] {
    std::ifstream in(out / "a" / "factories" / "Orders.h");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  EXPECT_THAT(factory_text(), HasSubstr(".limit(3)"));
  text.str("");
  ASSERT_EQ(setl::cli::migrate_command({"rollback", "a", "-o", out.string()}, text, err), 0)
      << err.str();
  EXPECT_THAT(text.str(), HasSubstr("from snapshot 1"));
  EXPECT_THAT(factory_text(), ::testing::Not(HasSubstr(".limit(3)")));
  EXPECT_EQ(setl::cli::migrate_command({"rollback", "a", "-o", out.string(), "--snapshot", "9"},
                                       text, err),
            1);
  EXPECT_THAT(err.str(), HasSubstr("no snapshot 9"));
}

TEST_F(MigrateTest, UsageErrorsExitWithTwo) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(setl::cli::migrate_command({"frobnicate", "x.py"}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("unknown command"));
  EXPECT_EQ(setl::cli::migrate_command({"--help"}, out, err), 0);
  for (const char* command : {"analyze", "generate", "validate", "diff", "status", "rollback"}) {
    EXPECT_THAT(out.str(), HasSubstr(std::string("setl migrate ") + command));
  }
}

}  // namespace
