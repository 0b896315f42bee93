// A factory made from a plain function or lambda (the Hamilton style): each parameter is a
// delivery, the return value is the output. Parameter types are checked at compile time:
// `const T&` (or `T`) is a required input, `const T*` an optional one (null when nothing
// matches).
//
//   pipeline.add_function("revenue", [](const std::vector<Order>& orders, const double* fx) {
//     double total = 0;
//     for (const Order& order : orders) total += order.amount;
//     return total * (fx ? *fx : 1.0);
//   }, {{}, {.id = "eur_usd"}});
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "setl/core/error.h"
#include "setl/workflow/factory.h"

namespace setl::workflow {
namespace detail {

template <class Signature>
struct CallableTraits;
template <class R, class... Args>
struct CallableTraits<R (*)(Args...)> {
  using Result = R;
  using Parameters = std::tuple<Args...>;
};
template <class R, class C, class... Args>
struct CallableTraits<R (C::*)(Args...) const> : CallableTraits<R (*)(Args...)> {};
template <class R, class C, class... Args>
struct CallableTraits<R (C::*)(Args...)> : CallableTraits<R (*)(Args...)> {};

template <class Fn>
struct FunctionTraits : CallableTraits<decltype(&Fn::operator())> {};
template <class R, class... Args>
struct FunctionTraits<R (*)(Args...)> : CallableTraits<R (*)(Args...)> {};

// What a parameter receives: `const T*` is an optional T, anything else a required T.
template <class P>
struct ParameterTraits {
  using Value = std::remove_cvref_t<P>;
  static constexpr bool kOptional = false;
};
template <class T>
struct ParameterTraits<const T*> {
  using Value = std::remove_cv_t<T>;
  static constexpr bool kOptional = true;
};

}  // namespace detail

template <class Fn>
class FunctionFactory
    : public Factory<std::remove_cvref_t<typename detail::FunctionTraits<Fn>::Result>> {
  using Traits = detail::FunctionTraits<Fn>;
  using Output = std::remove_cvref_t<typename Traits::Result>;
  using Parameters = typename Traits::Parameters;
  static constexpr size_t kArity = std::tuple_size_v<Parameters>;
  static_assert(!std::is_void_v<Output>, "add_function: the function must return its output");

 public:
  /// Throws: DeliveryError if `inputs` has more entries than the function has parameters.
  FunctionFactory(Fn function, std::vector<DeliveryOptions> inputs)
      : function_(std::move(function)),
        deliveries_(make_deliveries(std::move(inputs), std::make_index_sequence<kArity>())) {}

 protected:
  Output process() override { return call(std::make_index_sequence<kArity>()); }

 private:
  template <size_t I>
  using Parameter = detail::ParameterTraits<std::tuple_element_t<I, Parameters>>;
  template <size_t I>
  using DeliveryOf = std::unique_ptr<Delivery<typename Parameter<I>::Value>>;
  using Deliveries = decltype([]<size_t... I>(std::index_sequence<I...>) {
    return std::tuple<DeliveryOf<I>...>();
  }(std::make_index_sequence<kArity>()));

  template <size_t... I>
  Deliveries make_deliveries(std::vector<DeliveryOptions> inputs, std::index_sequence<I...>) {
    if (inputs.size() > kArity) {
      throw DeliveryError("add_function: " + std::to_string(inputs.size()) +
                          " DeliveryOptions given for a function of " + std::to_string(kArity) +
                          " parameter(s)");
    }
    inputs.resize(kArity);
    [[maybe_unused]] auto make = [&]<size_t Index>() {
      DeliveryOptions options = std::move(inputs[Index]);
      options.optional = options.optional || Parameter<Index>::kOptional;
      return std::make_unique<Delivery<typename Parameter<Index>::Value>>(this, std::move(options));
    };
    // Braced initialisation runs the makers in parameter order, so inputs are numbered so.
    return Deliveries{make.template operator()<I>()...};
  }

  template <size_t I>
  decltype(auto) argument() const {
    const auto& delivery = *std::get<I>(deliveries_);
    if constexpr (Parameter<I>::kOptional) {
      return delivery.has_value() ? &delivery.get() : nullptr;
    } else {
      return delivery.get();
    }
  }

  template <size_t... I>
  Output call(std::index_sequence<I...>) {
    return function_(argument<I>()...);
  }

  Fn function_;
  Deliveries deliveries_;
};

}  // namespace setl::workflow
