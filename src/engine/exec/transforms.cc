#include "engine/exec/transforms.h"

#include <algorithm>

#include "engine/expr/expr_eval.h"
#include "engine/types/column_ops.h"
#include "setl/core/error.h"

namespace setl::engine::detail {
namespace {

class FilterTransform : public Transform {
 public:
  FilterTransform(const Expr& predicate, const Schema& input)
      : bound_(bind(predicate, input)), text_(predicate.to_string()) {
    if (bound_.type.id() != TypeId::kBool && bound_.type.id() != TypeId::kNull) {
      throw SchemaError("filter needs a bool predicate; " + text_ + " is " +
                        bound_.type.to_string());
    }
  }
  bool accepts_selection() const override { return true; }
  bool apply(Morsel& morsel) const override {
    const RecordBatch& batch = morsel.batch;
    int64_t rows = batch.num_rows();
    ColumnPtr mask = evaluate_column(bound_, batch);
    BufferPtr selection = selection_bits(*mask);
    if (morsel.selection) {
      uint8_t* bits = selection->mutable_data();
      const uint8_t* previous = morsel.selection->data();
      for (int64_t byte = 0; byte < (rows + 7) / 8; ++byte) {
        bits[byte] &= previous[byte];
      }
    }
    int64_t selected = count_set_bits(selection->data(), 0, rows);
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
  BoundExpr bound_;
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
