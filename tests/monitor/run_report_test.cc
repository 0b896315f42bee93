#include "setl/monitor/run_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setl/core/error.h"
#include "setl/workflow/pipeline.h"
#include "testing/temp_dir.h"

namespace setl::monitor {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class Numbers : public workflow::Factory<int64_t> {
 public:
  int64_t process() override { return 41; }
};

class PlusOne : public workflow::Factory<int64_t> {
 public:
  workflow::Delivery<int64_t> number{this};
  int64_t process() override { return *number + 1; }
};

class Breaks : public workflow::Factory<std::string> {
 public:
  std::string process() override { throw IoError("the disk said <script>alert(1)</script>"); }
};

// A run with a factory that succeeds, one named to inject markup, and one that fails with
// markup in its message (the run goes on: keep-going).
workflow::Pipeline& hostile_run(workflow::Pipeline& pipeline) {
  pipeline.add_factory<Numbers>();
  pipeline.add_factory<PlusOne>().set_name("<img src=x onerror=alert(1)>");
  pipeline.add_factory<Breaks>();
  pipeline.set_failure_mode(workflow::Pipeline::FailureMode::kKeepGoing);
  pipeline.set_benchmark(true);
  EXPECT_THROW(pipeline.run(), IoError);
  return pipeline;
}

TEST(RunReport, ShowsEveryFactoryItsStateAndItsErrorsAsText) {
  workflow::Pipeline pipeline("report <test>");
  hostile_run(pipeline);
  std::string html = run_report_html(pipeline.dag(), pipeline.last_run());
  // Every factory, in the DAG, the timeline and the table, with its state as a word.
  EXPECT_THAT(html, HasSubstr(">Numbers<"));
  EXPECT_THAT(html, HasSubstr("&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_THAT(html, HasSubstr(">Breaks<"));
  EXPECT_THAT(html, HasSubstr(">ran<"));
  EXPECT_THAT(html, HasSubstr(">failed<"));
  EXPECT_THAT(html, HasSubstr("the disk said &lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("report &lt;test&gt;"));
  EXPECT_THAT(html, HasSubstr("<svg role=\"img\" aria-label=\"pipeline DAG\""));
  EXPECT_THAT(html, HasSubstr("aria-label=\"timeline of factory runs\""));
  // Nothing from the run became markup, and nothing runs or loads.
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, HasSubstr("Content-Security-Policy\" content=\"default-src 'none';"));
}

TEST(RunReport, IsWrittenWholeToItsFile) {
  testing::TempDir dir;
  workflow::Pipeline pipeline("written");
  hostile_run(pipeline);
  std::filesystem::path path = dir.path() / "run.html";
  write_run_report(path, pipeline.dag(), pipeline.last_run());
  EXPECT_EQ(testing::read_file(path), run_report_html(pipeline.dag(), pipeline.last_run()));
  // Below a file, where no directory can be: the error says so, nothing is half-written.
  EXPECT_THROW(write_run_report(path / "run.html", pipeline.dag(), pipeline.last_run()), IoError);
  EXPECT_EQ(testing::read_file(path), run_report_html(pipeline.dag(), pipeline.last_run()));
}

TEST(RunReport, EscapesEveryCharacterThatCouldBeMarkup) {
  EXPECT_EQ(escape_html("a<b>&\"c'd"), "a&lt;b&gt;&amp;&quot;c&#39;d");
  EXPECT_EQ(escape_html("plain text, ünï"), "plain text, ünï");
}

}  // namespace
}  // namespace setl::monitor
