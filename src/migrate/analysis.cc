// setl::migrate::analyze and its reports.
#include <sstream>

#include <fmt/format.h>

#include "migrate/factories.h"
#include "migrate/python_source.h"
#include "migrate/translator.h"
#include "setl/migrate/migrate.h"

namespace setl::migrate {

double ModuleAnalysis::readiness() const {
  if (references.empty()) {
    return parsed ? 1.0 : 0.0;
  }
  size_t convertible = 0;
  for (const Reference& reference : references) {
    convertible += reference.category != "unsupported" && reference.category != "unmapped";
  }
  return static_cast<double>(convertible) / static_cast<double>(references.size());
}

int ModuleAnalysis::unaccounted_statements() const {
  int count = 0;
  for (const StatementRecord& record : statements) {
    bool placed =
        record.disposition == "ignorable" || record.disposition == "config" ||
        record.disposition == "definition" ||
        ((record.disposition == "code" || record.disposition == "stub") && !record.factory.empty());
    count += placed ? 0 : 1;
  }
  return count;
}

std::unique_ptr<AnalyzedModule> analyze_module(const std::filesystem::path& file,
                                               const AnalyzeOptions& options) {
  auto module = std::make_unique<AnalyzedModule>();
  ModuleAnalysis& analysis = module->analysis;
  analysis.path = file;
  analysis.language = "python";
  module->source = load_source(file);
  analysis.notebook = module->source.notebook;
  analysis.findings = module->source.neutralised;
  module->parsed = parse_python(module->source, options.python);
  if (!module->parsed.ok) {
    analysis.error = module->parsed.error;
    analysis.findings.push_back(
        {"MIG001", "error", module->parsed.error_line, module->parsed.error});
    return module;
  }
  analysis.parsed = true;
  module->translator = std::make_unique<Translator>(module->source, module->parsed, analysis);
  module->translator->run();
  module->groups = group_factories(*module->translator, analysis);
  return module;
}

ModuleAnalysis analyze(const std::filesystem::path& file, const AnalyzeOptions& options) {
  return std::move(analyze_module(file, options)->analysis);
}

std::string to_json(const ModuleAnalysis& analysis) {
  Json report;
  report["format"] = "setl-migrate-analysis";
  report["version"] = 1;
  report["path"] = analysis.path.string();
  report["language"] = analysis.language;
  report["parsed"] = analysis.parsed;
  if (!analysis.parsed) {
    report["error"] = analysis.error;
  }
  report["readiness"] = analysis.readiness();
  report["readiness_meaning"] =
      "convertible API references / all references (coverage, not "
      "correctness)";
  report["unaccounted_statements"] = analysis.unaccounted_statements();
  for (const Reference& reference : analysis.references) {
    report["references"].push_back(
        {{"line", reference.line}, {"api", reference.api}, {"category", reference.category}});
  }
  for (const Finding& finding : analysis.findings) {
    report["findings"].push_back({{"code", finding.code},
                                  {"severity", finding.severity},
                                  {"line", finding.line},
                                  {"message", finding.message}});
  }
  for (const FactoryPlan& factory : analysis.factories) {
    report["factories"].push_back({{"name", factory.name},
                                   {"reason", factory.reason},
                                   {"lines", {factory.first_line, factory.last_line}},
                                   {"inputs", factory.inputs},
                                   {"after", factory.after},
                                   {"reads", factory.reads},
                                   {"writes", factory.writes},
                                   {"params", factory.params},
                                   {"has_stub", factory.has_stub}});
  }
  for (const ConnectorPlan& connector : analysis.connectors) {
    Json columns = Json::array();
    for (const InferredColumn& column : connector.columns) {
      columns.push_back(
          {{"name", column.name}, {"type", column.type}, {"literals", column.literals}});
    }
    report["connectors"].push_back({{"id", connector.id},
                                    {"storage", connector.storage},
                                    {"path", connector.path},
                                    {"table", connector.table},
                                    {"read", connector.read},
                                    {"written", connector.written},
                                    {"columns", columns}});
  }
  for (const ParamPlan& param : analysis.params) {
    report["params"].push_back({{"key", param.key},
                                {"type", param.cpp_type},
                                {"default", param.yaml_value},
                                {"origin", param.origin}});
  }
  for (const StatementRecord& record : analysis.statements) {
    report["statements"].push_back({{"lines", {record.first_line, record.last_line}},
                                    {"disposition", record.disposition},
                                    {"factory", record.factory}});
  }
  return report.dump(2);
}

std::string summary(const ModuleAnalysis& analysis) {
  std::string out = fmt::format("{} ({}{})\n", analysis.path.string(), analysis.language,
                                analysis.notebook ? ", notebook" : "");
  if (!analysis.parsed) {
    return out + "  does not parse: " + analysis.error + "\n";
  }
  std::map<std::string, int> categories;
  for (const Reference& reference : analysis.references) {
    ++categories[reference.category];
  }
  out += fmt::format(
      "  readiness {:.0f}% of {} API references convertible (coverage, not "
      "correctness):",
      100 * analysis.readiness(), analysis.references.size());
  for (const auto& [category, count] : categories) {
    out += fmt::format(" {} {}", count, category);
  }
  out += fmt::format("\n  statements: {}, unaccounted: {}\n", analysis.statements.size(),
                     analysis.unaccounted_statements());
  for (const FactoryPlan& factory : analysis.factories) {
    out += fmt::format("  factory {} (lines {}-{}, {}){}\n", factory.name, factory.first_line,
                       factory.last_line, factory.reason, factory.has_stub ? " [has stubs]" : "");
  }
  for (const Finding& finding : analysis.findings) {
    out += fmt::format("  {}:{}: {} {}: {}\n", analysis.path.filename().string(), finding.line,
                       finding.severity, finding.code, finding.message);
  }
  return out;
}

}  // namespace setl::migrate
