// Aggregates over window frames. Frames move forward through a partition but may be of
// any width, so each aggregate answers "this function over positions [lo, hi)" without
// walking the frame: counts and exact sums (integers, decimals) by differences of running
// totals, float sums as running sums or from a segment tree per partition (never as a
// difference, whose rounding would show), min/max from a segment tree, first/last from
// the nearest non-NULL position. Any other
// aggregate (stddev, count_distinct, ...) is fed each frame's rows through its
// accumulator: correct, but its cost grows with the frames' total width.
#include "engine/operators/window_frames.h"

#include <functional>

#include "engine/expr/expr_eval.h"
#include "engine/functions/registry.h"
#include "engine/types/column_ops.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"
#include "setl/engine/decimal.h"

namespace setl::engine::detail {
namespace {

// Associative `combine` over [lo, hi) of the leaves in O(log n), left to right.
template <class T>
class SegmentTree {
 public:
  SegmentTree(std::vector<T> leaves, T identity, std::function<T(const T&, const T&)> combine)
      : size_(leaves.size()),
        identity_(identity),
        combine_(std::move(combine)),
        nodes_(2 * size_, identity) {
    std::copy(leaves.begin(), leaves.end(), nodes_.begin() + static_cast<std::ptrdiff_t>(size_));
    for (size_t i = size_; i-- > 1;) {
      nodes_[i] = combine_(nodes_[2 * i], nodes_[2 * i + 1]);
    }
  }

  T query(size_t lo, size_t hi) const {
    T left = identity_;
    T right = identity_;
    for (lo += size_, hi += size_; lo < hi; lo /= 2, hi /= 2) {
      if (lo % 2 == 1) {
        left = combine_(left, nodes_[lo++]);
      }
      if (hi % 2 == 1) {
        right = combine_(nodes_[--hi], right);
      }
    }
    return combine_(left, right);
  }

 private:
  size_t size_;
  T identity_;
  std::function<T(const T&, const T&)> combine_;
  std::vector<T> nodes_;
};

constexpr int64_t kGatherRows = int64_t{1} << 20;

class FramedAggregate {
 public:
  FramedAggregate(const RecordBatch& batch, const Expr& expr, const WindowOrder& order)
      : batch_(batch), expr_(expr), order_(order) {
    name_ = expr.name() == "cum_sum" ? "sum" : expr.name();
    function_ = FunctionRegistry::instance().aggregate(name_);
    if (function_ == nullptr) {
      throw InternalError(expr.name() + " is not an aggregate");
    }
    DataType input = DataType::null();
    if (!expr.args().empty()) {
      BoundExpr bound = bind(expr.args()[0], *batch.schema());
      values_ = evaluate_column(bound, batch);
      input = bound.type;
    }
    input_ = input;
    result_ = function_->result_type(expr, input);
    spans_ = frame_spans(expr.window(), order);
  }

  ColumnPtr run() {
    if (name_ == "count_all" || name_ == "count") {
      return counts();
    }
    if ((name_ == "sum" || name_ == "mean") && input_.id() != TypeId::kFloat64) {
      return exact_sums();
    }
    if (name_ == "sum" || name_ == "mean") {
      return float_sums();
    }
    if (name_ == "min" || name_ == "max") {
      return extremes(name_ == "max");
    }
    if (name_ == "first" || name_ == "last") {
      return picks(name_ == "last");
    }
    return accumulated();
  }

 private:
  int64_t rows() const { return batch_.num_rows(); }
  int64_t row_at(int64_t position) const { return order_.rows[static_cast<size_t>(position)]; }
  bool valid_at(int64_t position) const {
    return values_ == nullptr || values_->is_valid(row_at(position));
  }

  // Non-NULL values before each position (n + 1 entries).
  std::vector<int64_t> running_counts() const {
    std::vector<int64_t> running(order_.rows.size() + 1, 0);
    for (size_t at = 0; at < order_.rows.size(); ++at) {
      running[at + 1] = running[at] + (valid_at(static_cast<int64_t>(at)) ? 1 : 0);
    }
    return running;
  }

  int64_t frame_count(const std::vector<int64_t>& running, const FrameSpan& span) const {
    return running[static_cast<size_t>(span.hi)] - running[static_cast<size_t>(span.lo)];
  }

  // Results computed per position, written in the batch's row order.
  ColumnPtr build(const std::function<void(ColumnBuilder&, int64_t)>& append) const {
    std::vector<int64_t> position_of(static_cast<size_t>(rows()));
    for (size_t at = 0; at < order_.rows.size(); ++at) {
      position_of[static_cast<size_t>(order_.rows[at])] = static_cast<int64_t>(at);
    }
    ColumnBuilder builder(result_, rows());
    for (int64_t row = 0; row < rows(); ++row) {
      append(builder, position_of[static_cast<size_t>(row)]);
    }
    return builder.finish();
  }

  ColumnPtr counts() const {
    std::vector<int64_t> running = running_counts();
    return build([&](ColumnBuilder& out, int64_t at) {
      out.append_int(frame_count(running, spans_[static_cast<size_t>(at)]));
    });
  }

  ColumnPtr exact_sums() const {
    std::vector<int64_t> running = running_counts();
    std::vector<int128> totals(order_.rows.size() + 1, 0);
    for (size_t at = 0; at < order_.rows.size(); ++at) {
      int128 value = 0;
      int64_t row = order_.rows[at];
      if (values_->is_valid(row)) {
        switch (input_.id()) {
          case TypeId::kDecimal:
            value = values_->values<int128>()[row];
            break;
          case TypeId::kInt64:
            value = values_->values<int64_t>()[row];
            break;
          default:
            value = values_->values<int32_t>()[row];
            break;
        }
      }
      if (__builtin_add_overflow(totals[at], value, &totals[at + 1])) {
        throw SchemaError("decimal overflow in " + expr_.to_string() +
                          "; cast the input to float64");
      }
    }
    double unit = input_.is_decimal() ? static_cast<double>(pow10_int128(input_.scale())) : 1.0;
    return build([&](ColumnBuilder& out, int64_t at) {
      const FrameSpan& span = spans_[static_cast<size_t>(at)];
      int64_t count = frame_count(running, span);
      if (count == 0) {
        out.append_null();
        return;
      }
      int128 sum = totals[static_cast<size_t>(span.hi)] - totals[static_cast<size_t>(span.lo)];
      if (name_ == "mean") {
        out.append_double(static_cast<double>(sum) / unit / static_cast<double>(count));
      } else if (result_.is_decimal()) {
        if (!fits_precision(sum, kMaxDecimalPrecision)) {
          throw SchemaError("decimal overflow in " + expr_.to_string() +
                            "; cast the input to float64");
        }
        out.append_decimal(sum);
      } else {
        if (sum > std::numeric_limits<int64_t>::max() ||
            sum < std::numeric_limits<int64_t>::min()) {
          throw SchemaError("integer overflow in " + expr_.to_string() +
                            "; cast the input to float64");
        }
        out.append_int(static_cast<int64_t>(sum));
      }
    });
  }

  // Sums of floats depend on the order of the additions, so each is computed from its
  // partition alone (a partition gives the same sums wherever it sits, in memory or
  // spilled): frames from the partition's start as running sums in window order, as
  // cum_sum adds, and the others from a segment tree over the partition.
  ColumnPtr float_sums() const {
    std::vector<int64_t> running = running_counts();
    std::vector<double> sums(order_.rows.size(), 0);
    bool from_start = frame_starts_at_partition_start();
    for (size_t p = 0; p + 1 < order_.starts.size(); ++p) {
      size_t begin = order_.starts[p];
      size_t end = order_.starts[p + 1];
      std::vector<double> leaves(end - begin, 0);
      for (size_t at = begin; at < end; ++at) {
        int64_t row = order_.rows[at];
        leaves[at - begin] = values_->is_valid(row) ? values_->values<double>()[row] : 0;
      }
      if (from_start) {
        std::vector<double> prefix(leaves.size() + 1, 0);
        for (size_t i = 0; i < leaves.size(); ++i) {
          prefix[i + 1] = prefix[i] + leaves[i];
        }
        for (size_t at = begin; at < end; ++at) {
          sums[at] = prefix[static_cast<size_t>(spans_[at].hi) - begin];
        }
        continue;
      }
      SegmentTree<double> tree(std::move(leaves), 0.0, std::plus<double>());
      for (size_t at = begin; at < end; ++at) {
        const FrameSpan& span = spans_[at];
        sums[at] = span.lo < span.hi ? tree.query(static_cast<size_t>(span.lo) - begin,
                                                  static_cast<size_t>(span.hi) - begin)
                                     : 0;
      }
    }
    return build([&](ColumnBuilder& out, int64_t at) {
      int64_t count = frame_count(running, spans_[static_cast<size_t>(at)]);
      if (count == 0) {
        out.append_null();
        return;
      }
      double sum = sums[static_cast<size_t>(at)];
      out.append_double(name_ == "mean" ? sum / static_cast<double>(count) : sum);
    });
  }

  bool frame_starts_at_partition_start() const {
    const WindowSpec& window = expr_.window();
    return !window.frame || window.frame->start.kind == FrameBound::Kind::kUnboundedPreceding;
  }

  // The row holding the frame's min or max (-1 for none), by the sort order's comparison.
  ColumnPtr extremes(bool largest) const {
    std::vector<int64_t> leaves(order_.rows.size(), -1);
    for (size_t at = 0; at < order_.rows.size(); ++at) {
      leaves[at] = valid_at(static_cast<int64_t>(at)) ? order_.rows[at] : -1;
    }
    const Column& values = *values_;
    auto better = [&values, largest](const int64_t& a, const int64_t& b) -> int64_t {
      if (a < 0 || b < 0) {
        return a < 0 ? b : a;
      }
      int order = compare_rows(values, a, values, b, false, false);
      return (largest ? order >= 0 : order <= 0) ? a : b;
    };
    SegmentTree<int64_t> tree(std::move(leaves), -1, better);
    return build([&](ColumnBuilder& out, int64_t at) {
      const FrameSpan& span = spans_[static_cast<size_t>(at)];
      int64_t row = tree.query(static_cast<size_t>(span.lo), static_cast<size_t>(span.hi));
      row < 0 ? out.append_null() : out.append_from(values, row);
    });
  }

  // first and last skip NULLs, as the aggregates do.
  ColumnPtr picks(bool last) const {
    size_t n = order_.rows.size();
    std::vector<int64_t> nearest(n, -1);  // next (first) or previous (last) non-NULL position
    for (size_t step = 0; step < n; ++step) {
      size_t at = last ? step : n - 1 - step;
      size_t neighbour = last ? at - 1 : at + 1;
      bool has_neighbour = last ? at > 0 : at + 1 < n;
      nearest[at] = valid_at(static_cast<int64_t>(at)) ? static_cast<int64_t>(at)
                    : has_neighbour                    ? nearest[neighbour]
                                                       : -1;
    }
    return build([&](ColumnBuilder& out, int64_t at) {
      const FrameSpan& span = spans_[static_cast<size_t>(at)];
      int64_t found = -1;
      if (span.lo < span.hi) {
        found = nearest[static_cast<size_t>(last ? span.hi - 1 : span.lo)];
        found = found >= span.lo && found < span.hi ? found : -1;
      }
      found < 0 ? out.append_null() : out.append_from(*values_, row_at(found));
    });
  }

  ColumnPtr accumulated() const {
    std::unique_ptr<Accumulator> accumulator = function_->make(input_, result_);
    accumulator->resize(rows());
    std::vector<int64_t> gathered;
    std::vector<int64_t> groups;
    auto flush = [&] {
      ColumnPtr input = values_ ? take(*values_, gathered) : nullptr;
      accumulator->update(input.get(), groups, static_cast<int64_t>(groups.size()));
      gathered.clear();
      groups.clear();
    };
    for (size_t at = 0; at < order_.rows.size(); ++at) {
      const FrameSpan& span = spans_[at];
      for (int64_t member = span.lo; member < span.hi; ++member) {
        gathered.push_back(row_at(member));
        groups.push_back(order_.rows[at]);
      }
      if (static_cast<int64_t>(groups.size()) >= kGatherRows) {
        flush();
      }
    }
    flush();
    return accumulator->finish(rows());
  }

  const RecordBatch& batch_;
  const Expr& expr_;
  const WindowOrder& order_;
  std::string name_;
  const AggregateFunction* function_ = nullptr;
  ColumnPtr values_;
  DataType input_;
  DataType result_;
  std::vector<FrameSpan> spans_;
};

}  // namespace

ColumnPtr framed_aggregate(const RecordBatch& batch, const Expr& expr, const WindowOrder& order) {
  return FramedAggregate(batch, expr, order).run();
}

}  // namespace setl::engine::detail
