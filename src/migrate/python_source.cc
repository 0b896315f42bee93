#include "migrate/python_source.h"

#include <fstream>
#include <sstream>

#include "migrate/process.h"
#include "setl/core/error.h"

namespace setl::migrate {
namespace {

namespace fs = std::filesystem;

constexpr uintmax_t kMaxSourceBytes = uintmax_t{64} << 20;
constexpr int kFormatVersion = 1;

}  // namespace

std::string read_text_file(const fs::path& file) {
  std::error_code error;
  uintmax_t size = fs::file_size(file, error);
  if (error) {
    throw IoError("cannot read " + file.string() + ": " + error.message());
  }
  if (size > kMaxSourceBytes) {
    throw IoError(file.string() + " is " + std::to_string(size) +
                  " bytes; setl migrate reads sources of at most 64 MiB");
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) {
    throw IoError("cannot read " + file.string());
  }
  return text.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  return lines;
}

namespace {

// A notebook's `source` is a string or a list of strings.
std::string cell_text(const Json& cell, const fs::path& file, size_t index) {
  auto source = cell.find("source");
  if (source == cell.end()) {
    return "";
  }
  if (source->is_string()) {
    return source->get<std::string>();
  }
  if (!source->is_array()) {
    throw ParseError(file.string() + ": cell " + std::to_string(index + 1) +
                     " has a source that is neither text nor a list of lines");
  }
  std::string text;
  for (const Json& line : *source) {
    if (!line.is_string()) {
      throw ParseError(file.string() + ": cell " + std::to_string(index + 1) +
                       " has a source line that is not text");
    }
    text += line.get<std::string>();
  }
  return text;
}

std::string last_heading(const std::string& markdown) {
  std::string heading;
  for (const std::string& line : split_lines(markdown)) {
    size_t start = line.find_first_not_of(" \t");
    if (start != std::string::npos && line[start] == '#') {
      size_t text = line.find_first_not_of("# \t", start);
      heading = text == std::string::npos ? "" : line.substr(text);
    }
  }
  return heading;
}

// IPython syntax that is not Python: line and cell magics, shell escapes, `?` help.
bool is_ipython_line(const std::string& line) {
  size_t start = line.find_first_not_of(" \t");
  if (start == std::string::npos) {
    return false;
  }
  char first = line[start];
  bool help = line.back() == '?' && line.find('#') == std::string::npos;
  return first == '%' || first == '!' || help;
}

PythonSource join_notebook(const fs::path& file, const std::string& text) {
  Json notebook;
  try {
    notebook = Json::parse(text);
  } catch (const Json::exception& error) {
    throw ParseError(file.string() + " is not a notebook: " + error.what());
  }
  if (!notebook.is_object() || !notebook.contains("cells") || !notebook["cells"].is_array()) {
    throw ParseError(file.string() + " is not a notebook: no `cells` list");
  }
  PythonSource source{.path = file, .notebook = true};
  std::string heading;
  int line_number = 1;
  int code_cells = 0;
  const Json& cells = notebook["cells"];
  for (size_t index = 0; index < cells.size(); ++index) {
    const Json& cell = cells[index];
    if (!cell.is_object()) {
      throw ParseError(file.string() + ": cell " + std::to_string(index + 1) + " is not an object");
    }
    std::string type = cell.value("cell_type", "");
    std::string body = cell_text(cell, file, index);
    if (type == "markdown") {
      std::string found = last_heading(body);
      heading = found.empty() ? heading : found;
      continue;
    }
    if (type != "code") {
      continue;
    }
    ++code_cells;
    std::string marker = "# %% [cell " + std::to_string(code_cells) + "]";
    if (!heading.empty()) {
      marker += " " + heading;
    }
    source.text += marker + "\n";
    ++line_number;
    source.cells.push_back({line_number, code_cells, heading});
    heading.clear();
    bool cell_magic = false;
    for (const std::string& line : split_lines(body)) {
      size_t start = line.find_first_not_of(" \t");
      bool starts_cell_magic = start != std::string::npos && line.compare(start, 2, "%%") == 0;
      cell_magic =
          cell_magic || (starts_cell_magic && line_number == source.cells.back().first_line);
      if (cell_magic || is_ipython_line(line)) {
        std::string indent = start == std::string::npos ? "" : line.substr(0, start);
        source.text += indent + "pass  # setl-migrate: neutralised: " + line.substr(start) + "\n";
        source.neutralised.push_back(
            {"MIG002", "warning", line_number,
             "IPython syntax neutralised (not migrated): " + line.substr(start)});
      } else {
        source.text += line + "\n";
      }
      ++line_number;
    }
  }
  return source;
}

}  // namespace

PythonSource load_source(const fs::path& file) {
  std::string text = read_text_file(file);
  if (file.extension() == ".ipynb") {
    return join_notebook(file, text);
  }
  return PythonSource{.path = file, .text = std::move(text)};
}

ParsedSource parse_python(const PythonSource& source, const std::string& python) {
  std::string interpreter = python.empty() ? "python3" : python;
  if (interpreter.find('/') == std::string::npos && find_on_path(interpreter).empty()) {
    throw IoError("setl migrate needs Python 3 to parse " + source.path.string() + ": no `" +
                  interpreter +
                  "` on PATH (install Debian's python3 package, or pass --python PROGRAM)");
  }
  ProcessResult run =
      run_process({interpreter, "-I", "-c", kAstHelperSource, source.path.filename().string()},
                  {.input = source.text, .timeout = std::chrono::seconds(120)});
  Json document;
  try {
    document = Json::parse(run.out);
  } catch (const Json::exception&) {
    throw IoError(interpreter + " did not answer setl migrate's parser helper (exit " +
                  std::to_string(run.exit_code) + "): " + run.err.substr(0, 2000));
  }
  if (!document.is_object() || document.value("format", "") != "setl-migrate-ast" ||
      !document.contains("version") || document["version"] != kFormatVersion) {
    throw IoError("the parser helper answered in an unexpected format (want setl-migrate-ast " +
                  std::to_string(kFormatVersion) + ")");
  }
  ParsedSource parsed;
  if (document.contains("error") && document["error"].is_object()) {
    const Json& error = document["error"];
    parsed.error_line = error.value("line", 0);
    parsed.error = source.path.string() + ":" + std::to_string(parsed.error_line) + ": " +
                   error.value("kind", std::string("SyntaxError")) + ": " +
                   error.value("message", std::string("cannot parse"));
    std::string text = error.value("text", std::string());
    if (!text.empty()) {
      parsed.error += "\n    " + text;
    }
    return parsed;
  }
  if (!document.contains("module") || !document["module"].is_object()) {
    throw IoError("the parser helper answered without a module");
  }
  parsed.module = std::move(document["module"]);
  if (document.contains("comments") && document["comments"].is_array()) {
    for (Json& comment : document["comments"]) {
      parsed.comments.push_back(std::move(comment));
    }
  }
  parsed.ok = true;
  return parsed;
}

}  // namespace setl::migrate
