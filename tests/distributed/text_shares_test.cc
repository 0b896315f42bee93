// Distributed scans of single CSV and JSON Lines files: every rank reads its own byte share,
// the shares meet between records (never inside a quoted field that holds newlines, after
// a stray quote, or within a record longer than a share), and the rows gathered in rank
// order are the file's rows in the file's order. Errors name the file's true line.
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "oracle/sqlite_oracle.h"
#include "setl/core/error.h"
#include "setl/core/local_cluster.h"
#include "setl/engine/distributed.h"
#include "setl/engine/lazy_frame.h"
#include "setl/storage/connector.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "testing/temp_dir.h"

namespace setl::testing {
namespace {

using engine::DistributedScope;
using engine::LazyFrame;
using engine::Table;
using storage::CsvConnector;
using storage::CsvOptions;
using storage::JsonLinesConnector;
using storage::make_connector;

// A name that is hard to cut between records: quoted commas, doubled quotes, newlines
// inside quotes (some long enough to span a whole share), and quotes inside unquoted text.
std::string tricky_name(std::mt19937& random) {
  switch (random() % 8) {
    case 0:
      return "\"line one\nline two\"";
    case 1:
      return "\"a \"\"quoted\"\" word, and a comma\"";
    case 2:
      return "55\" screen";  // a stray quote in an unquoted field is kept as it is
    case 3:
      return random() % 20 == 0
                 ? "\"" + std::string(6000, 'x') + "\n\"\"" + std::string(6000, 'y') + "\n\""
                 : "\"\nstarts with a newline\"";
    default:
      return "plain" + std::to_string(random() % 1000);
  }
}

struct TextFile {
  std::string text;
  std::vector<int64_t> line_of_id;  // the line each record starts on
};

TextFile tricky_csv(int rows, uint32_t seed, bool crlf) {
  std::mt19937 random(seed);
  std::string end = crlf ? "\r\n" : "\n";
  TextFile file{"id,name,amount" + end, {}};
  for (int id = 0; id < rows; ++id) {
    if (random() % 25 == 0) {
      file.text += end;  // a blank line between records
    }
    file.line_of_id.push_back(1 + std::count(file.text.begin(), file.text.end(), '\n'));
    file.text += fmt::format("{},{},{}.{}", id, tricky_name(random), random() % 500, id % 10) + end;
  }
  return file;
}

struct Shares {
  Table gathered;                  // collect(): every rank's rows, in rank order
  std::vector<int64_t> rows_read;  // collect_partition() of each rank
};

Shares read_on_ranks(int ranks, const std::shared_ptr<storage::Connector>& source) {
  LocalCluster cluster(ranks);
  Shares shares;
  shares.rows_read.resize(static_cast<size_t>(ranks));
  std::vector<Table> gathered(static_cast<size_t>(ranks));
  cluster.run([&](Communicator& comm) {
    DistributedScope scope({.communicator = &comm, .broadcast_rows = 0});
    auto rank = static_cast<size_t>(comm.rank());
    gathered[rank] = LazyFrame::scan(source).collect();
    shares.rows_read[rank] = LazyFrame::scan(source).collect_partition().num_rows();
  });
  shares.gathered = gathered[0];
  return shares;
}

void expect_shares_read_the_file(const std::shared_ptr<storage::Connector>& source, int rows) {
  Table whole = LazyFrame::scan(source).collect();
  ASSERT_EQ(whole.num_rows(), rows);
  for (int ranks = 1; ranks <= 5; ++ranks) {
    SCOPED_TRACE(fmt::format("{} ranks", ranks));
    Shares shares = read_on_ranks(ranks, source);
    EXPECT_EQ(compare_rows(rows_of(whole), rows_of(shares.gathered), true), "");
    int64_t total = 0;
    int ranks_with_rows = 0;
    for (int64_t read : shares.rows_read) {
      total += read;
      ranks_with_rows += read > 0 ? 1 : 0;
    }
    EXPECT_EQ(total, rows) << "every row is read by exactly one rank";
    EXPECT_GE(ranks_with_rows, std::min(ranks, 3)) << "the ranks share the reading";
  }
}

TEST(TextShares, CsvSharesMeetBetweenRecordsWhateverTheQuotesHold) {
  TempDir dir;
  for (bool crlf : {false, true}) {
    SCOPED_TRACE(crlf ? "CRLF" : "LF");
    TextFile file = tricky_csv(3000, crlf ? 7 : 11, crlf);
    auto csv = make_connector<CsvConnector>(dir.write("tricky.csv", file.text));
    ASSERT_TRUE(csv->reads_shares());
    expect_shares_read_the_file(csv, 3000);
  }
}

TEST(TextShares, ARecordLongerThanAShareLeavesTheSharesItCoversEmpty) {
  TempDir dir;
  std::string text = "id,note\n0,short\n1,\"" + std::string(40000, 'q') + "\nmore\"\n2,end\n";
  auto csv = make_connector<CsvConnector>(dir.write("long.csv", text));
  Table whole = LazyFrame::scan(csv).collect();
  Shares shares = read_on_ranks(4, csv);
  EXPECT_EQ(compare_rows(rows_of(whole), rows_of(shares.gathered), true), "");
  EXPECT_EQ(shares.rows_read, (std::vector<int64_t>{2, 0, 0, 1}));
}

TEST(TextShares, SmallFilesAndHeaderOnlyFilesGiveEmptyShares) {
  TempDir dir;
  auto two_rows = make_connector<CsvConnector>(dir.write("two.csv", "a,b\n1,x\n2,y"));
  Shares shares = read_on_ranks(5, two_rows);
  EXPECT_EQ(shares.gathered.num_rows(), 2);
  CsvOptions typed;
  typed.schema = two_rows->schema();
  auto header_only = make_connector<CsvConnector>(dir.write("header.csv", "a,b\n"), typed);
  shares = read_on_ranks(3, header_only);
  EXPECT_EQ(shares.gathered.num_rows(), 0);
  EXPECT_EQ(shares.gathered.schema()->names(), (std::vector<std::string>{"a", "b"}));
}

TEST(TextShares, AnErrorInAnyShareNamesTheFilesTrueLine) {
  TempDir dir;
  TextFile file = tricky_csv(2000, 3, false);
  size_t bad = file.text.rfind("\n1990,");  // a record in the last share
  ASSERT_NE(bad, std::string::npos);
  file.text.insert(file.text.find(',', file.text.find(',', bad + 1) + 1) + 1, "oops");
  auto path = dir.write("bad.csv", file.text);
  CsvOptions options;
  options.schema =
      make_connector<CsvConnector>(dir.write("good.csv", tricky_csv(10, 3, false).text))->schema();
  auto csv = make_connector<CsvConnector>(path, options);
  std::string expected = fmt::format("bad.csv:{}:", file.line_of_id[1990]);
  EXPECT_NE(message_of<ParseError>([&] { return LazyFrame::scan(csv).collect(); }).find(expected),
            std::string::npos);
  std::string distributed = message_of<DistributedError>([&] { return read_on_ranks(4, csv); });
  EXPECT_NE(distributed.find(expected), std::string::npos) << distributed;
}

TEST(TextShares, PermissiveSharesKeepTheirOwnRejects) {
  TempDir dir;
  std::string text = "id,amount\n";
  for (int id = 0; id < 4000; ++id) {
    text += id % 997 == 0 ? fmt::format("{},bad\n", id) : fmt::format("{},{}\n", id, id);
  }
  CsvOptions options;
  options.schema =
      make_connector<CsvConnector>(dir.write("typed.csv", "id,amount\n1,2\n"))->schema();
  options.permissive = true;
  options.rejects_path = dir.path() / "rejects.tsv";
  auto csv = make_connector<CsvConnector>(dir.write("rows.csv", text), options);
  Shares shares = read_on_ranks(3, csv);
  EXPECT_EQ(shares.gathered.num_rows(), 4000 - 5);
  int rejected = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    if (entry.path().filename().string().rfind("rejects.tsv", 0) == 0) {
      std::string lines = read_file(entry.path());
      rejected += static_cast<int>(std::count(lines.begin(), lines.end(), '\n'));
    }
  }
  EXPECT_EQ(rejected, 5) << "ids 0, 997, 1994, 2991 and 3988, each in one file";
}

TEST(TextShares, CompressedFilesAreReadWholeByOneRank) {
  TempDir dir;
  auto plain = make_connector<CsvConnector>(dir.write("plain.csv", tricky_csv(500, 5, false).text));
  auto zipped = make_connector<CsvConnector>(dir.path() / "zipped.csv.gz");
  zipped->write(LazyFrame::scan(plain).collect(), storage::SaveMode::kOverwrite);
  EXPECT_FALSE(zipped->reads_shares());
  Shares shares = read_on_ranks(3, zipped);
  EXPECT_EQ(compare_rows(rows_of(LazyFrame::scan(plain).collect()), rows_of(shares.gathered), true),
            "");
  EXPECT_EQ(shares.rows_read, (std::vector<int64_t>{500, 0, 0}));
}

TextFile json_lines(int rows, uint32_t seed) {
  std::mt19937 random(seed);
  TextFile file{"\xEF\xBB\xBF", {}};  // a byte order mark before the first line
  for (int id = 0; id < rows; ++id) {
    file.line_of_id.push_back(1 + std::count(file.text.begin(), file.text.end(), '\n'));
    std::string note(random() % 300, 'n');
    file.text +=
        fmt::format(R"({{"id":{},"note":"{}\n{}","v":{}}})", id, note, id, random() % 9) + "\n";
  }
  return file;
}

TEST(TextShares, JsonLinesSharesMeetBetweenLines) {
  TempDir dir;
  auto lines =
      make_connector<JsonLinesConnector>(dir.write("rows.jsonl", json_lines(2500, 9).text));
  ASSERT_TRUE(lines->reads_shares());
  expect_shares_read_the_file(lines, 2500);
}

TEST(TextShares, AJsonLinesErrorInAnyShareNamesTheFilesTrueLine) {
  TempDir dir;
  TextFile file = json_lines(2000, 4);
  std::string good = dir.write("good.jsonl", file.text).string();
  auto schema = make_connector<JsonLinesConnector>(good)->schema();
  size_t bad = file.text.find(R"({"id":1950,)");
  file.text.insert(bad + 1, "!");
  storage::JsonLinesOptions options;
  options.schema = schema;
  auto lines = make_connector<JsonLinesConnector>(dir.write("bad.jsonl", file.text), options);
  std::string expected = fmt::format("bad.jsonl:{}", file.line_of_id[1950]);
  std::string distributed = message_of<DistributedError>([&] { return read_on_ranks(3, lines); });
  EXPECT_NE(distributed.find(expected), std::string::npos) << distributed;
}

}  // namespace
}  // namespace setl::testing
