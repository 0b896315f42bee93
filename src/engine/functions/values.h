// Typed access to a kernel argument that is a column or one constant (private to the
// engine's kernels).
#pragma once

#include <type_traits>

#include "engine/functions/kernel.h"

namespace setl::engine::detail {

// A typed view of a datum: a pointer that advances with the row, or a constant.
template <class T>
struct Values {
  const T* data;
  bool scalar;
  T constant;
  T operator[](int64_t row) const { return scalar ? constant : data[row]; }
};

template <class T>
Values<T> values_of(const Datum& datum) {
  if (datum.is_scalar()) {
    T constant{};
    if (!datum.scalar.is_null()) {
      if constexpr (std::is_same_v<T, double>) {
        constant = datum.scalar.as_double();
      } else if constexpr (std::is_same_v<T, int128>) {
        constant = datum.scalar.as_decimal();
      } else {
        constant = static_cast<T>(datum.scalar.as_int());
      }
    }
    return {nullptr, true, constant};
  }
  return {datum.column->values<T>(), false, T{}};
}

}  // namespace setl::engine::detail
