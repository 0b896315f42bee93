// Which columns of each input a script uses. Frames carry their lineage (Value::origins: the
// reads whose every column they still hold); the translator reports each column name it
// sees used on a frame and each use of whole rows (a write, a deduplication over every
// column, code that is not translated). From that come the projected-scan hint (MIG304:
// columns of a file the script reads and never uses) and the inferred input schemas
// (ConnectorPlan::columns) that `validate` generates sample data from.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "setl/migrate/migrate.h"

namespace setl::migrate {

struct Step;

/// The column names in `code` (an engine expression): every col("name") it contains.
std::vector<std::string> column_references(const std::string& code);
/// The columns a piece of generated code computes: with_column("x", ...), alias("x") and
/// rename targets.
std::set<std::string> created_columns(const std::string& code);
/// The column a sort key's code (SortKey{"x", ...} or an expression) orders by.
std::vector<std::string> sort_key_columns(const std::string& code);

class ColumnUse {
 public:
  /// The frame read at `line` holds every column of `origin` (a connector id).
  void read(const std::string& origin, int line) { read_lines_.emplace(origin, line); }
  /// The script itself reads only some columns of `origin` (pandas' usecols=).
  void projected_at_read(const std::string& origin) { projected_.insert(origin); }
  /// `name` is read from a frame holding the columns of `origins`. With one origin the
  /// column is that input's; with several it belongs to one of them, decided at finish().
  void use(const std::set<std::string>& origins, const std::string& name);
  /// Every column of `origins` matters: their rows are written, compared or handed over
  /// whole.
  void use_all(const std::set<std::string>& origins);

  /// Fills each read connector's `columns` with the names used on it, typed from how the
  /// generated code uses them. When a read's file is present (under `directories`, in
  /// order), its columns that are never used and never named anywhere in the script
  /// (`named`) become MIG304 hints, appended to `findings`.
  void finish(ModuleAnalysis& analysis, const std::vector<Step>& steps,
              const std::set<std::string>& named,
              const std::vector<std::filesystem::path>& directories) const;

 private:
  std::map<std::string, std::vector<std::string>> definite_;  ///< origin -> names, in order
  std::vector<std::pair<std::vector<std::string>, std::string>> ambiguous_;
  std::set<std::string> whole_;
  std::set<std::string> projected_;
  std::map<std::string, int> read_lines_;
};

/// Every name the module's syntax tree spells: string constants, attribute names and
/// identifiers (a column named anywhere in the script is not reported as unused).
std::set<std::string> names_in_tree(const nlohmann::json& tree);

}  // namespace setl::migrate
