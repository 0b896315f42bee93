// Hostile HTTP clients of the monitor: huge unauthenticated bodies, stalled connections,
// malformed parameters, near-miss tokens.
#include <memory>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "setl/core/job_group.h"
#include "setl/monitor/http_server.h"

namespace setl::monitor {
namespace {

using ::testing::HasSubstr;

// A raw TCP connection, for requests httplib's client will not send.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(const std::string& bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  /// What the server sent until it closed or paused for the socket timeout.
  std::string receive() {
    std::string out;
    char buffer[4096];
    ssize_t got = 0;
    while ((got = ::recv(fd_, buffer, sizeof(buffer), 0)) > 0) {
      out.append(buffer, static_cast<size_t>(got));
      if (out.find("\r\n\r\n") != std::string::npos) {
        break;
      }
    }
    return out;
  }

 private:
  int fd_ = -1;
};

// Finding: the body of an unauthenticated POST was read in full before the token check
// (a 200 MB body: +490 MB RSS).
TEST(MonitorClients, AnUnauthenticatedBodyIsNeverRead) {
  // A short client timeout: the refused clients are not waited for when the server stops.
  MonitorServer server("127.0.0.1", 0, {.client_timeout = std::chrono::milliseconds(200)});
  RawConnection connection(server.port());
  connection.send(
      "POST /groups/x/cancel HTTP/1.1\r\nHost: localhost\r\n"
      "Content-Length: 209715200\r\n\r\n" +
      std::string(1000, 'x'));
  // Answered at once, without the 200 MB ever being sent.
  EXPECT_THAT(connection.receive(), HasSubstr("401"));
  // With the token, an oversized body is refused by its declared length.
  RawConnection authorized(server.port());
  authorized.send("POST /groups/x/cancel HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " +
                  server.token() + "\r\nContent-Length: 209715200\r\n\r\n");
  EXPECT_THAT(authorized.receive(), HasSubstr("413"));
}

// Finding: 9 slow connections stalled every endpoint, cancel included.
TEST(MonitorClients, StalledConnectionsDoNotBlockCancel) {
  // Longer than the test needs to cancel, so the stalled clients still hold their workers.
  MonitorServer server("127.0.0.1", 0, {.client_timeout = std::chrono::milliseconds(500)});
  std::vector<std::unique_ptr<RawConnection>> stalled;
  for (int i = 0; i < 24; ++i) {
    stalled.push_back(std::make_unique<RawConnection>(server.port()));
    stalled.back()->send("GET /groups HTTP/1.1\r\nHost: loc");  // and then nothing
  }
  JobGroup group("long-run");
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(10, 0);
  client.set_bearer_token_auth(server.token());
  auto response = client.Post("/groups/" + group.id() + "/cancel");
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(group.token().cancelled());
  auto groups = client.Get("/groups");
  ASSERT_TRUE(groups);
  EXPECT_EQ(groups->status, 200);
}

// Findings: /events?limit=-1 returned everything; tokens were compared in variable time
// (checked here for correctness: near misses are all refused).
TEST(MonitorClients, MalformedLimitsAndNearMissTokensAreRefused) {
  MonitorServer server("127.0.0.1", 0);
  httplib::Client client("127.0.0.1", server.port());
  for (const char* limit : {"-1", "1x", "", "99999999999999999999999"}) {
    auto response = client.Get(std::string("/events?limit=") + limit);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400) << limit;
  }
  EXPECT_EQ(client.Get("/events?limit=3")->status, 200);
  const std::string& token = server.token();
  for (const std::string& attempt : {token.substr(0, token.size() - 1), token + "0",
                                     std::string(token.size(), '0'), std::string()}) {
    httplib::Headers headers = {{"Authorization", "Bearer " + attempt}};
    auto response = client.Post("/groups/none/cancel", headers, "", "text/plain");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 401) << attempt;
  }
}

}  // namespace
}  // namespace setl::monitor
