#include "csv_stream.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <utility>

#include <oneapi/tbb/task_arena.h>

#include "byte_shares.h"
#include "byte_stream.h"
#include "csv_reader.h"
#include "file_io.h"
#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/core/job_group.h"
#include "setl/core/memory_context.h"
#include "setl/engine/execution.h"

namespace setl::storage::detail {
namespace {

// A record longer than this is refused rather than buffered without end.
constexpr size_t kMaxBlockBytes = size_t{1} << 30;
// Under a limited budget a block of text takes at most this fraction of it (parsing it
// holds about as much again in batches).
constexpr int64_t kBlockShareOfBudget = 16;

class CsvStream : public engine::BatchStream {
 public:
  CsvStream(const std::filesystem::path& path, CsvOptions options, int64_t batch_bytes)
      : input_(path), where_(path.string()), options_(std::move(options)) {
    batch_bytes_ = static_cast<size_t>(std::max<int64_t>(batch_bytes, 4096));
    // A block feeds every thread a few ranges.
    block_capacity_ = std::clamp(batch_bytes_ * 2 * static_cast<size_t>(engine::num_threads()),
                                 size_t{1} << 20, size_t{256} << 20);
    const MemoryContext& context = current_memory_context();
    if (context.budget) {
      std::string holder = "CSV scan " + path.filename().string();
      reserving_ = true;
      reservation_ = context.budget->try_reserve(
          0, context.owner.empty() ? holder : holder + " (" + context.owner + ")");
      if (context.budget->limit() > 0) {
        auto share = static_cast<size_t>(context.budget->limit() / kBlockShareOfBudget);
        block_capacity_ = std::min(block_capacity_, std::max(share, size_t{1} << 20));
      }
    }
    if (input_.size_hint() > 0) {
      // A small file is read in one block of its size (plus one byte to see its end).
      block_capacity_ = std::min(block_capacity_, input_.size_hint() + 1);
    }
    read_first_block();
  }

  const CsvParse& parse() const { return parse_; }

  // Reads only a share of a distributed scan (share_read: the whole file, nothing, or the
  // records in [share.begin, share.end)).
  void restrict(const engine::ScanRequest& request) {
    ShareRead read = share_read(request);
    done_ = read == ShareRead::kNothing;
    if (read != ShareRead::kBytes) {
      return;
    }
    const engine::ByteShare& share = *request.byte_share;
    if (request.shard > 0 && options_.permissive) {
      // Each share keeps its own rejects: ranks never write one file at once.
      options_.rejects_path += ".share-" + std::to_string(request.shard);
    }
    input_.restrict_to(share.begin, share.end);
    unreported_header_bytes_ = request.shard == 0 ? parse_.data_start : 0;
    filled_ = 0;
    position_ = 0;
    line_ = share.first_line;
    at_end_ = false;
    fill(block_capacity_);
  }

  void select(const engine::ScanRequest& request) {
    const engine::Schema& file_schema = *parse_.schema;
    if (request.columns.empty()) {
      for (size_t i = 0; i < file_schema.num_fields(); ++i) {
        wanted_.push_back(i);
      }
    } else {
      for (const std::string& name : request.columns) {
        wanted_.push_back(file_schema.index_of(name));
      }
    }
    std::vector<engine::Field> fields;
    for (size_t index : wanted_) {
      fields.push_back(file_schema.field(index));
    }
    output_schema_ = std::make_shared<engine::Schema>(std::move(fields));
  }

  const engine::SchemaPtr& schema() const override { return output_schema_; }

  std::optional<engine::RecordBatch> next() override {
    while (ready_.empty()) {
      current_cancellation().check();
      if (!parse_next_block()) {
        finish();
        return std::nullopt;
      }
    }
    engine::RecordBatch batch = std::move(ready_.front());
    ready_.pop_front();
    ready_bytes_ -= batch.memory_size();
    account();
    stats_.rows += batch.num_rows();
    return batch;
  }

  engine::ScanStats stats() const override {
    engine::ScanStats stats = stats_;
    stats.bytes_read = static_cast<int64_t>(input_.consumed());
    return stats;
  }

 private:
  // Keeps the reservation equal to what the stream holds: the block and the parsed
  // batches not yet taken. A scan cannot spill, so when the budget has no room even after
  // reclaiming (caches evict, sorts spill), it reads on with that much unreserved: its
  // block is small next to the budget (kBlockShareOfBudget).
  void account() {
    if (!reserving_) {
      return;  // opened without a budget: nothing to reserve from
    }
    int64_t held = static_cast<int64_t>(block_.capacity()) + ready_bytes_;
    if (held > reservation_.bytes()) {
      reservation_.try_grow_reclaiming(held - reservation_.bytes());
    } else {
      reservation_.shrink(reservation_.bytes() - held);
    }
  }

  // Reads until the block holds `capacity` bytes or the file ends.
  void fill(size_t capacity) {
    if (block_.size() < capacity) {
      block_.resize(capacity);
      account();
    }
    size_t got = input_.read_fully(block_.data() + filled_, capacity - filled_);
    filled_ += got;
    at_end_ = filled_ < capacity;
  }

  std::string_view data() const { return std::string_view(block_.data(), filled_); }

  void read_first_block() {
    size_t capacity = block_capacity_;
    while (true) {
      fill(capacity);
      parse_ = prepare_csv(data(), where_, options_);
      size_t records = (filled_ - parse_.data_start) / parse_.average_record_bytes;
      // Inference looks at infer_rows records: read on until the block holds them.
      if (at_end_ || options_.schema ||
          records >= static_cast<size_t>(std::max<int64_t>(options_.infer_rows, 1)) ||
          capacity >= kMaxBlockBytes / 4) {
        break;
      }
      capacity *= 2;
    }
    position_ = parse_.data_start;
    unreported_header_bytes_ = parse_.data_start;
    line_ = parse_.data_line;
    chunk_ = std::clamp(parse_.average_record_bytes * static_cast<size_t>(options_.batch_rows),
                        size_t{256}, batch_bytes_);
  }

  // Parses the complete records of the block; false when the file is done.
  bool parse_next_block() {
    if (done_) {
      return false;
    }
    Split split;
    while (true) {
      split = split_block(data(), position_, line_, chunk_, at_end_, options_);
      if (!split.starts.empty() || at_end_) {
        break;
      }
      // Not one complete record in the block: keep what is left and read more.
      compact();
      size_t capacity = std::max(block_capacity_, block_.size() * 2);
      if (filled_ >= kMaxBlockBytes) {
        throw ParseError(where_ + ":" + std::to_string(line_) + ": a record is longer than " +
                         std::to_string(kMaxBlockBytes >> 20) + " MiB (an unclosed quote?)");
      }
      fill(std::min(capacity, kMaxBlockBytes));
    }
    if (at_end_ && split.starts.empty()) {
      done_ = true;
      return false;
    }
    parse_ranges(split);
    if (at_end_) {
      done_ = true;
    } else {
      position_ = split.end;
      line_ = split.end_line;
      compact();
      fill(block_capacity_);
    }
    return true;
  }

  // Moves the unparsed tail of the block to its front.
  void compact() {
    std::memmove(block_.data(), block_.data() + position_, filled_ - position_);
    filled_ -= position_;
    position_ = 0;
  }

  void parse_ranges(const Split& split) {
    size_t ranges = split.starts.size();
    std::vector<RangeResult> results(ranges);
    // The header's bytes count with the first records read (a stream opened only for its
    // schema reads none).
    report_progress(0, static_cast<int64_t>(std::exchange(unreported_header_bytes_, 0)));
    std::string_view view = data();
    // Isolated: a thread waiting here must not pick up a task that needs this stream.
    tbb::this_task_arena::isolate([&] {
      engine::parallel_for(ranges, [&](size_t r) {
        size_t end = r + 1 < ranges ? split.starts[r + 1] : split.end;
        results[r] = parse_range(view, split.starts[r], end, split.lines[r], parse_.schema, wanted_,
                                 output_schema_, where_, options_);
        report_progress(results[r].batch ? results[r].batch->num_rows() : 0,
                        static_cast<int64_t>(end - split.starts[r]));
      });
    });
    for (RangeResult& result : results) {
      if (!result.error.empty()) {
        throw ParseError(result.error);
      }
      if (result.batch && result.batch->num_rows() > 0) {
        ready_bytes_ += result.batch->memory_size();
        ready_.push_back(std::move(*result.batch));
      }
      rejects_.insert(rejects_.end(), result.rejects.begin(), result.rejects.end());
    }
    account();
  }

  void finish() {
    if (finished_) {
      return;
    }
    finished_ = true;
    stats_.rejected_rows = static_cast<int64_t>(rejects_.size());
    if (options_.permissive && !options_.rejects_path.empty()) {
      write_file_atomically(options_.rejects_path, [&](std::ostream& out) {
        for (const std::string& line : rejects_) {
          out << line << '\n';
        }
      });
    }
  }

  ByteStream input_;
  std::string where_;
  CsvOptions options_;
  size_t batch_bytes_ = 0;
  size_t block_capacity_ = 0;
  size_t chunk_ = 0;
  std::string block_;
  size_t filled_ = 0;
  size_t unreported_header_bytes_ = 0;
  bool at_end_ = false;
  bool done_ = false;
  bool finished_ = false;
  size_t position_ = 0;
  int64_t line_ = 1;
  CsvParse parse_;
  std::vector<size_t> wanted_;
  engine::SchemaPtr output_schema_;
  std::deque<engine::RecordBatch> ready_;
  int64_t ready_bytes_ = 0;
  bool reserving_ = false;
  memory::MemoryBudget::Reservation reservation_;
  std::vector<std::string> rejects_;
  engine::ScanStats stats_;
};

}  // namespace

std::unique_ptr<engine::BatchStream> open_csv_stream(const std::filesystem::path& path,
                                                     const CsvOptions& options,
                                                     const engine::ScanRequest& request,
                                                     int64_t batch_bytes) {
  auto stream = std::make_unique<CsvStream>(path, options, batch_bytes);
  stream->select(request);
  stream->restrict(request);
  return stream;
}

engine::ByteShare agree_csv_share(const std::filesystem::path& path, const CsvOptions& options,
                                  const engine::ScanRequest& request, Communicator& communicator) {
  CsvStream head(path, options, engine::kDefaultBatchBytes);
  const CsvParse& parse = head.parse();
  return agree_byte_share(
      path, static_cast<int64_t>(parse.data_start), parse.data_line, request.shard, request.shards,
      communicator, [&options](std::string_view data, size_t from, bool at_end, int64_t& lines) {
        return skip_csv_record(data, from, at_end, lines, options);
      });
}

engine::SchemaPtr csv_file_schema(const std::filesystem::path& path, const CsvOptions& options) {
  CsvStream stream(path, options, engine::kDefaultBatchBytes);
  return stream.parse().schema;
}

}  // namespace setl::storage::detail
