#include "engine/exec/transforms.h"

#include <algorithm>
#include <cstring>

#include "engine/expr/expr_eval.h"
#include "engine/functions/registry.h"
#include "engine/types/column_ops.h"
#include "setl/core/error.h"

namespace setl::engine::detail {
namespace {

// One condition of a filter's AND chain, bound twice: against the input, and against just
// the columns it reads, for the rows earlier conditions left.
struct Condition {
  BoundExpr on_input;
  BoundExpr on_gathered;
  std::vector<int> columns;  // input columns, in gathered order
  SchemaPtr gathered_schema;
};

void split_and(const BoundExpr& expr, std::vector<const BoundExpr*>& out) {
  if (expr.kind == ExprKind::kCall && expr.function->info.name == "and" && expr.args.size() == 2) {
    split_and(expr.args[0], out);
    split_and(expr.args[1], out);
  } else {
    out.push_back(&expr);
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

Condition condition_of(const BoundExpr& expr, const Schema& input) {
  Condition condition{expr, expr, {}, nullptr};
  collect_columns(expr, condition.columns);
  renumber_columns(condition.on_gathered, condition.columns);
  std::vector<Field> fields;
  for (int column : condition.columns) {
    fields.push_back(input.field(static_cast<size_t>(column)));
  }
  condition.gathered_schema = std::make_shared<Schema>(std::move(fields));
  return condition;
}

// Conditions run in the order written, each on the rows the ones before it kept: once few
// rows remain, a condition reads just its columns for those rows (the AND short-circuits
// per row, and a selective first condition spares the rest most of the batch).
class FilterTransform : public Transform {
 public:
  FilterTransform(const Expr& predicate, const Schema& input) : text_(predicate.to_string()) {
    BoundExpr bound = bind(predicate, input);
    if (bound.type.id() != TypeId::kBool && bound.type.id() != TypeId::kNull) {
      throw SchemaError("filter needs a bool predicate; " + text_ + " is " +
                        bound.type.to_string());
    }
    std::vector<const BoundExpr*> parts;
    split_and(bound, parts);
    for (const BoundExpr* part : parts) {
      conditions_.push_back(condition_of(*part, input));
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
    bool own_selection = false;  // the incoming selection may be shared: copied before edits
    int64_t selected = selection ? count_set_bits(selection->data(), 0, rows) : rows;
    for (const Condition& condition : conditions_) {
      if (selected * 2 > rows) {
        selected = keep_all_rows_that_pass(condition, batch, selection);
        own_selection = true;
      } else {
        if (!own_selection) {
          size_t bytes = static_cast<size_t>((rows + 7) / 8);
          BufferPtr copy = Buffer::allocate(bytes);
          std::memcpy(copy->mutable_data(), selection->data(), bytes);
          selection = std::move(copy);
          own_selection = true;
        }
        selected = keep_selected_rows_that_pass(condition, batch, *selection, selected);
      }
      if (selected == 0) {
        return false;
      }
    }
    morsel.selection = selected == rows ? nullptr : selection;
    if (selected * 4 < rows * 3) {
      morsel.batch = morsel.materialize();
      morsel.selection = nullptr;
    }
    return true;
  }

 private:
  static int64_t keep_all_rows_that_pass(const Condition& condition, const RecordBatch& batch,
                                         BufferPtr& selection) {
    int64_t rows = batch.num_rows();
    BufferPtr passed = selection_bits(*evaluate_column(condition.on_input, batch));
    if (selection) {
      uint8_t* bits = passed->mutable_data();
      const uint8_t* previous = selection->data();
      for (int64_t byte = 0; byte < (rows + 7) / 8; ++byte) {
        bits[byte] &= previous[byte];
      }
    }
    selection = std::move(passed);
    return count_set_bits(selection->data(), 0, rows);
  }

  static int64_t keep_selected_rows_that_pass(const Condition& condition, const RecordBatch& batch,
                                              Buffer& selection, int64_t selected) {
    std::vector<int64_t> indices;
    indices.reserve(static_cast<size_t>(selected));
    for (int64_t row = 0; row < batch.num_rows(); ++row) {
      if (get_bit(selection.data(), row)) {
        indices.push_back(row);
      }
    }
    std::vector<ColumnPtr> gathered;
    for (int column : condition.columns) {
      gathered.push_back(take(*batch.column(static_cast<size_t>(column)), indices));
    }
    RecordBatch narrow(condition.gathered_schema, std::move(gathered), selected);
    BufferPtr passed = selection_bits(*evaluate_column(condition.on_gathered, narrow));
    uint8_t* bits = selection.mutable_data();
    for (size_t i = 0; i < indices.size(); ++i) {
      if (!get_bit(passed->data(), static_cast<int64_t>(i))) {
        set_bit(bits, indices[i], false);
        --selected;
      }
    }
    return selected;
  }

  std::vector<Condition> conditions_;
  std::string text_;
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
