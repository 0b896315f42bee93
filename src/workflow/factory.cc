#include "setl/workflow/factory.h"

#include <algorithm>

#include "condition.h"
#include "setl/core/suggest.h"

namespace setl::workflow {

const std::string& FactoryBase::name() const {
  if (name_.empty()) {
    name_ = unqualified_type_name(typeid(*this));
  }
  return name_;
}

FactoryBase& FactoryBase::set_name(std::string name) {
  if (name.empty()) {
    throw StateError("factory '" + this->name() + "': set_name() needs a non-empty name");
  }
  name_ = std::move(name);
  return *this;
}

namespace {

// `key` is `name` or lies in the section `name`; then returns what follows `name`.
std::optional<std::string_view> under(std::string_view key, std::string_view name) {
  if (key == name) {
    return std::string_view();
  }
  if (key.size() > name.size() && key.starts_with(name) && key[name.size()] == '.') {
    return key.substr(name.size());
  }
  return std::nullopt;
}

}  // namespace

std::string detail::resolve_config_key(const std::vector<ConfigLevel>& levels,
                                       std::string_view key) {
  std::string resolved(key);
  for (const ConfigLevel& level : levels) {
    bool renamed = false;
    for (const auto& [from, to] : level.renames) {
      if (std::optional<std::string_view> rest = under(resolved, from)) {
        resolved = to + std::string(*rest);
        renamed = true;
        break;
      }
    }
    if (renamed) {
      continue;
    }
    bool global = std::any_of(level.globals.begin(), level.globals.end(),
                              [&](const std::string& name) { return under(resolved, name); });
    if (!global && !level.ns.empty()) {
      resolved = level.ns + "." + resolved;
    }
  }
  return resolved;
}

std::string FactoryBase::config_key(std::string_view key) const {
  return detail::resolve_config_key(config_levels_, key);
}

FactoryBase& FactoryBase::set_param(std::string name, std::string value) {
  if (name.empty()) {
    throw ConfigError("factory '" + this->name() + "': set_param() needs a parameter name");
  }
  params_[std::move(name)] = std::move(value);
  return *this;
}

const std::string& FactoryBase::param(std::string_view name) const {
  auto found = params_.find(std::string(name));
  if (found == params_.end()) {
    std::vector<std::string> names;
    for (const auto& [known, value] : params_) {
      names.push_back(known);
    }
    std::optional<std::string> hint = closest_match(std::string(name), names);
    throw ConfigError("factory '" + this->name() + "' has no parameter '" + std::string(name) +
                      "'" + (hint ? "; did you mean '" + *hint + "'?" : std::string()));
  }
  return found->second;
}

std::string FactoryBase::param_or(std::string_view name, std::string fallback) const {
  auto found = params_.find(std::string(name));
  return found == params_.end() ? fallback : found->second;
}

FactoryBase& FactoryBase::set_max_memory(int64_t bytes) {
  if (bytes < 0) {
    throw ConfigError("factory '" + name() + "': max_memory cannot be negative (" +
                      std::to_string(bytes) + ")");
  }
  max_memory_ = bytes;
  return *this;
}

FactoryBase& FactoryBase::retry(RetryPolicy policy) {
  failure_.set_retry(std::nullopt, std::move(policy));
  return *this;
}

FactoryBase& FactoryBase::retry(FactoryPhase phase, RetryPolicy policy) {
  failure_.set_retry(phase, std::move(policy));
  return *this;
}

FactoryBase& FactoryBase::timeout(std::chrono::nanoseconds limit) {
  failure_.set_timeout(std::nullopt, limit);
  return *this;
}

FactoryBase& FactoryBase::timeout(FactoryPhase phase, std::chrono::nanoseconds limit) {
  failure_.set_timeout(phase, limit);
  return *this;
}

FactoryBase& FactoryBase::set_cache_policy(CachePolicy policy) noexcept {
  cache_policy_ = policy;
  has_cache_policy_ = true;
  return *this;
}

FactoryBase& FactoryBase::set_reads_only_deliveries(bool only) {
  declared_sources_ =
      only ? std::optional<std::vector<std::string>>(std::vector<std::string>{}) : std::nullopt;
  return *this;
}

FactoryBase& FactoryBase::depends_on(std::string factory_name) {
  if (factory_name.empty()) {
    throw StateError("factory '" + name() + "': depends_on() needs a factory name");
  }
  if (std::find(after_.begin(), after_.end(), factory_name) == after_.end()) {
    after_.push_back(std::move(factory_name));
  }
  return *this;
}

FactoryBase& FactoryBase::run_if(std::string description, std::function<bool()> predicate) {
  if (description.empty() || !predicate) {
    throw ConfigError("factory '" + name() +
                      "': run_if needs a description and a predicate (the description "
                      "names the condition in the run report)");
  }
  run_condition_ =
      detail::ConditionSpec::of_predicate(std::move(description), std::move(predicate));
  return *this;
}

FactoryBase& FactoryBase::run_if(std::string expression) {
  run_condition_ =
      detail::ConditionSpec::of_text(std::move(expression), "factory '" + name() + "': run_if");
  return *this;
}

FactoryBase& FactoryBase::run_if(const engine::Expr& expression) {
  run_condition_ = detail::ConditionSpec::of_expression(expression);
  return *this;
}

const std::string& FactoryBase::run_condition() const noexcept {
  static const std::string kNone;
  return run_condition_ ? run_condition_->description : kNone;
}

FactoryBase& FactoryBase::when(std::string expression) {
  variant_condition_ =
      detail::ConditionSpec::of_text(std::move(expression), "factory '" + name() + "': when");
  return *this;
}

FactoryBase& FactoryBase::when(const engine::Expr& expression) {
  variant_condition_ = detail::ConditionSpec::of_expression(expression);
  return *this;
}

const std::string& FactoryBase::variant_condition() const noexcept {
  static const std::string kNone;
  return variant_condition_ ? variant_condition_->description : kNone;
}

FactoryBase& FactoryBase::set_tags(std::vector<std::string> tags) {
  tags_ = std::move(tags);
  return *this;
}

FactoryBase& FactoryBase::set_writable(bool writable) noexcept {
  writable_ = writable;
  return *this;
}

FactoryBase& FactoryBase::set_writes_on_every_rank(bool every_rank) noexcept {
  writes_on_every_rank_ = every_rank;
  return *this;
}

FactoryBase& FactoryBase::set_single_rank(bool single) noexcept {
  single_rank_ = single;
  return *this;
}

FactoryBase& FactoryBase::set_delivery_id(std::string id) {
  delivery_id_ = std::move(id);
  return *this;
}

FactoryBase& FactoryBase::set_consumers(std::vector<std::string> consumers) {
  consumers_ = std::move(consumers);
  return *this;
}

const Setl& FactoryBase::context() const {
  if (context_ == nullptr) {
    throw StateError("factory '" + name() +
                     "' asked for its Setl context, but it is not run by a pipeline created "
                     "with Setl::new_pipeline()");
  }
  return *context_;
}

void FactoryBase::throw_not_produced() const {
  throw StateError("factory '" + name() + "' has no output yet: get() is only valid after " +
                   "the factory has run (run its pipeline first)");
}

}  // namespace setl::workflow
