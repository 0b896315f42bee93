#include "setl/core/error.h"

namespace setl {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUser:
      return "user";
    case ErrorKind::kInternal:
      return "internal";
    case ErrorKind::kExternal:
      return "external";
    case ErrorKind::kResource:
      return "resource";
    case ErrorKind::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

Error::Error(ErrorKind kind, std::string message)
    : std::runtime_error(message), kind_(kind), message_(message), what_(std::move(message)) {}

void Error::add_context(std::string_view context) {
  what_ += "\n  ";
  what_ += context;
}

}  // namespace setl
