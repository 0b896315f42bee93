#include "setl/core/log.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"

namespace setl {
namespace {

using ::testing::HasSubstr;

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::set_stderr(false);
    previous_level_ = log::level();
    handle_ =
        log::add_sink([this](log::Level, std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    log::remove_sink(handle_);
    log::set_level(previous_level_);
    log::set_stderr(true);
  }
  std::vector<std::string> lines_;
  size_t handle_ = 0;
  log::Level previous_level_ = log::Level::kInfo;
};

TEST_F(LogTest, EachLineCarriesTheScope) {
  log::set_level(log::Level::kInfo);
  {
    LogScope pipeline("daily");
    LogScope factory("OrdersFactory");
    log::info("read {} rows", 42);
  }
  log::info("outside");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_THAT(lines_[0], HasSubstr("[daily/OrdersFactory] read 42 rows"));
  EXPECT_THAT(lines_[1], HasSubstr("[-] outside"));
}

TEST_F(LogTest, LinesBelowTheLevelAreDropped) {
  log::set_level(log::Level::kWarn);
  log::info("hidden");
  log::warn("shown");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_THAT(lines_[0], HasSubstr("[warning] [-] shown"));
}

TEST(LogLevel, ParsesNamesAndRejectsUnknownOnes) {
  EXPECT_EQ(log::parse_level("debug"), log::Level::kDebug);
  try {
    log::parse_level("verbose");
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_THAT(error.what(), HasSubstr("'verbose'"));
    EXPECT_THAT(error.what(), HasSubstr("trace, debug, info, warn, error, off"));
  }
}

}  // namespace
}  // namespace setl
