// Readable C++ type names for messages, DAG labels and logs: demangled, with default
// template arguments (allocators, char traits, comparators) and libstdc++'s inline
// namespaces removed, so `std::vector<Order>` reads as written.
#pragma once

#include <string>
#include <typeindex>
#include <typeinfo>

namespace setl {

/// Returns the readable name of a type, e.g. "std::map<std::string, int>".
std::string pretty_type_name(const std::type_info& type);

/// Returns the last component of a readable name without template arguments removed:
/// "shop::OrdersFactory" -> "OrdersFactory", "ns::Scale<ns::Eur>" -> "Scale<ns::Eur>".
std::string unqualified_type_name(const std::type_info& type);

/// Identity and readable name of a C++ type, the key deliveries are matched on.
class TypeInfo {
 public:
  template <class T>
  static TypeInfo of() {
    return TypeInfo(typeid(T));
  }
  explicit TypeInfo(const std::type_info& type) : index_(type), name_(pretty_type_name(type)) {}

  std::type_index index() const noexcept { return index_; }
  const std::string& name() const noexcept { return name_; }

  friend bool operator==(const TypeInfo& a, const TypeInfo& b) { return a.index_ == b.index_; }

 private:
  std::type_index index_;
  std::string name_;
};

}  // namespace setl
