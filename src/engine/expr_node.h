// The node behind an Expr (private to the engine).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "setl/engine/expr.h"

namespace setl::engine {

struct Expr::Node {
  ExprKind kind = ExprKind::kLiteral;
  std::string name;
  Scalar literal;
  std::vector<Expr> args;
  DataType cast_type;
  bool try_cast = false;
  std::string alias;
  std::shared_ptr<const WindowSpec> window;
};

}  // namespace setl::engine
