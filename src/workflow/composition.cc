#include "setl/workflow/composition.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "composer.h"
#include "pipeline_conditions.h"
#include "setl/core/error.h"
#include "setl/workflow/dispatcher.h"

namespace setl::workflow {
namespace detail {
namespace {

std::string list(const std::set<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    text += (text.empty() ? "" : ", ") + name;
  }
  return text.empty() ? "none" : text;
}

// Namespace parts are names: letters, digits, '_' and '-', separated by single dots.
std::optional<std::string> bad_namespace(const std::string& ns) {
  if (ns.empty()) {
    return std::nullopt;
  }
  bool part_empty = true;
  for (char c : ns) {
    if (c == '.') {
      if (part_empty) {
        break;
      }
      part_empty = true;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') {
      part_empty = false;
    } else {
      return "namespace '" + ns + "' has the character '" + std::string(1, c) +
             "'; use letters, digits, '_' and '-', parts separated by '.'";
    }
  }
  if (part_empty) {
    return "namespace '" + ns + "' has an empty part; write parts separated by single dots";
  }
  return std::nullopt;
}

std::string describe_options(const std::string& fragment, const ComposeOptions& options) {
  std::string text = (options.ns.empty() ? std::string("(no namespace)") : options.ns) +
                     " <- pipeline '" + fragment + "'";
  auto add_map = [&](const char* what, const std::map<std::string, std::string>& names) {
    if (names.empty()) {
      return;
    }
    text += std::string("; ") + what + " ";
    bool first = true;
    for (const auto& [from, to] : names) {
      text += (first ? "" : ", ") + from + " -> " + to;
      first = false;
    }
  };
  add_map("inputs", options.inputs);
  add_map("outputs", options.outputs);
  add_map("params", options.params);
  if (!options.globals.empty()) {
    std::set<std::string> globals(options.globals.begin(), options.globals.end());
    text += "; globals " + list(globals);
  }
  if (options.strict) {
    text += "; strict";
  }
  return text;
}

}  // namespace

std::string join_ns(std::string_view outer, std::string_view inner) {
  if (outer.empty()) {
    return std::string(inner);
  }
  if (inner.empty()) {
    return std::string(outer);
  }
  return std::string(outer) + "." + std::string(inner);
}

std::vector<std::string> lookup_scopes(const DeliveryBase& delivery) {
  std::vector<std::string> scopes{delivery.scope()};
  const std::optional<std::string>& floor = delivery.strict_scope();
  std::string scope = delivery.scope();
  while (!scope.empty() && !(floor && scope == *floor)) {
    size_t dot = scope.rfind('.');
    scope = dot == std::string::npos ? std::string() : scope.substr(0, dot);
    scopes.push_back(scope);
  }
  return scopes;
}

ScopedName scoped_name(const DeliveryBase& delivery, const std::string& scope) {
  return {delivery.producer().empty() ? std::string() : join_ns(scope, delivery.producer()),
          delivery.id().empty() ? std::string() : join_ns(scope, delivery.id())};
}

FragmentScan Composer::scan(const Pipeline& fragment) {
  FragmentScan scan;
  Dispatcher dispatcher;
  std::vector<const FactoryBase*> offered;  // per offer: the factory, null for an input
  for (const Deliverable& input : fragment.inputs()) {
    dispatcher.add_offer({Offer::Kind::kExternal, std::string(kExternalProducer),
                          &input.payload_type(), input.delivery_id(), input.consumers(),
                          std::nullopt, nullptr, "external input " + input.delivery_id()});
    offered.push_back(nullptr);
  }
  std::vector<Pipeline::Member> members = fragment.all_members();
  for (const Pipeline::Member& member : members) {
    const FactoryBase& factory = *member.factory;
    dispatcher.add_offer({Offer::Kind::kFactory, factory.name(), &factory.output_type(),
                          factory.delivery_id(), factory.consumers(), member.stage, nullptr,
                          factory.name()});
    offered.push_back(&factory);
  }
  for (const Pipeline::Member& member : members) {
    for (DeliveryBase* delivery : member.factory->deliveries_) {
      if (delivery->bound_to_ != nullptr) {
        scan.bound.push_back(
            {delivery, delivery->bound_to_, std::nullopt, delivery->bound_by_producer_});
        continue;
      }
      bool found = false;
      for (const std::string& scope : lookup_scopes(*delivery)) {
        ScopedName name = scoped_name(*delivery, scope);
        Request request{
            member.factory->name(), member.stage, &delivery->type(),   name.producer, name.id,
            delivery->optional(),   false,        delivery->describe()};
        std::vector<size_t> candidates = dispatcher.candidates(request);
        if (candidates.empty()) {
          continue;
        }
        found = true;
        Resolution resolution = dispatcher.resolve(request);
        bool variants = std::all_of(candidates.begin(), candidates.end(), [&](size_t offer) {
          return offered[offer] != nullptr && offered[offer]->is_variant();
        });
        if (resolution.ok() && resolution.offer) {
          size_t offer = *resolution.offer;
          std::optional<size_t> input =
              offered[offer] == nullptr ? std::optional<size_t>(offer) : std::nullopt;
          scan.bound.push_back({delivery, offered[offer], input, true});
        } else if (variants) {
          scan.bound.push_back({delivery, offered[candidates.front()], std::nullopt, false});
        } else {
          scan.problems.push_back(resolution.problem);
        }
        break;
      }
      if (found) {
        continue;
      }
      FragmentScan::Free free{delivery, {}, FragmentScan::Free::By::kId};
      if (!delivery->id().empty()) {
        free.name = join_ns(delivery->scope(), delivery->id());
      } else if (!delivery->producer().empty()) {
        free.name = join_ns(delivery->scope(), delivery->producer());
        free.by = FragmentScan::Free::By::kProducer;
      } else {
        free.name = delivery->type().name();
        free.by = FragmentScan::Free::By::kType;
      }
      scan.free.push_back(std::move(free));
    }
  }
  return scan;
}

PipelineInterface Composer::interface_of(const Pipeline& fragment, const FragmentScan& scan) {
  PipelineInterface interface;
  std::map<std::pair<std::string, std::string>, size_t> port_of;
  for (const FragmentScan::Free& free : scan.free) {
    const DeliveryBase& delivery = *free.delivery;
    auto key = std::pair{free.name, delivery.type().name()};
    auto [at, added] = port_of.emplace(key, interface.inputs.size());
    if (added) {
      interface.inputs.push_back(
          {free.name, delivery.type().name(), delivery.producer(), delivery.id(), true, {}});
    }
    InterfacePort& port = interface.inputs[at->second];
    port.optional = port.optional && delivery.optional();
    if (std::find(port.factories.begin(), port.factories.end(), delivery.owner().name()) ==
        port.factories.end()) {
      port.factories.push_back(delivery.owner().name());
    }
  }
  for (const Pipeline::Member& member : fragment.all_members()) {
    const FactoryBase& factory = *member.factory;
    std::string name = factory.delivery_id().empty() ? factory.name() : factory.delivery_id();
    interface.outputs.push_back({std::move(name),
                                 factory.output_type().name(),
                                 factory.name(),
                                 factory.delivery_id(),
                                 false,
                                 {factory.name()}});
  }
  return interface;
}

void Composer::refresh_bound(const Pipeline& pipeline) {
  for (const Pipeline::Member& member : pipeline.all_members()) {
    for (DeliveryBase* delivery : member.factory->deliveries_) {
      if (delivery->bound_to_ == nullptr) {
        continue;
      }
      if (delivery->bound_by_producer_) {
        delivery->options_.producer = delivery->bound_to_->name();
      }
      delivery->options_.id = delivery->bound_to_->delivery_id();
    }
  }
}

namespace {

// Every violation of `options` for a fragment with this interface, at once.
std::vector<std::string> check_options(const Pipeline& into, const Pipeline& fragment,
                                       const PipelineInterface& interface,
                                       const ComposeOptions& options) {
  std::vector<std::string> problems;
  if (std::optional<std::string> bad = bad_namespace(options.ns)) {
    problems.push_back(*bad);
  }
  std::set<std::string> free_names;
  std::set<std::string> output_names;
  for (const InterfacePort& port : interface.inputs) {
    free_names.insert(port.name);
  }
  for (const InterfacePort& port : interface.outputs) {
    output_names.insert(port.name);
    output_names.insert(port.producer);
  }
  std::map<std::string, std::set<std::string>> offered_types;  // name in `into` -> types
  for (const Pipeline::Member& member : Composer::all_members(into)) {
    offered_types[member.factory->name()].insert(member.factory->output_type().name());
    if (!member.factory->delivery_id().empty()) {
      offered_types[member.factory->delivery_id()].insert(member.factory->output_type().name());
    }
  }
  for (const Deliverable& input : into.inputs()) {
    offered_types[input.delivery_id()].insert(input.payload_type().name());
  }
  for (const auto& [name, target] : options.inputs) {
    if (free_names.count(name) == 0) {
      problems.push_back(
          output_names.count(name) > 0
              ? "input '" + name + "' is not a free input: the fragment produces it itself; " +
                    "free inputs: " + list(free_names)
              : "unknown free input '" + name + "'; free inputs: " + list(free_names));
      continue;
    }
    if (target.empty()) {
      problems.push_back("input '" + name + "' is mapped to an empty name");
      continue;
    }
    auto offered = offered_types.find(target);
    if (offered == offered_types.end()) {
      continue;  // it may be added later, or come from a source
    }
    for (const InterfacePort& port : interface.inputs) {
      if (port.name == name && offered->second.count(port.type) == 0) {
        problems.push_back("type mismatch: free input '" + name + "' is " + port.type + ", but '" +
                           target + "' in pipeline '" + into.name() + "' is " +
                           list(offered->second));
      }
    }
  }
  std::map<std::string, std::string> exported;
  for (const auto& [name, target] : options.outputs) {
    if (output_names.count(name) == 0) {
      problems.push_back("unknown output '" + name + "'; outputs: " + list(output_names));
    } else if (free_names.count(name) > 0) {
      problems.push_back("output '" + name + "' is also a free input of the fragment");
    }
    if (target.empty()) {
      problems.push_back("output '" + name + "' is mapped to an empty name");
    } else if (auto [at, added] = exported.emplace(target, name); !added) {
      problems.push_back("outputs '" + at->second + "' and '" + name + "' are both mapped to '" +
                         target + "'");
    }
  }
  std::vector<std::string> keys = fragment.config_keys();
  std::set<std::string> readable(keys.begin(), keys.end());
  for (const auto& [key, target] : options.params) {
    if (readable.count(key) == 0) {
      problems.push_back("unknown parameter '" + key + "': the fragment reads " + list(readable) +
                         " (declare others with declare_config)");
    }
  }
  std::set<std::string> existing;
  for (const Pipeline::Member& member : Composer::all_members(into)) {
    existing.insert(member.factory->name());
  }
  for (const Pipeline::Member& member : Composer::all_members(fragment)) {
    std::string name = join_ns(options.ns, member.factory->name());
    if (existing.count(name) > 0) {
      problems.push_back("pipeline '" + into.name() + "' already has a factory named '" + name +
                         "'; include the fragment under another namespace (ns)");
    }
  }
  return problems;
}

}  // namespace

void Composer::rename(Pipeline& fragment, const FragmentScan& scan, const ComposeOptions& options) {
  const std::string& ns = options.ns;
  std::vector<Pipeline::Member> members = fragment.all_members();
  std::map<std::string, std::string> new_names;
  for (const Pipeline::Member& member : members) {
    new_names[member.factory->name()] = join_ns(ns, member.factory->name());
  }
  auto renamed = [&](const std::string& name) {
    auto found = new_names.find(name);
    return found == new_names.end() ? name : found->second;
  };
  ConfigLevel level{ns, options.params, options.globals};
  bool scoped_config = !ns.empty() || !options.params.empty() || !options.globals.empty();
  std::map<std::string, std::string> input_ids;  // old id -> new id of the fragment's inputs
  for (Deliverable& input : fragment.inputs_) {
    std::string id = input.delivery_id().empty() ? std::string() : join_ns(ns, input.delivery_id());
    input_ids[input.delivery_id()] = id;
    std::vector<std::string> consumers;
    for (const std::string& consumer : input.consumers()) {
      consumers.push_back(renamed(consumer));
    }
    input = input.with_route(id, std::move(consumers));
  }
  for (const Pipeline::Member& member : members) {
    FactoryBase& factory = *member.factory;
    std::string old_name = factory.name();
    std::string id = factory.delivery_id();
    if (auto mapped = options.outputs.find(id.empty() ? old_name : id);
        mapped != options.outputs.end()) {
      id = mapped->second;
    } else if (auto by_name = options.outputs.find(old_name); by_name != options.outputs.end()) {
      id = by_name->second;
    } else if (!id.empty()) {
      id = join_ns(ns, id);
    }
    factory.delivery_id_ = id;
    factory.name_ = renamed(old_name);
    for (std::string& consumer : factory.consumers_) {
      consumer = renamed(consumer);
    }
    for (std::string& before : factory.after_) {
      before = renamed(before);
    }
    factory.namespace_ = join_ns(ns, factory.namespace_);
    if (scoped_config) {
      factory.config_levels_.push_back(level);
    }
  }
  for (const FragmentScan::Bound& bound : scan.bound) {
    DeliveryBase& delivery = *bound.delivery;
    delivery.scope_.clear();
    delivery.floor_.reset();
    if (bound.input) {
      const Deliverable& input = fragment.inputs_[*bound.input];
      delivery.options_.id = input.delivery_id();
      if (!delivery.options_.producer.empty()) {
        delivery.options_.producer = std::string(kExternalProducer);
      }
    } else {
      delivery.bound_to_ = bound.factory;
      delivery.bound_by_producer_ = bound.by_producer;
    }
  }
  for (const FragmentScan::Free& free : scan.free) {
    DeliveryBase& delivery = *free.delivery;
    if (auto mapped = options.inputs.find(free.name); mapped != options.inputs.end()) {
      if (free.by == FragmentScan::Free::By::kProducer) {
        delivery.options_.producer = mapped->second;
      } else {
        delivery.options_.id = mapped->second;
      }
      delivery.scope_.clear();
      delivery.floor_ = options.strict ? std::optional<std::string>("") : std::nullopt;
      continue;
    }
    if (free.by == FragmentScan::Free::By::kType) {
      continue;
    }
    delivery.scope_ = join_ns(ns, delivery.scope_);
    if (delivery.floor_) {
      delivery.floor_ = join_ns(ns, *delivery.floor_);
    } else if (options.strict) {
      delivery.floor_ = ns;
    }
  }
  for (auto& stage : fragment.stages_) {
    stage->name_ = join_ns(ns, stage->name_);
    if (scoped_config) {
      stage->config_levels_.push_back(level);
    }
  }
  for (auto& each : fragment.switches_) {
    each->name_ = join_ns(ns, each->name_);
    if (scoped_config) {
      each->config_levels_.push_back(level);
    }
  }
  for (auto& experiment : fragment.experiments_) {
    experiment->name_ = join_ns(ns, experiment->name_);
  }
  for (std::string& key : fragment.declared_config_) {
    key = resolve_config_key({level}, key);
  }
}

void Composer::include(Pipeline& into, Pipeline fragment, const ComposeOptions& options) {
  if (&into == &fragment) {
    throw DeliveryError("pipeline '" + into.name() + "' cannot include itself");
  }
  FragmentScan scan = Composer::scan(fragment);
  PipelineInterface interface = interface_of(fragment, scan);
  std::vector<std::string> problems = scan.problems;
  std::vector<std::string> more = check_options(into, fragment, interface, options);
  problems.insert(problems.end(), more.begin(), more.end());
  if (!problems.empty()) {
    std::string message = "cannot include pipeline '" + fragment.name() + "' in '" + into.name() +
                          "'" + (options.ns.empty() ? "" : " as '" + options.ns + "'") + ": " +
                          std::to_string(problems.size()) + " problem(s):";
    for (size_t i = 0; i < problems.size(); ++i) {
      message += "\n  " + std::to_string(i + 1) + ". " + problems[i];
    }
    throw DeliveryError(message);
  }
  rename(fragment, scan, options);
  into.compositions_.push_back(describe_options(fragment.name(), options));
  for (const std::string& inner : fragment.compositions_) {
    size_t indent = inner.find_first_not_of(' ');
    std::string line = inner.substr(indent);
    const std::string kRoot = "(no namespace)";
    if (!options.ns.empty()) {
      line = line.starts_with(kRoot) ? options.ns + line.substr(kRoot.size())
                                     : options.ns + "." + line;
    }
    into.compositions_.push_back(std::string(indent + 2, ' ') + line);
  }
  for (std::string& key : fragment.declared_config_) {
    if (std::find(into.declared_config_.begin(), into.declared_config_.end(), key) ==
        into.declared_config_.end()) {
      into.declared_config_.push_back(std::move(key));
    }
  }
  for (Deliverable& input : fragment.inputs_) {
    into.inputs_.push_back(std::move(input));
  }
  for (auto& stage : fragment.stages_) {
    into.stages_.push_back(std::move(stage));
  }
  for (auto& factory : fragment.unstaged_) {
    into.unstaged_.push_back(std::move(factory));
  }
  for (auto& each : fragment.switches_) {
    into.switches_.push_back(std::move(each));
  }
  for (auto& experiment : fragment.experiments_) {
    into.experiments_.push_back(std::move(experiment));
  }
  fragment.stages_.clear();
  fragment.unstaged_.clear();
  fragment.switches_.clear();
  fragment.experiments_.clear();
  fragment.inputs_.clear();
  refresh_bound(into);
}

void Composer::chain(const Pipeline& upstream, Pipeline& downstream) {
  std::vector<Pipeline::Member> outputs = upstream.all_members();
  size_t next_rank = 0;
  for (const Pipeline::Member& member : outputs) {
    next_rank = std::max(next_rank, member.factory->chain_rank_ + 1);
  }
  std::vector<std::string> problems;
  FragmentScan scan = Composer::scan(downstream);
  for (const FragmentScan::Free& free : scan.free) {
    DeliveryBase& delivery = *free.delivery;
    for (const std::string& scope : lookup_scopes(delivery)) {
      ScopedName name = scoped_name(delivery, scope);
      std::vector<FactoryBase*> latest;
      for (const Pipeline::Member& member : outputs) {
        FactoryBase& factory = *member.factory;
        bool matches = factory.output_type() == delivery.type() &&
                       factory.delivery_id() == name.id &&
                       (name.producer.empty() || factory.name() == name.producer);
        if (!matches) {
          continue;
        }
        if (!latest.empty() && factory.chain_rank_ > latest.front()->chain_rank_) {
          latest.clear();
        }
        if (latest.empty() || factory.chain_rank_ == latest.front()->chain_rank_) {
          latest.push_back(&factory);
        }
      }
      if (latest.empty()) {
        continue;
      }
      if (latest.size() > 1) {
        std::set<std::string> names;
        for (const FactoryBase* factory : latest) {
          names.insert(factory->name());
        }
        problems.push_back("factory '" + delivery.owner().name() + "' " + delivery.describe() +
                           " matches " + std::to_string(latest.size()) + " outputs of '" +
                           upstream.name() + "' equally: " + list(names) +
                           "; name a producer or give them distinct delivery ids");
      } else {
        delivery.bound_to_ = latest.front();
        delivery.bound_by_producer_ = true;
        delivery.scope_.clear();
        delivery.floor_.reset();
      }
      break;
    }
  }
  if (!problems.empty()) {
    std::string message = "cannot chain '" + upstream.name() + "' >> '" + downstream.name() +
                          "': " + std::to_string(problems.size()) + " problem(s):";
    for (size_t i = 0; i < problems.size(); ++i) {
      message += "\n  " + std::to_string(i + 1) + ". " + problems[i];
    }
    throw DeliveryError(message);
  }
  for (const Pipeline::Member& member : downstream.all_members()) {
    member.factory->chain_rank_ += next_rank;
  }
}

void Composer::rename_inputs(FactoryBase& factory,
                             const std::map<std::string, std::string>& renames) {
  for (const auto& rename : renames) {
    const std::string& from = rename.first;
    const std::string& to = rename.second;
    bool by_id = std::any_of(factory.deliveries_.begin(), factory.deliveries_.end(),
                             [&](const DeliveryBase* delivery) { return delivery->id() == from; });
    bool renamed = false;
    for (DeliveryBase* delivery : factory.deliveries_) {
      std::string& name = by_id ? delivery->options_.id : delivery->options_.producer;
      if (name == from) {
        name = to;
        renamed = true;
      }
    }
    if (!renamed) {
      throw DeliveryError("factory '" + factory.name() + "' has no input asking for '" + from +
                          "' (by delivery id or producer)");
    }
  }
}

}  // namespace detail

std::string PipelineInterface::hash() const {
  std::vector<std::string> ports;
  for (const InterfacePort& port : inputs) {
    ports.push_back("in\x1f" + port.name + "\x1f" + port.type + (port.optional ? "\x1f?" : ""));
  }
  for (const InterfacePort& port : outputs) {
    ports.push_back("out\x1f" + port.name + "\x1f" + port.type);
  }
  std::sort(ports.begin(), ports.end());
  std::string text;
  for (const std::string& port : ports) {
    text += port + "\x1e";
  }
  return stable_hash(text).substr(0, 16);
}

std::string PipelineInterface::to_string() const {
  auto ports = [](const std::vector<InterfacePort>& list) {
    std::string text;
    for (const InterfacePort& port : list) {
      text += (text.empty() ? "" : ", ") + port.name + " (" + port.type +
              (port.optional ? ", optional)" : ")");
    }
    return text.empty() ? std::string("none") : text;
  };
  return "inputs: " + ports(inputs) + "; outputs: " + ports(outputs);
}

void rename_inputs(FactoryBase& factory, const std::map<std::string, std::string>& renames) {
  detail::Composer::rename_inputs(factory, renames);
}

Pipeline operator>>(Pipeline upstream, Pipeline downstream) {
  detail::Composer::chain(upstream, downstream);
  upstream.include(std::move(downstream));
  return upstream;
}

Pipeline operator|(Pipeline left, Pipeline right) {
  left.include(std::move(right));
  return left;
}

Pipeline& Pipeline::include(Pipeline fragment, const ComposeOptions& options) {
  detail::Composer::include(*this, std::move(fragment), options);
  return *this;
}

Pipeline& Pipeline::include(Pipeline fragment) {
  return include(std::move(fragment), ComposeOptions{});
}

PipelineInterface Pipeline::interface() const {
  return detail::Composer::interface_of(*this, detail::Composer::scan(*this));
}

Pipeline& Pipeline::declare_config(std::vector<std::string> keys) {
  for (std::string& key : keys) {
    if (std::find(declared_config_.begin(), declared_config_.end(), key) ==
        declared_config_.end()) {
      declared_config_.push_back(std::move(key));
    }
  }
  return *this;
}

std::vector<std::string> Pipeline::config_keys() const {
  std::vector<std::string> keys = declared_config_;
  for (const std::string& key : detail::config_keys_read(*this)) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      keys.push_back(key);
    }
  }
  return keys;
}

}  // namespace setl::workflow
