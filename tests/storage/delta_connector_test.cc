// Delta Lake tables: commits, time travel, partitions, schema checks, optimistic
// concurrency, checkpoints and vacuum through the public API; tables written by hand from
// the protocol's specification; hostile logs.
#include "setl/storage/delta_connector.h"

#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/storage/connector_builder.h"
#include "setl/storage/repository.h"
#include "testing/columns.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

using engine::Table;
using testing::cells;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::message_of;

Table sales(std::vector<std::optional<int64_t>> ids, std::vector<std::optional<std::string>> cities,
            std::vector<std::optional<int64_t>> years) {
  return Table::from_columns({{"id", testing::int64s(ids)},
                              {"city", testing::strings(cities)},
                              {"year", testing::int64s(years)}});
}

std::vector<std::string> ids(const Connector& connector) {
  return cells(connector.read().sort({engine::asc("id")}), "id");
}

std::string text_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

size_t parquet_files(const std::filesystem::path& root) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    count += entry.path().extension() == ".parquet" ? 1 : 0;
  }
  return count;
}

TEST(Delta, CommitsAreNumberedJsonFilesAndEveryVersionCanBeRead) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "sales";
  auto table = make_connector<DeltaConnector>(path);
  EXPECT_FALSE(table->exists());
  table->write(sales({1, 2}, {"Paris", "Lyon"}, {2023, 2024}), SaveMode::kAppend);
  table->write(sales({3}, {"Nice"}, {2024}), SaveMode::kAppend);
  table->write(sales({9}, {"Lille"}, {2024}), SaveMode::kOverwrite);
  EXPECT_EQ(table->latest_version(), 2);
  EXPECT_THAT(ids(*table), ElementsAre("9"));

  std::string first = text_of(path / "_delta_log" / "00000000000000000000.json");
  EXPECT_THAT(first, HasSubstr("\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7"));
  EXPECT_THAT(first, HasSubstr("\"schemaString\":"));
  EXPECT_THAT(first, HasSubstr("\\\"type\\\":\\\"long\\\""));
  EXPECT_THAT(text_of(path / "_delta_log" / "00000000000000000002.json"), HasSubstr("\"remove\""));

  EXPECT_THAT(ids(*make_connector<DeltaConnector>(path, DeltaOptions{.version = 0})),
              ElementsAre("1", "2"));
  EXPECT_THAT(ids(*make_connector<DeltaConnector>(path, DeltaOptions{.version = 1})),
              ElementsAre("1", "2", "3"));
  std::vector<DeltaVersion> history = table->history();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[2].operation, "WRITE");

  auto old = make_connector<DeltaConnector>(path, DeltaOptions{.version = 7});
  EXPECT_THAT(message_of<IoError>([&] { (void)old->read(); }),
              HasSubstr("has no version 7 (latest: 2)"));
  EXPECT_THAT(message_of<StateError>([&] {
                make_connector<DeltaConnector>(path, DeltaOptions{.version = 0})
                    ->write(sales({1}, {"x"}, {1}), SaveMode::kAppend);
              }),
              HasSubstr("reads an old version and cannot write"));
}

TEST(Delta, TimeTravelByTimestampUsesTheCommitTimes) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "t";
  auto table = make_connector<DeltaConnector>(path);
  for (int64_t v = 0; v < 3; ++v) {
    table->write(sales({v}, {"c"}, {2024}), SaveMode::kAppend);
  }
  // Commit times one hour apart, as the log files' modification times say.
  auto base = std::chrono::file_clock::from_sys(
      std::chrono::sys_seconds{std::chrono::sys_days{std::chrono::year{2024} / 3 / 1}});
  for (int64_t v = 0; v < 3; ++v) {
    std::filesystem::last_write_time(
        path / "_delta_log" / ("0000000000000000000" + std::to_string(v) + ".json"),
        base + std::chrono::hours(v));
  }
  int64_t base_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::file_clock::to_sys(base).time_since_epoch())
                        .count();
  auto at = [&](int64_t ms) {
    return ids(*make_connector<DeltaConnector>(path, DeltaOptions{.timestamp_ms = ms}));
  };
  EXPECT_THAT(at(base_ms + 90 * 60 * 1000), ElementsAre("0", "1"));
  EXPECT_THAT(at(base_ms), ElementsAre("0"));
  EXPECT_THAT(at(base_ms + 10 * 3600 * 1000), ElementsAre("0", "1", "2"));
  EXPECT_THAT(message_of<IoError>([&] { (void)at(base_ms - 1); }),
              HasSubstr("has no version at or before"));
}

TEST(Delta, PartitionColumnsAreDirectoriesAndPruneFiles) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "p";
  auto table = make_connector<DeltaConnector>(path, DeltaOptions{.partition_by = {"year"}});
  table->write(sales({1, 2, 3, 4}, {"a", "b", "c", "d"}, {2023, 2024, 2024, std::nullopt}),
               SaveMode::kAppend);
  EXPECT_TRUE(std::filesystem::is_directory(path / "year=2024"));
  EXPECT_TRUE(std::filesystem::is_directory(path / "year=__HIVE_DEFAULT_PARTITION__"));
  std::string log = text_of(path / "_delta_log" / "00000000000000000000.json");
  EXPECT_THAT(log, HasSubstr("\"partitionValues\":{\"year\":null}"));
  // Per-file statistics, as the protocol's stats JSON (in a string).
  EXPECT_THAT(log, HasSubstr(R"(\"minValues\":{\"city\":\"b\",\"id\":2})"));
  EXPECT_THAT(log, HasSubstr(R"(\"nullCount\":{\"city\":0,\"id\":0},\"numRecords\":2)"));
  engine::ScanResult scan = table->scan({{"id", "year"}, engine::parse_expr("year = 2024")});
  EXPECT_EQ(scan.stats.units_total, 3);
  EXPECT_EQ(scan.stats.units_read, 1);
  EXPECT_EQ(table->lazy().filter("year = 2024").collect().num_rows(), 2);
  EXPECT_EQ(table->read().schema()->to_string(), "id: int64, city: string, year: int64");
  EXPECT_EQ(table->lazy().filter("year is null").collect().num_rows(), 1);
}

TEST(Delta, RowsThatDoNotFitTheSchemaAreRefusedAndNothingIsCommitted) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "s";
  auto table = make_connector<DeltaConnector>(path);
  table->write(sales({1}, {"a"}, {2024}), SaveMode::kAppend);
  Table extra = Table::from_columns({{"id", testing::int64s({2})},
                                     {"city", testing::strings({"b"})},
                                     {"year", testing::int64s({2024})},
                                     {"extra", testing::int64s({1})}});
  EXPECT_THAT(message_of<SchemaError>([&] { table->write(extra, SaveMode::kAppend); }),
              HasSubstr("column \"extra\" is not in the table"));
  Table wrong = Table::from_columns({{"id", testing::strings({"x"})},
                                     {"city", testing::strings({"b"})},
                                     {"year", testing::int64s({2024})}});
  EXPECT_THAT(message_of<SchemaError>([&] { table->write(wrong, SaveMode::kAppend); }),
              HasSubstr("column \"id\" is string, the table's is int64"));
  EXPECT_EQ(table->latest_version(), 0);
  EXPECT_EQ(parquet_files(path), 1u);
  // Replacing the schema is explicit.
  make_connector<DeltaConnector>(path, DeltaOptions{.overwrite_schema = true})
      ->write(extra, SaveMode::kOverwrite);
  EXPECT_EQ(table->read().schema()->to_string(),
            "id: int64, city: string, year: int64, extra: int64");
  EXPECT_THROW(table->write(extra, SaveMode::kErrorIfExists), IoError);
  table->write(sales({5}, {"z"}, {1}), SaveMode::kIgnore);
  EXPECT_EQ(table->latest_version(), 1);
}

TEST(Delta, AnAppendThatLosesTheRaceCommitsAgainAndLosesNothing) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "race";
  auto other = make_connector<DeltaConnector>(path);
  other->write(sales({1}, {"a"}, {2024}), SaveMode::kAppend);
  int attempts = 0;
  DeltaOptions options;
  options.before_commit = [&](int64_t version) {
    if (attempts++ == 0) {
      EXPECT_EQ(version, 1);
      other->write(sales({2}, {"b"}, {2024}), SaveMode::kAppend);  // takes version 1
    }
  };
  make_connector<DeltaConnector>(path, options)
      ->write(sales({3}, {"c"}, {2024}), SaveMode::kAppend);
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(other->latest_version(), 2);
  EXPECT_THAT(ids(*other), ElementsAre("1", "2", "3"));
}

TEST(Delta, AnOverwriteThatLosesTheRaceToAnAppendFailsAndCommitsNothing) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "conflict";
  auto other = make_connector<DeltaConnector>(path);
  other->write(sales({1}, {"a"}, {2024}), SaveMode::kAppend);
  DeltaOptions options;
  options.before_commit = [&](int64_t) {
    if (other->latest_version() == 0) {
      other->write(sales({2}, {"b"}, {2024}), SaveMode::kAppend);
    }
  };
  size_t files_before = 0;
  auto overwriter = make_connector<DeltaConnector>(path, options);
  EXPECT_THAT(message_of<StateError>([&] {
                files_before = parquet_files(path);
                overwriter->write(sales({9}, {"z"}, {2024}), SaveMode::kOverwrite);
              }),
              HasSubstr("Delta commit conflict on"));
  // The concurrent append survives; the overwrite's data file is gone.
  EXPECT_THAT(ids(*other), ElementsAre("1", "2"));
  EXPECT_EQ(parquet_files(path), files_before + 1);
  EXPECT_EQ(other->latest_version(), 1);
}

TEST(Delta, ConcurrentAppendersAllLand) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "many";
  make_connector<DeltaConnector>(path)->write(sales({0}, {"seed"}, {0}), SaveMode::kAppend);
  std::vector<std::thread> writers;
  for (int w = 1; w <= 4; ++w) {
    writers.emplace_back([&, w] {
      auto table = make_connector<DeltaConnector>(path);
      for (int i = 0; i < 5; ++i) {
        table->write(sales({w * 100 + i}, {"x"}, {1}), SaveMode::kAppend);
      }
    });
  }
  for (std::thread& writer : writers) {
    writer.join();
  }
  auto table = make_connector<DeltaConnector>(path);
  EXPECT_EQ(table->read().num_rows(), 21);
  EXPECT_EQ(table->latest_version(), 20);
}

TEST(Delta, CheckpointsLetReadsSkipTheLogBeforeThem) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "cp";
  auto table = make_connector<DeltaConnector>(path, DeltaOptions{.checkpoint_interval = 2});
  for (int64_t v = 0; v < 4; ++v) {
    table->write(sales({v}, {"c"}, {2024}), SaveMode::kAppend);
  }
  size_t checkpoints = 0;
  for (const auto& entry : std::filesystem::directory_iterator(path / "_delta_log")) {
    std::string name = entry.path().filename().string();
    if (name.starts_with("00000000000000000002.checkpoint.") && name.ends_with(".json")) {
      ++checkpoints;
      EXPECT_THAT(text_of(entry.path()),
                  HasSubstr("{\"checkpointMetadata\":{\"tags\":{},\"version\":2}}"));
    }
  }
  EXPECT_EQ(checkpoints, 1u);
  EXPECT_THAT(text_of(path / "_delta_log" / "_last_checkpoint"), HasSubstr("\"version\":2"));
  // Metadata cleanup: the commits the checkpoint covers may go.
  for (int v = 0; v <= 2; ++v) {
    std::filesystem::remove(path / "_delta_log" /
                            ("0000000000000000000" + std::to_string(v) + ".json"));
  }
  EXPECT_THAT(ids(*table), ElementsAre("0", "1", "2", "3"));
  EXPECT_THAT(ids(*make_connector<DeltaConnector>(path, DeltaOptions{.version = 2})),
              ElementsAre("0", "1", "2"));
  EXPECT_THAT(message_of<IoError>([&] {
                (void)make_connector<DeltaConnector>(path, DeltaOptions{.version = 1})->read();
              }),
              HasSubstr("the log starts after version 0"));

  auto compatible =
      make_connector<DeltaConnector>(dir.path() / "v1", DeltaOptions{.compatible_protocol = true});
  compatible->write(sales({1}, {"a"}, {1}), SaveMode::kAppend);
  EXPECT_THAT(text_of(dir.path() / "v1" / "_delta_log" / "00000000000000000000.json"),
              HasSubstr("\"minReaderVersion\":1,\"minWriterVersion\":2"));
  EXPECT_THAT(message_of<StateError>([&] { compatible->checkpoint(); }),
              HasSubstr("does not have the v2Checkpoint feature"));
}

TEST(Delta, VacuumRemovesOnlyFilesNoVersionWithinTheRetentionNeeds) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "v";
  auto table = make_connector<DeltaConnector>(path);
  table->write(sales({1}, {"a"}, {1}), SaveMode::kAppend);
  table->write(sales({2}, {"b"}, {1}), SaveMode::kOverwrite);
  write_text(path / "stray-from-a-killed-writer.parquet", "x");
  EXPECT_TRUE(table->vacuum().removed.empty());  // a week's retention keeps everything
  DeltaVacuumResult planned = table->vacuum(std::chrono::milliseconds(0), /*dry_run=*/true);
  EXPECT_EQ(planned.removed.size(), 2u);
  EXPECT_EQ(parquet_files(path), 3u);
  EXPECT_EQ(table->vacuum(std::chrono::milliseconds(0)).removed.size(), 2u);
  EXPECT_EQ(parquet_files(path), 1u);
  EXPECT_THAT(ids(*table), ElementsAre("2"));
  EXPECT_THAT(message_of<IoError>([&] {
                (void)make_connector<DeltaConnector>(path, DeltaOptions{.version = 0})->read();
              }),
              HasSubstr("is gone (removed by vacuum?)"));
}

TEST(Delta, RepositoriesUpdateAndDeleteThroughCopyOnWriteCommits) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "repo";
  auto table = make_connector<DeltaConnector>(path);
  table->write(sales({1, 2}, {"a", "b"}, {1, 1}), SaveMode::kAppend);
  table->upsert(sales({2, 3}, {"B", "c"}, {1, 1}), {"id"});
  EXPECT_THAT(cells(table->read().sort({engine::asc("id")}), "city"), ElementsAre("a", "B", "c"));
  table->delete_where(engine::parse_expr("city = 'a'"));
  EXPECT_THAT(ids(*table), ElementsAre("2", "3"));
  EXPECT_EQ(table->history().back().operation, "DELETE");
  EXPECT_THAT(ids(*make_connector<DeltaConnector>(path, DeltaOptions{.version = 1})),
              ElementsAre("1", "2", "3"));
}

// ---- tables written by hand from the protocol ----------------------------------------

std::string schema_json() {
  return R"({\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},{\"name\":\"name\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},{\"name\":\"day\",\"type\":\"date\",\"nullable\":true,\"metadata\":{}}]})";
}

std::string header(const std::string& protocol, const std::string& configuration = "{}") {
  return "{\"protocol\":" + protocol + "}\n" +
         R"({"metaData":{"id":"af23c9d7-fff1-4a5a-a2c8-55c59bd782aa","format":{"provider":"parquet","options":{}},"schemaString":")" +
         schema_json() + R"(","partitionColumns":["day"],"configuration":)" + configuration +
         ",\"createdTime\":1700000000000}}\n";
}

void data_file(const std::filesystem::path& file, std::vector<std::optional<int64_t>> ids,
               std::vector<std::optional<std::string>> names) {
  make_connector<ParquetConnector>(file)->write(
      Table::from_columns({{"id", testing::int64s(ids)}, {"name", testing::strings(names)}}),
      SaveMode::kOverwrite);
}

std::string add(const std::string& path, const std::string& day) {
  return R"({"add":{"path":")" + path + R"(","partitionValues":{"day":")" + day +
         R"("},"size":100,"modificationTime":1700000000000,"dataChange":true,"stats":"{\"numRecords\":1}","tags":{"x":"y"}}})" +
         "\n";
}

TEST(DeltaFromTheSpec, AHandWrittenLogReadsAsTheProtocolSays) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "hand";
  data_file(path / "day=2024-01-01" / "part 1.parquet", {1, 2}, {"a", "b"});
  data_file(path / "day=2024-01-02" / "part-2.parquet", {3}, {"c"});
  data_file(path / "nulls" / "part-3.parquet", {4}, {std::nullopt});
  write_text(
      path / "_delta_log" / "00000000000000000000.json",
      "{\"commitInfo\":{\"timestamp\":1,\"operation\":\"CREATE\",\"anything\":[1,{\"x\":2}]}}\n" +
          header(R"({"minReaderVersion":1,"minWriterVersion":2})") +
          add("day=2024-01-01/part%201.parquet", "2024-01-01") +
          add("day=2024-01-02/part-2.parquet", "2024-01-02") +
          R"({"domainMetadata":{"domain":"user.x","configuration":"{}","removed":false}})" + "\n");
  write_text(
      path / "_delta_log" / "00000000000000000001.json",
      R"({"remove":{"path":"day=2024-01-02/part-2.parquet","deletionTimestamp":1700000001000,"dataChange":true}})"
      "\n" +
          add("nulls/part-3.parquet", "") +
          R"({"cdc":{"path":"_change_data/x.parquet","partitionValues":{},"size":1,"dataChange":false}})"
          "\n" +
          R"({"txn":{"appId":"stream-1","version":42}})"
          "\n");
  auto table = make_connector<DeltaConnector>(path);
  EXPECT_EQ(table->schema()->to_string(), "id: int64, name: string, day: date32");
  Table rows = table->read().sort({engine::asc("id")});
  EXPECT_THAT(cells(rows, "id"), ElementsAre("1", "2", "4"));
  EXPECT_THAT(cells(rows, "day"), ElementsAre("2024-01-01", "2024-01-01", "null"));
  EXPECT_THAT(ids(*make_connector<DeltaConnector>(path, DeltaOptions{.version = 0})),
              ElementsAre("1", "2", "3"));
  EXPECT_EQ(table->history().front().operation, "CREATE");
  // We can append to it: protocol 1/2 is one we write.
  table->write(Table::from_columns({{"id", testing::int64s({5})},
                                    {"name", testing::strings({"e"})},
                                    {"day", testing::dates({"2024-01-03"})}}),
               SaveMode::kAppend);
  EXPECT_THAT(ids(*table), ElementsAre("1", "2", "4", "5"));
}

TEST(DeltaFromTheSpec, ProtocolsAndFeaturesSetlppLacksAreRefusedByName) {
  testing::TempDir dir;
  struct Case {
    std::string protocol;
    std::string configuration;
    const char* read_error;   // null: reads
    const char* write_error;  // null: writes
  };
  std::vector<Case> cases = {
      {R"({"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]})",
       "{}", "needs the Delta reader feature 'deletionVectors'", nullptr},
      {R"({"minReaderVersion":4,"minWriterVersion":7})", "{}", "needs Delta reader version 4",
       nullptr},
      {R"({"minReaderVersion":1,"minWriterVersion":4})", "{}", nullptr,
       "needs Delta writer version 4"},
      {R"({"minReaderVersion":2,"minWriterVersion":5})", R"({"delta.columnMapping.mode":"name"})",
       "uses column mapping (mode name)", nullptr},
      {R"({"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["identityColumns"]})", "{}",
       nullptr, "needs the Delta writer feature 'identityColumns'"},
      {R"({"minReaderVersion":1,"minWriterVersion":2})", R"({"delta.appendOnly":"true"})", nullptr,
       "is append-only"},
  };
  int n = 0;
  for (const Case& c : cases) {
    std::filesystem::path path = dir.path() / ("t" + std::to_string(n++));
    data_file(path / "day=2024-01-01" / "a.parquet", {1}, {"a"});
    write_text(path / "_delta_log" / "00000000000000000000.json",
               header(c.protocol, c.configuration) + add("day=2024-01-01/a.parquet", "2024-01-01"));
    auto table = make_connector<DeltaConnector>(path);
    if (c.read_error) {
      EXPECT_THAT(message_of<StateError>([&] { (void)table->read(); }), HasSubstr(c.read_error));
    } else {
      EXPECT_EQ(table->read().num_rows(), 1) << c.protocol;
    }
    if (c.write_error) {
      EXPECT_THAT(
          message_of<StateError>([&] { table->write(table->read(), SaveMode::kOverwrite); }),
          HasSubstr(c.write_error));
      EXPECT_EQ(table->latest_version(), 0);
    }
  }
}

TEST(DeltaFromTheSpec, HostileLogsAreClearErrors) {
  testing::TempDir dir;
  struct Case {
    std::map<std::string, std::string> log;
    const char* message;
  };
  std::string ok = header(R"({"minReaderVersion":1,"minWriterVersion":2})");
  std::string deep = "{\"commitInfo\":";
  for (int i = 0; i < 200; ++i)
    deep += "[";
  for (int i = 0; i < 200; ++i)
    deep += "]";
  deep += "}\n";
  std::vector<Case> cases = {
      {{{"00000000000000000000.json", ok + "{\"add\":{\"path\":\"x\"\n"}},
       "00000000000000000000.json:3: not JSON"},
      {{{"00000000000000000000.json", ok + add("../../etc/passwd", "2024-01-01")}},
       "which is not a path inside the table"},
      {{{"00000000000000000000.json", ok}, {"00000000000000000002.json", ""}},
       "the log is missing version 1"},
      {{{"00000000000000000000.json",
         ok +
             R"({"add":{"path":"a","partitionValues":{},"size":"big","modificationTime":1,"dataChange":true}})"
             "\n"}},
       "\"size\" is not an integer"},
      {{{"00000000000000000000.json", deep + ok}}, "nests deeper than 64"},
      {{{"00000000000000000000.json", R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
                                      "\n"}},
       "no metaData action"},
      {{{"00000000000000000000.json", ok + add("day=2024-01-01/a%ZZ.parquet", "2024-01-01")}},
       "malformed % escape"},
      {{{"00000000000000000000.json", ok + add("a.parquet", "not-a-date")}},
       "partition value 'not-a-date' of column \"day\" is not a date32"},
  };
  int n = 0;
  for (const Case& c : cases) {
    std::filesystem::path path = dir.path() / ("h" + std::to_string(n++));
    data_file(path / "a.parquet", {1}, {"a"});
    for (const auto& [name, text] : c.log) {
      write_text(path / "_delta_log" / name, text);
    }
    EXPECT_THAT(message_of<Error>([&] { (void)make_connector<DeltaConnector>(path)->read(); }),
                HasSubstr(c.message))
        << c.message;
  }
}

TEST(Delta, ConfiguredWithSparkOptionNames) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "cfg";
  auto table = make_connector<DeltaConnector>(path, DeltaOptions{.partition_by = {"year"}});
  table->write(sales({1}, {"a"}, {2024}), SaveMode::kAppend);
  table->write(sales({2}, {"b"}, {2024}), SaveMode::kAppend);
  Config config =
      Config::from_yaml("old: {storage: DELTA, path: " + path.string() +
                            ", versionAsOf: 0}\n"
                            "bad: {storage: DELTA, path: x, timestampAsOf: yesterday}\n",
                        "app.yaml");
  EXPECT_THAT(ids(*build_connector(config.section("old"))), ElementsAre("1"));
  EXPECT_THAT(message_of<ConfigError>([&] { return build_connector(config.section("bad")); }),
              HasSubstr("timestamp \"yesterday\" is not a time"));
}

}  // namespace
}  // namespace setl::storage
