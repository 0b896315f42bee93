#include "setl/monitor/progress.h"

#include <cstdio>
#include <thread>

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <unistd.h>

namespace setl::monitor {
namespace {

JobGroupInfo running(std::string name, std::string kind, int64_t rows, double seconds) {
  JobGroupInfo info;
  info.name = std::move(name);
  info.kind = std::move(kind);
  info.rows = rows;
  info.elapsed_seconds = seconds;
  return info;
}

TEST(ProgressLine, RendersRunningFactoriesOnly) {
  std::string line = ProgressLine::render({running("nightly", "pipeline", 9, 1),
                                           running("ReadOrders", "factory", 1'234'567, 0.84),
                                           running("Dedupe", "factory", 12, 0.01)});
  EXPECT_EQ(line, "ReadOrders 1.2M rows 0.8s | Dedupe 12 rows 0.0s");
  EXPECT_EQ(ProgressLine::render({}), "");
  EXPECT_EQ(ProgressLine::render({running("A-very-long-factory-name", "factory", 1, 1)}, 10),
            "A-very-...");
}

TEST(ProgressLine, PrintsNothingOffATerminal) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    ProgressLine progress(file, std::chrono::milliseconds(1));
    EXPECT_FALSE(progress.active());  // no drawing thread, so nothing can be written
    JobGroup factory("Busy", "", {}, "factory");
  }
  EXPECT_EQ(std::ftell(file), 0);
  std::fclose(file);
}

TEST(ProgressLine, DrawsRunningFactoriesOnATerminalAndClearsTheLine) {
  int master = -1;
  int slave = -1;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  std::FILE* terminal = fdopen(slave, "w");
  ASSERT_NE(terminal, nullptr);
  ::fcntl(master, F_SETFL, O_NONBLOCK);
  std::string drawn;
  char buffer[4096];
  auto read_available = [&] {
    for (ssize_t got; (got = ::read(master, buffer, sizeof(buffer))) > 0;) {
      drawn.append(buffer, static_cast<size_t>(got));
    }
  };
  {
    ProgressLine progress(terminal, std::chrono::milliseconds(5));
    EXPECT_TRUE(progress.active());
    JobGroup factory("TerminalFactory", "", {}, "factory");
    report_progress(2'500'000);
    // Until the line has been drawn (no fixed sleep; the deadline only stops a broken run).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (drawn.find("TerminalFactory 2.5M rows") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      read_available();
      std::this_thread::yield();
    }
  }
  std::fclose(terminal);
  read_available();
  ::close(master);
  EXPECT_THAT(drawn, ::testing::HasSubstr("TerminalFactory 2.5M rows"));
  EXPECT_THAT(drawn, ::testing::EndsWith("\r\x1b[K"));  // cleared at the end
}

}  // namespace
}  // namespace setl::monitor
