#include "condition.h"

#include <algorithm>

#include "setl/core/error.h"
#include "setl/core/suggest.h"
#include "setl/workflow/condition.h"
#include "setl/workflow/factory.h"

namespace setl::workflow {

engine::Expr config(const std::string& key) {
  return engine::call("config", {engine::lit(key)});
}

engine::Expr input_rows(const std::string& input) {
  return engine::call("rows", {engine::lit(input)});
}

engine::Expr input_delivered(const std::string& input) {
  return engine::call("delivered", {engine::lit(input)});
}

}  // namespace setl::workflow

namespace setl::workflow::detail {
namespace {

using engine::Expr;
using engine::ExprKind;
using engine::Scalar;

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    text += (text.empty() ? "" : ", ") + name;
  }
  return text.empty() ? "none" : text;
}

// Replaces what a condition reads outside the engine — configuration values and input
// metadata — so that the engine can type and evaluate the rest.
class Binder {
 public:
  Binder(const std::string& owner, const Config& config, const ConditionInputs& inputs,
         BoundCondition& bound)
      : owner_(owner), config_(config), inputs_(inputs), bound_(bound) {}

  Expr rewrite(const Expr& expr) {
    switch (expr.kind()) {
      case ExprKind::kLiteral:
        return expr;
      case ExprKind::kColumn:
        return config_value(expr.name(), nullptr);
      case ExprKind::kCast: {
        Expr inner = rewrite(expr.args().front());
        return expr.is_try_cast() ? inner.try_cast(expr.cast_type()) : inner.cast(expr.cast_type());
      }
      case ExprKind::kAggregate:
      case ExprKind::kWindow:
        fail<SchemaError>("a condition cannot use the aggregate or window function " + expr.name() +
                          "()");
      case ExprKind::kCall:
        break;
    }
    const std::string& name = expr.name();
    const std::vector<Expr>& args = expr.args();
    if (name == "config") {
      if (args.empty() || args.size() > 2) {
        fail<SchemaError>(
            "config() takes a key and an optional fallback: config('region') or "
            "config('region', 'US')");
      }
      Expr fallback = args.size() == 2 ? rewrite(args[1]) : Expr();
      return config_value(name_argument(expr), args.size() == 2 ? &fallback : nullptr);
    }
    if (name == "rows" || name == "delivered") {
      if (args.size() != 1) {
        fail<SchemaError>(name + "() takes one input: " + name + "(orders)");
      }
      return input_read(name_argument(expr), name == "rows");
    }
    std::vector<Expr> rewritten;
    rewritten.reserve(args.size());
    for (const Expr& arg : args) {
      rewritten.push_back(rewrite(arg));
    }
    return engine::call(name, std::move(rewritten));
  }

  template <class E>
  [[noreturn]] void fail(const std::string& message) const {
    throw E(owner_ + ": condition `" + bound_.description + "`: " + message);
  }

 private:
  // The key or input of config(x), rows(x), delivered(x): a name or a text literal.
  std::string name_argument(const Expr& call) const {
    const Expr& arg = call.args().front();
    if (arg.kind() == ExprKind::kColumn) {
      return arg.name();
    }
    if (arg.kind() == ExprKind::kLiteral && !arg.literal().is_null() &&
        arg.literal().type().id() == engine::TypeId::kString) {
      return arg.literal().as_string();
    }
    fail<SchemaError>(call.name() + "() needs a name, found " + arg.to_string());
  }

  Expr config_value(const std::string& written, const Expr* fallback) {
    std::string key = inputs_.config_key ? inputs_.config_key(written) : written;
    Scalar value;
    switch (config_.value_kind(key)) {
      case Config::ValueKind::kString:
        value = Scalar::string(config_.get_string(key));
        break;
      case Config::ValueKind::kInteger:
        value = Scalar::int64(config_.get_int(key));
        break;
      case Config::ValueKind::kFloat:
        value = Scalar::float64(config_.get_double(key));
        break;
      case Config::ValueKind::kBool:
        value = Scalar::boolean(config_.get_bool(key));
        break;
      case Config::ValueKind::kSection:
        fail<ConfigError>("configuration key '" + key + "' is a section, not a value");
      case Config::ValueKind::kMissing:
        if (fallback != nullptr) {
          bound_.config_values.push_back(key + " is not set");
          return *fallback;
        }
        missing_key(key, written);
    }
    bound_.config_values.push_back(key + " = " + value.to_string());
    return engine::lit(value);
  }

  [[noreturn]] void missing_key(const std::string& key, const std::string& written) const {
    std::vector<std::string> top = config_.keys();
    std::optional<std::string> hint = closest_match(key, top);
    fail<ConfigError>(
        "configuration key '" + key + "' is not set" +
        (written == key ? std::string() : " ('" + written + "' inside the factory's namespace)") +
        (hint ? " (did you mean '" + *hint + "'?)" : std::string()) +
        "; give it a value or a fallback: config('" + key + "', ...)");
  }

  Expr input_read(const std::string& input, bool rows) {
    if (!inputs_.unavailable.empty()) {
      fail<SchemaError>((rows ? "rows(" : "delivered(") + input + ") reads an input, but " +
                        inputs_.unavailable);
    }
    std::vector<size_t> matches;
    std::vector<std::string> all;
    for (size_t i = 0; i < inputs_.names.size(); ++i) {
      const std::vector<std::string>& names = inputs_.names[i];
      if (std::find(names.begin(), names.end(), input) != names.end()) {
        matches.push_back(i);
      }
      all.insert(all.end(), names.begin(), names.end());
    }
    if (matches.size() != 1) {
      std::optional<std::string> hint = closest_match(input, all);
      fail<SchemaError>(
          (matches.empty() ? "no input is named '" : "several inputs are named '") + input + "'" +
          (hint && matches.empty() ? " (did you mean '" + *hint + "'?)" : std::string()) +
          "; inputs answer to their delivery id or producer: " + join(all));
    }
    std::string column = std::string(rows ? "rows(" : "delivered(") + input + ")";
    if (!bound_.columns.find(column)) {
      std::vector<engine::Field> fields = bound_.columns.fields();
      fields.push_back(
          {column, rows ? engine::DataType::int64() : engine::DataType::boolean(), false});
      bound_.columns = engine::Schema(std::move(fields));
      bound_.reads.push_back({matches.front(), rows});
    }
    return engine::col(column);
  }

  const std::string& owner_;
  const Config& config_;
  const ConditionInputs& inputs_;
  BoundCondition& bound_;
};

bool truthy(const Scalar& value) {
  return !value.is_null() && value.as_bool();
}

}  // namespace

std::shared_ptr<const ConditionSpec> ConditionSpec::of_predicate(std::string description,
                                                                 std::function<bool()> predicate) {
  if (!predicate) {
    throw StateError("run_if(\"" + description + "\", ...): the predicate is empty");
  }
  auto spec = std::make_shared<ConditionSpec>();
  spec->description = std::move(description);
  spec->predicate = std::move(predicate);
  return spec;
}

std::shared_ptr<const ConditionSpec> ConditionSpec::of_text(std::string text,
                                                            const std::string& needed_by) {
  if (text.empty()) {
    throw ConfigError(needed_by + " needs a condition");
  }
  auto spec = std::make_shared<ConditionSpec>();
  spec->description = text;
  spec->text = std::move(text);
  return spec;
}

const engine::Expr& ConditionSpec::written() const {
  if (expression) {
    return *expression;
  }
  std::call_once(parsed_once_, [this] {
    try {
      parsed_ = engine::parse_expr(text, {.host_functions = {"config", "rows", "delivered"}});
    } catch (...) {
      parse_error_ = std::current_exception();
    }
  });
  if (parse_error_) {
    std::rethrow_exception(parse_error_);
  }
  return *parsed_;
}

std::shared_ptr<const ConditionSpec> ConditionSpec::of_key_function(
    std::string description, std::function<std::string()> key_function) {
  if (!key_function || description.empty()) {
    throw ConfigError("a switch's key function needs a description and a function");
  }
  auto spec = std::make_shared<ConditionSpec>();
  spec->description = std::move(description);
  spec->key_function = std::move(key_function);
  return spec;
}

std::shared_ptr<const ConditionSpec> ConditionSpec::of_expression(const engine::Expr& expression) {
  auto spec = std::make_shared<ConditionSpec>();
  spec->description = expression.to_string();
  spec->expression = expression;
  return spec;
}

namespace {

// Parses (text) and rewrites the expression into `bound`; returns its type.
engine::DataType bind_expression(const ConditionSpec& spec, Binder& binder, BoundCondition& bound) {
  const Expr* written = nullptr;
  try {
    written = &spec.written();
  } catch (const ParseError& error) {
    binder.fail<ParseError>(error.message());
  }
  Expr rewritten = binder.rewrite(*written);
  try {
    bound.evaluator.emplace(rewritten, bound.columns);
  } catch (const Error& error) {
    binder.fail<SchemaError>(error.message());
  }
  bound.expression = std::move(rewritten);
  return bound.evaluator->type();
}

Scalar evaluate_constant(const BoundCondition& bound, const Binder& binder) {
  try {
    return bound.evaluator->evaluate({});
  } catch (const Error& error) {
    binder.fail<SchemaError>(error.message());
  }
}

}  // namespace

BoundCondition bind_condition(const ConditionSpec& spec, const std::string& owner,
                              const Config& config, const ConditionInputs& inputs) {
  BoundCondition bound;
  bound.description = spec.description;
  if (spec.predicate) {
    bound.predicate = spec.predicate;
    return bound;
  }
  Binder binder(owner, config, inputs, bound);
  engine::DataType type = bind_expression(spec, binder, bound);
  if (type.id() != engine::TypeId::kBool && type.id() != engine::TypeId::kNull) {
    binder.fail<SchemaError>("it yields " + type.to_string() + ", not a bool");
  }
  if (bound.reads.empty()) {
    bound.decided = truthy(evaluate_constant(bound, binder));
  }
  return bound;
}

BoundKey bind_key(const ConditionSpec& spec, const std::string& owner, const Config& config,
                  std::function<std::string(std::string_view)> config_key) {
  BoundKey key;
  key.description = spec.description;
  if (spec.key_function) {
    key.function = spec.key_function;
    return key;
  }
  BoundCondition bound;
  bound.description = spec.description;
  ConditionInputs no_inputs{{},
                            "a switch's key reads configuration only (or give it a C++ "
                            "function)",
                            std::move(config_key)};
  Binder binder(owner, config, no_inputs, bound);
  bind_expression(spec, binder, bound);
  Scalar value = evaluate_constant(bound, binder);
  key.decided = value.is_null() ? std::string() : value.to_display();
  key.config_values = std::move(bound.config_values);
  return key;
}

namespace {

void collect_config_keys(const Expr& expr, std::vector<std::string>& keys) {
  auto add = [&](const std::string& key) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      keys.push_back(key);
    }
  };
  if (expr.kind() == ExprKind::kColumn) {
    add(expr.name());
    return;
  }
  if (expr.kind() == ExprKind::kCall && (expr.name() == "rows" || expr.name() == "delivered")) {
    return;
  }
  if (expr.kind() == ExprKind::kCall && expr.name() == "config" && !expr.args().empty()) {
    const Expr& arg = expr.args().front();
    if (arg.kind() == ExprKind::kColumn) {
      add(arg.name());
    } else if (arg.kind() == ExprKind::kLiteral && !arg.literal().is_null() &&
               arg.literal().type().id() == engine::TypeId::kString) {
      add(arg.literal().as_string());
    }
    for (size_t i = 1; i < expr.args().size(); ++i) {
      collect_config_keys(expr.args()[i], keys);
    }
    return;
  }
  for (const Expr& arg : expr.args()) {
    collect_config_keys(arg, keys);
  }
}

}  // namespace

std::vector<std::string> config_keys_of(const ConditionSpec& spec) {
  std::vector<std::string> keys;
  if (spec.predicate || spec.key_function) {
    return keys;
  }
  try {
    collect_config_keys(spec.written(), keys);
  } catch (const ParseError&) {
    // Reported with its caret when the pipeline is planned.
  }
  return keys;
}

bool BoundCondition::holds(const FactoryBase* owner) const {
  if (predicate) {
    return predicate();
  }
  if (decided) {
    return *decided;
  }
  std::vector<Scalar> values;
  values.reserve(reads.size());
  for (const InputRead& read : reads) {
    const DeliveryBase& delivery = *owner->deliveries().at(read.delivery);
    values.push_back(read.rows ? Scalar::int64(delivery.row_count().value_or(0))
                               : Scalar::boolean(delivery.has_value()));
  }
  return truthy(evaluator->evaluate(values));
}

}  // namespace setl::workflow::detail
