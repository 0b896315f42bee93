// Where an Arrow IPC stream goes to or comes from, opened as a file descriptor: a path (a
// FIFO, or a file), "fd:N" (a descriptor the process inherited), "tcp://HOST:PORT" (a
// connection to a listening peer) or "listen://HOST:PORT" (one connection accepted).
#pragma once

#include <chrono>
#include <string>

namespace setl::storage::detail {

/// An endpoint text taken apart. Throws: ConfigError for a malformed one.
struct StreamEndpoint {
  enum class Kind { kPath, kDescriptor, kConnect, kListen };
  Kind kind = Kind::kPath;
  std::string path;  ///< kPath
  int fd = -1;       ///< kDescriptor
  std::string host;  ///< kConnect, kListen
  std::string port;

  static StreamEndpoint parse(const std::string& text);
};

/// Opens `endpoint` for reading or writing and returns a descriptor the caller closes. A
/// connection is retried, and a listener waits for its peer, until `timeout` passes.
/// Throws: IoError naming the endpoint and the system's reason.
int open_stream_endpoint(const StreamEndpoint& endpoint, bool for_writing,
                         std::chrono::milliseconds timeout);

}  // namespace setl::storage::detail
