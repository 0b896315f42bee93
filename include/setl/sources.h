// Connectors and repositories from configuration, registered in a Setl context in one
// line — SETL's `setConnector("config_path")` / `setSparkRepository[T]("config_path")`,
// PySetl's `set_spark_repository_from_config`. They bridge the workflow layer's Setl and
// the storage layer's connectors, so they live at the top of the include tree.
//
//   setl::set_connector(setl, "connectors.orders");          // Delivery<Connector>{.id = "orders"}
//   setl::set_connectors(setl, "connectors");                // every connector of the section
//   setl::set_repository<Order>(setl, "connectors.orders");  // Delivery<Repository<Order>>,
//                                                            // auto-loads Dataset<Order>
//
// The resource id (and, for connectors, the delivery id) is the key's last component
// unless given. Repositories, as in SETL, have no delivery id by default: they are matched
// by type, so two repositories of one T need ids or consumer lists.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/core/type_name.h"
#include "setl/storage/connector.h"
#include "setl/storage/connector_builder.h"
#include "setl/storage/repository.h"
#include "setl/workflow/setl.h"

namespace setl {
namespace detail {

inline std::string last_key_component(std::string_view key) {
  size_t dot = key.rfind('.');
  return std::string(dot == std::string_view::npos ? key : key.substr(dot + 1));
}

}  // namespace detail

/// Builds the connector described at `config_key` and registers it as a source of type C
/// (default Connector; a concrete class such as CsvConnector is delivered only to
/// Delivery<C>, as SETL's `setConnector("path", classOf[CSVConnector])`) under `id`
/// (default: the key's last component), delivered with that id.
/// Throws: ConfigError for a bad section or a connector that is not a C; StateError if the
/// id is taken.
template <class C = storage::Connector>
workflow::Setl& set_connector(workflow::Setl& setl, std::string_view config_key,
                              std::string id = {}, workflow::ResourceOptions options = {}) {
  static_assert(std::is_base_of_v<storage::Connector, C>,
                "set_connector<C>: C must be a Connector");
  std::shared_ptr<storage::Connector> connector =
      storage::build_connector(setl.config().section(std::string(config_key)));
  if (id.empty()) {
    id = detail::last_key_component(config_key);
  }
  std::shared_ptr<C> typed = std::dynamic_pointer_cast<C>(connector);
  if (!typed) {
    throw ConfigError("connector '" + std::string(config_key) + "' is a " + connector->describe() +
                      ", not a " + workflow::type_info_of<C>().name());
  }
  return setl.register_resource<C>(std::move(id), std::move(typed), std::move(options));
}

/// set_connector() for every entry of the section at `section_key`.
inline workflow::Setl& set_connectors(workflow::Setl& setl, std::string_view section_key) {
  for (const std::string& name : setl.config().section(std::string(section_key)).keys()) {
    set_connector(setl, std::string(section_key) + "." + name);
  }
  return setl;
}

/// Builds the connector at `config_key` and registers a Repository<T> over it under `id`
/// (default: the key's last component), matched by type (no delivery id) unless
/// `options.delivery_id` says otherwise.
template <class T>
workflow::Setl& set_repository(workflow::Setl& setl, std::string_view config_key,
                               std::string id = {}, workflow::ResourceOptions options = {},
                               storage::RepositoryOptions repository = {}) {
  auto connector = storage::build_connector(setl.config().section(std::string(config_key)));
  if (id.empty()) {
    id = detail::last_key_component(config_key);
  }
  if (!options.delivery_id) {
    options.delivery_id = std::string();
  }
  return setl.register_resource<storage::Repository<T>>(
      std::move(id), std::make_shared<storage::Repository<T>>(std::move(connector), repository),
      std::move(options));
}

}  // namespace setl
