// The C++ builders of setl::engine::fn: each makes the same tree the parser makes for the
// function's name, so the registry's entry types and runs it.
#include "engine/expr/expr_node.h"
#include "engine/functions/registry.h"
#include "setl/core/error.h"
#include "setl/core/suggest.h"
#include "setl/engine/functions.h"

namespace setl::engine {
namespace {

std::string lower_case(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

Expr window_function(const std::string& name, std::vector<Expr>& args) {
  if (name == "lag" || name == "lead") {
    int64_t offset = 1;
    if (args.size() > 1) {
      if (args[1].kind() != ExprKind::kLiteral || !args[1].literal().type().is_integer()) {
        throw ParseError(name + "()'s offset must be an integer constant");
      }
      offset = args[1].literal().as_int();
    }
    Expr fallback = args.size() > 2 ? args[2] : Expr();
    return name == "lag" ? fn::lag(args[0], offset, fallback) : fn::lead(args[0], offset, fallback);
  }
  if (name == "cum_sum") {
    return fn::cum_sum(args[0]);
  }
  return call(name, {});
}

}  // namespace

Expr function_call(std::string_view name_text, std::vector<Expr> args) {
  const detail::FunctionRegistry& registry = detail::FunctionRegistry::instance();
  std::string name = lower_case(name_text);
  const FunctionInfo* info = nullptr;
  if (const auto* aggregate = registry.aggregate(name)) {
    info = &aggregate->info;
  } else if (const auto* window = registry.window(name)) {
    info = &window->info;
  } else if (const auto* scalar = registry.scalar(name);
             scalar != nullptr && scalar->info.kind == FunctionKind::kScalar) {
    info = &scalar->info;
  }
  if (info == nullptr) {
    std::string message = "unknown function '" + std::string(name_text) + "'";
    if (auto suggestion = closest_match(name, registry.names())) {
      message += "; did you mean '" + *suggestion + "'?";
    }
    throw ParseError(message);
  }
  if (args.size() < info->min_args || args.size() > info->max_args) {
    std::string expected =
        info->max_args == FunctionInfo::kVariadic ? "at least " + std::to_string(info->min_args)
        : info->min_args == info->max_args
            ? std::to_string(info->min_args)
            : std::to_string(info->min_args) + " to " + std::to_string(info->max_args);
    throw ParseError(name + "() takes " + expected + " argument(s), got " +
                     std::to_string(args.size()));
  }
  switch (info->kind) {
    case FunctionKind::kAggregate:
      return detail::make_expr(ExprKind::kAggregate, info->name, std::move(args));
    case FunctionKind::kWindow:
      return window_function(info->name, args);
    case FunctionKind::kScalar:
    case FunctionKind::kOperator:
      break;
  }
  return call(info->name, std::move(args));
}

}  // namespace setl::engine

namespace setl::engine::fn {
namespace {

Expr aggregate(std::string name, std::vector<Expr> args) {
  return detail::make_expr(ExprKind::kAggregate, std::move(name), std::move(args));
}

}  // namespace

Expr abs(Expr value) {
  return call("abs", {std::move(value)});
}
Expr round(Expr value) {
  return call("round", {std::move(value)});
}
Expr round(Expr value, Expr digits) {
  return call("round", {std::move(value), std::move(digits)});
}
Expr substr(Expr text, Expr start) {
  return call("substr", {std::move(text), std::move(start)});
}

Expr assert_true(Expr condition) {
  return call("assert_true", {std::move(condition)});
}
Expr assert_true(Expr condition, Expr message) {
  return call("assert_true", {std::move(condition), std::move(message)});
}

Expr coalesce(std::vector<Expr> values) {
  return call("coalesce", std::move(values));
}

CaseBuilder when(Expr condition, Expr value) {
  CaseBuilder builder;
  builder.args_ = {std::move(condition), std::move(value)};
  return builder;
}
CaseBuilder CaseBuilder::when(Expr condition, Expr value) && {
  args_.push_back(std::move(condition));
  args_.push_back(std::move(value));
  return std::move(*this);
}
Expr CaseBuilder::otherwise(Expr value) && {
  args_.push_back(std::move(value));
  return call("case", std::move(args_));
}
Expr CaseBuilder::end() && {
  return call("case", std::move(args_));
}

Expr length(Expr text) {
  return call("length", {std::move(text)});
}
Expr lower(Expr text) {
  return call("lower", {std::move(text)});
}
Expr upper(Expr text) {
  return call("upper", {std::move(text)});
}
Expr trim(Expr text) {
  return call("trim", {std::move(text)});
}
Expr substr(Expr text, Expr start, Expr count) {
  return call("substr", {std::move(text), std::move(start), std::move(count)});
}
Expr contains(Expr text, Expr part) {
  return call("contains", {std::move(text), std::move(part)});
}
Expr starts_with(Expr text, Expr prefix) {
  return call("starts_with", {std::move(text), std::move(prefix)});
}
Expr ends_with(Expr text, Expr suffix) {
  return call("ends_with", {std::move(text), std::move(suffix)});
}
Expr concat(std::vector<Expr> parts) {
  return call("concat", std::move(parts));
}
Expr replace(Expr text, Expr from, Expr to) {
  return call("replace", {std::move(text), std::move(from), std::move(to)});
}
Expr compress(Expr text) {
  return call("compress", {std::move(text)});
}
Expr decompress(Expr text) {
  return call("decompress", {std::move(text)});
}

Expr year(Expr date) {
  return call("year", {std::move(date)});
}
Expr month(Expr date) {
  return call("month", {std::move(date)});
}
Expr day(Expr date) {
  return call("day", {std::move(date)});
}
Expr date_add(Expr date, Expr days) {
  return call("date_add", {std::move(date), std::move(days)});
}
Expr date_diff(Expr end, Expr start) {
  return call("date_diff", {std::move(end), std::move(start)});
}
Expr to_date(Expr text) {
  return call("to_date", {std::move(text)});
}
Expr date_trunc(std::string unit, Expr date) {
  return call("date_trunc", {lit(unit), std::move(date)});
}

Expr count(Expr value) {
  return aggregate("count", {std::move(value)});
}
Expr count_all() {
  return aggregate("count_all", {});
}
Expr count_distinct(Expr value) {
  return aggregate("count_distinct", {std::move(value)});
}
Expr sum(Expr value) {
  return aggregate("sum", {std::move(value)});
}
Expr mean(Expr value) {
  return aggregate("mean", {std::move(value)});
}
Expr min(Expr value) {
  return aggregate("min", {std::move(value)});
}
Expr max(Expr value) {
  return aggregate("max", {std::move(value)});
}
Expr first(Expr value) {
  return aggregate("first", {std::move(value)});
}
Expr last(Expr value) {
  return aggregate("last", {std::move(value)});
}
Expr stddev(Expr value) {
  return aggregate("stddev", {std::move(value)});
}

Expr row_number() {
  return call("row_number", {});
}
Expr rank() {
  return call("rank", {});
}
Expr dense_rank() {
  return call("dense_rank", {});
}
Expr lag(Expr value, int64_t offset, Expr fallback) {
  return call("lag", {std::move(value), lit(offset), std::move(fallback)});
}
Expr lead(Expr value, int64_t offset, Expr fallback) {
  return call("lead", {std::move(value), lit(offset), std::move(fallback)});
}
Expr add_months(Expr date, Expr months) {
  return call("add_months", {std::move(date), std::move(months)});
}
Expr cum_sum(Expr value) {
  return call("cum_sum", {std::move(value)});
}

}  // namespace setl::engine::fn
