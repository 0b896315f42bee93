#include "migrate/validate.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "migrate/generate.h"
#include "migrate/process.h"
#include "migrate/python_source.h"
#include "migrate/sample_data.h"
#include "setl/core/atomic_file.h"
#include "setl/core/error.h"
#include "setl/core/file_status.h"
#include "setl/storage/csv_connector.h"
#include "setl/storage/json_lines_connector.h"
#include "setl/storage/parquet_connector.h"
#include "setl/storage/sqlite_connector.h"

namespace setl::migrate {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::string tail(const std::string& text, size_t limit = 4000) {
  return text.size() <= limit ? text : "...\n" + text.substr(text.size() - limit);
}

std::shared_ptr<storage::Connector> reader_for(const ConnectorPlan& plan, const fs::path& path) {
  if (plan.storage == "JSONL") {
    return storage::make_connector<storage::JsonLinesConnector>(path);
  }
  if (plan.storage == "PARQUET") {
    return storage::make_connector<storage::ParquetConnector>(path);
  }
  if (plan.storage == "SQLITE") {
    return storage::make_connector<storage::SqliteConnector>(path, plan.table);
  }
  // An expected output may be kept as CSV whatever the job writes.
  return storage::make_connector<storage::CsvConnector>(path);
}

std::string lower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

// A cell as comparable text: numbers in a canonical form, booleans and NULLs spelled alike.
std::string canonical(const engine::Scalar& value) {
  if (value.is_null()) {
    return "<null>";
  }
  std::string text = value.to_string();
  char* end = nullptr;
  double number = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size() && std::isfinite(number)) {
    return fmt::format("{:.6g}", number);
  }
  std::string folded = lower(text);
  if (folded == "true" || folded == "false") {
    return folded;
  }
  return text == "nan" || text.empty() ? "<null>" : text;
}

bool same_cell(const engine::Scalar& a, const engine::Scalar& b, double tolerance) {
  std::string x = a.is_null() ? "" : a.to_string();
  std::string y = b.is_null() ? "" : b.to_string();
  char* x_end = nullptr;
  char* y_end = nullptr;
  double u = std::strtod(x.c_str(), &x_end);
  double v = std::strtod(y.c_str(), &y_end);
  if (!x.empty() && !y.empty() && x_end == x.c_str() + x.size() && y_end == y.c_str() + y.size()) {
    return std::fabs(u - v) <= tolerance * std::max({1.0, std::fabs(u), std::fabs(v)});
  }
  return canonical(a) == canonical(b);
}

using Rows = std::vector<std::vector<engine::Scalar>>;

Rows rows_of(const engine::Table& table, const std::vector<std::string>& columns) {
  Rows rows(static_cast<size_t>(table.num_rows()));
  for (const std::string& column : columns) {
    for (int64_t row = 0; row < table.num_rows(); ++row) {
      rows[static_cast<size_t>(row)].push_back(table.at(row, column));
    }
  }
  return rows;
}

void sort_rows(Rows& rows) {
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    for (size_t i = 0; i < a.size(); ++i) {
      std::string x = canonical(a[i]);
      std::string y = canonical(b[i]);
      if (x != y) {
        return x < y;
      }
    }
    return false;
  });
}

/// Where the rows' order on the sort keys differs; rows that tie on them may come in any
/// order (pandas' default sort is not even stable).
std::string order_difference(const std::vector<std::string>& keys,
                             const std::vector<std::string>& columns, const Rows& want,
                             const Rows& got, double tolerance) {
  std::vector<size_t> positions;
  for (const std::string& key : keys) {
    auto found = std::find(columns.begin(), columns.end(), key);
    if (found != columns.end()) {
      positions.push_back(static_cast<size_t>(found - columns.begin()));
    }
  }
  for (size_t row = 0; row < want.size() && row < got.size(); ++row) {
    for (size_t position : positions) {
      if (!same_cell(want[row][position], got[row][position], tolerance)) {
        return fmt::format("row {} is out of order on {}: expected {}, got {}", row + 1,
                           columns[position], canonical(want[row][position]),
                           canonical(got[row][position]));
      }
    }
  }
  return "";
}

OutputCheck compare(const ConnectorPlan& plan, const fs::path& expected_path,
                    const fs::path& actual_path, double tolerance) {
  OutputCheck check{.connector = plan.id, .path = plan.path};
  // Expected outputs may be kept as CSV whatever the job writes (out/x.parquet.csv).
  ConnectorPlan expected_plan = plan;
  fs::path expected_file = expected_path;
  if (!setl::path_exists(expected_file) && setl::path_exists(expected_path.string() + ".csv")) {
    expected_file = expected_path.string() + ".csv";
    expected_plan.storage = "CSV";
  }
  if (!setl::path_exists(actual_path)) {
    check.detail = "the migrated job did not write " + plan.path;
    return check;
  }
  if (!setl::path_exists(expected_file)) {
    check.detail = "the reference has no " + plan.path;
    return check;
  }
  engine::Table expected = reader_for(expected_plan, expected_file)->read();
  engine::Table actual = reader_for(plan, actual_path)->read();
  check.expected_rows = expected.num_rows();
  check.actual_rows = actual.num_rows();
  std::vector<std::string> expected_columns = expected.schema()->names();
  // pandas writes its index as an unnamed first column unless index=False.
  if (!expected_columns.empty() &&
      (expected_columns[0].empty() || expected_columns[0].rfind("Unnamed", 0) == 0) &&
      !actual.schema()->find(expected_columns[0])) {
    expected_columns.erase(expected_columns.begin());
  }
  std::vector<std::string> actual_columns = actual.schema()->names();
  std::vector<std::string> sorted_expected = expected_columns;
  std::vector<std::string> sorted_actual = actual_columns;
  std::sort(sorted_expected.begin(), sorted_expected.end());
  std::sort(sorted_actual.begin(), sorted_actual.end());
  if (sorted_expected != sorted_actual) {
    check.detail = fmt::format("columns differ: expected [{}], got [{}]",
                               fmt::join(expected_columns, ", "), fmt::join(actual_columns, ", "));
    return check;
  }
  if (expected.num_rows() != actual.num_rows()) {
    check.detail = fmt::format("row counts differ: expected {}, got {}", expected.num_rows(),
                               actual.num_rows());
    return check;
  }
  Rows want = rows_of(expected, expected_columns);
  Rows got = rows_of(actual, expected_columns);
  check.detail = order_difference(plan.sorted_by, expected_columns, want, got, tolerance);
  if (!check.detail.empty()) {
    return check;
  }
  sort_rows(want);
  sort_rows(got);
  for (size_t row = 0; row < want.size(); ++row) {
    for (size_t column = 0; column < expected_columns.size(); ++column) {
      if (!same_cell(want[row][column], got[row][column], tolerance)) {
        check.detail =
            fmt::format("row {} column {}: expected {}, got {}", row + 1, expected_columns[column],
                        canonical(want[row][column]), canonical(got[row][column]));
        return check;
      }
    }
  }
  check.ok = true;
  return check;
}

void copy_samples(const fs::path& samples, const fs::path& into) {
  fs::remove_all(into);
  fs::create_directories(into);
  std::error_code error;
  if (!fs::is_directory(samples, error)) {
    throw ConfigError("the samples " + samples.string() + " are not a directory");
  }
  fs::copy(samples, into, fs::copy_options::recursive);
}

/// The configuration files the analysis read, beside generated samples, where the script
/// opens them (names that would leave the directory are skipped).
void copy_config_files(const ModuleAnalysis& analysis, const fs::path& samples) {
  fs::create_directories(samples);
  for (const auto& [name, found] : analysis.config_files) {
    fs::path relative = fs::path(name).lexically_normal();
    if (relative.is_absolute() || relative.empty() || *relative.begin() == "..") {
      continue;
    }
    fs::create_directories((samples / relative).parent_path());
    fs::copy_file(found, samples / relative, fs::copy_options::overwrite_existing);
  }
}

}  // namespace

bool ValidationReport::passed() const {
  if (!built || !ran || !reference_ran || outputs.empty()) {
    return false;
  }
  return std::all_of(outputs.begin(), outputs.end(), [](const OutputCheck& c) { return c.ok; });
}

std::string python_with_pandas(const std::string& preferred) {
  std::vector<std::string> candidates;
  if (!preferred.empty()) {
    candidates.push_back(preferred);
  }
  for (const fs::path& found : find_on_path("python3")) {
    candidates.push_back(found.string());
  }
  for (const std::string& candidate : candidates) {
    try {
      ProcessResult probe = run_process({candidate, "-I", "-c", "import pandas"},
                                        {.timeout = std::chrono::seconds(60)});
      if (probe.exit_code == 0) {
        return candidate;
      }
    } catch (const Error&) {
    }
  }
  return "";
}

bool build_tree(const fs::path& output, const std::vector<std::string>& cmake_args,
                std::string& log, std::chrono::seconds timeout) {
  fs::path build = output / "build";
  std::vector<std::string> configure = {"cmake", "-S", output.string(), "-B", build.string()};
  configure.insert(configure.end(), cmake_args.begin(), cmake_args.end());
  ProcessResult configured = run_process(configure, {.timeout = timeout});
  log += configured.out + configured.err;
  if (configured.exit_code != 0) {
    return false;
  }
  unsigned jobs = std::max(1U, std::thread::hardware_concurrency());
  ProcessResult built = run_process(
      {"cmake", "--build", build.string(), "--parallel", std::to_string(jobs), "--", "-k"},
      {.timeout = timeout});
  log += tail(built.out + built.err, 20000);
  return built.exit_code == 0;
}

ValidationReport validate(const ModuleAnalysis& analysis, const ValidateOptions& options) {
  ValidationReport report;
  std::string name = module_name(analysis.path);
  report.module = name;
  fs::path binary = options.output / "build" / name / name;
  if (options.build) {
    // Built with -k: another module that does not compile leaves this one alone.
    fs::remove(binary);
    build_tree(options.output, options.cmake_args, report.log);
  }
  report.built = setl::path_exists(binary);
  if (!report.built) {
    report.built = false;
    report.log += "\nno program at " + binary.string();
    return report;
  }
  fs::path work =
      options.work.empty() ? options.output / ".setl-migrate" / "runs" / name : options.work / name;
  fs::path migrated = work / "migrated";
  fs::path original = work / "original";
  fs::path samples = options.samples;
  if (samples.empty()) {
    samples = work / "samples";
    fs::remove_all(samples);
    SampleData generated = generate_samples(analysis, samples);
    copy_config_files(analysis, samples);
    report.samples = "generated from the inferred schemas (" +
                     std::to_string(generated.written.size()) + " inputs, in " + samples.string() +
                     ")";
    for (const std::string& missing : generated.missing) {
      report.samples += "; not generated: " + missing;
    }
  } else {
    report.samples = "given: " + samples.string();
  }
  copy_samples(samples, migrated);
  ProcessResult job = run_process({fs::absolute(binary).string()},
                                  {.directory = migrated, .timeout = options.timeout});
  report.ran = job.exit_code == 0;
  report.log +=
      "\n--- migrated job (exit " + std::to_string(job.exit_code) + ")\n" + tail(job.out + job.err);
  fs::path reference_dir;
  if (!options.expected.empty()) {
    report.reference = "expected outputs";
    report.reference_ran = setl::path_exists(options.expected);
    reference_dir = options.expected;
  } else if (analysis.language == "pyspark") {
    report.reference = "none: PySpark scripts are compared with expected outputs (--expected)";
  } else {
    std::string python = python_with_pandas(options.python);
    if (python.empty()) {
      report.reference = "none: no python3 with pandas (install Debian's python3-pandas)";
    } else {
      copy_samples(samples, original);
      fs::path script = fs::absolute(analysis.path);
      if (analysis.notebook) {  // the cells, joined as the analysis read them
        script = work / (name + "_notebook.py");
        setl::write_atomically(script, load_source(analysis.path).text);
      }
      ProcessResult run = run_process({python, script.string()},
                                      {.directory = original, .timeout = options.timeout});
      report.reference = "original (" + fs::path(python).filename().string() + " + pandas)";
      report.reference_ran = run.exit_code == 0;
      report.log +=
          "\n--- original (exit " + std::to_string(run.exit_code) + ")\n" + tail(run.out + run.err);
      reference_dir = original;
    }
  }
  if (!report.ran || !report.reference_ran) {
    return report;
  }
  for (const ConnectorPlan& connector : analysis.connectors) {
    if (connector.written) {
      report.outputs.push_back(compare(connector, reference_dir / connector.path,
                                       migrated / connector.path, options.tolerance));
    }
  }
  return report;
}

std::string to_json(const ValidationReport& report) {
  Json json = {{"format", "setl-migrate-validation"},
               {"version", 1},
               {"module", report.module},
               {"built", report.built},
               {"ran", report.ran},
               {"reference", report.reference},
               {"reference_ran", report.reference_ran},
               {"samples", report.samples},
               {"passed", report.passed()}};
  for (const OutputCheck& check : report.outputs) {
    json["outputs"].push_back({{"connector", check.connector},
                               {"path", check.path},
                               {"ok", check.ok},
                               {"expected_rows", check.expected_rows},
                               {"actual_rows", check.actual_rows},
                               {"detail", check.detail}});
  }
  if (!report.passed()) {
    json["log"] = report.log;
  }
  return json.dump(2);
}

std::string summary(const ValidationReport& report) {
  std::string out =
      fmt::format("{}: {} (built: {}, ran: {}, reference: {})\n  samples: {}\n", report.module,
                  report.passed() ? "PASSED" : "FAILED", report.built ? "yes" : "no",
                  report.ran ? "yes" : "no", report.reference, report.samples);
  for (const OutputCheck& check : report.outputs) {
    out += fmt::format("  {} {}: {} rows {}{}\n", check.ok ? "ok  " : "DIFF", check.path,
                       check.actual_rows, check.ok ? "match" : "differ",
                       check.ok ? "" : " — " + check.detail);
  }
  if (!report.passed() && report.outputs.empty()) {
    out += tail(report.log, 3000) + "\n";
  }
  return out;
}

}  // namespace setl::migrate
