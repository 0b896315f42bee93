#include "setl/cli/migrate_command.h"

#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "migrate/factories.h"
#include "migrate/generate.h"
#include "migrate/validate.h"
#include "migrate/wizard.h"
#include "migrate/workspace.h"
#include "setl/core/atomic_file.h"
#include "setl/core/error.h"
#include "setl/migrate/migrate.h"

namespace setl::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage = R"(setl migrate — pandas and PySpark code to a setlpp pipeline

  setl migrate analyze FILE... [--json] [--python PROGRAM]
      Parses each .py or .ipynb file with Python's own parser and reports what it uses:
      every API reference classified (direct, rewrite, helper, unsupported, ignorable,
      unmapped), the factories it would become and why, connectors, configuration keys,
      findings with codes (MIG0xx-MIG4xx), and a readiness score (convertible references
      / all references: coverage, not correctness). Exit 1 when a file does not parse.

  setl migrate generate FILE... -o DIR [--python PROGRAM]
      Writes DIR/<module>/ for each file: one header per factory under factories/,
      main.cc (the pipeline, with the script's options as flags), pipeline.yaml
      (connectors and params), CMakeLists.txt (find_package(setl)) and migration.json,
      plus DIR/support/migrated_support.h and DIR/CMakeLists.txt building every module.
      Untranslatable constructs become stubs that quote the Python and its issue code.
      The sources are never touched; the previous generation is kept under
      DIR/.setl-migrate/snapshots/<module>/<n>/, and a factory you edited is kept (the
      new version is written beside it as .new and reported as a conflict).

  setl migrate validate FILE -o DIR [--samples DIR] [--expected DIR] [--no-build]
                        [--cmake-arg ARG]... [--python PROGRAM] [--json]
      Builds the generated tree, runs the migrated job and the original (with a python3
      that has pandas) on copies of the samples, and reconciles every output the script
      writes: columns, row counts, values within 1e-6 (relative), in order when the
      script sorts and as a multiset otherwise. PySpark scripts are compared with
      --expected outputs. Exit 1 when anything differs.

  setl migrate diff FILE -o DIR [--html PAGE] [--width N]
      Each factory's Python span beside the C++ it became, with the last validation's
      reconciliation: on the terminal, and as an HTML page with --html.

  setl migrate status PATH... -o DIR [--json]
      Every .py and .ipynb under PATH (files or directories): language, readiness,
      factories, whether DIR holds its generation and its last validation, and the codes
      of its open issues. For migrating a large codebase one module at a time.

  setl migrate wizard FILE -o DIR
      Shows the proposed factories and connectors and lets you rename, merge or split the
      factories and choose each connector's storage and path, then generates on
      `generate` (or leaves on `quit`). Type `help` at its prompt.

  setl migrate rollback MODULE -o DIR [--snapshot N]
      Restores DIR/MODULE from a snapshot of an earlier generation (default: the latest);
      the current state becomes a new snapshot, so a rollback can be undone.

Without --samples, validate generates sample inputs from the schemas the analysis infers
(the columns the script uses, typed by how it uses them; `analyze --json` lists them under
each connector's "columns"). Give --samples, laid out as the script's relative paths
expect, to validate on your own data.
)";

int usage_error(std::ostream& err, const std::string& message) {
  err << "setl migrate: " << message << "\n(see setl migrate --help)\n";
  return 2;
}

}  // namespace

int migrate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string& command = args[0];
  CLI::App app{"setl migrate " + command};
  std::vector<std::string> files;
  std::string output;
  std::string python;
  std::string samples;
  std::string expected;
  std::vector<std::string> cmake_args;
  bool json = false;
  bool no_build = false;
  std::string html;
  int width = 160;
  int snapshot = 0;
  app.add_option("files", files, command == "rollback" ? "modules" : "Python scripts or notebooks")
      ->required();
  app.add_option("--python", python, "the python3 to run");
  if (command == "analyze") {
    app.add_flag("--json", json, "print the JSON report");
  } else if (command == "generate") {
    app.add_option("-o,--output", output, "the generated tree")->required();
  } else if (command == "validate") {
    app.add_option("-o,--output", output, "the generated tree")->required();
    app.add_option("--samples", samples, "sample inputs laid out as the script expects");
    app.add_option("--expected", expected, "expected outputs (PySpark)");
    app.add_option("--cmake-arg", cmake_args, "an extra argument for configuring the tree");
    app.add_flag("--no-build", no_build, "use the tree as built");
    app.add_flag("--json", json, "print the JSON report");
  } else if (command == "diff") {
    app.add_option("-o,--output", output, "the generated tree")->required();
    app.add_option("--html", html, "write the side-by-side view as an HTML page");
    app.add_option("--width", width, "terminal width");
  } else if (command == "wizard") {
    app.add_option("-o,--output", output, "the generated tree")->required();
  } else if (command == "status") {
    app.add_option("-o,--output", output, "the generated tree")->required();
    app.add_flag("--json", json, "print JSON");
  } else if (command == "rollback") {
    app.add_option("-o,--output", output, "the generated tree")->required();
    app.add_option("--snapshot", snapshot, "the snapshot to restore (default: the latest)");
  } else {
    return usage_error(err, "unknown command '" + command + "'");
  }
  try {
    std::vector<std::string> rest(args.begin() + 1, args.end());
    std::reverse(rest.begin(), rest.end());
    app.parse(rest);
  } catch (const CLI::CallForHelp&) {
    out << app.help() << "\n" << kUsage;
    return 0;
  } catch (const CLI::ParseError& error) {
    return usage_error(err, error.what());
  }
  try {
    if (command == "status") {
      std::vector<fs::path> sources(files.begin(), files.end());
      out << migrate::status_report(sources, output, json, {.python = python});
      return 0;
    }
    if (command == "rollback") {
      for (const std::string& module : files) {
        int restored = migrate::rollback(output, module, snapshot);
        out << "restored " << module << " from snapshot " << restored << "\n";
      }
      return 0;
    }
    if (command == "diff") {
      for (const std::string& file : files) {
        migrate::DiffView view = migrate::diff_view(file, output, width, {.python = python});
        out << view.text;
        if (!html.empty()) {
          setl::write_atomically(html, view.html);
          out << "wrote " << html << "\n";
        }
      }
      return 0;
    }
    if (command == "wizard") {
      if (files.size() != 1) {
        return usage_error(err, "the wizard takes one file");
      }
      std::unique_ptr<migrate::AnalyzedModule> module =
          migrate::analyze_module(files[0], {.python = python});
      return migrate::run_wizard(*module, output, std::cin, out);
    }
    int status = 0;
    for (const std::string& file : files) {
      std::unique_ptr<migrate::AnalyzedModule> module =
          migrate::analyze_module(file, {.python = python});
      const migrate::ModuleAnalysis& analysis = module->analysis;
      if (!analysis.parsed) {
        err << analysis.error << "\n";
        status = 1;
        continue;
      }
      if (command == "analyze") {
        out << (json ? migrate::to_json(analysis) + "\n" : migrate::summary(analysis));
      } else if (command == "generate") {
        migrate::GenerationResult result = migrate::generate_module(*module, output);
        out << "generated " << result.directory.string() << " (" << analysis.factories.size()
            << " factories, readiness " << static_cast<int>(100 * analysis.readiness()) << "%)\n";
        if (result.snapshot > 0) {
          out << "  previous generation kept as snapshot " << result.snapshot << "\n";
        }
        for (const std::string& conflict : result.conflicts) {
          out << "  conflict: " << conflict << " was edited; the new version is " << conflict
              << ".new\n";
        }
      } else {
        migrate::ValidateOptions options{.output = output,
                                         .samples = samples,
                                         .expected = expected,
                                         .python = python,
                                         .cmake_args = cmake_args,
                                         .build = !no_build};
        migrate::ValidationReport report = migrate::validate(analysis, options);
        fs::path record = fs::path(output) / ".setl-migrate" / "validation" /
                          (migrate::module_name(analysis.path) + ".json");
        fs::create_directories(record.parent_path());
        setl::write_atomically(record, migrate::to_json(report));
        out << (json ? migrate::to_json(report) + "\n" : migrate::summary(report));
        status = report.passed() ? status : 1;
      }
    }
    return status;
  } catch (const setl::Error& error) {
    err << "setl migrate: " << error.what() << "\n";
    return 1;
  } catch (const std::exception& error) {  // e.g. a filesystem error while copying samples
    err << "setl migrate: " << error.what() << "\n";
    return 1;
  }
}

}  // namespace setl::cli
