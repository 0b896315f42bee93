#include "setl/workflow/deliverable.h"

#include <algorithm>

namespace setl::workflow {

bool Deliverable::reaches(std::string_view consumer) const {
  return options_.consumers.empty() ||
         std::find(options_.consumers.begin(), options_.consumers.end(), consumer) !=
             options_.consumers.end();
}

std::string Deliverable::describe() const {
  std::string text = "'" + options_.producer + "' -> " + type_->name();
  if (!options_.id.empty()) {
    text += " (id '" + options_.id + "')";
  }
  return text;
}

void Deliverable::throw_type_mismatch(const TypeInfo& requested) const {
  throw DeliveryError("deliverable " + describe() + " was read as " + requested.name() +
                      "; its payload type is " + type_->name());
}

}  // namespace setl::workflow
