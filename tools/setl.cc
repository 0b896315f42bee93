// The `setl` command. Subcommands: run (a pipeline declared in YAML, see
// setl/cli/pipeline_file.h), resume (a journaled run of one), cache (see setl/cli/cache_command.h)
// and describe-functions (the engine's function registry, as text or Markdown).
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#include "setl/cli/cache_command.h"
#include "setl/cli/migrate_command.h"
#include "setl/cli/pipeline_file.h"
#include "setl/cli/sql_command.h"
#include "setl/engine/functions.h"
#include "setl/sources.h"

namespace {

std::string arity(const setl::engine::FunctionInfo& info) {
  if (info.max_args == setl::engine::FunctionInfo::kVariadic) {
    return std::to_string(info.min_args) + "+";
  }
  return info.min_args == info.max_args
             ? std::to_string(info.min_args)
             : std::to_string(info.min_args) + "-" + std::to_string(info.max_args);
}

// setl describe-functions [--markdown] [NAME...]
int describe_functions(const std::vector<std::string>& args) {
  std::vector<std::string> names;
  bool markdown = false;
  for (const std::string& arg : args) {
    if (arg == "--markdown") {
      markdown = true;
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "setl describe-functions: unknown option " << arg << "\n";
      return 2;
    } else {
      names.push_back(arg);
    }
  }
  if (markdown) {
    std::cout << setl::engine::functions_markdown();
    return 0;
  }
  bool found_all = true;
  for (const std::string& name : names.empty() ? std::vector<std::string>{""} : names) {
    bool found = false;
    for (const setl::engine::FunctionInfo& info : setl::engine::list_functions()) {
      bool alias = false;
      for (const std::string& other : info.aliases) {
        alias = alias || other == name;
      }
      if (!name.empty() && info.name != name && !alias) {
        continue;
      }
      found = true;
      std::cout << info.signature << "\n    " << info.doc << "\n    NULLs: " << info.nulls
                << "; arguments: " << arity(info) << "; category: " << info.category << "\n";
    }
    if (!found) {
      std::cerr << "setl describe-functions: no function named '" << name << "'\n";
      found_all = false;
    }
  }
  return found_all ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // Built-in setups a pipeline file can name: the configuration's connectors and
  // repositories sections as sources (README "Storage").
  setl::workflow::Registry::global().add_setup(
      "connectors", [](setl::workflow::Setl& setl) { setl::set_connectors(setl, "connectors"); });
  if (!args.empty() && args[0] == "cache") {
    return setl::cli::cache_command({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  if (!args.empty() && args[0] == "run") {
    return setl::cli::run_pipeline_command({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  if (!args.empty() && args[0] == "resume") {
    // setl resume PIPELINE.yaml [RUN_ID] [job options]: `setl run` with --resume (default
    // the pipeline's latest run).
    if (args.size() < 2 || args[1] == "--help" || args[1] == "-h") {
      std::cerr << "usage: setl resume PIPELINE.yaml [RUN_ID|last] [job options]\n";
      return args.size() < 2 ? 2 : 0;
    }
    std::vector<std::string> run = {args[1], "--resume"};
    bool has_id = args.size() > 2 && !args[2].starts_with("-");
    run.push_back(has_id ? args[2] : "last");
    run.insert(run.end(), args.begin() + (has_id ? 3 : 2), args.end());
    return setl::cli::run_pipeline_command(run, std::cout, std::cerr);
  }
  if (!args.empty() && args[0] == "sql") {
    return setl::cli::sql_command({args.begin() + 1, args.end()}, std::cin, std::cout, std::cerr,
                                  ::isatty(STDIN_FILENO) != 0);
  }
  if (!args.empty() && args[0] == "migrate") {
    return setl::cli::migrate_command({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  if (!args.empty() && args[0] == "describe-functions") {
    return describe_functions({args.begin() + 1, args.end()});
  }
  std::cerr << "usage: setl run PIPELINE.yaml [--plugin LIB.so]... [job options]\n"
               "       setl resume PIPELINE.yaml [RUN_ID|last] [job options]\n"
               "       setl cache {ls|stats|invalidate FACTORY [--cascade]|gc|clear} "
               "[--dir DIR]\n"
               "       setl sql [-t NAME=SOURCE]... [--config FILE] [-f FILE] [--format "
               "table|csv|json|arrow] [STATEMENT...]\n"
               "       setl migrate {analyze|generate|validate|diff|status|rollback|wizard} ... "
               "(setl migrate "
               "--help)\n"
               "       setl describe-functions [--markdown] [NAME...]\n";
  return args.empty() || args[0] == "--help" || args[0] == "-h" ? 0 : 2;
}
