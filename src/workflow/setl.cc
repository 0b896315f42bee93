#include "setl/workflow/setl.h"

namespace setl::workflow {

Setl::Builder& Setl::Builder::with_config_file(std::filesystem::path path) {
  path_ = std::move(path);
  return *this;
}

Setl::Builder& Setl::Builder::with_config(Config config) {
  config_ = std::move(config);
  return *this;
}

Setl::Builder& Setl::Builder::with_profile(std::string profile) {
  profile_ = std::move(profile);
  return *this;
}

Setl Setl::Builder::build() const {
  if (path_ && config_) {
    throw ConfigError("Setl::Builder: both with_config_file(\"" + path_->string() +
                      "\") and with_config() were given; use one");
  }
  if (path_) {
    return Setl(Config::load(*path_, {.profile = profile_}));
  }
  return Setl(config_.value_or(Config()));
}

Setl::Setl(Config config) : config_(std::move(config)) {}

Setl& Setl::add_resource(std::string id, std::shared_ptr<void> object, const TypeInfo& type) {
  if (!object) {
    throw StateError("register_resource(\"" + id + "\"): the resource is null");
  }
  auto [it, inserted] = resources_.try_emplace(std::move(id), Resource{std::move(object), &type});
  if (!inserted) {
    throw StateError("a resource with id '" + it->first + "' is already registered (a " +
                     it->second.type->name() + "); ids are unique within a Setl context");
  }
  return *this;
}

bool Setl::has_resource(std::string_view id) const {
  return resources_.find(id) != resources_.end();
}

std::vector<std::string> Setl::resource_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, resource] : resources_) {
    ids.push_back(id);
  }
  return ids;
}

void* Setl::find_resource(std::string_view id, const TypeInfo& type) const {
  auto found = resources_.find(id);
  if (found == resources_.end()) {
    std::string registered;
    for (const auto& [known, resource] : resources_) {
      registered += (registered.empty() ? "" : ", ") + known + " (" + resource.type->name() + ")";
    }
    throw DeliveryError("no resource '" + std::string(id) +
                        "' is registered in the Setl context; registered: " +
                        (registered.empty() ? std::string("none") : registered));
  }
  if (!(*found->second.type == type)) {
    throw DeliveryError("resource '" + std::string(id) + "' is a " + found->second.type->name() +
                        ", not a " + type.name());
  }
  return found->second.object.get();
}

Pipeline Setl::new_pipeline(std::string name) const {
  return Pipeline(std::move(name), *this);
}

}  // namespace setl::workflow
