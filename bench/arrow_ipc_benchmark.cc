// Arrow IPC against Parquet on the TPC-H lineitem table: writing and reading the whole
// table (IPC uncompressed, LZ4 and zstd; Parquet with its default compression), and what
// a memory-mapped read costs next to touching the same columns of a table already in
// memory (IpcMappedTouch vs InMemoryTouch, three columns: a mapped read decodes nothing,
// so it should cost about as much as touching the pages).
//
//   SETL_TPCH_SF=1 build/release/bench/arrow_ipc_benchmark
#include <cstdlib>
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include "lineitem_fixture.h"
#include "setl/engine/column.h"
#include "setl/storage/arrow_ipc.h"
#include "setl/storage/parquet_connector.h"

namespace {

using setl::storage::ArrowIpcCompression;

using setl::bench::lineitem;

std::filesystem::path scratch(const std::string& name) {
  return setl::bench::scratch_file("setl-ipc-bench", name);
}

const char* kNames[] = {"lineitem.arrow", "lineitem.lz4.arrow", "lineitem.zstd.arrow"};

void report(benchmark::State& state, const std::filesystem::path& file) {
  double bytes = static_cast<double>(std::filesystem::file_size(file));
  state.counters["file_MB"] = bytes / 1e6;
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(lineitem().num_rows()),
                                                    benchmark::Counter::kIsIterationInvariantRate);
}

void ensure_ipc(int codec) {
  if (!std::filesystem::exists(scratch(kNames[codec]))) {
    setl::storage::write_arrow_ipc_file(lineitem(), scratch(kNames[codec]),
                                        {.compression = static_cast<ArrowIpcCompression>(codec)});
  }
}

// Reads every 8-byte word of each column's buffers: what a query scanning them would.
uint64_t touch(const setl::engine::Table& table) {
  uint64_t sum = 0;
  for (const setl::engine::RecordBatch& batch : table.batches()) {
    for (const setl::engine::ColumnPtr& column : batch.columns()) {
      for (const setl::engine::BufferPtr& buffer :
           {column->validity_buffer(), column->values_buffer(), column->chars_buffer()}) {
        if (buffer == nullptr) {
          continue;
        }
        const uint8_t* data = buffer->data();
        for (size_t at = 0; at + 8 <= buffer->size(); at += 8) {
          uint64_t word = 0;
          __builtin_memcpy(&word, data + at, 8);
          sum ^= word;
        }
      }
    }
  }
  return sum;
}

const std::vector<std::string> kTouched = {"l_quantity", "l_extendedprice", "l_shipdate"};

void BM_IpcWrite(benchmark::State& state) {
  const setl::engine::Table& table = lineitem();
  auto codec = static_cast<ArrowIpcCompression>(state.range(0));
  std::filesystem::path file = scratch(kNames[state.range(0)]);
  for (auto _ : state) {
    setl::storage::write_arrow_ipc_file(table, file, {.compression = codec});
  }
  report(state, file);
}
BENCHMARK(BM_IpcWrite)->ArgName("codec")->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

void BM_IpcRead(benchmark::State& state) {
  static_cast<void>(lineitem());
  ensure_ipc(static_cast<int>(state.range(0)));
  std::filesystem::path file = scratch(kNames[state.range(0)]);
  for (auto _ : state) {
    benchmark::DoNotOptimize(setl::storage::read_arrow_ipc_file(file).table.num_rows());
  }
  report(state, file);
}
BENCHMARK(BM_IpcRead)->ArgName("codec")->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

void BM_ParquetWrite(benchmark::State& state) {
  const setl::engine::Table& table = lineitem();
  auto parquet =
      setl::storage::make_connector<setl::storage::ParquetConnector>(scratch("lineitem.parquet"));
  for (auto _ : state) {
    parquet->write(table, setl::storage::SaveMode::kOverwrite);
  }
  report(state, scratch("lineitem.parquet"));
}
BENCHMARK(BM_ParquetWrite)->Unit(benchmark::kMillisecond);

void BM_ParquetRead(benchmark::State& state) {
  auto parquet =
      setl::storage::make_connector<setl::storage::ParquetConnector>(scratch("lineitem.parquet"));
  if (!parquet->exists()) {
    parquet->write(lineitem(), setl::storage::SaveMode::kOverwrite);
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(parquet->read().num_rows());
  }
  report(state, scratch("lineitem.parquet"));
}
BENCHMARK(BM_ParquetRead)->Unit(benchmark::kMillisecond);

void BM_IpcMappedTouch(benchmark::State& state) {
  static_cast<void>(lineitem());
  ensure_ipc(0);
  for (auto _ : state) {
    setl::engine::Table read =
        setl::storage::read_arrow_ipc_file(scratch(kNames[0]), kTouched).table;
    benchmark::DoNotOptimize(touch(read));
  }
}
BENCHMARK(BM_IpcMappedTouch)->Unit(benchmark::kMillisecond);

void BM_InMemoryTouch(benchmark::State& state) {
  setl::engine::Table columns = lineitem().select(kTouched);
  for (auto _ : state) {
    benchmark::DoNotOptimize(touch(columns));
  }
}
BENCHMARK(BM_InMemoryTouch)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
