// The one exception hierarchy of setlpp. Every error says what was expected, what was
// found and where; callers catch `setl::Error` or the most specific subclass that applies.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace setl {

/// Who is to blame for an error, so that callers (and later the retry policy) can tell a
/// bad config from a bug or a flaky disk.
enum class ErrorKind {
  kUser,       ///< bad configuration, bad input data, misuse of the API
  kInternal,   ///< a bug in setlpp
  kExternal,   ///< I/O, database, network, or an exception thrown by user code
  kResource,   ///< memory or disk budget exceeded
  kCancelled,  ///< the work was cancelled on request
};

/// Returns "user", "internal", ... for messages and logs.
std::string_view to_string(ErrorKind kind);

/// What a failure means for trying again. Retry policies retry kTransient and kTimeout by
/// default; everything else fails at once.
enum class ErrorCategory {
  kTransient,  ///< may not recur: a refused connection, a busy lock, EAGAIN, a dropped socket
  kPermanent,  ///< will recur: bad input, a missing table, a syntax or type error
  kCancelled,  ///< the work was cancelled on request
  kTimeout,    ///< the work took longer than it was allowed
  kResource,   ///< a memory or disk budget was exceeded
  kBug,        ///< an invariant broke (setlpp's, or a logic_error in user code)
};
/// "transient", "permanent", "cancelled", "timeout", "resource", "bug".
std::string_view to_string(ErrorCategory category);

/// The category an error of `kind` has unless it says otherwise: user → permanent,
/// internal → bug, external → permanent, resource → resource, cancelled → cancelled.
ErrorCategory default_category(ErrorKind kind) noexcept;
/// The category of an errno value from a failed system call: EAGAIN, EINTR, EBUSY,
/// ECONNREFUSED, ECONNRESET, ECONNABORTED, EPIPE, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH,
/// ENETDOWN → transient (ETIMEDOUT → timeout); ENOSPC, EDQUOT, ENOMEM → resource;
/// anything else → permanent.
ErrorCategory category_of_errno(int error_number) noexcept;
/// The category of a thrown exception: a setl::Error's own; for a FactoryError the nested
/// exception's; std::bad_alloc → resource, std::system_error → by its errno,
/// std::logic_error → bug, anything else → permanent.
ErrorCategory category_of(const std::exception_ptr& error);

/// Root of every exception setlpp throws.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message);
  Error(ErrorKind kind, std::string message, ErrorCategory category);

  ErrorKind kind() const noexcept { return kind_; }
  ErrorCategory category() const noexcept { return category_; }
  /// The message followed by one line per context added on the way up.
  const char* what() const noexcept override { return what_.c_str(); }
  /// The message without context lines added while the error travelled up.
  const std::string& message() const noexcept { return message_; }

  /// Appends a line saying where the error passed through ("in factory 'X' during
  /// process()"); rethrowing with `throw;` keeps the dynamic type.
  void add_context(std::string_view context);

 private:
  ErrorKind kind_;
  ErrorCategory category_;
  std::string message_;
  std::string what_;
};

/// A configuration file, key or value is missing or malformed.
class ConfigError : public Error {
 public:
  explicit ConfigError(std::string message) : Error(ErrorKind::kUser, std::move(message)) {}
};

/// A factory's declared input cannot be matched to exactly one deliverable, or a
/// delivered value is read with the wrong type or while empty.
class DeliveryError : public Error {
 public:
  explicit DeliveryError(std::string message) : Error(ErrorKind::kUser, std::move(message)) {}
};

/// Data does not have the columns or types that were expected.
class SchemaError : public Error {
 public:
  explicit SchemaError(std::string message) : Error(ErrorKind::kUser, std::move(message)) {}
};

/// Text (an expression, a config value, a data file) cannot be parsed.
class ParseError : public Error {
 public:
  explicit ParseError(std::string message) : Error(ErrorKind::kUser, std::move(message)) {}
};

/// An API was called in a state where it cannot answer, such as reading a factory's
/// output before the factory ran.
class StateError : public Error {
 public:
  explicit StateError(std::string message) : Error(ErrorKind::kUser, std::move(message)) {}
};

/// Reading or writing a file, database or socket failed. Connectors give the category
/// (category_of_errno, a busy database lock...); without one it is permanent.
class IoError : public Error {
 public:
  explicit IoError(std::string message, ErrorCategory category = ErrorCategory::kPermanent)
      : Error(ErrorKind::kExternal, std::move(message), category) {}
};

/// A failure worth trying again (a flaky endpoint): what user code throws to ask for a
/// retry under the factory's retry policy.
class TransientError : public Error {
 public:
  explicit TransientError(std::string message)
      : Error(ErrorKind::kExternal, std::move(message), ErrorCategory::kTransient) {}
};

/// A failure that no retry can fix: throwing it skips the retry policy.
class PermanentError : public Error {
 public:
  explicit PermanentError(std::string message)
      : Error(ErrorKind::kExternal, std::move(message), ErrorCategory::kPermanent) {}
};

/// Work took longer than its timeout and was stopped.
class TimeoutError : public Error {
 public:
  explicit TimeoutError(std::string message)
      : Error(ErrorKind::kExternal, std::move(message), ErrorCategory::kTimeout) {}
};

/// User code inside a factory threw something that is not a `setl::Error`; the original
/// exception is nested (`std::rethrow_if_nested`).
class FactoryError : public Error {
 public:
  explicit FactoryError(std::string message) : Error(ErrorKind::kExternal, std::move(message)) {}
};

/// Work stopped because it was cancelled.
class CancelledError : public Error {
 public:
  explicit CancelledError(std::string message) : Error(ErrorKind::kCancelled, std::move(message)) {}
};

/// A memory or disk budget would be exceeded.
class ResourceError : public Error {
 public:
  explicit ResourceError(std::string message) : Error(ErrorKind::kResource, std::move(message)) {}
};

/// Another rank of a distributed run failed or aborted it, or the ranks disagree (their
/// plans differ): the message names the rank and what it was doing. Blame: external.
class DistributedError : public Error {
 public:
  explicit DistributedError(std::string message)
      : Error(ErrorKind::kExternal, std::move(message)) {}
};

/// An invariant of setlpp itself does not hold: a bug to report.
class InternalError : public Error {
 public:
  explicit InternalError(std::string message) : Error(ErrorKind::kInternal, std::move(message)) {}
};

}  // namespace setl
