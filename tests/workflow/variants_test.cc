// Build-time variants (FactoryBase::when): of the factories producing one output, exactly
// the one whose condition holds for the configuration takes part; the others are absent
// from the DAG, the inspector, the run and the cache keys.
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/config.h"
#include "setl/core/error.h"
#include "setl/workflow/condition.h"
#include "setl/workflow/pipeline.h"
#include "setl/workflow/result_cache.h"
#include "setl/workflow/setl.h"

namespace setl::workflow {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct TaxRate {
  double rate = 0;
};

class UsTax : public Factory<TaxRate> {
 public:
  UsTax() { when(config("region") == "US"); }
  TaxRate process() override { return {0.07}; }
};

class CaTax : public Factory<TaxRate> {
 public:
  CaTax() { when("region = 'CA'"); }
  TaxRate process() override { return {0.13}; }
};

class EuTax : public Factory<TaxRate> {
 public:
  EuTax() { when("region in ('DE', 'FR')"); }
  TaxRate process() override { return {0.2}; }
};

// Reads the rate by type: it never names a variant.
class Invoice : public Factory<double> {
 public:
  double process() override { return 100 * (1 + rate->rate); }
  Delivery<TaxRate> rate{this};
};

Pipeline tax_pipeline(const Setl& setl) {
  Pipeline pipeline("invoice", setl);
  pipeline.add<UsTax>();
  pipeline.add<CaTax>();
  pipeline.add<EuTax>();
  pipeline.add<Invoice>();
  return pipeline;
}

TEST(Variants, TheConfigurationSelectsExactlyOne) {
  for (auto [region, expected] : {std::pair{"US", 107.0}, {"CA", 113.0}, {"FR", 120.0}}) {
    Setl setl(Config::from_yaml(std::string("region: ") + region + "\n"));
    Pipeline pipeline = tax_pipeline(setl);
    EXPECT_DOUBLE_EQ(pipeline.run().output<double>("Invoice"), expected) << region;
  }
}

TEST(Variants, UnselectedVariantsAreAbsentFromTheDagTheInspectorAndTheRun) {
  Setl setl(Config::from_yaml("region: CA\n"));
  Pipeline pipeline = tax_pipeline(setl);
  std::vector<std::string> names;
  for (const Pipeline::Member& member : pipeline.members()) {
    names.push_back(member.factory->name());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"CaTax", "Invoice"}));
  std::string described = pipeline.describe();
  EXPECT_THAT(described, HasSubstr("CaTax -> "));
  EXPECT_THAT(described, HasSubstr("(variant when region = 'CA')"));
  EXPECT_THAT(described, Not(HasSubstr("UsTax")));
  EXPECT_THAT(described, Not(HasSubstr("EuTax")));
  EXPECT_THAT(pipeline.dag().to_mermaid(), Not(HasSubstr("UsTax")));
  EXPECT_THAT(pipeline.summary(), HasSubstr("When   : region = 'CA'"));
  RunResult result = pipeline.run();
  ASSERT_EQ(result.factories().size(), 2U);
  EXPECT_EQ(result.factories()[0].factory, "CaTax");
}

TEST(Variants, NoneMatchingIsAPlanErrorListingEveryCandidateAndTheValue) {
  Setl setl(Config::from_yaml("region: MX\n"));
  Pipeline pipeline = tax_pipeline(setl);
  try {
    pipeline.run();
    FAIL() << "expected a plan error";
  } catch (const DeliveryError& error) {
    std::string message = error.what();
    EXPECT_THAT(message, HasSubstr("1. no variant of setl::workflow::(anonymous "
                                   "namespace)::TaxRate matches the configuration; candidates: "
                                   "'UsTax' (when `(config('region') = 'US')`), 'CaTax' (when "
                                   "`region = 'CA'`), 'EuTax' (when `region in ('DE', 'FR')`); "
                                   "configuration: region = 'MX'"));
  }
}

class NorthAmericaTax : public Factory<TaxRate> {
 public:
  NorthAmericaTax() { when("region in ('US', 'CA')"); }
  TaxRate process() override { return {0.1}; }
};

TEST(Variants, SeveralMatchingIsAPlanErrorNamingThem) {
  Setl setl(Config::from_yaml("region: US\n"));
  Pipeline pipeline = tax_pipeline(setl);
  pipeline.add<NorthAmericaTax>();
  try {
    pipeline.run();
    FAIL() << "expected a plan error";
  } catch (const DeliveryError& error) {
    EXPECT_THAT(std::string(error.what()),
                HasSubstr("1. 2 variants of setl::workflow::(anonymous namespace)::TaxRate match "
                          "the configuration, but exactly one may: "
                          "'UsTax' (when `(config('region') = 'US')`), 'NorthAmericaTax' (when "
                          "`region in ('US', 'CA')`); configuration: region = 'US'"));
  }
}

TEST(Variants, AMissingKeyOrAnInputReadIsAPlanErrorNamingTheVariant) {
  Setl setl(Config::from_yaml("country: US\n"));
  Pipeline pipeline = tax_pipeline(setl);
  pipeline.add<Invoice>().set_name("Checked").when("rows(rate) > 0");
  std::string described = pipeline.describe();
  EXPECT_THAT(described, HasSubstr("variant 'UsTax': condition `(config('region') = 'US')`: "
                                   "configuration key 'region' is not set"));
  EXPECT_THAT(described, HasSubstr("variant 'Checked': condition `rows(rate) > 0`: rows(rate) "
                                   "reads an input, but a variant is chosen before the run, from "
                                   "configuration only"));
  EXPECT_THROW(pipeline.run(), DeliveryError);
}

TEST(Variants, VariantsAreGroupedByDeliveryIdToo) {
  Setl setl(Config::from_yaml("region: US\nfallback_region: CA\n"));
  Pipeline pipeline("two groups", setl);
  pipeline.add<UsTax>();
  pipeline.add<CaTax>();
  // A second group: the same type under another id, chosen by another key.
  pipeline.add<UsTax>()
      .set_name("FallbackUs")
      .set_delivery_id("fallback")
      .when("fallback_region = 'US'");
  pipeline.add<CaTax>()
      .set_name("FallbackCa")
      .set_delivery_id("fallback")
      .when("fallback_region = 'CA'");
  RunResult result = pipeline.run();
  EXPECT_DOUBLE_EQ(result.output<TaxRate>("UsTax").rate, 0.07);
  EXPECT_DOUBLE_EQ(result.output<TaxRate>("FallbackCa").rate, 0.13);
  EXPECT_EQ(result.factories().size(), 2U);
}

TEST(Variants, UnselectedVariantsDoNotEnterTheCacheKeys) {
  Setl setl(Config::from_yaml("region: US\n"));
  auto cache = std::make_shared<ResultCache>();
  auto run = [&](bool with_more_variants) {
    Pipeline pipeline("cached", setl);
    pipeline.set_cache(cache).set_default_cache_policy({.mode = CacheMode::kMemory});
    pipeline.add<UsTax>().set_reads_only_deliveries();
    if (with_more_variants) {
      pipeline.add<CaTax>().set_reads_only_deliveries();
      pipeline.add<EuTax>().set_reads_only_deliveries();
    }
    pipeline.add<Invoice>().set_reads_only_deliveries();
    return pipeline.run();
  };
  run(false);
  RunResult again = run(true);
  for (const FactoryOutcome& outcome : again.factories()) {
    EXPECT_EQ(outcome.status, FactoryOutcome::Status::kCached) << outcome.factory;
  }
}

}  // namespace
}  // namespace setl::workflow
