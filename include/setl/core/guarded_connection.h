// A pooled connection held as one call of its endpoint's circuit breaker: what the SQLite
// and PostgreSQL connectors use for every operation. The breaker is asked first (an open
// one refuses at once, without touching the pool or the endpoint), then the pool; the
// call counts as succeeded when the connection goes back, unless failed() said otherwise,
// and a failed connection is closed rather than reused.
//
//   GuardedConnection<Session> session("postgres:db1:5432/sales", hooks);
//   with_connection(session, [&](Session& s) { s.execute("..."); });
#pragma once

#include <exception>
#include <string>
#include <utility>

#include "setl/core/circuit_breaker.h"
#include "setl/core/connection_pool.h"

namespace setl {

template <class Connection>
class GuardedConnection {
 public:
  /// Throws: CircuitOpenError while the endpoint's breaker is open; what opening a
  /// connection throws; TimeoutError when the pool stays full.
  GuardedConnection(const std::string& endpoint, typename ConnectionPool<Connection>::Hooks hooks)
      : permit_(BreakerRegistry::global().get(endpoint)->acquire()),
        lease_(checkout(endpoint, std::move(hooks), permit_)) {}
  ~GuardedConnection() {
    if (error_) {
      permit_.finished_with(error_);
    } else {
      permit_.succeeded();
    }
  }
  GuardedConnection(const GuardedConnection&) = delete;
  GuardedConnection& operator=(const GuardedConnection&) = delete;

  Connection& operator*() const { return *lease_; }
  Connection* operator->() const { return &*lease_; }
  /// The call failed with `error`: the connection is closed, not reused (it may be in the
  /// middle of a transaction), and the breaker counts the failure by its category.
  void failed(std::exception_ptr error) noexcept {
    lease_.discard();
    error_ = std::move(error);
  }

 private:
  static typename ConnectionPool<Connection>::Lease checkout(
      const std::string& endpoint, typename ConnectionPool<Connection>::Hooks hooks,
      CircuitBreaker::Permit& permit) {
    try {
      return PoolRegistry::global().get<Connection>(endpoint, std::move(hooks))->acquire();
    } catch (...) {
      permit.finished_with(std::current_exception());
      throw;
    }
  }

  CircuitBreaker::Permit permit_;
  typename ConnectionPool<Connection>::Lease lease_;
  std::exception_ptr error_;
};

/// Runs `work` on the connection, telling it about a failure before rethrowing.
template <class Connection, class Work>
decltype(auto) with_connection(GuardedConnection<Connection>& connection, Work&& work) {
  try {
    return work(*connection);
  } catch (...) {
    connection.failed(std::current_exception());
    throw;
  }
}

}  // namespace setl
