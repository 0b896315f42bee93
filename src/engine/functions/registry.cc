// The registry itself, the helpers type rules share, and the reference generated from it.
#include "engine/functions/registry.h"

#include <algorithm>

#include "setl/core/error.h"

namespace setl::engine::detail {

bool is_number(const DataType& type) {
  return type.is_numeric();
}
bool is_integer(const DataType& type) {
  return type.is_integer();
}
bool is_text(const DataType& type) {
  return type.id() == TypeId::kString;
}
bool is_bool(const DataType& type) {
  return type.id() == TypeId::kBool;
}
bool is_date(const DataType& type) {
  return type.id() == TypeId::kDate32;
}
bool is_temporal(const DataType& type) {
  return type.is_temporal();
}

void CallBinding::require(size_t index, bool (*accepts)(const DataType&),
                          const char* expected) const {
  const DataType& found = call_.args[index].type;
  if (!accepts(found) && found.id() != TypeId::kNull) {
    fail("argument " + std::to_string(index + 1) + " of " + expr_.name() + "() must be " +
         expected + ", found " + found.to_string());
  }
}

void CallBinding::require_constant(size_t index, const char* what) const {
  if (call_.args[index].kind != ExprKind::kLiteral) {
    fail(std::string(what) + " must be a constant");
  }
}

void CallBinding::cast(size_t index, const DataType& type) {
  call_.args[index] = cast_to(std::move(call_.args[index]), type);
}

void CallBinding::rewrite_as(const std::string& function) {
  call_.function = &FunctionRegistry::instance().require_scalar(function);
}

void CallBinding::fail(const std::string& message) const {
  throw SchemaError("in " + expr_.to_string() + ": " + message);
}

const FunctionRegistry& FunctionRegistry::instance() {
  static const FunctionRegistry registry = [] {
    FunctionRegistry r;
    register_numeric_functions(r);
    register_comparison_functions(r);
    register_logical_functions(r);
    register_string_functions(r);
    register_compression_functions(r);
    register_temporal_functions(r);
    register_aggregate_functions(r);
    register_window_functions(r);
    register_cast_syntax(r);
    return r;
  }();
  return registry;
}

void FunctionRegistry::claim_names(const FunctionInfo& info) {
  std::vector<std::string> names = info.aliases;
  names.push_back(info.name);
  for (const std::string& name : names) {
    if (!taken_.emplace(name, info.kind).second) {
      throw InternalError("function name '" + name + "' is registered twice");
    }
  }
}

namespace {
// Stores `entry` and indexes it under its name and aliases.
template <class Entry>
void keep(Entry entry, std::vector<std::unique_ptr<Entry>>& entries,
          std::map<std::string, const Entry*>& names) {
  entries.push_back(std::make_unique<Entry>(std::move(entry)));
  const Entry* kept = entries.back().get();
  names[kept->info.name] = kept;
  for (const std::string& alias : kept->info.aliases) {
    names[alias] = kept;
  }
}
}  // namespace

void FunctionRegistry::add(ScalarFunction function) {
  if (function.type_rule == nullptr || function.kernel == nullptr) {
    throw InternalError("scalar function '" + function.info.name + "' lacks a type rule or kernel");
  }
  claim_names(function.info);
  keep(std::move(function), scalars_, scalar_names_);
}

void FunctionRegistry::add(AggregateFunction function) {
  if (function.result_type == nullptr || function.make == nullptr) {
    throw InternalError("aggregate '" + function.info.name + "' lacks a type rule or accumulator");
  }
  function.info.kind = FunctionKind::kAggregate;
  claim_names(function.info);
  keep(std::move(function), aggregates_, aggregate_names_);
}

void FunctionRegistry::add(WindowFunction function) {
  function.info.kind = FunctionKind::kWindow;
  claim_names(function.info);
  keep(std::move(function), windows_, window_names_);
}

void FunctionRegistry::add(FunctionInfo info) {
  info.kind = FunctionKind::kOperator;
  syntax_.push_back(std::move(info));
}

namespace {
template <class Entry>
const Entry* find_in(const std::map<std::string, const Entry*>& names, const std::string& name) {
  auto found = names.find(name);
  return found == names.end() ? nullptr : found->second;
}
}  // namespace

const ScalarFunction* FunctionRegistry::scalar(const std::string& name) const {
  return find_in(scalar_names_, name);
}
const AggregateFunction* FunctionRegistry::aggregate(const std::string& name) const {
  return find_in(aggregate_names_, name);
}
const WindowFunction* FunctionRegistry::window(const std::string& name) const {
  return find_in(window_names_, name);
}

const ScalarFunction& FunctionRegistry::require_scalar(const std::string& name) const {
  const ScalarFunction* function = scalar(name);
  if (function == nullptr) {
    throw InternalError("no scalar function '" + name + "' in the registry");
  }
  return *function;
}

std::vector<std::string> FunctionRegistry::names() const {
  std::vector<std::string> names;
  for (const auto& [name, kind] : taken_) {
    if (kind != FunctionKind::kOperator) {
      names.push_back(name);
    }
  }
  return names;
}

std::vector<FunctionInfo> FunctionRegistry::infos() const {
  std::vector<FunctionInfo> infos = syntax_;
  for (const auto& entry : scalars_) {
    infos.push_back(entry->info);
  }
  for (const auto& entry : aggregates_) {
    infos.push_back(entry->info);
  }
  for (const auto& entry : windows_) {
    infos.push_back(entry->info);
  }
  std::stable_sort(infos.begin(), infos.end(), [](const FunctionInfo& a, const FunctionInfo& b) {
    return std::tie(a.kind, a.category, a.name) < std::tie(b.kind, b.category, b.name);
  });
  return infos;
}

}  // namespace setl::engine::detail

namespace setl::engine {

std::vector<FunctionInfo> list_functions() {
  return detail::FunctionRegistry::instance().infos();
}

namespace {
const char* kind_title(FunctionKind kind) {
  switch (kind) {
    case FunctionKind::kOperator:
      return "Operators and syntax";
    case FunctionKind::kScalar:
      return "Scalar functions";
    case FunctionKind::kAggregate:
      return "Aggregate functions (group_by().agg(), aggregate())";
    case FunctionKind::kWindow:
      return "Window functions (f(...).over({...}), OVER (...) in text)";
  }
  return "";
}
}  // namespace

std::string functions_markdown() {
  std::string out =
      "# Expression functions\n\n"
      "Generated from the engine's function registry (`setl describe-functions --markdown`);\n"
      "do not edit by hand. Every function is available in expression text and as a C++\n"
      "builder of the same name in `setl::engine::fn` (`setl/engine/functions.h`).\n";
  std::vector<FunctionInfo> infos = list_functions();
  for (size_t i = 0; i < infos.size(); ++i) {
    const FunctionInfo& info = infos[i];
    if (i == 0 || infos[i - 1].kind != info.kind) {
      out += std::string("\n## ") + kind_title(info.kind) + "\n\n";
      if (info.kind == FunctionKind::kWindow) {
        out +=
            "Every aggregate above can be windowed too, with a frame: `sum(x) OVER (PARTITION "
            "BY k\nORDER BY t ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)`, in C++\n"
            "`fn::sum(col(\"x\")).over({{\"k\"}, {asc(\"t\")}, rows_between(preceding(2), "
            "current_row())})`.\nROWS frames count rows; RANGE frames measure the one ORDER BY "
            "key (days for dates),\nand CURRENT ROW reaches the row's peers. Without a frame: "
            "with ORDER BY, the rows\nup to the current one and its peers; without, the whole "
            "partition. An empty frame\ngives NULL (count: 0).\n\n";
      }
      out += "| Function | Category | What it does | NULLs |\n|---|---|---|---|\n";
    }
    auto cell = [](std::string text) {
      std::string escaped;
      for (char c : text) {
        escaped += c == '|' ? std::string("\\|") : std::string(1, c);
      }
      return escaped;
    };
    out += "| `" + cell(info.signature) + "`";
    for (const std::string& alias : info.aliases) {
      out += " (also `" + alias + "`)";
    }
    out += " | " + info.category + " | " + cell(info.doc) + " | " + cell(info.nulls) + " |\n";
  }
  return out;
}

}  // namespace setl::engine
