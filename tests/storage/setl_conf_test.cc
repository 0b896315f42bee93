// SETL's own kind of configuration, rewritten for setlpp (testdata/setl_conf): an
// application.conf and a local.conf chosen by app.environment, connector sections in
// SETL's option names. It must load, and every connector in it must read and write.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/config.h"
#include "setl/storage/connector_builder.h"
#include "testing/columns.h"
#include "testing/scoped_env.h"
#include "testing/temp_dir.h"

namespace setl::storage {
namespace {

const std::filesystem::path kSetlConf = std::filesystem::path(SETL_STORAGE_TESTDATA) / "setl_conf";

class SetlConf : public ::testing::Test {
 protected:
  testing::TempDir out_;
  testing::ScopedEnv out_env_{"SETL_TEST_OUT", out_.path().c_str()};
  testing::ScopedEnv property_{"SETL_TEST_JVM_PROPERTY", "myJvmPropertyValue"};
  testing::ScopedEnv no_env_{"SETL_ENV", nullptr};
  Config config_ = Config::load(kSetlConf);
};

TEST_F(SetlConf, LoadsTheEnvironmentTheApplicationNames) {
  EXPECT_EQ(config_.source(), (kSetlConf / "local.conf").string());
  EXPECT_EQ(config_.get_string("setl.environment"), "local");
  EXPECT_EQ(config_.get_string("test.string"), "foo");
  EXPECT_EQ(config_.get_string("test.variable"), "myJvmPropertyValue");
  EXPECT_EQ(config_.get_string("setl.config.spark.spark.app.name"), "my_app");
  EXPECT_EQ(config_.get<int>("setl.config.spark.spark.sql.shuffle.partitions"), 1000);
  EXPECT_EQ(config_.get<int>("setl.config_2.spark.sql.shuffle.partitions"), 2000);
  EXPECT_EQ(config_.get<int>("context.spark.spark.sql.shuffle.partitions"), 600);
  EXPECT_EQ(config_.get_string("csv_dc_context2.sep"), ",");  // merged from csv_defaults
}

TEST_F(SetlConf, EveryConnectorSectionWritesAndReadsWithItsSaveMode) {
  engine::Table rows = engine::Table::from_columns(
      {{"id", testing::int64s({1, 2, 3})}, {"name", testing::strings({"a", "b", "c"})}});
  struct Expectation {
    const char* section;
    SaveMode mode;
    int64_t rows_after_two_saves;
  };
  for (const Expectation& expected : {Expectation{"csv_dc_context", SaveMode::kAppend, 6},
                                      Expectation{"csv_dc_context2", SaveMode::kOverwrite, 3},
                                      Expectation{"parquet_dc_context", SaveMode::kOverwrite, 3},
                                      Expectation{"json_lines", SaveMode::kAppend, 6},
                                      Expectation{"sqlite_dc_context", SaveMode::kOverwrite, 3},
                                      Expectation{"excel_dc_context", SaveMode::kAppend, 6},
                                      Expectation{"jdbc_dc_context", SaveMode::kOverwrite, 3}}) {
    SCOPED_TRACE(expected.section);
    auto connector = build_connector(config_.section(expected.section));
    EXPECT_EQ(connector->save_mode(), expected.mode);
    connector->save(rows);
    connector->save(rows);
    engine::Table back = connector->read();
    EXPECT_EQ(back.num_rows(), expected.rows_after_two_saves);
    EXPECT_EQ(back.schema()->field(0).name, "id");
  }
  EXPECT_TRUE(std::filesystem::exists(out_.path() / "test_config_csv_dc_context.csv"));
}

}  // namespace
}  // namespace setl::storage
