// Where each row's window frame starts and ends. ROWS frames count positions. RANGE
// frames compare the ORDER BY key: CURRENT ROW reaches the row's peers, and an offset
// `k PRECEDING` reaches the first row whose key is within k before the current one.
// For an offset the key (with DESC, its negation) is searched among the partition's rows
// with a number for a key, which always lie together in window order; a row whose key is
// NULL (or NaN) has no distance to the others, so its offset bounds stop at its peers.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "engine/operators/window_frames.h"
#include "setl/core/error.h"
#include "setl/engine/decimal.h"

namespace setl::engine::detail {
namespace {

using Kind = FrameBound::Kind;

bool has_offset(const FrameBound& bound) {
  return bound.kind == Kind::kPreceding || bound.kind == Kind::kFollowing;
}

// A ROWS offset as a count of positions, at most `rows` (further is as far).
int64_t row_offset(const FrameBound& bound, int64_t rows) {
  return std::min<int64_t>(bound.offset.as_int(), rows + 1);
}

void rows_frames(const WindowFrame& frame, int64_t begin, int64_t end,
                 std::vector<FrameSpan>& spans) {
  int64_t rows = end - begin;
  auto position = [rows](const FrameBound& bound, int64_t at, bool is_end) -> int64_t {
    switch (bound.kind) {
      case Kind::kUnboundedPreceding:
        return 0;
      case Kind::kPreceding:
        return at - row_offset(bound, rows) + (is_end ? 1 : 0);
      case Kind::kCurrentRow:
        return at + (is_end ? 1 : 0);
      case Kind::kFollowing:
        return at + row_offset(bound, rows) + (is_end ? 1 : 0);
      case Kind::kUnboundedFollowing:
        return rows;
    }
    return 0;
  };
  for (int64_t at = 0; at < rows; ++at) {
    int64_t lo = std::clamp<int64_t>(position(frame.start, at, false), 0, rows);
    int64_t hi = std::clamp<int64_t>(position(frame.end, at, true), 0, rows);
    spans[static_cast<size_t>(begin + at)] = {begin + lo, begin + std::max(lo, hi)};
  }
}

int128 saturating_add(int128 a, int128 b) {
  int128 sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<int128>::max() : std::numeric_limits<int128>::min();
  }
  return sum;
}

// The ORDER BY key of every position as a number that grows in window order, and the
// frame's offsets in the same units. Integer-like keys (integers, dates in days, decimals
// unscaled) stay exact; an offset that is not a whole number of units is rounded toward
// the current row, which keeps exactly the rows within the distance.
class RangeKey {
 public:
  RangeKey(const KeyComparator& key, const WindowOrder& order, const WindowFrame& frame) {
    const DataType& type = key.column->type();
    if (!type.is_numeric() && type.id() != TypeId::kDate32) {
      throw SchemaError("a RANGE frame with an offset needs a number or a date to order by; " +
                        std::string("the ORDER BY key is ") + type.to_string() +
                        " (use ROWS for a count of rows)");
    }
    floating_ = type.id() == TypeId::kFloat64;
    scale_ = type.is_decimal() ? type.scale() : 0;
    size_t rows = order.rows.size();
    searchable_.assign(rows, 0);
    if (floating_) {
      doubles_.assign(rows, 0);
    } else {
      integers_.assign(rows, 0);
    }
    for (size_t at = 0; at < rows; ++at) {
      int64_t row = order.rows[at];
      if (key.column->is_null(row)) {
        continue;
      }
      if (floating_) {
        double value = key.column->values<double>()[row];
        searchable_[at] = !std::isnan(value);
        doubles_[at] = key.descending ? -value : value;
      } else {
        int128 value = type.id() == TypeId::kDecimal ? key.column->values<int128>()[row]
                       : type.id() == TypeId::kInt64 ? key.column->values<int64_t>()[row]
                                                     : key.column->values<int32_t>()[row];
        searchable_[at] = 1;
        integers_[at] = key.descending ? -value : value;
      }
    }
    start_ = delta(frame.start, true);
    end_ = delta(frame.end, false);
  }

  bool searchable(int64_t at) const { return searchable_[static_cast<size_t>(at)] != 0; }

  // The first position in [lo, hi) (searchable, ascending) whose key is at least the
  // current one plus the start offset.
  int64_t start_of(int64_t at, int64_t lo, int64_t hi) const {
    return search(at, lo, hi, start_, false);
  }
  // One past the last position whose key is at most the current one plus the end offset.
  int64_t end_of(int64_t at, int64_t lo, int64_t hi) const {
    return search(at, lo, hi, end_, true);
  }

 private:
  struct Delta {
    int128 units = 0;
    double value = 0;
  };

  Delta delta(const FrameBound& bound, bool is_start) const {
    if (!has_offset(bound)) {
      return {};
    }
    double sign = bound.kind == Kind::kPreceding ? -1 : 1;
    if (floating_) {
      return {0, sign * bound.offset.as_double()};
    }
    // Whole units toward the current row: floor for the start's PRECEDING and the end's
    // FOLLOWING, ceil for the others (an integer key is within 1.5 only if within 1).
    bool down = (bound.kind == Kind::kPreceding) == is_start;
    int128 units = 0;
    if (bound.offset.type().id() == TypeId::kInt64) {
      int128 whole = bound.offset.as_int();
      units = scale_ == 0 || whole <= std::numeric_limits<int128>::max() / pow10_int128(scale_)
                  ? whole * pow10_int128(scale_)
                  : std::numeric_limits<int128>::max();
    } else {
      long double scaled = static_cast<long double>(bound.offset.as_double()) *
                           static_cast<long double>(pow10_int128(scale_));
      // 0.29 is 28.999...% of a cent in binary: a whole unit within rounding is that unit.
      long double nearest = std::round(scaled);
      bool whole = std::fabs(scaled - nearest) <= 1e-9L * std::max(1.0L, std::fabs(scaled));
      scaled = whole ? nearest : down ? std::floor(scaled) : std::ceil(scaled);
      units = scaled >= 1e38L ? std::numeric_limits<int128>::max() : static_cast<int128>(scaled);
    }
    return {sign < 0 ? -units : units, 0};
  }

  int64_t search(int64_t at, int64_t lo, int64_t hi, const Delta& delta, bool past) const {
    auto begin = static_cast<size_t>(lo);
    auto end = static_cast<size_t>(hi);
    size_t found = 0;
    if (floating_) {
      double target = doubles_[static_cast<size_t>(at)] + delta.value;
      auto first = doubles_.begin() + static_cast<std::ptrdiff_t>(begin);
      auto last = doubles_.begin() + static_cast<std::ptrdiff_t>(end);
      found = static_cast<size_t>(
          (past ? std::upper_bound(first, last, target) : std::lower_bound(first, last, target)) -
          doubles_.begin());
    } else {
      int128 target = saturating_add(integers_[static_cast<size_t>(at)], delta.units);
      auto first = integers_.begin() + static_cast<std::ptrdiff_t>(begin);
      auto last = integers_.begin() + static_cast<std::ptrdiff_t>(end);
      found = static_cast<size_t>(
          (past ? std::upper_bound(first, last, target) : std::lower_bound(first, last, target)) -
          integers_.begin());
    }
    return static_cast<int64_t>(found);
  }

  bool floating_ = false;
  int scale_ = 0;
  std::vector<uint8_t> searchable_;
  std::vector<int128> integers_;
  std::vector<double> doubles_;
  Delta start_;
  Delta end_;
};

bool peers(const WindowOrder& order, int64_t a, int64_t b) {
  for (const KeyComparator& key : order.order_keys) {
    if (key.compare(order.rows[static_cast<size_t>(a)], order.rows[static_cast<size_t>(b)]) != 0) {
      return false;
    }
  }
  return true;
}

void range_frames(const WindowFrame& frame, const WindowOrder& order, const RangeKey* key,
                  int64_t begin, int64_t end, std::vector<FrameSpan>& spans) {
  // The searchable positions of a partition lie together: find them once.
  int64_t run_lo = begin;
  int64_t run_hi = begin;
  if (key != nullptr) {
    while (run_lo < end && !key->searchable(run_lo)) {
      ++run_lo;
    }
    run_hi = run_lo;
    while (run_hi < end && key->searchable(run_hi)) {
      ++run_hi;
    }
  }
  int64_t peer_start = begin;
  while (peer_start < end) {
    int64_t peer_end = peer_start + 1;
    while (peer_end < end && peers(order, peer_start, peer_end)) {
      ++peer_end;
    }
    for (int64_t at = peer_start; at < peer_end; ++at) {
      bool measured = key != nullptr && key->searchable(at);
      auto bound = [&](const FrameBound& b, bool is_start) -> int64_t {
        switch (b.kind) {
          case Kind::kUnboundedPreceding:
            return begin;
          case Kind::kUnboundedFollowing:
            return end;
          case Kind::kCurrentRow:
            return is_start ? peer_start : peer_end;
          case Kind::kPreceding:
          case Kind::kFollowing:
            if (!measured) {
              return is_start ? peer_start : peer_end;
            }
            return is_start ? key->start_of(at, run_lo, run_hi) : key->end_of(at, run_lo, run_hi);
        }
        return begin;
      };
      int64_t lo = bound(frame.start, true);
      int64_t hi = bound(frame.end, false);
      spans[static_cast<size_t>(at)] = {lo, std::max(lo, hi)};
    }
    peer_start = peer_end;
  }
}

}  // namespace

std::vector<FrameSpan> frame_spans(const WindowSpec& window, const WindowOrder& order) {
  WindowFrame frame =
      window.frame ? *window.frame
                   : range_between(unbounded_preceding(),
                                   window.order_by.empty() ? unbounded_following() : current_row());
  std::vector<FrameSpan> spans(order.rows.size());
  std::optional<RangeKey> key;
  if (frame.unit == WindowFrame::Unit::kRange &&
      (has_offset(frame.start) || has_offset(frame.end))) {
    if (order.order_keys.size() != 1) {
      throw SchemaError("a RANGE frame with an offset needs exactly one ORDER BY key");
    }
    key.emplace(order.order_keys[0], order, frame);
  }
  for (size_t p = 0; p + 1 < order.starts.size(); ++p) {
    auto begin = static_cast<int64_t>(order.starts[p]);
    auto end = static_cast<int64_t>(order.starts[p + 1]);
    if (frame.unit == WindowFrame::Unit::kRows) {
      rows_frames(frame, begin, end, spans);
    } else {
      range_frames(frame, order, key ? &*key : nullptr, begin, end, spans);
    }
  }
  return spans;
}

}  // namespace setl::engine::detail
