// The function registry (private to the engine): one entry per function, read by the
// parser (names, arity, kind), the binder (type rule), the evaluator (kernel), the
// aggregate operator (accumulator) and the generated reference. Adding a function is one
// entry in the file of its category (numeric.cc, string.cc, ...); its C++ builder is one
// line in setl/engine/functions.h.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/functions/kernel.h"
#include "setl/engine/functions.h"

namespace setl::engine::detail {

/// What a type rule sees: the call being typed, its bound arguments (which the rule may
/// cast or replace), and helpers for the usual checks. Arity was checked before.
class CallBinding {
 public:
  CallBinding(const Expr& expr, BoundExpr& call) : expr_(expr), call_(call) {}

  const Expr& expr() const { return expr_; }
  BoundExpr& call() { return call_; }
  std::vector<BoundExpr>& args() { return call_.args; }
  BoundExpr& arg(size_t index) { return call_.args[index]; }
  const DataType& type(size_t index) const { return call_.args[index].type; }

  /// Throws SchemaError "argument N of f() must be <expected>, found <type>" unless
  /// argument `index` satisfies `accepts` or is an untyped NULL.
  void require(size_t index, bool (*accepts)(const DataType&), const char* expected) const;
  /// Requires argument `index` to be a constant (a literal after folding).
  void require_constant(size_t index, const char* what) const;
  void cast(size_t index, const DataType& type);
  /// Makes the call another registered function (e.g. date - days as date_add).
  void rewrite_as(const std::string& function);
  [[noreturn]] void fail(const std::string& message) const;

 private:
  const Expr& expr_;
  BoundExpr& call_;
};

bool is_number(const DataType& type);
bool is_integer(const DataType& type);
bool is_text(const DataType& type);
bool is_bool(const DataType& type);
bool is_date(const DataType& type);
bool is_temporal(const DataType& type);

/// Sets the call's result type; may check, cast or rewrite the arguments.
using TypeRule = DataType (*)(CallBinding& binding);
/// Computes a call over `rows` rows (a scalar datum stands for every row).
using ScalarKernel = Datum (*)(const BoundExpr& call, const std::vector<Datum>& args, int64_t rows);

struct ScalarFunction {
  FunctionInfo info;
  TypeRule type_rule = nullptr;
  ScalarKernel kernel = nullptr;
};

/// Per-group state of one aggregate. Groups are dense ids from 0; a row whose group id
/// is negative is skipped (not selected).
class Accumulator {
 public:
  virtual ~Accumulator() = default;
  virtual void resize(int64_t groups) = 0;
  /// `input` is null for count(*).
  virtual void update(const Column* input, const std::vector<int64_t>& groups, int64_t rows) = 0;
  virtual ColumnPtr finish(int64_t groups) = 0;
  /// Adds another accumulator's partial state (of the same function); its group i is this
  /// accumulator's group mapping[i], or is skipped where mapping[i] is -1.
  virtual void merge(Accumulator& other, const std::vector<int64_t>& mapping) = 0;
};

struct AggregateFunction {
  FunctionInfo info;
  /// The result type for an input of type `input` (untyped NULL for count(*)); throws
  /// SchemaError for an input it cannot aggregate.
  DataType (*result_type)(const Expr& call, const DataType& input) = nullptr;
  std::unique_ptr<Accumulator> (*make)(const DataType& input, const DataType& result) = nullptr;
};

/// Window functions are evaluated by the window operator; the registry knows their
/// names, arity and documentation.
struct WindowFunction {
  FunctionInfo info;
};

class FunctionRegistry {
 public:
  static const FunctionRegistry& instance();

  void add(ScalarFunction function);
  void add(AggregateFunction function);
  void add(WindowFunction function);
  /// Documentation of syntax the parser handles itself (operators, CASE, IN, LIKE).
  void add(FunctionInfo info);

  /// By name or alias; nullptr when unknown.
  const ScalarFunction* scalar(const std::string& name) const;
  const AggregateFunction* aggregate(const std::string& name) const;
  const WindowFunction* window(const std::string& name) const;
  /// Like scalar() but throws InternalError: for names the engine itself emits.
  const ScalarFunction& require_scalar(const std::string& name) const;

  /// Every named function and alias (for "did you mean" suggestions).
  std::vector<std::string> names() const;
  std::vector<FunctionInfo> infos() const;

 private:
  // Throws InternalError when a name or alias is taken: one name, one function.
  void claim_names(const FunctionInfo& info);
  // Stable addresses: bound expressions keep pointers to the entries.
  std::vector<std::unique_ptr<ScalarFunction>> scalars_;
  std::vector<std::unique_ptr<AggregateFunction>> aggregates_;
  std::vector<std::unique_ptr<WindowFunction>> windows_;
  std::vector<FunctionInfo> syntax_;
  std::map<std::string, const ScalarFunction*> scalar_names_;
  std::map<std::string, const AggregateFunction*> aggregate_names_;
  std::map<std::string, const WindowFunction*> window_names_;
  std::map<std::string, FunctionKind> taken_;
};

// One registrar per category file.
void register_numeric_functions(FunctionRegistry& registry);
void register_comparison_functions(FunctionRegistry& registry);
void register_logical_functions(FunctionRegistry& registry);
void register_string_functions(FunctionRegistry& registry);
void register_compression_functions(FunctionRegistry& registry);
void register_temporal_functions(FunctionRegistry& registry);
void register_aggregate_functions(FunctionRegistry& registry);
void register_window_functions(FunctionRegistry& registry);
void register_cast_syntax(FunctionRegistry& registry);

/// What most functions do with NULL.
inline constexpr const char* kNullInNullOut = "NULL if any argument is NULL";

}  // namespace setl::engine::detail
