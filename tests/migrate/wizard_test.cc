// The migration wizard driven through a pseudo-terminal: the real `setl` program, keys
// typed at its prompt, the screen read back.
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class Terminal {
 public:
  explicit Terminal(std::vector<std::string> args) {
    pid_ = ::forkpty(&fd_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(SETL_COMMAND));
      for (std::string& arg : args) {
        argv.push_back(arg.data());
      }
      argv.push_back(nullptr);
      ::execv(SETL_COMMAND, argv.data());
      ::_exit(127);
    }
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  ~Terminal() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  bool started() const { return pid_ > 0; }

  // Everything printed from now until `text` appears (or the program ends).
  std::string until(const std::string& text) {
    std::string seen;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (seen.find(text) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, 200) <= 0) {
        continue;
      }
      char buffer[4096];
      ssize_t got = ::read(fd_, buffer, sizeof buffer);
      if (got <= 0) {
        break;  // the program closed the terminal
      }
      seen.append(buffer, static_cast<size_t>(got));
    }
    return seen;
  }

  void type(const std::string& line) {
    std::string keys = line + "\n";
    ASSERT_EQ(::write(fd_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  }

  int exit_code() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  bool exited_ = false;
};

class WizardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    output_ = fs::temp_directory_path() /
              ("setl_wizard_test_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(output_);
  }
  void TearDown() override { fs::remove_all(output_); }

  std::string script_ = std::string(SETL_CORPUS) + "/p09_shared_frame.py";
  fs::path output_;
};

TEST_F(WizardTest, RenamesRefusesAnImpossibleMergePicksAConnectorAndGenerates) {
  Terminal terminal({"migrate", "wizard", script_, "-o", output_.string()});
  ASSERT_TRUE(terminal.started());
  std::string screen = terminal.until("migrate> ");
  EXPECT_THAT(screen, HasSubstr("1. Orders"));
  EXPECT_THAT(screen, HasSubstr("2. ByStatus"));
  EXPECT_THAT(screen, HasSubstr("3. ByCustomer"));
  EXPECT_THAT(screen, HasSubstr("receives Orders"));

  terminal.type("rename 2 StatusReport");
  EXPECT_THAT(terminal.until("migrate> "), HasSubstr("2. StatusReport"));
  terminal.type("rename 3 9lives");
  EXPECT_THAT(terminal.until("migrate> "), HasSubstr("not a free C++ class name"));
  // Orders feeds both reports: with one of them inside, it would hand over two tables.
  terminal.type("merge 1 2");
  EXPECT_THAT(terminal.until("migrate> "), HasSubstr("would have to hand over two tables"));
  terminal.type("split 3 999");
  EXPECT_THAT(terminal.until("migrate> "), HasSubstr("does not split"));
  terminal.type("connector by_status JSONL out/by_status.jsonl");
  EXPECT_THAT(terminal.until("migrate> "), HasSubstr("connector by_status: JSONL"));
  terminal.type("generate");
  EXPECT_THAT(terminal.until("generated"), HasSubstr("generated"));
  EXPECT_EQ(terminal.exit_code(), 0);

  fs::path module = output_ / "p09_shared_frame";
  EXPECT_TRUE(fs::exists(module / "factories" / "StatusReport.h"));
  EXPECT_FALSE(fs::exists(module / "factories" / "ByStatus.h"));
  std::ifstream yaml(module / "pipeline.yaml");
  std::string text((std::istreambuf_iterator<char>(yaml)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr("storage: JSONL"));
  EXPECT_THAT(text, HasSubstr("out/by_status.jsonl"));
}

TEST_F(WizardTest, MergingAndSplittingFollowTheDataflow) {
  Terminal terminal({"migrate", "wizard", script_, "-o", output_.string()});
  ASSERT_TRUE(terminal.started());
  terminal.until("migrate> ");
  // The two reports do not feed anything else, so one factory can hold both.
  terminal.type("merge 2 3");
  std::string merged = terminal.until("migrate> ");
  EXPECT_THAT(merged, HasSubstr("2 factories"));
  // From the write of the first report on, the second part would need two of its tables.
  terminal.type("split 2 12");
  EXPECT_THAT(terminal.until("migrate> "), HasSubstr("would have to hand over two tables"));
  terminal.type("split 2 10");
  EXPECT_THAT(terminal.until("migrate> "), HasSubstr("3 factories"));
  terminal.type("quit");
  EXPECT_THAT(terminal.until("nothing generated"), HasSubstr("nothing generated"));
  EXPECT_EQ(terminal.exit_code(), 1);
  EXPECT_FALSE(fs::exists(output_ / "p09_shared_frame"));
}

}  // namespace
