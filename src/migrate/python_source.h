// The front end: a .py or .ipynb file becomes one Python source (a notebook's code cells
// joined with `# %% [cell N]` markers, magics and shell escapes neutralised and recorded),
// then Python's own parser, run by the embedded helper (ast_helper.py) with the system's
// python3 in isolated mode, turns it into a versioned JSON syntax tree.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "setl/migrate/migrate.h"

namespace setl::migrate {

using Json = nlohmann::json;

/// A notebook cell or heading: author markup that may mark a factory boundary.
struct SourceCell {
  int first_line = 0;   ///< line of its first statement in the joined source
  int index = 0;        ///< cell number, from 1
  std::string heading;  ///< the nearest Markdown heading above it, if any
};

struct PythonSource {
  std::filesystem::path path;
  std::string text;
  bool notebook = false;
  std::vector<SourceCell> cells;
  std::vector<Finding> neutralised;  ///< MIG002: magics and shell escapes replaced
};

/// A text file of at most 64 MiB. Throws setl::IoError when it cannot be read.
std::string read_text_file(const std::filesystem::path& file);

/// The text's lines, without their line ends.
std::vector<std::string> split_lines(const std::string& text);

/// Reads a .py file, or joins a notebook's cells. Throws setl::Error on unreadable files
/// and malformed notebooks (naming what is wrong).
PythonSource load_source(const std::filesystem::path& file);

/// The parse of a source: the helper's module tree and comments, or a syntax error.
struct ParsedSource {
  Json module;                 ///< ast.Module as JSON
  std::vector<Json> comments;  ///< {line, col, text}
  bool ok = false;
  int error_line = 0;
  std::string error;  ///< "file:line: message"
};

/// Runs the helper. Throws setl::Error when python3 is missing or does not answer with
/// the expected format and version.
ParsedSource parse_python(const PythonSource& source, const std::string& python);

/// The helper's text (embedded at build time from src/migrate/ast_helper.py).
extern const char* const kAstHelperSource;

}  // namespace setl::migrate
