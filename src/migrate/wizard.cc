#include "migrate/wizard.h"

#include <algorithm>
#include <iostream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "migrate/generate.h"
#include "setl/core/error.h"
#include "setl/core/parse_number.h"

namespace setl::migrate {
namespace {

constexpr const char* kHelp =
    "commands:\n"
    "  show                          the factories and connectors again\n"
    "  rename N NAME                 name factory N (a C++ class name)\n"
    "  merge N M                     put factory M's statements into factory N\n"
    "  split N LINE                  move factory N's statements from LINE on into a new one\n"
    "  connector ID STORAGE [PATH]   store connector ID as CSV, JSONL, PARQUET or SQLITE\n"
    "  generate                      write the project and leave\n"
    "  quit                          leave without generating\n";

bool valid_class_name(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

void show(const AnalyzedModule& module, std::ostream& out) {
  const ModuleAnalysis& analysis = module.analysis;
  out << fmt::format("{}: {} factories (readiness {:.0f}%, coverage not correctness)\n",
                     analysis.path.filename().string(), analysis.factories.size(),
                     100 * analysis.readiness());
  for (size_t i = 0; i < analysis.factories.size(); ++i) {
    const FactoryPlan& factory = analysis.factories[i];
    out << fmt::format("  {}. {:<24} lines {}-{}  {}{}\n", i + 1, factory.name, factory.first_line,
                       factory.last_line, factory.reason, factory.has_stub ? "  [has stubs]" : "");
    if (!factory.inputs.empty()) {
      out << fmt::format("       receives {}\n", fmt::join(factory.inputs, ", "));
    }
  }
  for (const ConnectorPlan& connector : analysis.connectors) {
    out << fmt::format("  connector {:<16} {:<8} {}\n", connector.id, connector.storage,
                       connector.path);
  }
}

// The factory numbered by the user (from 1), or nullopt with a message.
std::optional<size_t> factory_index(const std::string& word, size_t count, std::ostream& out) {
  std::optional<size_t> number = parse_number<size_t>(word);
  if (number && *number >= 1 && *number <= count) {
    return *number - 1;
  }
  out << "no factory " << word << " (1 to " << count << ")\n";
  return std::nullopt;
}

// Rebuilds the factories from `partition`; on failure keeps the previous ones.
bool regroup(AnalyzedModule& module, std::vector<FactoryGroup> partition, std::ostream& out) {
  std::vector<FactoryPlan> previous_plans = module.analysis.factories;
  std::vector<StatementRecord> previous_records = module.analysis.statements;
  try {
    module.groups = build_factories(*module.translator, module.analysis, std::move(partition));
    return true;
  } catch (const Error& error) {
    module.analysis.factories = std::move(previous_plans);
    module.analysis.statements = std::move(previous_records);
    out << "not possible: " << error.what() << "\n";
    return false;
  }
}

void set_connector(AnalyzedModule& module, std::istringstream& words, std::ostream& out) {
  std::string id;
  std::string storage;
  std::string path;
  words >> id >> storage >> path;
  for (char& c : storage) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  static const std::set<std::string> kStorages = {"CSV", "JSONL", "PARQUET", "SQLITE"};
  if (!kStorages.contains(storage)) {
    out << "storage must be CSV, JSONL, PARQUET or SQLITE\n";
    return;
  }
  for (ConnectorPlan& connector : module.analysis.connectors) {
    if (connector.id == id) {
      if (storage == "SQLITE" && connector.table.empty()) {
        connector.table = id;
      }
      if (storage != "CSV") {
        connector.options.erase("delimiter");
        connector.options.erase("header");
      }
      connector.storage = storage;
      connector.path = path.empty() ? connector.path : path;
      out << "connector " << id << ": " << storage << " " << connector.path << "\n";
      return;
    }
  }
  out << "no connector " << id << "\n";
}

}  // namespace

int run_wizard(AnalyzedModule& module, const std::filesystem::path& output, std::istream& in,
               std::ostream& out) {
  if (!module.analysis.parsed || module.translator == nullptr) {
    throw ParseError("cannot migrate " + module.analysis.path.string() + ": " +
                     module.analysis.error);
  }
  show(module, out);
  out << "type help for the commands\n";
  std::string line;
  while (out << "migrate> " << std::flush, std::getline(in, line)) {
    std::istringstream words(line);
    std::string command;
    words >> command;
    std::vector<FactoryGroup> partition = module.groups;
    size_t count = partition.size();
    if (command.empty()) {
      continue;
    } else if (command == "help" || command == "?") {
      out << kHelp;
    } else if (command == "show") {
      show(module, out);
    } else if (command == "rename") {
      std::string number;
      std::string name;
      words >> number >> name;
      auto index = factory_index(number, count, out);
      bool taken = std::any_of(partition.begin(), partition.end(),
                               [&](const FactoryGroup& group) { return group.name == name; });
      if (index && (!valid_class_name(name) || taken)) {
        out << "'" << name << "' is not a free C++ class name\n";
      } else if (index) {
        partition[*index].name = name;
        regroup(module, std::move(partition), out);
        show(module, out);
      }
    } else if (command == "merge") {
      std::string first;
      std::string second;
      words >> first >> second;
      auto into = factory_index(first, count, out);
      auto from = into ? factory_index(second, count, out) : std::nullopt;
      if (into && from && *into != *from) {
        FactoryGroup& target = partition[*into];
        target.steps.insert(target.steps.end(), partition[*from].steps.begin(),
                            partition[*from].steps.end());
        partition.erase(partition.begin() + static_cast<std::ptrdiff_t>(*from));
        if (regroup(module, std::move(partition), out)) {
          show(module, out);
        }
      }
    } else if (command == "split") {
      std::string number;
      int at = 0;
      words >> number >> at;
      auto index = factory_index(number, count, out);
      if (index) {
        FactoryGroup moved{.reason = "split by the user"};
        std::vector<int> kept;
        for (int step : partition[*index].steps) {
          const Step& statement = module.translator->steps()[static_cast<size_t>(step)];
          (statement.first_line >= at ? moved.steps : kept).push_back(step);
        }
        if (kept.empty() || moved.steps.empty()) {
          out << "line " << at << " does not split factory " << number << "\n";
        } else {
          partition[*index].steps = kept;
          partition.insert(partition.begin() + static_cast<std::ptrdiff_t>(*index) + 1, moved);
          if (regroup(module, std::move(partition), out)) {
            show(module, out);
          }
        }
      }
    } else if (command == "connector") {
      set_connector(module, words, out);
    } else if (command == "generate") {
      GenerationResult result = generate_module(module, output);
      out << "generated " << result.directory.string() << "\n";
      return 0;
    } else if (command == "quit" || command == "q") {
      out << "nothing generated\n";
      return 1;
    } else {
      out << "unknown command '" << command << "' (help lists them)\n";
    }
  }
  out << "\nnothing generated\n";
  return 1;
}

}  // namespace setl::migrate
