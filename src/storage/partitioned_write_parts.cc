// PartitionedConnector::write_parts: a write by every rank of a distributed run, committed
// by rank 0. The ranks agree at three points — rank 0's judgement of the save mode, every
// rank's outcome of writing its files, rank 0's commit — so they all return, or all throw,
// together.
#include <optional>
#include <sstream>

#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/storage/partitioned_connector.h"

namespace setl::storage {
namespace {

constexpr std::string_view kFailed = "failed:";

std::string failure_text(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& caught) {
    return std::string(kFailed) + caught.what();
  } catch (...) {
    return std::string(kFailed) + "unknown exception";
  }
}

}  // namespace

void PartitionedConnector::write_parts(const engine::Table& part, SaveMode mode,
                                       Communicator& communicator) const {
  if (partition_by_.empty()) {
    throw ConfigError("connector " + describe() + " needs partition_by columns to write");
  }
  // First agreement: every rank's part can be written, and rank 0 judged the save mode.
  std::optional<FileLock> lock;
  std::optional<std::vector<std::string>> kept;
  std::exception_ptr refused;
  std::string ready = "write";
  try {
    check_partition_columns(part);
    if (communicator.rank() == 0) {
      lock.emplace(lock_dataset());
      kept = prepare_write(mode, partition_by_, "");
      ready = kept ? "write" : "ignore";
    }
  } catch (...) {
    refused = std::current_exception();
    ready = failure_text(refused);
  }
  std::vector<std::string> readiness = communicator.all_gather(ready);
  for (size_t rank = 0; rank < readiness.size(); ++rank) {
    if (readiness[rank].starts_with(kFailed)) {
      if (refused) {
        std::rethrow_exception(refused);
      }
      throw IoError("write to " + describe() + " refused on rank " + std::to_string(rank) + " of " +
                    std::to_string(readiness.size()) + ": " +
                    readiness[rank].substr(kFailed.size()));
    }
  }
  if (readiness[0] == "ignore") {
    return;
  }

  std::vector<std::string> written;
  std::string outcome = "ok";
  try {
    written = write_part_files(part, partition_by_);
    for (const std::string& file : written) {
      outcome += "\n" + file;
    }
  } catch (...) {
    outcome = failure_text(std::current_exception());
  }
  std::vector<std::string> outcomes = communicator.all_gather(outcome);
  for (size_t rank = 0; rank < outcomes.size(); ++rank) {
    if (outcomes[rank].starts_with(kFailed)) {
      remove_part_files(written);
      throw IoError("write to " + describe() + " failed on rank " + std::to_string(rank) + " of " +
                    std::to_string(outcomes.size()) + ": " + outcomes[rank].substr(kFailed.size()) +
                    " (nothing was committed)");
    }
  }

  std::string committed = "ok";
  if (communicator.rank() == 0) {
    std::vector<std::string> files;
    for (const std::string& text : outcomes) {
      std::istringstream lines(text);
      std::string line;
      std::getline(lines, line);  // "ok"
      while (std::getline(lines, line)) {
        files.push_back(line);
      }
    }
    try {
      current_cancellation().check();
      commit(std::move(*kept), files);
    } catch (...) {
      committed = failure_text(std::current_exception());
    }
  }
  committed = communicator.broadcast(committed, 0);
  if (committed != "ok") {
    remove_part_files(written);
    throw IoError("write to " + describe() + ": rank 0 could not commit: " +
                  committed.substr(kFailed.size()) + " (nothing was committed)");
  }
}

}  // namespace setl::storage
