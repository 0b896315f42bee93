#include "storage/arrow_ipc/stream_endpoint.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "setl/core/cancellation.h"
#include "setl/core/error.h"
#include "setl/core/parse_number.h"

namespace setl::storage::detail {
namespace {

using Clock = std::chrono::steady_clock;

std::string describe(const StreamEndpoint& endpoint) {
  switch (endpoint.kind) {
    case StreamEndpoint::Kind::kPath:
      return endpoint.path;
    case StreamEndpoint::Kind::kDescriptor:
      return "fd:" + std::to_string(endpoint.fd);
    case StreamEndpoint::Kind::kConnect:
      return "tcp://" + endpoint.host + ":" + endpoint.port;
    case StreamEndpoint::Kind::kListen:
      return "listen://" + endpoint.host + ":" + endpoint.port;
  }
  return "";
}

[[noreturn]] void fail(const StreamEndpoint& endpoint, const std::string& what, int error) {
  throw IoError("Arrow IPC stream " + describe(endpoint) + ": " + what +
                (error != 0 ? std::string(": ") + std::strerror(error) : std::string()));
}

using AddressList = std::unique_ptr<addrinfo, decltype(&freeaddrinfo)>;

AddressList resolve(const StreamEndpoint& endpoint, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* found = nullptr;
  int status = ::getaddrinfo(endpoint.host.empty() ? nullptr : endpoint.host.c_str(),
                             endpoint.port.c_str(), &hints, &found);
  if (status != 0) {
    throw IoError("Arrow IPC stream " + describe(endpoint) +
                  ": cannot resolve the address: " + ::gai_strerror(status));
  }
  return {found, &freeaddrinfo};
}

// Connects to the first address that answers, trying again until the deadline (the peer
// may not listen yet).
int connect_until(const StreamEndpoint& endpoint, Clock::time_point deadline) {
  AddressList addresses = resolve(endpoint, false);
  int last_error = 0;
  while (true) {
    for (addrinfo* at = addresses.get(); at != nullptr; at = at->ai_next) {
      int fd = ::socket(at->ai_family, at->ai_socktype | SOCK_CLOEXEC, at->ai_protocol);
      if (fd < 0) {
        last_error = errno;
        continue;
      }
      if (::connect(fd, at->ai_addr, at->ai_addrlen) == 0) {
        return fd;
      }
      last_error = errno;
      ::close(fd);
    }
    current_cancellation().check();
    if (Clock::now() >= deadline) {
      fail(endpoint, "cannot connect", last_error);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Listens on the address and accepts one connection before the deadline.
int accept_one(const StreamEndpoint& endpoint, Clock::time_point deadline) {
  AddressList addresses = resolve(endpoint, true);
  int listener =
      ::socket(addresses->ai_family, addresses->ai_socktype | SOCK_CLOEXEC, addresses->ai_protocol);
  if (listener < 0) {
    fail(endpoint, "cannot create a socket", errno);
  }
  int yes = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  if (::bind(listener, addresses->ai_addr, addresses->ai_addrlen) != 0 ||
      ::listen(listener, 1) != 0) {
    int error = errno;
    ::close(listener);
    fail(endpoint, "cannot listen", error);
  }
  while (true) {
    // Waits in slices, so that a cancelled job stops waiting for its peer.
    if (current_cancellation().cancelled()) {
      ::close(listener);
      current_cancellation().check();
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd waiting{listener, POLLIN, 0};
    int ready = ::poll(&waiting, 1, static_cast<int>(std::clamp<int64_t>(left.count(), 0, 100)));
    if (ready > 0) {
      int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      int error = errno;
      ::close(listener);
      if (fd < 0) {
        fail(endpoint, "cannot accept the connection", error);
      }
      return fd;
    }
    if (ready < 0 && errno != EINTR) {
      int error = errno;
      ::close(listener);
      fail(endpoint, "cannot wait for a peer", error);
    }
    if (ready == 0 && Clock::now() >= deadline) {
      ::close(listener);
      fail(endpoint, "no peer connected in time", 0);
    }
  }
}

}  // namespace

StreamEndpoint StreamEndpoint::parse(const std::string& text) {
  StreamEndpoint endpoint;
  auto host_and_port = [&](std::string_view rest) {
    size_t colon = rest.rfind(':');
    std::optional<int> port =
        colon == std::string_view::npos ? std::nullopt : parse_number<int>(rest.substr(colon + 1));
    if (!port || *port < 0 || *port > 65535) {
      throw ConfigError("Arrow IPC stream endpoint '" + text +
                        "': expected HOST:PORT with a port from 0 to 65535");
    }
    endpoint.host = std::string(rest.substr(0, colon));
    if (endpoint.host.size() > 2 && endpoint.host.front() == '[' && endpoint.host.back() == ']') {
      endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);  // [::1]
    }
    endpoint.port = std::to_string(*port);
  };
  std::string_view view(text);
  if (view.starts_with("fd:")) {
    std::optional<int> fd = parse_number<int>(view.substr(3));
    if (!fd || *fd < 0) {
      throw ConfigError("Arrow IPC stream endpoint '" + text + "': expected fd:N, N >= 0");
    }
    endpoint.kind = Kind::kDescriptor;
    endpoint.fd = *fd;
  } else if (view.starts_with("tcp://")) {
    endpoint.kind = Kind::kConnect;
    host_and_port(view.substr(6));
  } else if (view.starts_with("listen://")) {
    endpoint.kind = Kind::kListen;
    host_and_port(view.substr(9));
  } else if (text.empty()) {
    throw ConfigError("an Arrow IPC stream endpoint is empty");
  } else {
    endpoint.path = text;
  }
  return endpoint;
}

int open_stream_endpoint(const StreamEndpoint& endpoint, bool for_writing,
                         std::chrono::milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  switch (endpoint.kind) {
    case StreamEndpoint::Kind::kDescriptor: {
      int fd = ::fcntl(endpoint.fd, F_DUPFD_CLOEXEC, 0);
      if (fd < 0) {
        fail(endpoint, "not an open descriptor", errno);
      }
      return fd;
    }
    case StreamEndpoint::Kind::kConnect:
      return connect_until(endpoint, deadline);
    case StreamEndpoint::Kind::kListen:
      return accept_one(endpoint, deadline);
    case StreamEndpoint::Kind::kPath:
      break;
  }
  // A FIFO's open waits for the other end, as a pipe between two commands does.
  int fd = for_writing ? ::open(endpoint.path.c_str(), O_WRONLY | O_CLOEXEC)
                       : ::open(endpoint.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fail(endpoint, for_writing ? "cannot open for writing" : "cannot open", errno);
  }
  return fd;
}

}  // namespace setl::storage::detail
