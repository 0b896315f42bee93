// Cutting one text file into shares for the ranks of a distributed scan (private to the
// storage layer). A share is the records whose first byte lies in an equal slice of the
// file's data; where a record begins is only known by reading from an earlier record start,
// so the ranks settle it together:
//
//   1. each rank guesses its first record: just after the first newline in its slice;
//   2. each rank reads its slice with the format's own tokenizer from its guess and finds
//      where the record crossing its slice's end finishes;
//   3. the ranks gather (guess, finish); rank 0's start is the data's start, so its finish
//      is true, and each rank whose guess equals its predecessor's true finish is true in
//      turn. The first rank that disagrees takes its predecessor's finish and reads again;
//      repeat until every boundary is proven.
//
// A guess falls wrong only where a record holds a newline (a quoted CSV field spanning
// lines), so usually one round settles every share. Lines are counted on the way, so a
// share's errors name the file's true line numbers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>

#include "setl/core/communicator.h"
#include "setl/engine/scan_source.h"

namespace setl::storage::detail {

/// Moves past the record of `data` starting at `from`, adding the newlines it passes to
/// `lines`. Returns where the next record begins, or nullopt when the record may go on
/// past the end of `data` and `at_end` is false (the file continues).
using RecordSkipper = std::function<std::optional<size_t>(std::string_view data, size_t from,
                                                          bool at_end, int64_t& lines)>;

/// Share `shard` of `shards` of `file`'s records from byte `data_start` (on line
/// `data_line`; the header before it is every share's), agreed with the other ranks.
/// Collective. Throws: IoError.
engine::ByteShare agree_byte_share(const std::filesystem::path& file, int64_t data_start,
                                   int64_t data_line, int shard, int shards,
                                   Communicator& communicator, const RecordSkipper& skip);

/// What a stream opened for `request` reads: the whole file (no shares, or share 0 of a
/// file asked for without agreed bytes), nothing (another share of such a file), or the
/// agreed bytes (request.byte_share).
enum class ShareRead { kWhole, kNothing, kBytes };
ShareRead share_read(const engine::ScanRequest& request);

/// True for a file a scan can cut by bytes: a regular file, not compressed.
bool splittable_by_bytes(const std::filesystem::path& file);

}  // namespace setl::storage::detail
