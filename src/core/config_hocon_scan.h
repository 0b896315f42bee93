// What the HOCON reader checks in the text before cpp-hocon sees it: the bounds its
// parser and resolver lack (nesting, substitution count and expansion, keys the library
// cannot take), and the substitution cycles its resolver can recurse on forever.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace setl::config_detail {

int line_at(std::string_view text, size_t offset);
std::vector<size_t> line_starts(std::string_view text);

// Paths are kept with their segments joined by kPathSeparator, so that a quoted key that
// holds a dot stays one segment.
constexpr char kPathSeparator = '\x1f';
std::string dotted(std::string_view path);
std::string join_path(std::string_view prefix, std::string_view path);

// One line of a file as the expansion estimate sees it: the last segment of the key it
// assigns, what it refers to, and its length.
struct Assignment {
  std::string key;
  std::vector<std::string> references;  // last segments
  size_t length = 0;
};

struct HoconReference {
  std::string path;
  std::string written;  // "${?a.b}", for errors
  int line = 0;
  // In the field's own value rather than inside an object or list in it: only such a
  // reference may look back to an earlier value of a field being resolved.
  bool direct = false;
};

// One assignment of a key, with its full path from the file's root.
struct HoconField {
  std::string path;
  // A plain value or a list hides what was assigned to the path before; an object, a
  // substitution or `+=` merges with it or may refer to it.
  bool replaces = true;
  bool appends = false;  // `+=`: an implicit `${?path}` ahead of a list
  std::vector<HoconReference> references;
  int line = 0;
  // For `+=` inside a block (`p { i += 1 }`): the key of the outermost block it is in.
  std::string append_block;
};

// An include statement: the file it reads continues the fields after `after_fields`,
// under `prefix`.
struct HoconInclude {
  size_t after_fields = 0;
  std::string prefix;
  int file = -1;  // index into ScanTotals::files once the includer has read it
};

struct HoconFileScan {
  std::string source;
  std::vector<HoconField> fields;
  std::vector<HoconInclude> includes;
};

// Gathered over a file and every file it includes.
struct ScanTotals {
  int substitutions = 0;
  std::vector<Assignment> assignments;
  std::vector<HoconFileScan> files;  // the first is the file read; includes follow
};

struct Scan {
  // The text with every include statement blanked (same length, same lines), for
  // locating parse errors without following includes.
  std::string without_includes;
  size_t file = 0;  // index into ScanTotals::files
};

// Throws: ConfigError naming the line, for a bound exceeded or a key the library cannot
// take.
Scan scan_hocon(std::string_view text, const std::string& source, bool includes_allowed,
                ScanTotals& totals);

// Throws: ConfigError when substitutions would expand beyond memory.
void check_expansion(const std::vector<Assignment>& assignments, const std::string& source);

// Refuses what cpp-hocon's resolver would recurse on until the stack overflows:
// - a cycle of substitutions. A substitution that leads back to a value being resolved
//   looks back to what was assigned to that path before, as the HOCON specification
//   says; with nothing there, or from inside an object or list, it is a cycle.
// - `+=` inside a block (`p { i += 1 }`) followed by a value in that block's key that
//   needs resolving: a substitution, or a value merged with one or with a `+=`.
// Throws: ConfigError naming the substitution, its line and the cycle or block.
void check_resolvable(const ScanTotals& totals);

}  // namespace setl::config_detail
