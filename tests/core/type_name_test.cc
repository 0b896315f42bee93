#include "setl/core/type_name.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace shop {
struct Order {};
template <class T>
struct Dataset {};
}  // namespace shop

namespace setl {
namespace {

TEST(TypeName, DropsDefaultTemplateArguments) {
  EXPECT_EQ(pretty_type_name(typeid(std::vector<shop::Order>)), "std::vector<shop::Order>");
  EXPECT_EQ(pretty_type_name(typeid(std::string)), "std::string");
  EXPECT_EQ(pretty_type_name(typeid(std::map<std::string, std::vector<int>>)),
            "std::map<std::string, std::vector<int>>");
  EXPECT_EQ(pretty_type_name(typeid(std::unique_ptr<shop::Order>)), "std::unique_ptr<shop::Order>");
}

TEST(TypeName, UnqualifiedNameKeepsTemplateArguments) {
  EXPECT_EQ(unqualified_type_name(typeid(shop::Order)), "Order");
  EXPECT_EQ(unqualified_type_name(typeid(shop::Dataset<shop::Order>)), "Dataset<shop::Order>");
}

TEST(TypeName, TypesDifferingOnlyByTemplateArgumentAreDifferent) {
  EXPECT_FALSE(TypeInfo::of<shop::Dataset<int>>() == TypeInfo::of<shop::Dataset<long>>());
  EXPECT_TRUE(TypeInfo::of<shop::Dataset<int>>() == TypeInfo::of<shop::Dataset<int>>());
}

}  // namespace
}  // namespace setl
