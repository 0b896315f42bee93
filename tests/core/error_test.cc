#include "setl/core/error.h"

#include <gtest/gtest.h>

namespace setl {
namespace {

TEST(Error, EverySubclassIsASetlErrorWithItsKind) {
  EXPECT_EQ(ConfigError("x").kind(), ErrorKind::kUser);
  EXPECT_EQ(DeliveryError("x").kind(), ErrorKind::kUser);
  EXPECT_EQ(IoError("x").kind(), ErrorKind::kExternal);
  EXPECT_EQ(CancelledError("x").kind(), ErrorKind::kCancelled);
  EXPECT_EQ(ResourceError("x").kind(), ErrorKind::kResource);
  EXPECT_EQ(InternalError("x").kind(), ErrorKind::kInternal);
  EXPECT_EQ(to_string(ErrorKind::kExternal), "external");
}

TEST(Error, ContextIsAppendedToWhatButNotToMessage) {
  try {
    try {
      throw SchemaError("no column \"pricee\"");
    } catch (Error& error) {
      error.add_context("in factory 'Orders'");
      throw;
    }
  } catch (const SchemaError& error) {
    EXPECT_EQ(error.message(), "no column \"pricee\"");
    EXPECT_STREQ(error.what(), "no column \"pricee\"\n  in factory 'Orders'");
  }
}

}  // namespace
}  // namespace setl
