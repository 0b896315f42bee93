// The node behind an Expr (private to the engine).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "setl/engine/expr.h"

namespace setl::engine::detail {

struct ExprNode {
  ExprKind kind = ExprKind::kLiteral;
  std::string name;
  Scalar literal;
  std::vector<Expr> args;
  DataType cast_type;
  bool try_cast = false;
  std::string alias;
  std::shared_ptr<const WindowSpec> window;
  // Levels below and including this node; set when the node is wrapped in an Expr.
  int depth = 1;
};

}  // namespace setl::engine::detail
