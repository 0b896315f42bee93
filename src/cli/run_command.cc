// `setl run FILE`: a pipeline declared in YAML, run with a job's command line.
#include <iostream>

#include "setl/cli/pipeline_file.h"
#include "setl/core/error.h"

namespace setl::cli {

int run_pipeline_command(const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? err : out)
        << "usage: setl run PIPELINE.yaml [--plugin LIB.so]... [job options]\n"
           "  runs a pipeline declared in YAML (see setl/cli/pipeline_file.h); the job options\n"
           "  are those of every setlpp job: PIPELINE.yaml --help lists them\n";
    return args.empty() ? kExitUsage : kExitOk;
  }
  workflow::Registry& registry = workflow::Registry::global();
  std::vector<std::string> rest;
  try {
    // Plugins first: the file names what they register.
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--plugin" && i + 1 < args.size()) {
        registry.load_plugin(args[++i]);
      } else if (args[i].starts_with("--plugin=")) {
        registry.load_plugin(args[i].substr(std::string("--plugin=").size()));
      } else {
        rest.push_back(args[i]);
      }
    }
    PipelineFile file = PipelineFile::load(args[0], registry);
    JobOptions options = file.job_options();
    return run_job(
        rest, [&file](workflow::Setl& setl) { return file.build(setl); }, options, out, err);
  } catch (const Error& error) {
    err << "invalid input: " << error.what() << "\n";
    return kExitInvalidInput;
  }
}

}  // namespace setl::cli
