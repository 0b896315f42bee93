#include "setl/storage/parquet_connector.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <climits>
#include <map>

#include <oneapi/tbb/task_arena.h>

#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/memory_context.h"
#include "setl/engine/execution.h"
#include "storage/file_io.h"
#include "storage/parquet/codec.h"
#include "storage/parquet/parquet_reader.h"
#include "storage/parquet/parquet_writer.h"
#include "storage/parquet/row_group_filter.h"
#include "storage/parquet/row_group_pieces.h"

namespace setl::storage {

using parquet::ChunkStatistics;
using parquet::ParquetFileReader;

ParquetCompression parse_parquet_compression(std::string_view name) {
  std::string lower;
  for (char c : name) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (lower == "none" || lower == "uncompressed")
    return ParquetCompression::kNone;
  if (lower == "snappy")
    return ParquetCompression::kSnappy;
  if (lower == "gzip")
    return ParquetCompression::kGzip;
  if (lower == "zstd")
    return ParquetCompression::kZstd;
  if (lower == "lz4_raw" || lower == "lz4")
    return ParquetCompression::kLz4Raw;
  throw ConfigError("unknown Parquet compression '" + std::string(name) +
                    "'; expected none, snappy, gzip, zstd or lz4_raw");
}

std::string_view to_string(ParquetCompression compression) {
  switch (compression) {
    case ParquetCompression::kNone:
      return "none";
    case ParquetCompression::kSnappy:
      return "snappy";
    case ParquetCompression::kGzip:
      return "gzip";
    case ParquetCompression::kZstd:
      return "zstd";
    case ParquetCompression::kLz4Raw:
      return "lz4_raw";
  }
  return "none";
}

ParquetFileInfo inspect_parquet(const std::filesystem::path& path) {
  ParquetFileReader reader(path);
  ParquetFileInfo info;
  const auto& metadata = reader.metadata();
  info.num_rows = metadata.num_rows;
  info.created_by = metadata.created_by;
  info.schema = reader.schema();
  info.unsupported_columns = reader.unsupported();
  for (size_t g = 0; g < reader.num_row_groups(); ++g) {
    ParquetRowGroupInfo group;
    group.num_rows = reader.row_group_rows(g);
    for (size_t c = 0; c < reader.columns().size(); ++c) {
      const parquet::FlatColumn& column = reader.columns()[c];
      const auto& chunk = metadata.row_groups[g].columns[column.leaf];
      ParquetColumnChunkInfo chunk_info;
      chunk_info.column = column.name;
      chunk_info.codec = parquet::codec_name(static_cast<parquet::Codec>(chunk.meta_data.codec));
      for (auto encoding : chunk.meta_data.encodings) {
        chunk_info.encodings.push_back(parquet::format::to_string(encoding));
      }
      chunk_info.compressed_bytes = chunk.meta_data.total_compressed_size;
      chunk_info.uncompressed_bytes = chunk.meta_data.total_uncompressed_size;
      ChunkStatistics stats = reader.statistics(g, c);
      chunk_info.min = stats.min;
      chunk_info.max = stats.max;
      chunk_info.null_count = stats.null_count;
      group.columns.push_back(std::move(chunk_info));
    }
    info.row_groups.push_back(std::move(group));
  }
  return info;
}

ParquetConnector::ParquetConnector(ConnectorKey key, std::filesystem::path path,
                                   ParquetOptions options)
    : FileConnector(key, std::move(path), "parquet"), options_(options) {}

engine::SchemaPtr ParquetConnector::schema() const {
  return ParquetFileReader(path()).schema();
}

std::optional<int64_t> ParquetConnector::estimated_rows() const {
  if (!exists()) {
    return std::nullopt;
  }
  int64_t rows = ParquetFileReader(path()).metadata().num_rows;
  return rows >= 0 ? std::optional<int64_t>(rows) : std::nullopt;  // the footer is untrusted
}

engine::ScanResult ParquetConnector::scan(const engine::ScanRequest& request) const {
  return scan_reader(ParquetFileReader(path()), request, options_.verify_checksums,
                     request.dictionary_strings && options_.keep_dictionary);
}

namespace {

// What a scan reads: the wanted columns (file indexes), the output schema, and the row
// groups the filter cannot exclude by their statistics.
struct ScanPlan {
  std::vector<size_t> wanted;
  engine::SchemaPtr output;
  std::vector<size_t> groups;
  bool keep_dictionary = false;  // strings may stay dictionary-encoded (the engine reads)
};

ScanPlan plan_scan(const parquet::ParquetFileReader& reader, const engine::ScanRequest& request) {
  const std::filesystem::path& path = reader.path();
  const engine::Schema& file_schema = *reader.schema();
  std::vector<size_t> wanted;
  if (request.columns.empty()) {
    if (!reader.unsupported().empty()) {
      std::string list;
      for (const std::string& column : reader.unsupported()) {
        list += "\n  " + column;
      }
      throw SchemaError(path.string() + " holds columns setlpp cannot read:" + list +
                        (file_schema.num_fields() == 0 ? std::string("\nand no flat columns")
                                                       : "\nselect the flat columns instead (" +
                                                             file_schema.to_string() + ")"));
    }
    for (size_t c = 0; c < file_schema.num_fields(); ++c) {
      wanted.push_back(c);
    }
  } else {
    for (const std::string& name : request.columns) {
      if (!file_schema.find(name)) {
        for (const std::string& column : reader.unsupported()) {
          if (column.compare(0, name.size() + 1, name + ":") == 0) {
            throw SchemaError("column '" + name + "' of " + path.string() +
                              " cannot be read: " + column.substr(name.size() + 2));
          }
        }
      }
      wanted.push_back(file_schema.index_of(name));
    }
  }
  std::vector<engine::Field> fields;
  for (size_t c : wanted) {
    fields.push_back(file_schema.field(c));
  }
  auto output = std::make_shared<engine::Schema>(std::move(fields));

  // Row groups the filter cannot exclude by their statistics. Constants are folded first:
  // a request from a caller other than the optimizer may hold CAST('2024-01-31' AS date).
  std::optional<engine::Expr> filter;
  if (request.filter) {
    filter = engine::fold_constants(*request.filter);
  }
  std::vector<size_t> groups;
  for (size_t g = 0; g < reader.num_row_groups(); ++g) {
    if (filter) {
      std::map<std::string, std::optional<ChunkStatistics>> cache;
      auto statistics_of = [&](const std::string& name) -> const ChunkStatistics* {
        auto it = cache.find(name);
        if (it == cache.end()) {
          std::optional<size_t> index = file_schema.find(name);
          std::optional<ChunkStatistics> stats;
          if (index) {
            stats = reader.statistics(g, *index);
          }
          it = cache.emplace(name, std::move(stats)).first;
        }
        return it->second ? &*it->second : nullptr;
      };
      if (!parquet::row_group_may_match(*filter, statistics_of)) {
        continue;
      }
    }
    // A distributed scan's share: every shards-th row group.
    bool ours = request.shards <= 1 ||
                static_cast<int>(g % static_cast<size_t>(request.shards)) == request.shard;
    if (reader.row_group_rows(g) > 0 && ours) {
      groups.push_back(g);
    }
  }
  return {std::move(wanted), std::move(output), std::move(groups)};
}

// A row group whose wanted columns take more than this decoded is read page by page, a
// batch at a time, instead of whole (MM-7); under a limited budget, more than an eighth of
// it.
constexpr int64_t kWholeRowGroupBytes = int64_t{64} << 20;
constexpr int64_t kWholeRowGroupShareOfBudget = 8;
// How much of a column chunk a piecewise read takes from the file at once.
constexpr int64_t kChunkWindowBytes = int64_t{1} << 20;

int64_t whole_row_group_limit() {
  int64_t limit = kWholeRowGroupBytes;
  const auto& budget = current_memory_context().budget;
  if (budget && budget->limit() > 0) {
    limit = std::min(limit, budget->limit() / kWholeRowGroupShareOfBudget);
  }
  return limit;
}

// Reads the scan's row groups one at a time: a group that fits whole (each column in
// parallel, then cut into batches of about batch_bytes), a larger one in pieces of about
// batch_bytes decoded page by page.
class ParquetStream : public engine::BatchStream {
 public:
  ParquetStream(std::shared_ptr<parquet::ParquetFileReader> reader, ScanPlan plan,
                bool verify_checksums, int64_t batch_bytes)
      : reader_(std::move(reader)),
        plan_(std::move(plan)),
        verify_(verify_checksums),
        batch_bytes_(batch_bytes),
        whole_limit_(whole_row_group_limit()) {
    stats_.units_total = static_cast<int64_t>(reader_->num_row_groups());
  }
  const engine::SchemaPtr& schema() const override { return plan_.output; }
  std::optional<engine::RecordBatch> next() override {
    while (true) {
      std::optional<engine::RecordBatch> batch;
      if (slices_) {
        batch = slices_->next();
      } else if (pieces_) {
        batch = pieces_->next();
        if (batch) {
          report_progress(batch->num_rows(), 0);
        } else {
          stats_.bytes_read += pieces_->bytes_read();
        }
      } else if (next_group_ == plan_.groups.size()) {
        return std::nullopt;
      } else {
        open_group(plan_.groups[next_group_++]);
        continue;
      }
      if (batch) {
        stats_.rows += batch->num_rows();
        return batch;
      }
      slices_.reset();
      pieces_.reset();
    }
  }
  engine::ScanStats stats() const override { return stats_; }

 private:
  void open_group(size_t group) {
    int64_t bytes = parquet::row_group_bytes(*reader_, group, plan_.wanted);
    if (bytes <= whole_limit_) {
      slices_ = engine::stream_table(read_group(group), batch_bytes_);
      return;
    }
    int64_t rows = reader_->row_group_rows(group);
    int64_t row_bytes = std::max<int64_t>(1, bytes / std::max<int64_t>(rows, 1));
    stats_.units_read += 1;
    pieces_ = std::make_unique<parquet::RowGroupPieces>(*reader_, group, plan_.wanted, plan_.output,
                                                        verify_, batch_bytes_ / row_bytes,
                                                        kChunkWindowBytes, plan_.keep_dictionary);
  }

  engine::Table read_group(size_t group) {
    size_t width = plan_.wanted.size();
    std::vector<engine::ColumnPtr> columns(width);
    std::atomic<int64_t> bytes{0};
    int64_t rows = reader_->row_group_rows(group);
    // Isolated: a worker waiting here must not pick up a task that reads this stream.
    tbb::this_task_arena::isolate([&] {
      engine::parallel_for(width, [&](size_t c) {
        int64_t chunk_bytes = 0;
        columns[c] = reader_->read_column(group, plan_.wanted[c], verify_, chunk_bytes,
                                          plan_.keep_dictionary);
        bytes += chunk_bytes;
        report_progress(c == 0 ? rows : 0, chunk_bytes);
      });
    });
    stats_.units_read += 1;
    stats_.bytes_read += bytes.load();
    return engine::Table::from_batch(engine::RecordBatch(plan_.output, std::move(columns), rows));
  }

  std::shared_ptr<parquet::ParquetFileReader> reader_;
  ScanPlan plan_;
  bool verify_;
  int64_t batch_bytes_;
  int64_t whole_limit_;
  size_t next_group_ = 0;
  std::unique_ptr<engine::BatchStream> slices_;      // a group read whole
  std::unique_ptr<parquet::RowGroupPieces> pieces_;  // a group read page by page
  engine::ScanStats stats_;
};

}  // namespace

std::unique_ptr<engine::BatchStream> ParquetConnector::scan_stream(
    const engine::ScanRequest& request, int64_t batch_bytes) const {
  auto reader = std::make_shared<parquet::ParquetFileReader>(path());
  ScanPlan plan = plan_scan(*reader, request);
  plan.keep_dictionary = request.dictionary_strings && options_.keep_dictionary;
  return std::make_unique<ParquetStream>(std::move(reader), std::move(plan),
                                         options_.verify_checksums, batch_bytes);
}

engine::ScanResult ParquetConnector::scan_reader(const parquet::ParquetFileReader& reader,
                                                 const engine::ScanRequest& request,
                                                 bool verify_checksums, bool keep_dictionary) {
  ScanPlan plan = plan_scan(reader, request);
  const std::vector<size_t>& wanted = plan.wanted;
  const std::vector<size_t>& groups = plan.groups;
  const engine::SchemaPtr& output = plan.output;
  std::vector<std::vector<engine::ColumnPtr>> columns(
      groups.size(), std::vector<engine::ColumnPtr>(wanted.size()));
  std::atomic<int64_t> bytes{0};
  engine::parallel_for(groups.size() * wanted.size(), [&](size_t task) {
    size_t g = task / wanted.size();
    size_t c = task % wanted.size();
    int64_t chunk_bytes = 0;
    columns[g][c] =
        reader.read_column(groups[g], wanted[c], verify_checksums, chunk_bytes, keep_dictionary);
    bytes += chunk_bytes;
    report_progress(c == 0 ? reader.row_group_rows(groups[g]) : 0, chunk_bytes);
  });
  std::vector<engine::RecordBatch> batches;
  for (size_t g = 0; g < groups.size(); ++g) {
    batches.emplace_back(output, std::move(columns[g]), reader.row_group_rows(groups[g]));
  }
  engine::Table table = engine::Table(output, std::move(batches)).rechunk();
  engine::ScanStats stats;
  stats.rows = table.num_rows();
  stats.units_total = static_cast<int64_t>(reader.num_row_groups());
  stats.units_read = static_cast<int64_t>(groups.size());
  stats.bytes_read = bytes.load();
  return {std::move(table), stats};
}

engine::Table read_parquet_bytes(std::shared_ptr<const std::string> bytes, std::string name) {
  auto reader = std::make_shared<ParquetFileReader>(std::move(bytes), std::move(name));
  ScanPlan plan = plan_scan(*reader, {});
  ParquetStream stream(std::move(reader), std::move(plan), true, engine::kDefaultBatchBytes);
  return engine::collect_stream(stream);
}

void write_parquet(const engine::Table& table, std::ostream& out, const ParquetOptions& options) {
  parquet::write_parquet(table, out, options);
}

void ParquetConnector::write_file(const engine::Table& table, bool append) const {
  // A column without nulls in a non-nullable field is written as required.
  std::vector<bool> optional;
  for (const engine::Field& field : table.schema()->fields()) {
    int64_t nulls = 0;
    for (const engine::ColumnPtr& piece : table.column_chunks(field.name)) {
      nulls += piece->null_count();
    }
    optional.push_back(nulls > 0);
  }
  std::unique_ptr<engine::BatchStream> rows = engine::stream_table(table, INT64_MAX);
  write_rows(*rows, append, std::move(optional));
}

void ParquetConnector::write_file_stream(engine::BatchStream& rows, bool append) const {
  // Nullable fields are written as optional: a stream's later batches may hold nulls.
  write_rows(rows, append, std::vector<bool>(rows.schema()->num_fields(), false));
}

void ParquetConnector::write_rows(engine::BatchStream& rows, bool append,
                                  std::vector<bool> optional) const {
  const std::filesystem::path& file = path();
  std::optional<engine::Table> previous;
  if (append) {
    previous = read();
    if (previous->schema()->names() != rows.schema()->names()) {
      throw SchemaError("cannot append to " + file.string() + ": it holds (" +
                        previous->schema()->to_string() + "), the new rows are (" +
                        rows.schema()->to_string() + ")");
    }
  }
  detail::write_file_atomically(file, [&](std::ostream& out) {
    if (previous) {
      optional.assign(optional.size(), true);  // the old rows' nulls are not counted
    }
    ParquetOptions options = options_;
    if (const auto& budget = current_memory_context().budget; budget && budget->limit() > 0) {
      // The row group being filled is the writer's memory: a share of the budget.
      int64_t share = std::max<int64_t>(budget->limit() / 4, 1);
      options.row_group_bytes =
          options.row_group_bytes > 0 ? std::min(options.row_group_bytes, share) : share;
    }
    parquet::ParquetFileWriter writer(rows.schema(), std::move(optional), out, options);
    if (previous) {
      for (const engine::RecordBatch& batch : previous->batches()) {
        writer.add(engine::RecordBatch(rows.schema(), batch.columns(), batch.num_rows()));
      }
    }
    while (std::optional<engine::RecordBatch> batch = rows.next()) {
      writer.add(*batch);
    }
    writer.finish();
  });
}

}  // namespace setl::storage
