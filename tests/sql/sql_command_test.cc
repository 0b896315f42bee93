// `setl sql` end to end: tables from files of each format and from a partitioned
// directory, output as a table, CSV and JSON, scripts, the prompt and its history, and
// the exit codes of each kind of mistake.
#include "setl/cli/sql_command.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "setl/cli/job_runner.h"
#include "setl/core/memory_context.h"
#include "setl/engine/column.h"
#include "setl/engine/scalar.h"
#include "setl/engine/scan_source.h"
#include "setl/engine/table.h"
#include "setl/storage/arrow_ipc.h"
#include "testing/temp_dir.h"

namespace setl::cli {
namespace {

using ::testing::HasSubstr;

class SqlCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "people.csv")
        << "id,name,city\n1,ada,paris\n2,bob,rome\n3,cy,paris\n";
    std::ofstream(dir_.path() / "orders.jsonl") << R"({"id": 10, "person": 1, "amount": 5.5})"
                                                << "\n"
                                                << R"({"id": 11, "person": 3, "amount": 2})"
                                                << "\n";
    std::filesystem::create_directories(dir_.path() / "sales" / "city=paris");
    std::filesystem::create_directories(dir_.path() / "sales" / "city=rome");
    std::ofstream(dir_.path() / "sales" / "city=paris" / "part-0.csv") << "amount\n10\n20\n";
    std::ofstream(dir_.path() / "sales" / "city=rome" / "part-0.csv") << "amount\n7\n";
  }

  int run(std::vector<std::string> args, const std::string& input = "", bool interactive = false) {
    // Small queries: on the calling thread alone, so the test does not depend on the
    // engine's worker threads (like the engine's suites, it is not one of the TSan job's).
    MemoryContext context = current_memory_context();
    context.threads = 1;
    MemoryContextScope scope(context);
    std::istringstream in(input);
    out_.str("");
    err_.str("");
    return sql_command(args, in, out_, err_, interactive);
  }
  std::string table(const std::string& name, const std::string& file) {
    return name + "=" + (dir_.path() / file).string();
  }

  testing::TempDir dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(SqlCommand, JoinsFilesOfEachFormatAndPrintsATable) {
  ASSERT_EQ(run({"-t", table("people", "people.csv"), "-t", table("orders", "orders.jsonl"),
                 "SELECT p.name, o.amount FROM people p JOIN orders o ON p.id = o.person "
                 "ORDER BY p.name"}),
            kExitOk)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("ada"));
  EXPECT_THAT(out_.str(), HasSubstr("5.5"));
  EXPECT_THAT(out_.str(), HasSubstr("+\n2 rows\n"));
}

TEST_F(SqlCommand, ReadsArrowIpcFilesByTheirExtension) {
  storage::write_arrow_ipc_file(
      engine::Table::from_columns(
          {{"person", engine::Column::constant(engine::Scalar::int64(1), 2)}}),
      dir_.path() / "visits.arrow");
  ASSERT_EQ(run({"--format", "csv", "-t", table("visits", "visits.arrow"),
                 "SELECT count(*) AS n FROM visits WHERE person = 1"}),
            kExitOk)
      << err_.str();
  EXPECT_EQ(out_.str(), "n\n2\n");
}

// `--format arrow` writes each query's result as an Arrow IPC stream (for another
// process); `-t NAME=fd:N` reads one.
TEST_F(SqlCommand, ArrowStreamsOutAndIn) {
  ASSERT_EQ(run({"--format", "arrow", "-t", table("people", "people.csv"),
                 "CREATE TEMP VIEW parisians AS SELECT * FROM people WHERE city = 'paris'",
                 "SELECT id, name FROM parisians ORDER BY id"}),
            kExitOk)
      << err_.str();
  std::string stream = out_.str();
  std::istringstream bytes(stream);
  storage::ArrowIpcStreamReader reader(bytes, {"setl sql's output", true});
  engine::Table read = engine::collect_stream(reader);
  EXPECT_EQ(read.schema()->to_string(), "id: int64, name: string");
  ASSERT_EQ(read.num_rows(), 2);
  EXPECT_EQ(read.at(1, "name").as_string(), "cy");

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], stream.data(), stream.size()), static_cast<ssize_t>(stream.size()));
  ::close(fds[1]);
  int code = run(
      {"--format", "csv", "-t", "p=fd:" + std::to_string(fds[0]), "SELECT count(*) AS n FROM p"});
  ::close(fds[0]);
  ASSERT_EQ(code, kExitOk) << err_.str();
  EXPECT_EQ(out_.str(), "n\n2\n");
}

TEST_F(SqlCommand, CsvAndJsonOutput) {
  ASSERT_EQ(run({"--format", "csv", "-t", table("people", "people.csv"),
                 "SELECT city, count(*) AS n FROM people GROUP BY city ORDER BY city"}),
            kExitOk)
      << err_.str();
  EXPECT_EQ(out_.str(), "city,n\nparis,2\nrome,1\n");
  ASSERT_EQ(run({"--format", "json", "-t", table("sales", "sales"),
                 "SELECT city, sum(amount) AS total FROM sales GROUP BY city ORDER BY city"}),
            kExitOk)
      << err_.str();
  nlohmann::json rows = nlohmann::json::parse(out_.str());
  EXPECT_EQ(rows, nlohmann::json::parse(R"([{"city": "paris", "total": 30},
                                             {"city": "rome", "total": 7}])"));
}

TEST_F(SqlCommand, ScriptsFromAFileOrStandardInput) {
  std::ofstream(dir_.path() / "report.sql")
      << "CREATE TEMP VIEW big AS SELECT * FROM people WHERE id > 1;\n"
         "-- the report\nSELECT name FROM big ORDER BY name;\n";
  ASSERT_EQ(run({"--format", "csv", "-t", table("people", "people.csv"), "-f",
                 (dir_.path() / "report.sql").string()}),
            kExitOk)
      << err_.str();
  EXPECT_EQ(out_.str(), "created view big\nname\nbob\ncy\n");
  ASSERT_EQ(run({"--format", "csv", "-t", table("people", "people.csv")},
                "SELECT max(id) AS top FROM people;"),
            kExitOk);
  EXPECT_EQ(out_.str(), "top\n3\n");
}

TEST_F(SqlCommand, ThePromptKeepsGoingAfterErrorsAndRecordsHistory) {
  std::filesystem::path history = dir_.path() / "history";
  ::setenv("SETL_SQL_HISTORY", history.c_str(), 1);
  int code =
      run({"-t", table("people", "people.csv")},
          "SELECT nme FROM people;\n.tables\nSELECT count(*) AS n\n  FROM people;\n.quit\n", true);
  ::unsetenv("SETL_SQL_HISTORY");
  EXPECT_EQ(code, kExitFailed);
  EXPECT_THAT(err_.str(), HasSubstr("did you mean 'name'?"));
  EXPECT_THAT(out_.str(), HasSubstr("setl> "));
  EXPECT_THAT(out_.str(), HasSubstr("   -> "));
  EXPECT_THAT(out_.str(), HasSubstr("people\n"));
  EXPECT_THAT(out_.str(), HasSubstr("+\n1 row\n"));
  std::ifstream recorded(history);
  std::string text((std::istreambuf_iterator<char>(recorded)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "SELECT nme FROM people;\nSELECT count(*) AS n\n  FROM people;\n");
}

TEST_F(SqlCommand, EachKindOfMistakeHasItsExitCode) {
  EXPECT_EQ(run({"-t", table("people", "people.csv"), "SELECT * FROM peple"}), kExitFailed);
  EXPECT_THAT(err_.str(), HasSubstr("did you mean 'people'?"));
  EXPECT_EQ(run({"-t", "people=missing.csv", "SELECT 1"}), kExitInvalidInput);
  EXPECT_THAT(err_.str(), HasSubstr("no file 'missing.csv'"));
  EXPECT_EQ(run({"-t", "people=data.xlsx", "SELECT 1"}), kExitInvalidInput);
  EXPECT_THAT(err_.str(), HasSubstr("cannot tell the format"));
  EXPECT_EQ(run({"--format", "xml", "SELECT 1"}), kExitUsage);
  EXPECT_EQ(run({"--help"}), kExitOk);
  EXPECT_THAT(out_.str(), HasSubstr("NAME=SOURCE"));
}

}  // namespace
}  // namespace setl::cli
