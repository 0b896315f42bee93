#include "setl/workflow/switch.h"

#include <algorithm>

#include "condition.h"
#include "setl/core/error.h"

namespace setl::workflow {

void Switch::Case::add_owned(std::unique_ptr<FactoryBase> factory) {
  factory->name();  // fixes the default name now, before threads read it
  factories_.push_back(std::move(factory));
}

Switch::Switch(std::string name, std::shared_ptr<const detail::ConditionSpec> key)
    : name_(std::move(name)), key_(std::move(key)) {}

Switch::~Switch() = default;

const std::string& Switch::key() const noexcept {
  return key_->description;
}

Switch::Case& Switch::when_equal(std::string value) {
  for (const auto& existing : cases_) {
    if (!existing->is_otherwise() && existing->label() == value) {
      return *existing;
    }
  }
  cases_.push_back(std::unique_ptr<Case>(new Case(std::move(value), false)));
  return *cases_.back();
}

Switch::Case& Switch::otherwise() {
  for (const auto& existing : cases_) {
    if (existing->is_otherwise()) {
      return *existing;
    }
  }
  cases_.push_back(std::unique_ptr<Case>(new Case("otherwise", true)));
  return *cases_.back();
}

Switch& Switch::on_no_match(NoMatch policy) noexcept {
  no_match_ = policy;
  return *this;
}

}  // namespace setl::workflow
