// Starts a throwaway PostgreSQL server for the tests: initdb into a temporary directory,
// a free port on 127.0.0.1, trust authentication, stopped and deleted at the end. As root
// (CI), the server runs as the 'postgres' system user, since PostgreSQL refuses root.
// Skips (with the reason) when the server binaries are not installed.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "setl/storage/postgres_connector.h"

namespace setl::testing {

class PostgresServer {
 public:
  PostgresServer() {
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql")) {
      if (std::filesystem::exists(entry.path() / "bin" / "initdb")) {
        bin_ = entry.path() / "bin";
      }
    }
    if (bin_.empty()) {
      skip_reason_ =
          "PostgreSQL server binaries not found under /usr/lib/postgresql "
          "(scripts/install-deps.sh installs them)";
      return;
    }
    port_ = free_port();
    directory_ = std::filesystem::temp_directory_path() /
                 ("setl-pg-" + std::to_string(::getpid()) + "-" + std::to_string(port_));
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    std::string as_user = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
    if (::geteuid() == 0) {
      run("chown postgres " + directory_.string());
    }
    std::string data = (directory_ / "data").string();
    if (!run(as_user + (bin_ / "initdb").string() + " -D " + data +
             " -U setl --auth=trust --no-sync -E UTF8 > " + (directory_ / "initdb.log").string() +
             " 2>&1")) {
      skip_reason_ = "initdb failed (see " + (directory_ / "initdb.log").string() + ")";
      return;
    }
    std::string options = "-p " + std::to_string(port_) + " -k " + directory_.string() +
                          " -c listen_addresses=127.0.0.1 -c fsync=off";
    if (!run(as_user + (bin_ / "pg_ctl").string() + " -D " + data + " -o '" + options + "' -l " +
             (directory_ / "server.log").string() + " -w -t 60 start > /dev/null 2>&1")) {
      skip_reason_ =
          "the PostgreSQL server did not start (see " + (directory_ / "server.log").string() + ")";
      return;
    }
    started_ = true;
    as_user_ = as_user;
  }

  ~PostgresServer() {
    if (started_) {
      run(as_user_ + (bin_ / "pg_ctl").string() + " -D " + (directory_ / "data").string() +
          " -m fast -w stop > /dev/null 2>&1");
    }
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  bool started() const { return started_; }
  /// Stops the server (fast: open connections are cut) and starts it again on the same
  /// port; false if it did not come back.
  bool restart() const {
    return run(as_user_ + (bin_ / "pg_ctl").string() + " -D " + (directory_ / "data").string() +
               " -m fast -w -t 60 restart > /dev/null 2>&1");
  }
  const std::string& skip_reason() const { return skip_reason_; }
  storage::PostgresConnection connection() const {
    storage::PostgresConnection connection;
    connection.port = port_;
    connection.user = "setl";
    connection.database = "postgres";
    return connection;
  }

 private:
  static bool run(const std::string& command) { return std::system(command.c_str()) == 0; }
  static int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    int port = ntohs(address.sin_port);
    ::close(fd);
    return port;
  }

  std::filesystem::path bin_;
  std::filesystem::path directory_;
  std::string skip_reason_;
  std::string as_user_;
  int port_ = 0;
  bool started_ = false;
};

}  // namespace setl::testing
