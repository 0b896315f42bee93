#include "setl/monitor/run_report.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>

#include <fmt/format.h>

#include "setl/core/atomic_file.h"
#include "setl/core/memory.h"

namespace setl::monitor {
namespace {

using workflow::Dag;
using workflow::DagNode;
using workflow::Duration;
using workflow::FactoryOutcome;
using workflow::RunResult;

// Nothing is fetched and nothing runs: the page is its own styles and markup.
constexpr const char* kPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'";

constexpr const char* kStyle = R"css(
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d232a; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; } h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
.summary span { margin-right: 1.2rem; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #d9dee3; padding: .25rem .6rem; text-align: left; vertical-align: top; }
td.n { text-align: right; }
.state { display: inline-block; padding: 0 .4rem; border-radius: .6rem; font-size: .85em; }
pre { white-space: pre-wrap; background: #f4f6f8; padding: .6rem; margin: .2rem 0 .8rem; }
svg text { font: 12px system-ui, sans-serif; }
a:focus, summary:focus { outline: 2px solid #1f6feb; }
@media (max-width: 700px) { body { margin: .6rem; } }
)css";

std::string ms(Duration duration) {
  return fmt::format("{:.1f}", std::chrono::duration<double, std::milli>(duration).count());
}

std::string bytes_text(int64_t bytes) {
  return bytes > 0 ? memory::format_bytes(bytes) : std::string("-");
}

// The colour of a state; every use also writes the state's name.
struct Look {
  const char* fill;
  const char* ink;
};
Look look_of(std::string_view status) {
  if (status == "ran" || status == "succeeded") {
    return {"#2da44e", "#ffffff"};
  }
  if (status == "cached" || status == "resumed") {
    return {"#0969da", "#ffffff"};
  }
  if (status == "failed") {
    return {"#cf222e", "#ffffff"};
  }
  if (status == "cancelled") {
    return {"#9a6700", "#ffffff"};
  }
  if (status == "skipped" || status == "not needed") {
    return {"#8c959f", "#ffffff"};
  }
  return {"#eaeef2", "#1d232a"};  // not run, pending
}

std::string state_badge(std::string_view status) {
  Look look = look_of(status);
  return fmt::format(R"(<span class="state" style="background:{};color:{}">{}</span>)", look.fill,
                     look.ink, escape_html(status));
}

// Nodes in columns by level, in DAG order within a column; flows as lines between them.
std::string dag_svg(const Dag& dag) {
  constexpr int kWidth = 190;
  constexpr int kHeight = 46;
  constexpr int kGapX = 60;
  constexpr int kGapY = 16;
  std::map<size_t, int> rows_in_level;
  std::vector<std::pair<int, int>> at(dag.nodes.size());
  int columns = 0;
  int rows = 0;
  size_t first_level = SIZE_MAX;  // without inputs or sources, factories start at level 1
  for (const DagNode& node : dag.nodes) {
    first_level = std::min(first_level, node.level);
  }
  for (size_t i = 0; i < dag.nodes.size(); ++i) {
    auto level = static_cast<int>(dag.nodes[i].level - first_level);
    int row = rows_in_level[dag.nodes[i].level]++;
    at[i] = {level * (kWidth + kGapX) + 10, row * (kHeight + kGapY) + 10};
    columns = std::max(columns, level + 1);
    rows = std::max(rows, row + 1);
  }
  int width = columns * (kWidth + kGapX) + 20;
  int height = rows * (kHeight + kGapY) + 20;
  std::string svg = fmt::format(
      R"(<svg role="img" aria-label="pipeline DAG" width="{}" height="{}" viewBox="0 0 {} {}">)",
      width, height, width, height);
  for (const workflow::DagFlow& flow : dag.flows) {
    auto [x1, y1] = at[flow.from];
    auto [x2, y2] = at[flow.to];
    svg += fmt::format(
        R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#8c959f" stroke-width="1.5"{}/>)",
        x1 + kWidth, y1 + kHeight / 2, x2, y2 + kHeight / 2,
        flow.optional ? R"( stroke-dasharray="4 3")" : "");
  }
  for (size_t i = 0; i < dag.nodes.size(); ++i) {
    const DagNode& node = dag.nodes[i];
    std::string status = node.kind == DagNode::Kind::kFactory
                             ? (node.run_status.empty() ? "not run" : node.run_status)
                             : (node.kind == DagNode::Kind::kSource ? "source" : "input");
    Look look = look_of(status);
    auto [x, y] = at[i];
    std::string name =
        node.ns.empty() || node.name.starts_with(node.ns) ? node.name : node.ns + "." + node.name;
    std::string label = name.size() > 26 ? name.substr(0, 25) + "…" : name;
    std::string stage = node.stage && *node.stage < dag.stages.size()
                            ? dag.stages[*node.stage].name + " · "
                            : std::string();
    svg += fmt::format(
        R"(<g><title>{}: {}{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="{}"/>)"
        R"(<text x="{}" y="{}" fill="{}">{}</text><text x="{}" y="{}" fill="{}">{}{}</text></g>)",
        escape_html(name), escape_html(status),
        node.run_note.empty() ? "" : " — " + escape_html(node.run_note), x, y, kWidth, kHeight,
        look.fill, x + 8, y + 18, look.ink, escape_html(label), x + 8, y + 36, look.ink,
        escape_html(stage), escape_html(status));
  }
  return svg + "</svg>";
}

// One bar per factory that started, from its start to its end in the run.
std::string timeline_svg(const RunResult& run) {
  std::vector<const FactoryOutcome*> ran;
  for (const FactoryOutcome& outcome : run.factories()) {
    if (outcome.finished > outcome.started) {
      ran.push_back(&outcome);
    }
  }
  if (ran.empty()) {
    return "<p>No factory ran.</p>";
  }
  std::sort(ran.begin(), ran.end(), [](const FactoryOutcome* a, const FactoryOutcome* b) {
    return a->started < b->started;
  });
  constexpr int kLabel = 200;
  constexpr int kBars = 640;
  constexpr int kRow = 22;
  double total = std::max(std::chrono::duration<double>(run.wall()).count(), 1e-9);
  int height = static_cast<int>(ran.size()) * kRow + 30;
  std::string svg = fmt::format(
      R"(<svg role="img" aria-label="timeline of factory runs" width="{}" height="{}" viewBox="0 0 {} {}">)",
      kLabel + kBars + 80, height, kLabel + kBars + 80, height);
  for (int tick = 0; tick <= 4; ++tick) {
    double x = kLabel + kBars * tick / 4.0;
    svg += fmt::format(
        R"(<line x1="{0:.1f}" y1="0" x2="{0:.1f}" y2="{1}" stroke="#d9dee3"/><text x="{0:.1f}" y="{2}" fill="#57606a">{3} ms</text>)",
        x, height - 18, height - 4,
        ms(std::chrono::duration_cast<Duration>(run.wall() * tick / 4)));
  }
  for (size_t i = 0; i < ran.size(); ++i) {
    const FactoryOutcome& outcome = *ran[i];
    std::string status(workflow::to_string(outcome.status));
    double from = std::chrono::duration<double>(outcome.started).count() / total;
    double to = std::chrono::duration<double>(outcome.finished).count() / total;
    int y = static_cast<int>(i) * kRow + 2;
    svg += fmt::format(R"(<g><title>{0}: {1}, {2} ms</title><text x="0" y="{3}">{0}</text>)"
                       R"(<rect x="{4:.1f}" y="{5}" width="{6:.1f}" height="{7}" fill="{8}"/>)"
                       R"(<text x="{9:.1f}" y="{3}" fill="#57606a">{2} ms {1}</text></g>)",
                       escape_html(outcome.factory), escape_html(status),
                       ms(outcome.finished - outcome.started), y + 14, kLabel + kBars * from, y + 3,
                       std::max(1.0, kBars * (to - from)), kRow - 6, look_of(status).fill,
                       kLabel + kBars * to + 4);
  }
  return svg + "</svg>";
}

std::string factory_table(const RunResult& run) {
  std::map<std::string, const workflow::FactoryBenchmark*> figures;
  for (const workflow::FactoryBenchmark& row : run.benchmark().factories) {
    figures[row.factory] = &row;
  }
  std::string html =
      "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">factory</th><th "
      "scope=\"col\">state</th><th scope=\"col\">cache</th><th scope=\"col\">total ms</th><th "
      "scope=\"col\">read ms</th><th scope=\"col\">process ms</th><th scope=\"col\">write "
      "ms</th><th scope=\"col\">cpu ms</th><th scope=\"col\">peak memory</th><th "
      "scope=\"col\">spilled</th><th scope=\"col\">rows</th><th scope=\"col\">bytes</th><th "
      "scope=\"col\">note</th></tr></thead><tbody>";
  for (const FactoryOutcome& outcome : run.factories()) {
    auto found = figures.find(outcome.factory);
    const workflow::FactoryBenchmark* row = found == figures.end() ? nullptr : found->second;
    auto cell = [&](const std::string& text) { return "<td class=\"n\">" + text + "</td>"; };
    std::string cache(workflow::to_string(outcome.cache.outcome));
    if (!outcome.cache.reason.empty()) {
      cache += ": " + outcome.cache.reason;
    }
    std::string note = !outcome.error.empty() ? outcome.error : outcome.skip_reason;
    html += "<tr><th scope=\"row\">" + escape_html(outcome.factory) + "</th><td>" +
            state_badge(workflow::to_string(outcome.status)) + "</td><td>" + escape_html(cache) +
            "</td>";
    if (row != nullptr) {
      html += cell(ms(row->total)) + cell(ms(row->read)) + cell(ms(row->process)) +
              cell(row->wrote ? ms(row->write) : "-") + cell(ms(row->cpu)) +
              cell(bytes_text(row->peak_memory_bytes)) + cell(bytes_text(row->spilled_bytes)) +
              cell(row->rows > 0 ? std::to_string(row->rows) : "-") + cell(bytes_text(row->bytes));
    } else {
      html += "<td colspan=\"9\"></td>";
    }
    html += "<td>" + escape_html(note.substr(0, std::min<size_t>(note.size(), 300))) + "</td></tr>";
  }
  return html + "</tbody></table></div>";
}

std::string memory_table(const RunResult& run) {
  const workflow::RunMemoryReport& figures = run.benchmark().memory;
  std::vector<std::pair<const char*, std::string>> rows = {
      {"budget", figures.limit > 0 ? memory::format_bytes(figures.limit) : "none"},
      {"peak reserved", bytes_text(figures.peak_reserved)},
      {"peak tracked (engine buffers)", bytes_text(figures.peak_tracked)},
      {"peak resident", bytes_text(figures.peak_resident)},
      {"resident at the end", bytes_text(figures.resident_end)},
      {"memory pauses", std::to_string(figures.pauses)},
  };
  std::string html = "<table><tbody>";
  for (const auto& [name, value] : rows) {
    html += fmt::format("<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td></tr>", name,
                        escape_html(value));
  }
  return html + "</tbody></table>";
}

std::string ranks_table(const RunResult& run) {
  std::string html =
      "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">factory</th><th "
      "scope=\"col\">rank</th><th scope=\"col\">total ms</th><th scope=\"col\">cpu ms</th><th "
      "scope=\"col\">rows</th><th scope=\"col\">exchanged</th></tr></thead><tbody>";
  for (size_t rank = 0; rank < run.rank_benchmarks().size(); ++rank) {
    for (const workflow::FactoryBenchmark& row : run.rank_benchmarks()[rank].factories) {
      html += fmt::format(
          "<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td><td class=\"n\">{}</td><td "
          "class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
          escape_html(row.factory), rank, ms(row.total), ms(row.cpu), row.rows,
          bytes_text(row.exchanged_bytes));
    }
  }
  return html + "</tbody></table></div>";
}

std::string errors_section(const RunResult& run) {
  std::string html;
  for (const FactoryOutcome& outcome : run.factories()) {
    if (!outcome.error.empty()) {
      html += "<h3>" + escape_html(outcome.factory) + " " +
              state_badge(workflow::to_string(outcome.status)) + "</h3><pre>" +
              escape_html(outcome.error) + "</pre>";
    }
  }
  for (const std::string& failure : run.cache_store_failures()) {
    html += "<pre>" + escape_html("result cache: " + failure) + "</pre>";
  }
  return html.empty() ? "<p>None.</p>" : html;
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string run_report_html(const Dag& dag, const RunResult& run) {
  Dag drawn = dag.with_run(run);
  std::string path;
  for (const std::string& step : run.critical_path()) {
    path += (path.empty() ? "" : " → ") + step;
  }
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>{} — setlpp run report</title><style>{}</style></head><body>\n",
      kPolicy, escape_html(run.pipeline()), kStyle);
  html += "<header><h1>Pipeline " + escape_html(run.pipeline()) + " " +
          state_badge(run.ok() ? "succeeded" : "failed") + "</h1><p class=\"summary\">" +
          "<span>wall " + ms(run.wall()) + " ms</span><span>" +
          std::to_string(run.factories().size()) + " factories</span>" +
          (run.run_id().empty() ? "" : "<span>run " + escape_html(run.run_id()) + "</span>") +
          "<span>critical path " + ms(run.critical_path_time()) + " ms: " + escape_html(path) +
          "</span></p></header>\n<main>\n";
  html += "<section><h2>DAG</h2><div class=\"scroll\">" + dag_svg(drawn) + "</div></section>\n";
  html +=
      "<section><h2>Timeline</h2><div class=\"scroll\">" + timeline_svg(run) + "</div></section>\n";
  html += "<section><h2>Factories</h2>" + factory_table(run) + "</section>\n";
  html += "<section><h2>Memory</h2>" + memory_table(run) + "</section>\n";
  if (!run.rank_benchmarks().empty()) {
    html += "<section><h2>Ranks</h2>" + ranks_table(run) + "</section>\n";
  }
  html += "<section><h2>Errors</h2>" + errors_section(run) + "</section>\n";
  return html + "</main></body></html>\n";
}

void write_run_report(const std::filesystem::path& path, const Dag& dag, const RunResult& run) {
  write_atomically(path, run_report_html(dag, run));
}

}  // namespace setl::monitor
