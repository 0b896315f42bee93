#include "setl/engine/expr.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "engine/expr/expr_node.h"
#include "engine/functions/registry.h"
#include "setl/core/error.h"

namespace setl::engine {

Expr::Expr(std::shared_ptr<const detail::ExprNode> node) : node_(std::move(node)) {
  int depth = 1;
  for (const Expr& arg : node_->args) {
    depth = std::max(depth, arg.node_->depth + 1);
  }
  if (depth > kMaxDepth) {
    throw ParseError("expression nests deeper than " + std::to_string(kMaxDepth) +
                     " levels; write long OR chains as IN (...) and split generated "
                     "expressions");
  }
  if (node_->depth != depth) {
    // A node is new (owned by this Expr alone) whenever its depth can differ from its
    // arguments': nodes are immutable once shared.
    const_cast<detail::ExprNode&>(*node_).depth = depth;
  }
}

namespace {

using detail::make_expr;

Expr make_literal(Scalar value) {
  auto node = std::make_shared<detail::ExprNode>();
  node->kind = ExprKind::kLiteral;
  node->literal = std::move(value);
  return Expr(std::move(node));
}

bool is_plain_identifier(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) {
    return false;
  }
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      return false;
    }
  }
  static const char* kKeywords[] = {"and",   "or",      "not",  "in",   "is",       "null", "true",
                                    "false", "between", "like", "case", "when",     "then", "else",
                                    "end",   "cast",    "as",   "date", "timestamp"};
  std::string lowered;
  for (char c : name) {
    lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (const char* keyword : kKeywords) {
    if (lowered == keyword) {
      return false;
    }
  }
  return true;
}

}  // namespace

namespace detail {
std::string quote_identifier(const std::string& name) {
  if (is_plain_identifier(name)) {
    return name;
  }
  std::string quoted = "\"";
  for (char c : name) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  return quoted + "\"";
}
}  // namespace detail

namespace {

using detail::quote_identifier;

const char* infix_text(const std::string& name) {
  static const std::pair<const char*, const char*> kInfix[] = {
      {"+", "+"},   {"-", "-"},     {"*", "*"},   {"/", "/"},         {"%", "%"},
      {"=", "="},   {"!=", "!="},   {"<", "<"},   {"<=", "<="},       {">", ">"},
      {">=", ">="}, {"and", "AND"}, {"or", "OR"}, {"concat_op", "||"}};
  for (const auto& [function, text] : kInfix) {
    if (name == function) {
      return text;
    }
  }
  return nullptr;
}

}  // namespace

Expr::Expr() : Expr(Scalar()) {}
Expr::Expr(int value) : Expr(Scalar::int64(value)) {}
Expr::Expr(long value) : Expr(Scalar::int64(value)) {}
Expr::Expr(long long value) : Expr(Scalar::int64(value)) {}
Expr::Expr(double value) : Expr(Scalar::float64(value)) {}
Expr::Expr(Scalar value) : node_(make_literal(std::move(value)).node()) {}

ExprKind Expr::kind() const {
  return node_->kind;
}
const std::string& Expr::name() const {
  return node_->name;
}
const Scalar& Expr::literal() const {
  return node_->literal;
}
const std::vector<Expr>& Expr::args() const {
  return node_->args;
}
const DataType& Expr::cast_type() const {
  return node_->cast_type;
}
bool Expr::is_try_cast() const {
  return node_->try_cast;
}
bool Expr::has_alias() const {
  return !node_->alias.empty();
}

std::string Expr::output_name() const {
  if (!node_->alias.empty()) {
    return node_->alias;
  }
  if (node_->kind == ExprKind::kColumn) {
    return node_->name;
  }
  return to_string();
}

Expr Expr::alias(std::string name) const {
  auto node = std::make_shared<detail::ExprNode>(*node_);
  node->alias = std::move(name);
  return Expr(std::move(node));
}

std::string Expr::to_string() const {
  const detail::ExprNode& node = *node_;
  switch (node.kind) {
    case ExprKind::kColumn:
      return quote_identifier(node.name);
    case ExprKind::kLiteral:
      return node.literal.to_string();
    case ExprKind::kCast:
      return std::string(node.try_cast ? "TRY_CAST(" : "CAST(") + node.args[0].to_string() +
             " AS " + node.cast_type.to_string() + ")";
    case ExprKind::kWindow: {
      auto plain = std::make_shared<detail::ExprNode>(node);
      plain->kind = ExprKind::kCall;
      plain->window = nullptr;
      return Expr(std::move(plain)).to_string() + detail::window_text(*node.window);
    }
    case ExprKind::kAggregate:
    case ExprKind::kCall:
      break;
  }
  const std::vector<Expr>& args = node.args;
  if (const char* infix = infix_text(node.name); infix != nullptr && args.size() == 2) {
    return "(" + args[0].to_string() + " " + infix + " " + args[1].to_string() + ")";
  }
  if (node.name == "negate") {
    return "(-" + args[0].to_string() + ")";
  }
  if (node.name == "not") {
    return "(NOT " + args[0].to_string() + ")";
  }
  if (node.name == "is_null") {
    return "(" + args[0].to_string() + " IS NULL)";
  }
  if (node.name == "is_not_null") {
    return "(" + args[0].to_string() + " IS NOT NULL)";
  }
  if (node.name == "like") {
    return "(" + args[0].to_string() + " LIKE " + args[1].to_string() + ")";
  }
  if (node.name == "in") {
    std::string text = "(" + args[0].to_string() + " IN (";
    for (size_t i = 1; i < args.size(); ++i) {
      text += (i > 1 ? ", " : "") + args[i].to_string();
    }
    return text + "))";
  }
  if (node.name == "case") {
    std::string text = "CASE";
    size_t pairs = args.size() / 2;
    for (size_t i = 0; i < pairs; ++i) {
      text += " WHEN " + args[2 * i].to_string() + " THEN " + args[2 * i + 1].to_string();
    }
    if (args.size() % 2 == 1) {
      text += " ELSE " + args.back().to_string();
    }
    return text + " END";
  }
  if (node.name == "count_all") {
    return "count(*)";
  }
  std::string text = node.name + "(";
  for (size_t i = 0; i < args.size(); ++i) {
    text += (i > 0 ? ", " : "") + args[i].to_string();
  }
  return text + ")";
}

Expr Expr::isin(std::vector<Expr> values) const {
  if (values.empty()) {
    throw ParseError("isin() needs at least one value");
  }
  values.insert(values.begin(), *this);
  return make_expr(ExprKind::kCall, "in", std::move(values));
}

Expr Expr::between(Expr low, Expr high) const {
  return *this >= low && *this <= high;
}
Expr Expr::is_null() const {
  return make_expr(ExprKind::kCall, "is_null", {*this});
}
Expr Expr::is_not_null() const {
  return make_expr(ExprKind::kCall, "is_not_null", {*this});
}
Expr Expr::like(std::string pattern) const {
  return make_expr(ExprKind::kCall, "like", {*this, lit(pattern)});
}

Expr Expr::cast(DataType type) const {
  auto node = std::make_shared<detail::ExprNode>();
  node->kind = ExprKind::kCast;
  node->args = {*this};
  node->cast_type = std::move(type);
  return Expr(std::move(node));
}

Expr Expr::try_cast(DataType type) const {
  auto node = std::make_shared<detail::ExprNode>();
  node->kind = ExprKind::kCast;
  node->args = {*this};
  node->cast_type = std::move(type);
  node->try_cast = true;
  return Expr(std::move(node));
}

Expr Expr::over(WindowSpec window) const {
  const detail::FunctionRegistry& registry = detail::FunctionRegistry::instance();
  bool windowed = node_->kind == ExprKind::kWindow;
  bool is_window_function =
      (node_->kind == ExprKind::kCall || windowed) && registry.window(node_->name) != nullptr;
  bool is_aggregate = (node_->kind == ExprKind::kAggregate || windowed) &&
                      registry.aggregate(node_->name) != nullptr;
  if (!is_window_function && !is_aggregate) {
    throw ParseError(
        "over() applies to window functions (row_number, rank, dense_rank, lag, lead, "
        "cum_sum) and aggregates; " +
        to_string() + " is neither");
  }
  detail::check_window_frame(node_->name, window);
  auto node = std::make_shared<detail::ExprNode>(*node_);
  node->kind = ExprKind::kWindow;
  node->window = std::make_shared<const WindowSpec>(std::move(window));
  return Expr(std::move(node));
}

const WindowSpec& Expr::window() const {
  if (!node_->window) {
    throw StateError(to_string() + " has no OVER clause");
  }
  return *node_->window;
}

bool same_expr(const Expr& a, const Expr& b) {
  const detail::ExprNode& x = *a.node();
  const detail::ExprNode& y = *b.node();
  if ((x.window == nullptr) != (y.window == nullptr)) {
    return false;
  }
  if (x.window && !detail::same_window(*x.window, *y.window)) {
    return false;
  }
  if (x.kind != y.kind || x.name != y.name || x.args.size() != y.args.size() ||
      x.try_cast != y.try_cast || !(x.cast_type == y.cast_type) || !(x.literal == y.literal)) {
    return false;
  }
  for (size_t i = 0; i < x.args.size(); ++i) {
    if (!same_expr(x.args[i], y.args[i])) {
      return false;
    }
  }
  return true;
}

Expr col(std::string name) {
  return make_expr(ExprKind::kColumn, std::move(name), {});
}
Expr lit(Scalar value) {
  return Expr(std::move(value));
}

namespace detail {
void throw_literal_out_of_range(uint64_t value) {
  throw SchemaError("lit(" + std::to_string(value) +
                    "): beyond int64's range, the largest integer the engine holds");
}
}  // namespace detail
Expr call(std::string function, std::vector<Expr> args) {
  return make_expr(ExprKind::kCall, std::move(function), std::move(args));
}

Expr operator+(const Expr& a, const Expr& b) {
  return call("+", {a, b});
}
Expr operator-(const Expr& a, const Expr& b) {
  return call("-", {a, b});
}
Expr operator*(const Expr& a, const Expr& b) {
  return call("*", {a, b});
}
Expr operator/(const Expr& a, const Expr& b) {
  return call("/", {a, b});
}
Expr operator%(const Expr& a, const Expr& b) {
  return call("%", {a, b});
}
Expr operator-(const Expr& a) {
  return call("negate", {a});
}
Expr operator==(const Expr& a, const Expr& b) {
  return call("=", {a, b});
}
Expr operator!=(const Expr& a, const Expr& b) {
  return call("!=", {a, b});
}
Expr operator<(const Expr& a, const Expr& b) {
  return call("<", {a, b});
}
Expr operator<=(const Expr& a, const Expr& b) {
  return call("<=", {a, b});
}
Expr operator>(const Expr& a, const Expr& b) {
  return call(">", {a, b});
}
Expr operator>=(const Expr& a, const Expr& b) {
  return call(">=", {a, b});
}
Expr operator&&(const Expr& a, const Expr& b) {
  return call("and", {a, b});
}
Expr operator||(const Expr& a, const Expr& b) {
  return call("or", {a, b});
}
Expr operator!(const Expr& a) {
  return call("not", {a});
}

}  // namespace setl::engine
