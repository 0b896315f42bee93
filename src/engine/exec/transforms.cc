#include "engine/exec/transforms.h"

#include <algorithm>
#include <cstring>

#include "engine/expr/expr_eval.h"
#include "engine/functions/registry.h"
#include "engine/types/column_ops.h"
#include "setl/core/error.h"

namespace setl::engine::detail {
namespace {

void split_and(const BoundExpr& expr, std::vector<BoundExpr>& out) {
  if (expr.kind == ExprKind::kCall && expr.function->info.name == "and" && expr.args.size() == 2) {
    split_and(expr.args[0], out);
    split_and(expr.args[1], out);
  } else {
    out.push_back(expr);
  }
}

void collect_columns(const BoundExpr& expr, std::vector<int>& columns) {
  if (expr.kind == ExprKind::kColumn &&
      std::find(columns.begin(), columns.end(), expr.column) == columns.end()) {
    columns.push_back(expr.column);
  }
  for (const BoundExpr& arg : expr.args) {
    collect_columns(arg, columns);
  }
}

void renumber_columns(BoundExpr& expr, const std::vector<int>& columns) {
  if (expr.kind == ExprKind::kColumn) {
    expr.column =
        static_cast<int>(std::find(columns.begin(), columns.end(), expr.column) - columns.begin());
  }
  for (BoundExpr& arg : expr.args) {
    renumber_columns(arg, columns);
  }
}

// Rough per-row costs, in units of one vectorised kernel over a fixed-width column: what
// decides whether gathering the remaining rows beats evaluating over the whole batch.
constexpr double kFindSelectedRows = 2;
constexpr double kGatherFixedWidth = 2;
constexpr double kGatherString = 4;

double evaluation_cost(const BoundExpr& expr) {
  double cost = expr.kind == ExprKind::kCall || expr.kind == ExprKind::kCast ? 1 : 0;
  for (const BoundExpr& arg : expr.args) {
    cost += evaluation_cost(arg);
  }
  return cost;
}

// The conditions from some point of the AND chain on, over just the columns they read,
// for the rows the conditions before them kept.
struct GatheredConditions {
  std::vector<int> columns;  // input columns, in gathered order
  SchemaPtr schema;
  std::vector<BoundExpr> conditions;
  double evaluation_cost = 0;  // per row, for all of them
  double gather_cost = 0;      // per row, for all their columns

  // Gathering pays when the rows left are few and the conditions costly: a chain of
  // cheap comparisons is faster over the whole batch.
  bool worth_gathering(int64_t selected, int64_t rows) const {
    double whole = evaluation_cost * static_cast<double>(rows);
    double gathered = kFindSelectedRows * static_cast<double>(rows) +
                      (evaluation_cost + gather_cost) * static_cast<double>(selected);
    return gathered < whole;
  }
};

GatheredConditions gathered_conditions(std::vector<BoundExpr> conditions, const Schema& input) {
  GatheredConditions gathered;
  for (const BoundExpr& condition : conditions) {
    collect_columns(condition, gathered.columns);
  }
  std::vector<Field> fields;
  for (int column : gathered.columns) {
    fields.push_back(input.field(static_cast<size_t>(column)));
  }
  for (const Field& field : fields) {
    gathered.gather_cost += field.type.id() == TypeId::kString ? kGatherString : kGatherFixedWidth;
  }
  gathered.schema = std::make_shared<Schema>(std::move(fields));
  for (BoundExpr& condition : conditions) {
    gathered.evaluation_cost += evaluation_cost(condition);
    renumber_columns(condition, gathered.columns);
  }
  gathered.conditions = std::move(conditions);
  return gathered;
}

// Clears the bits of `selection` (a bitmap of `rows`) where `passed` (over the selected
// rows, in order) is not set.
int64_t keep_passed(uint8_t* selection, const std::vector<int64_t>& rows, const uint8_t* passed) {
  int64_t kept = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    bool pass = get_bit(passed, static_cast<int64_t>(i));
    set_bit(selection, rows[i], pass);
    kept += pass ? 1 : 0;
  }
  return kept;
}

void and_into(uint8_t* bits, const uint8_t* other, int64_t rows) {
  for (int64_t byte = 0; byte < (rows + 7) / 8; ++byte) {
    bits[byte] &= other[byte];
  }
}

// The conditions of the AND chain run in the order written over the whole batch while many
// rows remain; once few do, the rest run on just those rows and just the columns they
// read, gathered once. A selective first condition thus spares costly later ones most of
// the batch (as an AND short-circuits, row by row).
class FilterTransform : public Transform {
 public:
  FilterTransform(const Expr& predicate, const Schema& input) {
    BoundExpr bound = bind(predicate, input);
    if (bound.type.id() != TypeId::kBool && bound.type.id() != TypeId::kNull) {
      throw SchemaError("filter needs a bool predicate; " + predicate.to_string() + " is " +
                        bound.type.to_string());
    }
    split_and(bound, conditions_);
    for (size_t first = 0; first < conditions_.size(); ++first) {
      rest_.push_back(gathered_conditions(
          std::vector<BoundExpr>(conditions_.begin() + static_cast<std::ptrdiff_t>(first),
                                 conditions_.end()),
          input));
    }
  }
  bool accepts_selection() const override { return true; }
  bool apply(Morsel& morsel) const override {
    const RecordBatch& batch = morsel.batch;
    int64_t rows = batch.num_rows();
    if (rows == 0) {
      return false;
    }
    BufferPtr selection = morsel.selection;
    int64_t selected = selection ? count_set_bits(selection->data(), 0, rows) : rows;
    bool own_selection = false;  // the incoming selection may be shared: copied before edits
    for (size_t next = 0; next < conditions_.size() && selected > 0; ++next) {
      if (selected < rows && rest_[next].worth_gathering(selected, rows)) {
        if (!own_selection) {
          selection = copy_of(*selection, rows);
        }
        selected = keep_rows_passing_rest(rest_[next], batch, selection, selected);
        break;
      }
      BufferPtr passed = selection_bits(*evaluate_column(conditions_[next], batch));
      if (selection) {
        and_into(passed->mutable_data(), selection->data(), rows);
      }
      selection = std::move(passed);
      own_selection = true;
      selected = count_set_bits(selection->data(), 0, rows);
    }
    if (selected == 0) {
      return false;
    }
    morsel.selection = selected == rows ? nullptr : selection;
    if (selected * 4 < rows * 3) {
      morsel.batch = morsel.materialize();
      morsel.selection = nullptr;
    }
    return true;
  }

 private:
  static BufferPtr copy_of(const Buffer& bits, int64_t rows) {
    size_t bytes = static_cast<size_t>((rows + 7) / 8);
    BufferPtr copy = Buffer::allocate(bytes);
    std::memcpy(copy->mutable_data(), bits.data(), bytes);
    return copy;
  }

  static int64_t keep_rows_passing_rest(const GatheredConditions& rest, const RecordBatch& batch,
                                        const BufferPtr& selection, int64_t selected) {
    std::vector<int64_t> rows = selected_indices(selection, batch.num_rows());
    std::vector<ColumnPtr> columns;
    for (int column : rest.columns) {
      columns.push_back(take(*batch.column(static_cast<size_t>(column)), rows));
    }
    RecordBatch narrow(rest.schema, std::move(columns), selected);
    BufferPtr passed;
    for (const BoundExpr& condition : rest.conditions) {
      BufferPtr bits = selection_bits(*evaluate_column(condition, narrow));
      if (passed) {
        and_into(bits->mutable_data(), passed->data(), selected);
      }
      passed = std::move(bits);
    }
    return keep_passed(selection->mutable_data(), rows, passed->data());
  }

  std::vector<BoundExpr> conditions_;
  std::vector<GatheredConditions> rest_;  // rest_[i]: conditions i and after, gathered
};

class ProjectTransform : public Transform {
 public:
  ProjectTransform(std::vector<Expr> columns, SchemaPtr schema)
      : columns_(std::move(columns)), schema_(std::move(schema)) {
    // Computing a value for rows a filter removed could fail (a cast, an overflow) where
    // the query would not: only a projection of plain columns keeps a selection.
    only_columns_ = std::all_of(columns_.begin(), columns_.end(),
                                [](const Expr& e) { return e.kind() == ExprKind::kColumn; });
  }
  bool accepts_selection() const override { return only_columns_; }
  bool apply(Morsel& morsel) const override {
    RecordBatch projected = Table::from_batch(morsel.batch).select(columns_).combine();
    morsel.batch = RecordBatch(schema_, projected.columns(), morsel.batch.num_rows());
    return true;
  }

 private:
  std::vector<Expr> columns_;
  SchemaPtr schema_;
  bool only_columns_ = false;
};

class RenameTransform : public Transform {
 public:
  explicit RenameTransform(SchemaPtr schema) : schema_(std::move(schema)) {}
  bool accepts_selection() const override { return true; }
  bool apply(Morsel& morsel) const override {
    morsel.batch = RecordBatch(schema_, morsel.batch.columns(), morsel.batch.num_rows());
    return true;
  }

 private:
  SchemaPtr schema_;
};

}  // namespace

std::shared_ptr<Transform> filter_transform(const Expr& predicate, const Schema& input) {
  return std::make_shared<FilterTransform>(predicate, input);
}
std::shared_ptr<Transform> project_transform(std::vector<Expr> columns, SchemaPtr schema) {
  return std::make_shared<ProjectTransform>(std::move(columns), std::move(schema));
}
std::shared_ptr<Transform> rename_transform(SchemaPtr schema) {
  return std::make_shared<RenameTransform>(std::move(schema));
}

}  // namespace setl::engine::detail
