#include "setl/core/type_name.h"

#include <array>
#include <cstdlib>
#include <memory>
#include <string_view>

#include <cxxabi.h>

namespace setl {
namespace {

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(mangled);
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Template arguments that are defaults in every real use and only add noise.
constexpr std::array<std::string_view, 6> kNoiseArguments = {
    "std::allocator<", "std::char_traits<", "std::less<",
    "std::equal_to<",  "std::hash<",        "std::default_delete<"};

bool starts_noise_argument(std::string_view text) {
  for (std::string_view noise : kNoiseArguments) {
    if (text.starts_with(noise)) {
      return true;
    }
  }
  return false;
}

// Removes ", std::allocator<...>" style arguments, tracking bracket depth so that nested
// templates inside the removed argument are removed with it.
std::string drop_noise_arguments(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, ", ") == 0 &&
        starts_noise_argument(std::string_view(text).substr(i + 2))) {
      size_t j = i + 2;
      int depth = 0;
      for (; j < text.size(); ++j) {
        if (text[j] == '<') {
          ++depth;
        } else if (text[j] == '>') {
          if (depth == 0) {
            break;
          }
          if (--depth == 0) {
            ++j;
            break;
          }
        } else if (text[j] == ',' && depth == 0) {
          break;
        }
      }
      i = j;
      continue;
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

}  // namespace

std::string pretty_type_name(const std::type_info& type) {
  std::string name = demangle(type.name());
  replace_all(name, "std::__cxx11::", "std::");
  replace_all(name, "std::__1::", "std::");
  name = drop_noise_arguments(name);
  replace_all(name, " >", ">");
  replace_all(name, "std::basic_string<char>", "std::string");
  replace_all(name, "std::basic_string_view<char>", "std::string_view");
  return name;
}

std::string unqualified_type_name(const std::type_info& type) {
  std::string name = pretty_type_name(type);
  // The last "::" outside template brackets separates namespace from the type.
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i + 1 < name.size(); ++i) {
    if (name[i] == '<') {
      ++depth;
    } else if (name[i] == '>') {
      --depth;
    } else if (depth == 0 && name[i] == ':' && name[i + 1] == ':') {
      start = i + 2;
    }
  }
  return name.substr(start);
}

}  // namespace setl
