// A writer process for the concurrency and crash-consistency tests: it writes one target
// in rounds, so that tests can run several at once or kill one at a random moment.
//
//   setl_test_writer KIND PATH MODE ROUNDS ROWS TAG
//     KIND   csv | csv.gz | jsonl | parquet | partitioned-csv | partitioned-parquet | cache
//     MODE   append | overwrite
//     ROUNDS rounds to write (0: until killed)
//     ROWS   rows per round: columns k (i % 4), round, tag, seq
//
// Prints "wrote <round>" after each round. Exits 0 when done, 1 on a setl::Error.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/storage/arrow_ipc_connector.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/parquet_connector.h"
#include "setl/storage/partitioned_connector.h"
#include "setl/workflow/deliverable.h"
#include "setl/workflow/disk_cache.h"
#include "targets.h"

namespace {

using namespace setl;

engine::Table round_table(int64_t round, int64_t rows, int64_t tag) {
  engine::ColumnBuilder keys(engine::DataType::int64());
  engine::ColumnBuilder rounds(engine::DataType::int64());
  engine::ColumnBuilder tags(engine::DataType::int64());
  engine::ColumnBuilder seqs(engine::DataType::int64());
  for (int64_t i = 0; i < rows; ++i) {
    keys.append_int(i % 4);
    rounds.append_int(round);
    tags.append_int(tag);
    seqs.append_int(round * rows + i);
  }
  return engine::Table::from_columns({{"k", keys.finish()},
                                      {"round", rounds.finish()},
                                      {"tag", tags.finish()},
                                      {"seq", seqs.finish()}});
}

std::shared_ptr<storage::Connector> connector(const std::string& kind, const std::string& path) {
  if (kind == "csv" || kind == "csv.gz") {
    return storage::make_connector<storage::CsvConnector>(path);
  }
  if (kind == "jsonl") {
    return storage::make_connector<storage::JsonLinesConnector>(path);
  }
  if (kind == "parquet") {
    return storage::make_connector<storage::ParquetConnector>(path);
  }
  if (kind == "arrow") {
    return storage::make_connector<storage::ArrowIpcConnector>(path);
  }
  if (kind.starts_with("partitioned-")) {
    return storage::make_connector<storage::PartitionedConnector>(
        path, testing::partition_format(kind), std::vector<std::string>{"k"});
  }
  std::fprintf(stderr, "unknown kind %s\n", kind.c_str());
  std::exit(2);
}

// Stores string entries of ROWS bytes under keys "<tag>-<round>".
void write_cache(const std::string& path, int64_t rounds, int64_t rows, int64_t tag) {
  workflow::DiskCache cache(path);
  cache.add_builtin_codecs();
  for (int64_t round = 0; rounds == 0 || round < rounds; ++round) {
    std::string key = std::to_string(tag) + "-" + std::to_string(round);
    auto value = std::make_shared<const std::string>(static_cast<size_t>(rows), 'x');
    workflow::CacheKeyParts parts;
    parts.factory = "writer" + std::to_string(tag);
    parts.key = key;
    cache.store(key, value, workflow::type_info_of<std::string>(), std::chrono::hours(1), parts);
    std::printf("wrote %lld\n", static_cast<long long>(round));
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s KIND PATH MODE ROUNDS ROWS TAG\n", argv[0]);
    return 2;
  }
  std::string kind = argv[1];
  std::string path = argv[2];
  storage::SaveMode mode = storage::parse_save_mode(argv[3]);
  int64_t rounds = std::atoll(argv[4]);
  int64_t rows = std::atoll(argv[5]);
  int64_t tag = std::atoll(argv[6]);
  try {
    if (kind == "cache") {
      write_cache(path, rounds, rows, tag);
      return 0;
    }
    auto target = connector(kind, path);
    for (int64_t round = 0; rounds == 0 || round < rounds; ++round) {
      target->write(round_table(round, rows, tag), mode);
      std::printf("wrote %lld\n", static_cast<long long>(round));
      std::fflush(stdout);
    }
  } catch (const setl::Error& error) {
    std::fprintf(stderr, "writer: %s\n", error.what());
    return 1;
  }
  return 0;
}
