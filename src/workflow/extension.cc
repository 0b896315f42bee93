// Extension: deriving a pipeline from another by replacing, removing or inserting factories
// and changing parameters, so that only what a change reaches moves (cache keys follow the
// DAG: a changed factory's key enters every key downstream of it).
#include <algorithm>
#include <set>

#include "composer.h"
#include "setl/core/error.h"
#include "setl/core/suggest.h"
#include "setl/workflow/inspector.h"

namespace setl::workflow {
namespace detail {
namespace {

// Where a factory added with add_factory or add lives, so it can be swapped or erased.
struct Slot {
  std::vector<std::unique_ptr<FactoryBase>>* owner = nullptr;
  size_t index = 0;
  FactoryBase* factory() const { return (*owner)[index].get(); }
};

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) {
    text += (text.empty() ? "" : ", ") + name;
  }
  return text.empty() ? "none" : text;
}

std::vector<std::string> member_names(const std::vector<Pipeline::Member>& members) {
  std::vector<std::string> names;
  for (const Pipeline::Member& member : members) {
    names.push_back(member.factory->name());
  }
  return names;
}

[[noreturn]] void throw_unknown(const Pipeline& pipeline, std::string_view name,
                                const std::vector<std::string>& names) {
  std::optional<std::string> hint = closest_match(std::string(name), names);
  throw DeliveryError("pipeline '" + pipeline.name() + "' has no factory named '" +
                      std::string(name) + "'" +
                      (hint ? "; did you mean '" + *hint + "'?" : std::string()));
}

std::optional<size_t> node_of(const Dag& dag, const FactoryBase& factory) {
  for (size_t i = 0; i < dag.nodes.size(); ++i) {
    if (dag.nodes[i].kind == DagNode::Kind::kFactory && dag.nodes[i].name == factory.name()) {
      return i;
    }
  }
  return std::nullopt;
}

// The slots of stage members and unstaged factories (those of switches and experiments
// are changed through them).
std::vector<Slot> slots_of(std::vector<std::unique_ptr<Stage>>& stages,
                           std::vector<std::unique_ptr<FactoryBase>>& unstaged) {
  std::vector<Slot> slots;
  for (auto& stage : stages) {
    for (size_t i = 0; i < Composer::stage_factories(*stage).size(); ++i) {
      slots.push_back({&Composer::stage_factories(*stage), i});
    }
  }
  for (size_t i = 0; i < unstaged.size(); ++i) {
    slots.push_back({&unstaged, i});
  }
  return slots;
}

}  // namespace

void Composer::replace(Pipeline& pipeline, const std::type_info& old_type, std::string_view name,
                       std::unique_ptr<FactoryBase> replacement) {
  if (!replacement) {
    throw DeliveryError("pipeline '" + pipeline.name() + "': replace() needs a factory");
  }
  std::vector<Slot> matches;
  for (const Slot& slot : slots_of(pipeline.stages_, pipeline.unstaged_)) {
    FactoryBase& candidate = *slot.factory();
    if (typeid(candidate) == old_type && (name.empty() || candidate.name() == name)) {
      matches.push_back(slot);
    }
  }
  std::string what = "class " + unqualified_type_name(old_type) +
                     (name.empty() ? std::string() : " named '" + std::string(name) + "'");
  if (matches.empty()) {
    throw DeliveryError("pipeline '" + pipeline.name() + "' has no factory of " + what +
                        " in a stage or unstaged to replace; factories: " +
                        join(member_names(pipeline.all_members())));
  }
  if (matches.size() > 1) {
    std::vector<std::string> names;
    for (const Slot& slot : matches) {
      names.push_back(slot.factory()->name());
    }
    throw DeliveryError("pipeline '" + pipeline.name() + "' has " + std::to_string(matches.size()) +
                        " factories of " + what + " (" + join(names) +
                        "); name the one to replace: replace<" + unqualified_type_name(old_type) +
                        ">(factory, \"" + names.front() + "\")");
  }
  std::unique_ptr<FactoryBase>& held = (*matches.front().owner)[matches.front().index];
  const FactoryBase& old = *held;
  FactoryBase& added = *replacement;
  added.name_ = old.name();
  added.delivery_id_ = old.delivery_id_;
  added.consumers_ = old.consumers_;
  added.namespace_ = old.namespace_;
  added.config_levels_ = old.config_levels_;
  added.chain_rank_ = old.chain_rank_;
  added.took_over_name_ = true;
  if (added.after_.empty()) {
    added.after_ = old.after_;
  }
  if (added.tags_.empty()) {
    added.tags_ = old.tags_;
  }
  if (!added.has_cache_policy_ && old.has_cache_policy_) {
    added.cache_policy_ = old.cache_policy_;
    added.has_cache_policy_ = true;
  }
  for (DeliveryBase* delivery : added.deliveries_) {
    if (delivery->bound_to_ == nullptr && !old.namespace_.empty()) {
      delivery->scope_ = old.namespace_;
    }
  }
  for (const Pipeline::Member& member : pipeline.all_members()) {
    for (DeliveryBase* delivery : member.factory->deliveries_) {
      if (delivery->bound_to_ == &old) {
        delivery->bound_to_ = &added;
      }
    }
  }
  held = std::move(replacement);
  refresh_bound(pipeline);
}

void Composer::remove(Pipeline& pipeline, std::string_view name) {
  std::vector<Slot> slots = slots_of(pipeline.stages_, pipeline.unstaged_);
  auto found = std::find_if(slots.begin(), slots.end(),
                            [&](const Slot& slot) { return slot.factory()->name() == name; });
  if (found == slots.end()) {
    throw_unknown(pipeline, name, member_names(pipeline.all_members()));
  }
  const FactoryBase& removed = *found->factory();
  Inspector inspector(pipeline);
  const Dag& dag = inspector.dag();
  std::set<std::string> readers;
  if (std::optional<size_t> node = node_of(dag, removed)) {
    for (const DagFlow& flow : dag.flows) {
      if (flow.from == *node) {
        readers.insert("'" + dag.nodes[flow.to].name + "' reads it (input #" +
                       std::to_string(flow.input) + ")");
      }
    }
  }
  for (const Pipeline::Member& member : pipeline.all_members()) {
    const std::vector<std::string>& after = member.factory->order_dependencies();
    if (std::find(after.begin(), after.end(), removed.name()) != after.end()) {
      readers.insert("'" + member.factory->name() + "' depends_on it");
    }
    for (const DeliveryBase* delivery : member.factory->deliveries()) {
      if (delivery->bound_to_ == &removed) {
        readers.insert("'" + member.factory->name() + "' is bound to it (input #" +
                       std::to_string(delivery->index()) + ")");
      }
    }
  }
  if (!readers.empty()) {
    std::string list;
    for (const std::string& reader : readers) {
      list += (list.empty() ? "" : "; ") + reader;
    }
    throw DeliveryError("cannot remove factory '" + std::string(name) + "' from pipeline '" +
                        pipeline.name() + "': " + list +
                        "; remove or replace those first, or insert_after/replace it instead");
  }
  found->owner->erase(found->owner->begin() + static_cast<std::ptrdiff_t>(found->index));
}

void Composer::insert_after(Pipeline& pipeline, std::string_view name,
                            std::unique_ptr<FactoryBase> inserted) {
  if (!inserted) {
    throw DeliveryError("pipeline '" + pipeline.name() + "': insert_after() needs a factory");
  }
  std::vector<Pipeline::Member> members = pipeline.all_members();
  auto target_member = std::find_if(members.begin(), members.end(), [&](const Pipeline::Member& m) {
    return m.factory->name() == name;
  });
  if (target_member == members.end()) {
    throw_unknown(pipeline, name, member_names(members));
  }
  FactoryBase& target = *target_member->factory;
  FactoryBase& added = *inserted;
  std::string where = "cannot insert '" + added.name() + "' after '" + target.name() + "': ";
  if (!(added.output_type() == target.output_type())) {
    throw DeliveryError(where + "it produces " + added.output_type().name() + ", but '" +
                        target.name() + "' produces " + target.output_type().name() +
                        "; an inserted factory passes on the type it reads");
  }
  std::vector<DeliveryBase*> reading;
  for (DeliveryBase* delivery : added.deliveries_) {
    if (delivery->type() == target.output_type()) {
      reading.push_back(delivery);
    }
  }
  if (reading.size() != 1) {
    throw DeliveryError(where + "it has " + std::to_string(reading.size()) + " inputs of type " +
                        target.output_type().name() + "; it needs exactly one to read '" +
                        target.name() + "' from");
  }
  std::string new_name = join_ns(target.namespace_, added.name());
  for (const Pipeline::Member& member : members) {
    if (member.factory->name() == new_name) {
      throw DeliveryError(where + "pipeline '" + pipeline.name() + "' already has a factory '" +
                          new_name + "'; set_name() the inserted factory");
    }
  }
  Inspector inspector(pipeline);
  const Dag& dag = inspector.dag();
  std::optional<size_t> node = node_of(dag, target);
  std::vector<DeliveryBase*> readers;
  for (const DagFlow& flow : dag.flows) {
    if (node && flow.from == *node) {
      for (const Pipeline::Member& member : members) {
        if (member.factory->name() == dag.nodes[flow.to].name) {
          readers.push_back(member.factory->deliveries_[flow.input]);
        }
      }
    }
  }
  for (const Pipeline::Member& member : members) {
    for (DeliveryBase* delivery : member.factory->deliveries_) {
      if (delivery->bound_to_ == &target &&
          std::find(readers.begin(), readers.end(), delivery) == readers.end()) {
        readers.push_back(delivery);
      }
    }
  }
  added.name_ = new_name;
  added.namespace_ = target.namespace_;
  added.config_levels_ = target.config_levels_;
  added.chain_rank_ = target.chain_rank_;
  DeliveryBase& input = *reading.front();
  input.bound_to_ = &target;
  input.bound_by_producer_ = true;
  input.scope_.clear();
  input.floor_.reset();
  for (DeliveryBase* reader : readers) {
    reader->bound_to_ = &added;
    reader->bound_by_producer_ = true;
    reader->scope_.clear();
    reader->floor_.reset();
  }
  pipeline.unstaged_.push_back(std::move(inserted));
  refresh_bound(pipeline);
}

}  // namespace detail

void Pipeline::replace_member(const std::type_info& old_type, std::string_view name,
                              std::unique_ptr<FactoryBase> replacement) {
  detail::Composer::replace(*this, old_type, name, std::move(replacement));
}

Pipeline& Pipeline::remove(std::string_view factory) {
  detail::Composer::remove(*this, factory);
  return *this;
}

void Pipeline::insert_member_after(std::string_view factory,
                                   std::unique_ptr<FactoryBase> inserted) {
  detail::Composer::insert_after(*this, factory, std::move(inserted));
}

Pipeline& Pipeline::with_params(std::string_view factory,
                                const std::map<std::string, std::string>& params) {
  std::vector<Member> members = all_members();
  for (const Member& member : members) {
    if (member.factory->name() == factory) {
      for (const auto& [name, value] : params) {
        member.factory->set_param(name, value);
      }
      return *this;
    }
  }
  detail::throw_unknown(*this, factory, detail::member_names(members));
}

}  // namespace setl::workflow
