#include "setl/core/error.h"

#include <cerrno>
#include <new>
#include <stdexcept>
#include <system_error>

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

std::string_view to_string(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::kTransient:
      return "transient";
    case ErrorCategory::kPermanent:
      return "permanent";
    case ErrorCategory::kCancelled:
      return "cancelled";
    case ErrorCategory::kTimeout:
      return "timeout";
    case ErrorCategory::kResource:
      return "resource";
    case ErrorCategory::kBug:
      return "bug";
  }
  return "unknown";
}

ErrorCategory default_category(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kInternal:
      return ErrorCategory::kBug;
    case ErrorKind::kResource:
      return ErrorCategory::kResource;
    case ErrorKind::kCancelled:
      return ErrorCategory::kCancelled;
    case ErrorKind::kUser:
    case ErrorKind::kExternal:
      return ErrorCategory::kPermanent;
  }
  return ErrorCategory::kPermanent;
}

ErrorCategory category_of_errno(int error_number) noexcept {
  switch (error_number) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EINTR:
    case EBUSY:
    case ECONNREFUSED:
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case ENETDOWN:
      return ErrorCategory::kTransient;
    case ETIMEDOUT:
      return ErrorCategory::kTimeout;
    case ENOSPC:
    case EDQUOT:
    case ENOMEM:
      return ErrorCategory::kResource;
    default:
      return ErrorCategory::kPermanent;
  }
}

Error::Error(ErrorKind kind, std::string message)
    : Error(kind, std::move(message), default_category(kind)) {}

Error::Error(ErrorKind kind, std::string message, ErrorCategory category)
    : std::runtime_error(message),
      kind_(kind),
      category_(category),
      message_(message),
      what_(std::move(message)) {}

void Error::add_context(std::string_view context) {
  what_ += "\n  ";
  what_ += context;
}

ErrorCategory category_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const FactoryError& wrapper) {
    try {
      std::rethrow_if_nested(wrapper);
    } catch (...) {
      return category_of(std::current_exception());
    }
    return wrapper.category();
  } catch (const Error& failure) {
    return failure.category();
  } catch (const std::bad_alloc&) {
    return ErrorCategory::kResource;
  } catch (const std::system_error& failure) {
    return failure.code().category() == std::generic_category() ||
                   failure.code().category() == std::system_category()
               ? category_of_errno(failure.code().value())
               : ErrorCategory::kPermanent;
  } catch (const std::logic_error&) {
    return ErrorCategory::kBug;
  } catch (...) {
    return ErrorCategory::kPermanent;
  }
}

}  // namespace setl
