#include "setl/workflow/benchmark.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "setl/core/memory.h"

namespace setl::workflow {
namespace {

std::string milliseconds(Duration duration) {
  return fmt::format("{:.3f}", std::chrono::duration<double, std::milli>(duration).count());
}

std::string memory_cell(int64_t bytes) {
  return bytes > 0 ? memory::format_bytes(bytes) : std::string("-");
}

// The columns after the times: CPU time, peak tracked bytes, spilled bytes, rows, bytes.
std::string measure_cells(const FactoryBenchmark& row) {
  return fmt::format(" {:>12} {:>11} {:>11} {:>11} {:>11}", milliseconds(row.cpu),
                     memory_cell(row.peak_memory_bytes), memory_cell(row.spilled_bytes),
                     row.rows > 0 ? std::to_string(row.rows) : "-", memory_cell(row.bytes));
}
// Blank measure_cells() for stage and total lines.
constexpr int kMeasureWidth = 13 + 4 * 12;

std::string stage_label(const StageBenchmark& stage) {
  return "= " + stage.name + (stage.parallel ? " (parallel)" : "");
}

}  // namespace

namespace {

std::string memory_line(const RunMemoryReport& memory) {
  using memory::format_bytes;
  if (memory.limit == 0 && memory.peak_tracked == 0 && memory.resident_end == 0 &&
      memory.leaked.empty()) {
    return {};  // not measured (a report put together by hand)
  }
  std::string text = "memory: ";
  if (memory.limit > 0) {
    text += "limit " + format_bytes(memory.limit) + ", peak reserved " +
            format_bytes(memory.peak_reserved) + ", ";
  }
  text += "peak tracked " + format_bytes(memory.peak_tracked);
  if (memory.peak_resident > 0) {
    text += ", peak RSS " + format_bytes(memory.peak_resident);
  }
  if (memory.peak_mapped > 0) {
    text += ", peak mapped files " + format_bytes(memory.peak_mapped);
  }
  text += ", at end: RSS " + format_bytes(memory.resident_end) + " (files " +
          format_bytes(memory.file_resident_end) + ", untracked " +
          format_bytes(memory.unmanaged_end) + "), trimmed " + format_bytes(memory.trimmed);
  if (memory.pauses > 0) {
    text += fmt::format(", paused {} time(s)", memory.pauses);
  }
  text += "\n";
  for (const auto& [holder, bytes] : memory.leaked) {
    text += "memory leak: " + holder + " still holds " + format_bytes(bytes) + "\n";
  }
  return text;
}

}  // namespace

std::vector<NamespaceBenchmark> BenchmarkReport::namespaces() const {
  std::map<std::string, NamespaceBenchmark> rolled;
  for (const FactoryBenchmark& row : factories) {
    for (std::string ns = row.ns; !ns.empty();) {
      NamespaceBenchmark& sum = rolled[ns];
      sum.ns = ns;
      ++sum.factories;
      sum.total += row.total;
      sum.cpu += row.cpu;
      sum.spilled_bytes += row.spilled_bytes;
      sum.rows += row.rows;
      sum.bytes += row.bytes;
      sum.peak_memory_bytes = std::max(sum.peak_memory_bytes, row.peak_memory_bytes);
      size_t dot = ns.rfind('.');
      ns = dot == std::string::npos ? std::string() : ns.substr(0, dot);
    }
  }
  std::vector<NamespaceBenchmark> result;
  for (auto& [ns, sum] : rolled) {
    result.push_back(std::move(sum));
  }
  return result;
}

std::string BenchmarkReport::to_string() const {
  size_t name_width = std::string_view("factory").size();
  for (const FactoryBenchmark& row : factories) {
    name_width = std::max(name_width, row.factory.size());
  }
  for (const StageBenchmark& stage : stages) {
    name_width = std::max(name_width, stage_label(stage).size());
  }
  std::string text =
      fmt::format("{:<7} {:<{}} {:>12} {:>12} {:>12} {:>12} {:>12} {:>11} {:>11} {:>11} {:>11}\n",
                  "stage", "factory", name_width, "read ms", "process ms", "write ms", "total ms",
                  "cpu ms", "peak mem", "spilled", "rows", "bytes");
  std::string rule(7 + 1 + name_width + 4 * 13 + kMeasureWidth, '-');
  text += rule + "\n";
  std::map<size_t, std::vector<const FactoryBenchmark*>> by_stage;
  for (const FactoryBenchmark& row : factories) {
    by_stage[row.stage].push_back(&row);
  }
  for (const StageBenchmark& stage : stages) {
    for (const FactoryBenchmark* factory : by_stage[stage.stage]) {
      const FactoryBenchmark& row = *factory;
      text += fmt::format("{:<7} {:<{}} {:>12} {:>12} {:>12} {:>12}", row.stage, row.factory,
                          name_width, milliseconds(row.read), milliseconds(row.process),
                          row.wrote ? milliseconds(row.write) : std::string("-"),
                          milliseconds(row.total)) +
              measure_cells(row) + "\n";
    }
    text += fmt::format("{:<7} {:<{}} {:>12} {:>12} {:>12} {:>12}{:{}}\n", stage.stage,
                        stage_label(stage), name_width, "", "", "", milliseconds(stage.wall), "",
                        kMeasureWidth);
  }
  for (const FactoryBenchmark& row : factories) {
    if (row.stage == kUnstaged) {
      text += fmt::format("{:<7} {:<{}} {:>12} {:>12} {:>12} {:>12}", "-", row.factory, name_width,
                          milliseconds(row.read), milliseconds(row.process),
                          row.wrote ? milliseconds(row.write) : std::string("-"),
                          milliseconds(row.total)) +
              measure_cells(row) + "\n";
    }
  }
  text += rule + "\n";
  text += fmt::format("{:<7} {:<{}} {:>12} {:>12} {:>12} {:>12}{:{}}\n", "", "pipeline total",
                      name_width, "", "", "", milliseconds(total), "", kMeasureWidth);
  if (!critical_path.empty()) {
    std::string path;
    for (const std::string& name : critical_path) {
      path += (path.empty() ? "" : " -> ") + name;
    }
    text += fmt::format("critical path {} ms: {}\n", milliseconds(critical_path_time), path);
  }
  for (const NamespaceBenchmark& sum : namespaces()) {
    text += fmt::format("namespace {}: {} factory(ies), total {} ms, cpu {} ms, rows {}\n", sum.ns,
                        sum.factories, milliseconds(sum.total), milliseconds(sum.cpu), sum.rows);
  }
  text += memory_line(memory);
  return text;
}

std::vector<FactoryBenchmark> combine_ranks(const std::vector<BenchmarkReport>& ranks) {
  std::vector<FactoryBenchmark> combined;
  if (ranks.empty()) {
    return combined;
  }
  combined = ranks[0].factories;
  for (size_t r = 1; r < ranks.size(); ++r) {
    for (FactoryBenchmark& row : combined) {
      auto same =
          std::find_if(ranks[r].factories.begin(), ranks[r].factories.end(),
                       [&](const FactoryBenchmark& other) { return other.factory == row.factory; });
      if (same == ranks[r].factories.end()) {
        continue;  // a single-rank factory runs on rank 0 alone
      }
      row.read = std::max(row.read, same->read);
      row.process = std::max(row.process, same->process);
      row.write = std::max(row.write, same->write);
      row.total = std::max(row.total, same->total);
      row.wrote = row.wrote || same->wrote;
      row.peak_memory_bytes += same->peak_memory_bytes;
      row.spilled_bytes += same->spilled_bytes;
      row.rows += same->rows;
      row.bytes += same->bytes;
      row.cpu += same->cpu;
      row.exchanged_bytes += same->exchanged_bytes;
    }
  }
  return combined;
}

std::string ranks_to_string(const std::vector<BenchmarkReport>& ranks) {
  size_t name_width = std::string_view("factory").size();
  for (const BenchmarkReport& rank : ranks) {
    for (const FactoryBenchmark& row : rank.factories) {
      name_width = std::max(name_width, row.factory.size());
    }
  }
  std::string text =
      fmt::format("{:<{}} {:>5} {:>12} {:>12} {:>11} {:>11} {:>11} {:>11}\n", "factory", name_width,
                  "rank", "total ms", "cpu ms", "peak mem", "rows", "bytes", "exchanged");
  text += std::string(name_width + 6 + 2 * 13 + 4 * 12, '-') + "\n";
  if (ranks.empty()) {
    return text;
  }
  for (const FactoryBenchmark& first : ranks[0].factories) {
    for (size_t r = 0; r < ranks.size(); ++r) {
      for (const FactoryBenchmark& row : ranks[r].factories) {
        if (row.factory == first.factory) {
          text += fmt::format("{:<{}} {:>5} {:>12} {:>12} {:>11} {:>11} {:>11} {:>11}\n",
                              row.factory, name_width, r, milliseconds(row.total),
                              milliseconds(row.cpu), memory_cell(row.peak_memory_bytes), row.rows,
                              memory_cell(row.bytes), memory_cell(row.exchanged_bytes));
        }
      }
    }
  }
  return text;
}

}  // namespace setl::workflow
