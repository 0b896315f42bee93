// What a rank of a distributed pipeline run reports after each factory (its job events and
// the factory's figures), decoded as if another rank sent these bytes; a report that
// decodes must encode and decode to the same events and figures.
#include "workflow/rank_reports.h"

#include "fuzz_support.h"
#include "setl/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  setl::fuzz::single_threaded();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  setl::fuzz::expect_only_setl_errors([&] {
    setl::workflow::detail::RankReport report =
        setl::workflow::detail::decode_rank_report(bytes, 1);
    std::string again = setl::workflow::detail::encode_rank_report(report);
    setl::workflow::detail::RankReport round_trip =
        setl::workflow::detail::decode_rank_report(again, 2);
    if (round_trip.events.size() != report.events.size() ||
        round_trip.factory.has_value() != report.factory.has_value()) {
      __builtin_trap();  // what decodes must encode to the same report
    }
    for (size_t i = 0; i < report.events.size(); ++i) {
      if (round_trip.events[i].group.path != report.events[i].group.path ||
          round_trip.events[i].group.id != "2:" + report.events[i].group.id) {
        __builtin_trap();
      }
    }
  });
  return 0;
}
