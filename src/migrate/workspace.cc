#include "migrate/workspace.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "migrate/generate.h"
#include "migrate/python_source.h"
#include "setl/core/error.h"
#include "setl/core/file_status.h"

namespace setl::migrate {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::vector<fs::path> python_files(const std::vector<fs::path>& sources, const fs::path& output) {
  std::vector<fs::path> files;
  fs::path skipped = fs::weakly_canonical(output);
  for (const fs::path& source : sources) {
    if (!setl::is_directory_path(source)) {
      files.push_back(source);
      continue;
    }
    for (auto it = fs::recursive_directory_iterator(source);
         it != fs::recursive_directory_iterator(); ++it) {
      const fs::path& path = it->path();
      bool hidden = path.filename().string().rfind('.', 0) == 0;
      if (it->is_directory() && (hidden || fs::weakly_canonical(path) == skipped)) {
        it.disable_recursion_pending();
      } else if (it->is_regular_file() &&
                 (path.extension() == ".py" || path.extension() == ".ipynb")) {
        files.push_back(path);
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

Json read_json(const fs::path& path) {
  if (!setl::path_exists(path)) {
    return Json();
  }
  try {
    return Json::parse(read_text_file(path));
  } catch (const Json::exception&) {
    return Json();
  }
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  }
  return out;
}

std::string clip(const std::string& text, size_t width) {
  if (text.size() <= width) {
    return text + std::string(width - text.size(), ' ');
  }
  return text.substr(0, width - 1) + "~";
}

}  // namespace

std::string status_report(const std::vector<fs::path>& sources, const fs::path& output, bool json,
                          const AnalyzeOptions& options) {
  Json report = Json::array();
  std::string table =
      fmt::format("{:<40} {:<8} {:>9} {:>9} {:<10} {:<10} {}\n", "file", "language", "readiness",
                  "factories", "generated", "validated", "open issues");
  size_t generated_count = 0;
  size_t passed_count = 0;
  std::vector<fs::path> files = python_files(sources, output);
  for (const fs::path& file : files) {
    ModuleAnalysis analysis = analyze(file, options);
    std::string module = module_name(file);
    bool generated = setl::path_exists(output / module / ".setl-migrate.json");
    Json validation = read_json(output / ".setl-migrate" / "validation" / (module + ".json"));
    std::string validated =
        validation.is_object() ? (validation.value("passed", false) ? "passed" : "FAILED") : "-";
    std::set<std::string> open;
    for (const Finding& finding : analysis.findings) {
      if (finding.severity == "error") {
        open.insert(finding.code);
      }
    }
    std::string codes;
    for (const std::string& code : open) {
      codes += (codes.empty() ? "" : " ") + code;
    }
    generated_count += generated;
    passed_count += validated == "passed";
    report.push_back({{"file", file.string()},
                      {"language", analysis.language},
                      {"parsed", analysis.parsed},
                      {"readiness", analysis.readiness()},
                      {"factories", analysis.factories.size()},
                      {"generated", generated},
                      {"validated", validated},
                      {"open_issues", open}});
    table += fmt::format("{:<40} {:<8} {:>8.0f}% {:>9} {:<10} {:<10} {}\n", clip(file.string(), 40),
                         analysis.parsed ? analysis.language : "ERROR", 100 * analysis.readiness(),
                         analysis.factories.size(), generated ? "yes" : "no", validated, codes);
  }
  table += fmt::format("{} files, {} generated, {} validated\n", files.size(), generated_count,
                       passed_count);
  return json ? report.dump(2) + "\n" : table;
}

int rollback(const fs::path& output, const std::string& module, int number) {
  fs::path snapshots = output / ".setl-migrate" / "snapshots" / module;
  std::vector<int> numbers;
  if (setl::path_exists(snapshots)) {
    for (const auto& entry : directory_entries(snapshots)) {
      int found = std::atoi(entry.path().filename().c_str());
      if (found > 0) {
        numbers.push_back(found);
      }
    }
  }
  std::sort(numbers.begin(), numbers.end());
  if (numbers.empty()) {
    throw Error(ErrorKind::kUser, "no snapshot of " + module + " under " + snapshots.string());
  }
  int chosen = number == 0 ? numbers.back() : number;
  if (std::find(numbers.begin(), numbers.end(), chosen) == numbers.end()) {
    throw Error(ErrorKind::kUser, fmt::format("no snapshot {} of {} (there are {})", chosen, module,
                                              fmt::join(numbers, ", ")));
  }
  fs::path current = output / module;
  fs::path staging = output / ".setl-migrate" / ("rollback-" + module);
  fs::remove_all(staging);
  fs::copy(snapshots / std::to_string(chosen), staging, fs::copy_options::recursive);
  if (setl::path_exists(current)) {
    fs::path kept = snapshots / (".partial-" + std::to_string(numbers.back() + 1));
    fs::remove_all(kept);
    fs::copy(current, kept, fs::copy_options::recursive);
    fs::rename(kept, snapshots / std::to_string(numbers.back() + 1));
    fs::remove_all(current);
  }
  fs::rename(staging, current);
  return chosen;
}

DiffView diff_view(const fs::path& script, const fs::path& output, int width,
                   const AnalyzeOptions& options) {
  ModuleAnalysis analysis = analyze(script, options);
  if (!analysis.parsed) {
    throw ParseError(analysis.error);
  }
  std::string module = module_name(script);
  std::vector<std::string> python = split_lines(read_text_file(script));
  Json validation = read_json(output / ".setl-migrate" / "validation" / (module + ".json"));
  std::string verdict = !validation.is_object()             ? "not validated yet"
                        : validation.value("passed", false) ? "validation PASSED"
                                                            : "validation FAILED";
  size_t half = static_cast<size_t>(std::max(40, width) / 2 - 2);
  DiffView view;
  view.text = fmt::format("{} -> {} ({})\n", script.string(), (output / module).string(), verdict);
  view.html = "<!doctype html><meta charset=utf-8><title>" + html_escape(module) +
              "</title><style>body{font-family:sans-serif}table{border-collapse:collapse;"
              "width:100%}td{vertical-align:top;border:1px solid #ccc;padding:4px}"
              "pre{margin:0;font-size:12px;white-space:pre-wrap}</style><h1>" +
              html_escape(script.filename().string()) + " &rarr; " + html_escape(module) +
              "</h1><p>" + html_escape(verdict) + "</p>";
  for (const FactoryPlan& factory : analysis.factories) {
    fs::path header = output / module / "factories" / (factory.name + ".h");
    std::vector<std::string> cpp = setl::path_exists(header)
                                       ? split_lines(read_text_file(header))
                                       : std::vector<std::string>{"(not generated)"};
    std::vector<std::string> span;
    for (int line = factory.first_line; line <= factory.last_line; ++line) {
      if (line >= 1 && line <= static_cast<int>(python.size())) {
        span.push_back(fmt::format("{:>4} {}", line, python[static_cast<size_t>(line - 1)]));
      }
    }
    view.text += fmt::format("\n== {} ({}){}\n", factory.name, factory.reason,
                             factory.has_stub ? " [has stubs]" : "");
    for (size_t i = 0; i < std::max(span.size(), cpp.size()); ++i) {
      view.text += clip(i < span.size() ? span[i] : "", half) + " | " +
                   (i < cpp.size() ? cpp[i].substr(0, half) : "") + "\n";
    }
    std::string left;
    std::string right;
    for (const std::string& line : span) {
      left += html_escape(line) + "\n";
    }
    for (const std::string& line : cpp) {
      right += html_escape(line) + "\n";
    }
    view.html += "<h2>" + html_escape(factory.name) + " <small>(" + html_escape(factory.reason) +
                 ")</small></h2><table><tr><td><pre>" + left + "</pre></td><td><pre>" + right +
                 "</pre></td></tr></table>";
  }
  if (validation.is_object() && validation.contains("outputs")) {
    view.text += "\n";
    view.html += "<h2>Reconciliation</h2><ul>";
    for (const Json& check : validation["outputs"]) {
      std::string line =
          fmt::format("{} {}: {}", check.value("ok", false) ? "ok  " : "DIFF",
                      check.value("path", std::string()),
                      check.value("ok", false) ? "match" : check.value("detail", std::string()));
      view.text += line + "\n";
      view.html += "<li>" + html_escape(line) + "</li>";
    }
    view.html += "</ul>";
  }
  return view;
}

}  // namespace setl::migrate
