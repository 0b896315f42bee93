// How composition renames and binds. A fragment's deliveries are sorted into those its own
// factories or inputs fill (bound: they follow their producer through every later rename)
// and free ones (scoped: their names are looked up when the final pipeline is planned,
// from their namespace outwards; see composition.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "setl/workflow/composition.h"
#include "setl/workflow/delivery.h"
#include "setl/workflow/factory.h"
#include "setl/workflow/pipeline.h"

namespace setl::workflow::detail {

/// "a" + "b" = "a.b"; an empty part drops out.
std::string join_ns(std::string_view outer, std::string_view inner);

/// The namespaces a free delivery's lookup tries, innermost first: scope "a.b" gives
/// "a.b", "a", "" — or stops at its strict scope.
std::vector<std::string> lookup_scopes(const DeliveryBase& delivery);

/// The producer and id a delivery asks for when looked up in `scope`.
struct ScopedName {
  std::string producer;
  std::string id;
};
ScopedName scoped_name(const DeliveryBase& delivery, const std::string& scope);

struct FragmentScan {
  struct Bound {
    DeliveryBase* delivery = nullptr;
    /// The factory filling it, or the fragment's input `input`.
    const FactoryBase* factory = nullptr;
    std::optional<size_t> input;
    /// False for a group of build-time variants: the id is bound, not one of them.
    bool by_producer = true;
  };
  struct Free {
    DeliveryBase* delivery = nullptr;
    /// The interface name: its id, else its producer, else its type, within its scope.
    std::string name;
    /// Which of the delivery's names `name` stands for.
    enum class By { kId, kProducer, kType } by = By::kId;
  };
  std::vector<Bound> bound;
  std::vector<Free> free;
  std::vector<std::string> problems;
};

class Composer {
 public:
  /// Sorts the deliveries of every member of `fragment` (variants included).
  static FragmentScan scan(const Pipeline& fragment);
  static PipelineInterface interface_of(const Pipeline& fragment, const FragmentScan& scan);
  /// Pipeline::include. Throws: DeliveryError with every violation, before changing `into`.
  static void include(Pipeline& into, Pipeline fragment, const ComposeOptions& options);
  /// Binds `downstream`'s free inputs to `upstream`'s outputs, the latest in the chain
  /// first, and ranks `downstream` after `upstream`. Throws: DeliveryError on ambiguity.
  static void chain(const Pipeline& upstream, Pipeline& downstream);

  /// Records on every factory of `fragment` the library component it comes from.
  static void mark_component(Pipeline& fragment, const std::string& id) {
    for (const Pipeline::Member& member : fragment.all_members()) {
      member.factory->component_ = id;
    }
  }

  static void rename_inputs(FactoryBase& factory,
                            const std::map<std::string, std::string>& renames);

  /// Extension (Pipeline::replace and friends).
  static void replace(Pipeline& pipeline, const std::type_info& old_type, std::string_view name,
                      std::unique_ptr<FactoryBase> replacement);
  static void remove(Pipeline& pipeline, std::string_view factory);
  static void insert_after(Pipeline& pipeline, std::string_view factory,
                           std::unique_ptr<FactoryBase> inserted);

  static std::vector<std::unique_ptr<FactoryBase>>& stage_factories(Stage& stage) {
    return stage.factories_;
  }
  /// Every member, build-time variants included.
  static std::vector<Pipeline::Member> all_members(const Pipeline& pipeline) {
    return pipeline.all_members();
  }
  static const std::vector<ConfigLevel>& config_levels(const Stage& stage) {
    return stage.config_levels_;
  }
  static const std::vector<ConfigLevel>& config_levels(const Switch& each) {
    return each.config_levels_;
  }

 private:
  // Producer and id of every bound delivery follow the factory it is bound to.
  static void refresh_bound(const Pipeline& pipeline);
  static void rename(Pipeline& fragment, const FragmentScan& scan, const ComposeOptions& options);
};

}  // namespace setl::workflow::detail
