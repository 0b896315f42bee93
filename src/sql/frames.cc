// ROWS frames for sum, count and avg: OVER (... ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING).
// The rows of a partition are numbered in window order; a running sum P over them gives
// any frame [i + s, i + e] as P(i + e) - P(i + s - 1), where P before the first row is 0
// and past the last the partition's total (the running sum plus the suffix sum less the
// row itself). lag and lead read P at the frame's ends, so a frame costs a few window
// passes whatever its width. Sums of floats are differences of running sums, so their
// last digits may differ from a sum of the frame's values.
#include <charconv>

#include "setl/core/error.h"
#include "setl/engine/functions.h"
#include "sql/planner.h"

namespace setl::sql::detail {
namespace {

using engine::Expr;
namespace fn = engine::fn;

constexpr int64_t kUnboundedPreceding = INT64_MIN;
constexpr int64_t kUnboundedFollowing = INT64_MAX;
constexpr int64_t kMaxOffset = 1'000'000'000;

// One bound at tokens[at...]: UNBOUNDED PRECEDING|FOLLOWING, CURRENT ROW, n PRECEDING|FOLLOWING.
std::optional<int64_t> bound(const std::vector<std::string>& tokens, size_t& at) {
  if (at + 1 >= tokens.size()) {
    return std::nullopt;
  }
  const std::string& first = tokens[at];
  const std::string& second = tokens[at + 1];
  at += 2;
  if (first == "unbounded") {
    return second == "preceding"   ? std::optional<int64_t>(kUnboundedPreceding)
           : second == "following" ? std::optional<int64_t>(kUnboundedFollowing)
                                   : std::nullopt;
  }
  if (first == "current") {
    return second == "row" ? std::optional<int64_t>(0) : std::nullopt;
  }
  int64_t offset = 0;
  auto [end, error] = std::from_chars(first.data(), first.data() + first.size(), offset);
  if (error != std::errc() || end != first.data() + first.size() || offset > kMaxOffset) {
    return std::nullopt;
  }
  return second == "preceding"   ? std::optional<int64_t>(-offset)
         : second == "following" ? std::optional<int64_t>(offset)
                                 : std::nullopt;
}

}  // namespace

std::optional<RowsFrame> parse_rows_frame(const std::string& frame) {
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start < frame.size()) {
    size_t end = frame.find(' ', start);
    end = end == std::string::npos ? frame.size() : end;
    tokens.push_back(frame.substr(start, end - start));
    start = end + 1;
  }
  if (tokens.empty() || tokens[0] != "rows") {
    return std::nullopt;
  }
  size_t at = 1;
  RowsFrame result;
  if (at < tokens.size() && tokens[at] == "between") {
    ++at;
    std::optional<int64_t> first = bound(tokens, at);
    if (!first || at >= tokens.size() || tokens[at++] != "and") {
      return std::nullopt;
    }
    std::optional<int64_t> second = bound(tokens, at);
    if (!second) {
      return std::nullopt;
    }
    result = {*first, *second};
  } else {
    std::optional<int64_t> first = bound(tokens, at);
    if (!first) {
      return std::nullopt;
    }
    result = {*first, 0};
  }
  if (at != tokens.size() || result.start == kUnboundedFollowing ||
      result.end == kUnboundedPreceding) {
    return std::nullopt;
  }
  return result;
}

std::string Planner::add_framed_aggregate(Relation& relation, const Node& call,
                                          const engine::WindowSpec& spec,
                                          const std::vector<Expr>& args, const RowsFrame& frame) {
  const std::string& name = call.name;
  if (name != "sum" && name != "count" && name != "avg" && name != "mean") {
    fail(call.position, name + "() over a ROWS frame is not supported; sum, count and avg are");
  }
  if (frame.start > frame.end) {
    fail(call.position, "the frame's start must not come after its end");
  }
  if (call.distinct) {
    fail(call.position, "DISTINCT aggregates over a ROWS frame are not supported");
  }
  bool star = args.empty();
  Expr value = star ? Expr(1) : args[0];
  // Number the rows in window order; ties get some order, as ROWS frames allow.
  std::string position = relation.add_hidden(fn::row_number().over(spec), "__setl_frame_row");
  engine::WindowSpec forward{spec.partition_by, {{position, false, std::nullopt}}};
  engine::WindowSpec backward{spec.partition_by, {{position, true, std::nullopt}}};
  auto running = [&](const Expr& per_row, const std::string& label) {
    std::string up = relation.add_hidden(fn::cum_sum(per_row).over(forward), label);
    std::string down = relation.add_hidden(fn::cum_sum(per_row).over(backward), label);
    std::string total =
        relation.add_hidden(engine::col(up) + engine::col(down) - per_row, label + "_total");
    // P at the row `offset` rows away (0 before the first, the total past the last).
    auto at = [&, up, total](int64_t offset) -> Expr {
      if (offset == kUnboundedFollowing) {
        return engine::col(total);
      }
      if (offset == kUnboundedPreceding) {
        return Expr(0);
      }
      if (offset == 0) {
        return engine::col(up);
      }
      std::string shifted = relation.add_hidden(
          offset > 0 ? fn::lead(engine::col(up), offset, engine::col(total)).over(forward)
                     : fn::lag(engine::col(up), -offset, Expr(0)).over(forward),
          "__setl_frame_shift");
      return engine::col(shifted);
    };
    int64_t before = frame.start == kUnboundedPreceding ? kUnboundedPreceding : frame.start - 1;
    return at(frame.end) - at(before);
  };
  Expr counted =
      running(fn::when(value.is_not_null(), Expr(1)).otherwise(Expr(0)), "__setl_frame_n");
  if (name == "count") {
    return relation.add_hidden(counted, "__setl_frame_count");
  }
  Expr summed = running(fn::coalesce({value, Expr(0)}), "__setl_frame_sum");
  Expr result = name == "sum" ? summed : summed / counted;
  return relation.add_hidden(fn::when(counted == 0, Expr()).otherwise(result), "__setl_frame");
}

}  // namespace setl::sql::detail
