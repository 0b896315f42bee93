// OVER clauses: frame builders and checks, their text and their equality. The window
// operator (engine/operators/window.cc, window_frames.cc) gives frames their meaning.

#include "engine/expr/expr_node.h"
#include "engine/functions/registry.h"
#include "setl/core/error.h"

namespace setl::engine {
namespace {

using Kind = FrameBound::Kind;

FrameBound with_offset(Kind kind, Scalar offset) {
  bool number = offset.type().is_numeric() && !offset.is_null();
  if (!number || !(offset.as_double() >= 0)) {
    throw ParseError("a window frame's offset must be a non-negative number, not " +
                     offset.to_string());
  }
  // Offsets are kept as int64 or float64 so that their text reads back to the same value.
  bool integral = offset.type().id() == TypeId::kInt64 || offset.type().id() == TypeId::kInt32;
  return {kind, integral ? Scalar::int64(offset.as_int()) : Scalar::float64(offset.as_double())};
}

WindowFrame between(WindowFrame::Unit unit, FrameBound start, FrameBound end) {
  if (start.kind == Kind::kUnboundedFollowing) {
    throw ParseError("a window frame cannot start at UNBOUNDED FOLLOWING");
  }
  if (end.kind == Kind::kUnboundedPreceding) {
    throw ParseError("a window frame cannot end at UNBOUNDED PRECEDING");
  }
  if (unit == WindowFrame::Unit::kRows) {
    for (const FrameBound* bound : {&start, &end}) {
      bool offset = bound->kind == Kind::kPreceding || bound->kind == Kind::kFollowing;
      if (offset && bound->offset.type().id() != TypeId::kInt64) {
        throw ParseError("a ROWS frame counts rows: its offsets must be integers, not " +
                         bound->offset.to_string());
      }
    }
  }
  return {unit, std::move(start), std::move(end)};
}

std::string bound_text(const FrameBound& bound) {
  switch (bound.kind) {
    case Kind::kUnboundedPreceding:
      return "UNBOUNDED PRECEDING";
    case Kind::kPreceding:
      return bound.offset.to_string() + " PRECEDING";
    case Kind::kCurrentRow:
      return "CURRENT ROW";
    case Kind::kFollowing:
      return bound.offset.to_string() + " FOLLOWING";
    case Kind::kUnboundedFollowing:
      return "UNBOUNDED FOLLOWING";
  }
  return {};
}

bool same_bound(const FrameBound& a, const FrameBound& b) {
  return a.kind == b.kind && a.offset == b.offset;
}

}  // namespace

FrameBound unbounded_preceding() {
  return {Kind::kUnboundedPreceding, Scalar::int64(0)};
}
FrameBound preceding(Scalar offset) {
  return with_offset(Kind::kPreceding, std::move(offset));
}
FrameBound preceding(int64_t offset) {
  return preceding(Scalar::int64(offset));
}
FrameBound following(int64_t offset) {
  return following(Scalar::int64(offset));
}
FrameBound current_row() {
  return {Kind::kCurrentRow, Scalar::int64(0)};
}
FrameBound following(Scalar offset) {
  return with_offset(Kind::kFollowing, std::move(offset));
}
FrameBound unbounded_following() {
  return {Kind::kUnboundedFollowing, Scalar::int64(0)};
}

WindowFrame rows_between(FrameBound start, FrameBound end) {
  return between(WindowFrame::Unit::kRows, std::move(start), std::move(end));
}
WindowFrame range_between(FrameBound start, FrameBound end) {
  return between(WindowFrame::Unit::kRange, std::move(start), std::move(end));
}

namespace detail {

std::string window_text(const WindowSpec& window) {
  std::string text = " OVER (";
  std::string separator;
  if (!window.partition_by.empty()) {
    text += "PARTITION BY ";
    for (size_t i = 0; i < window.partition_by.size(); ++i) {
      text += (i > 0 ? ", " : "") + quote_identifier(window.partition_by[i]);
    }
    separator = " ";
  }
  if (!window.order_by.empty()) {
    text += separator + "ORDER BY ";
    for (size_t i = 0; i < window.order_by.size(); ++i) {
      const SortKey& key = window.order_by[i];
      text +=
          (i > 0 ? ", " : "") + quote_identifier(key.column) + (key.descending ? " DESC" : " ASC");
      if (key.nulls_first) {
        text += *key.nulls_first ? " NULLS FIRST" : " NULLS LAST";
      }
    }
    separator = " ";
  }
  if (window.frame) {
    text += separator + (window.frame->unit == WindowFrame::Unit::kRows ? "ROWS" : "RANGE") +
            " BETWEEN " + bound_text(window.frame->start) + " AND " + bound_text(window.frame->end);
  }
  return text + ")";
}

bool same_window(const WindowSpec& p, const WindowSpec& q) {
  if (p.partition_by != q.partition_by || p.order_by.size() != q.order_by.size() ||
      p.frame.has_value() != q.frame.has_value()) {
    return false;
  }
  for (size_t i = 0; i < p.order_by.size(); ++i) {
    if (p.order_by[i].column != q.order_by[i].column ||
        p.order_by[i].descending != q.order_by[i].descending ||
        p.order_by[i].nulls_first != q.order_by[i].nulls_first) {
      return false;
    }
  }
  return !p.frame ||
         (p.frame->unit == q.frame->unit && same_bound(p.frame->start, q.frame->start) &&
          same_bound(p.frame->end, q.frame->end));
}

void check_window_frame(const std::string& function, const WindowSpec& window) {
  if (!window.frame) {
    return;
  }
  if (FunctionRegistry::instance().window(function) != nullptr) {
    throw ParseError(function + "() takes no window frame; frames are for aggregates");
  }
  const WindowFrame& frame = *window.frame;
  bool offsets = frame.start.kind == Kind::kPreceding || frame.start.kind == Kind::kFollowing ||
                 frame.end.kind == Kind::kPreceding || frame.end.kind == Kind::kFollowing;
  if (frame.unit == WindowFrame::Unit::kRange && offsets && window.order_by.size() != 1) {
    throw ParseError(
        "a RANGE frame with an offset measures distance along one ORDER BY key; this window "
        "orders by " +
        std::to_string(window.order_by.size()) + " (use ROWS, or order by one key)");
  }
}

}  // namespace detail
}  // namespace setl::engine
