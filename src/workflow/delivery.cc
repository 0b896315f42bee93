#include "setl/workflow/delivery.h"

#include "setl/workflow/factory.h"

namespace setl::workflow {

DeliveryBase::DeliveryBase(FactoryBase* owner, const TypeInfo& type, DeliveryOptions options)
    : owner_(owner),
      type_(&type),
      options_(std::move(options)),
      written_producer_(options_.producer),
      written_id_(options_.id) {
  if (owner_ == nullptr) {
    throw DeliveryError("a Delivery<" + type.name() +
                        "> was declared without its factory; declare it as a member "
                        "initialised with `this`");
  }
  if (!options_.condition.empty() && !options_.auto_load) {
    throw DeliveryError("a Delivery<" + type.name() + "> has condition '" + options_.condition +
                        "' without auto_load; the condition filters what a source loads, so "
                        "set .auto_load = true");
  }
  index_ = owner_->deliveries_.size();
  owner_->deliveries_.push_back(this);
}

std::string DeliveryBase::describe() const {
  std::string text = "input #" + std::to_string(index_) + " " + type_->name();
  std::string narrowing;
  if (!options_.producer.empty()) {
    narrowing = "producer '" + options_.producer + "'";
  }
  if (!options_.id.empty()) {
    narrowing += (narrowing.empty() ? "" : ", ") + std::string("id '") + options_.id + "'";
  }
  if (options_.optional) {
    narrowing += (narrowing.empty() ? "" : ", ") + std::string("optional");
  }
  if (options_.auto_load) {
    narrowing += (narrowing.empty() ? "" : ", ") + std::string("auto-load") +
                 (options_.condition.empty() ? "" : " where " + options_.condition);
  }
  if (!narrowing.empty()) {
    text += " (" + narrowing + ")";
  }
  return text;
}

void DeliveryBase::deliver(const Deliverable& deliverable, bool already_filtered) {
  if (!(deliverable.payload_type() == *type_)) {
    throw DeliveryError("factory '" + owner_->name() + "' " + describe() +
                        " cannot receive deliverable " + deliverable.describe() + ": expected " +
                        type_->name() + ", found " + deliverable.payload_type().name());
  }
  if (options_.condition.empty() || already_filtered) {
    payload_ = deliverable.shared_payload();
  } else {
    try {
      payload_ = filtered(deliverable.shared_payload(), options_.condition);
    } catch (Error& error) {
      error.add_context("in factory '" + owner_->name() + "' filtering its " + describe() +
                        " received from " + deliverable.describe());
      throw;
    }
  }
  source_ = deliverable.describe();
}

std::shared_ptr<const void> DeliveryBase::filtered(const std::shared_ptr<const void>&,
                                                   const std::string& condition) const {
  throw DeliveryError("factory '" + owner_->name() + "' " + describe() + ": condition '" +
                      condition + "' cannot filter a " + type_->name() +
                      " (it has no filter(const char*)); load it from a source that applies "
                      "the condition, or filter in process()");
}

void DeliveryBase::clear() noexcept {
  payload_.reset();
  source_.clear();
}

void DeliveryBase::throw_empty() const {
  throw DeliveryError("factory '" + owner_->name() + "' read its " + describe() +
                      ", which is empty: " +
                      (options_.optional ? "the input is optional and nothing matched it"
                                         : "the factory has not been run by a pipeline yet") +
                      "; check has_value() or use value_or()");
}

}  // namespace setl::workflow
