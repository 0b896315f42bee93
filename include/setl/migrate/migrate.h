// setl migrate: turns pandas and PySpark scripts, notebooks and modules into a setlpp
// pipeline. Python's own parser reads the source (an embedded helper run with the system's
// python3, see python_source.h); everything else happens here: name and type resolution,
// an API table that classifies every call, factory boundaries, generation of a standalone
// CMake project, and reconciliation of its outputs with the original's.
//
//   setl::migrate::ModuleAnalysis analysis = setl::migrate::analyze("etl/orders.py");
//   for (const setl::migrate::Finding& finding : analysis.findings) ...
//   setl::migrate::generate({"etl/orders.py"}, {.output = "migrated"});
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace setl::migrate {

/// Something the analysis wants the user to know, with its place in the source.
/// Codes: MIG0xx front end, MIG1xx resolution, MIG2xx unsupported constructs, MIG3xx
/// performance hints, MIG4xx validation (docs/MIGRATE.md lists them all).
struct Finding {
  std::string code;
  std::string severity;  ///< "error" (not translated), "warning", "hint"
  int line = 0;
  std::string message;
};

/// One use of a library API and how the API table classifies it.
struct Reference {
  int line = 0;
  std::string api;       ///< fully qualified: "pandas.DataFrame.merge"
  std::string category;  ///< direct, rewrite, helper, unsupported, ignorable, unmapped
};

/// What a statement became. Every statement of the source gets exactly one.
struct StatementRecord {
  int first_line = 0;
  int last_line = 0;
  std::string disposition;  ///< code, config, ignorable, stub, definition
  std::string factory;      ///< the factory holding its code, if any
};

/// One Factory of the generated pipeline.
struct FactoryPlan {
  std::string name;    ///< C++ class name
  std::string reason;  ///< why the boundary is here: "function clean()", "cell 3", "dataflow"
  int first_line = 0;
  int last_line = 0;
  std::vector<std::string> inputs;  ///< producers of the tables it receives
  std::vector<std::string> after;   ///< factories it waits for (a file they write)
  std::vector<std::string> reads;   ///< connector ids
  std::vector<std::string> writes;  ///< connector ids
  std::vector<std::string> params;  ///< config keys under params.
  bool has_stub = false;
};

/// A column of an input as the script's uses suggest it: the schema `validate` generates
/// sample rows from when it is given none.
struct InferredColumn {
  std::string name;
  std::string type;                   ///< int64, double, string, date, bool
  std::vector<std::string> literals;  ///< values the script compares it with
};

/// A connector the generated configuration declares.
struct ConnectorPlan {
  std::string id;
  std::string storage;  ///< CSV, JSONL, PARQUET, SQLITE
  std::string path;
  std::string table;   ///< SQLITE
  std::string origin;  ///< "params.input" when an argparse option gave the path
  std::map<std::string, std::string> options;  ///< more connector keys (delimiter, query)
  bool read = false;
  bool written = false;
  /// For an input: the columns the script uses from it, in order of first use.
  std::vector<InferredColumn> columns;
  /// For an output: the columns the written frame is sorted by (validation checks their
  /// order; rows that tie on them may come in any order, as in pandas and Spark).
  std::vector<std::string> sorted_by;
};

/// A configuration value the script took from argparse, a config file or a constant.
struct ParamPlan {
  std::string key;         ///< under params.
  std::string cpp_type;    ///< double, int64_t, std::string, bool
  std::string yaml_value;  ///< default, as YAML
  std::string origin;      ///< "--min-amount", "config.json: threshold"
};

struct ModuleAnalysis {
  std::filesystem::path path;
  std::string language;  ///< pandas, pyspark, python
  bool parsed = false;
  std::string error;  ///< "file:line: message" when not parsed
  bool notebook = false;
  std::vector<Reference> references;
  std::vector<Finding> findings;
  std::vector<StatementRecord> statements;
  std::vector<FactoryPlan> factories;
  std::vector<ConnectorPlan> connectors;
  std::vector<ParamPlan> params;
  /// Convertible references (direct, rewrite, helper, ignorable) over all references:
  /// coverage of the API surface, not a claim that the result is correct.
  double readiness() const;
  int unaccounted_statements() const;
  /// Configuration files the script reads, by the name it opens them with, and where the
  /// analysis found them: the original needs them to run next to generated samples.
  std::map<std::string, std::filesystem::path> config_files;
};

struct AnalyzeOptions {
  /// The python3 that parses (empty: the first `python3` on PATH).
  std::string python;
};

/// Parses and analyses one .py or .ipynb file. Throws setl::Error when python3 cannot
/// run; a syntax error is reported in the result (parsed == false), not thrown.
ModuleAnalysis analyze(const std::filesystem::path& file, const AnalyzeOptions& options = {});

/// The analysis as JSON (the `setl migrate analyze --json` report).
std::string to_json(const ModuleAnalysis& analysis);
/// A readable summary of the analysis.
std::string summary(const ModuleAnalysis& analysis);

}  // namespace setl::migrate
