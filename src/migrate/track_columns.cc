// The translator's side of column use (column_use.h): at each call, which frames it works
// on, which columns it names or reads, whether it needs whole rows, and the lineage of its
// result.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "migrate/api_table.h"
#include "migrate/column_use.h"
#include "migrate/translator.h"
#include "setl/core/parse_number.h"

namespace setl::migrate {
namespace {

bool carries_columns(const Value& value) {
  return value.kind == Kind::kFrame || value.kind == Kind::kGroupBy ||
         value.kind == Kind::kWriter || value.kind == Kind::kNa;
}

void collect_operands(const Value& value, std::vector<const Value*>& operands) {
  if (carries_columns(value)) {
    operands.push_back(&value);
  } else if (value.kind == Kind::kList) {
    for (const Value& item : value.items) {
      collect_operands(item, operands);
    }
  }
}

/// Column names a call spells as Python values: strings, lists of them, a dict's keys.
void collect_names(const Value& value, std::vector<std::string>& names) {
  if (value.kind == Kind::kScalar && value.has_constant && value.constant.is_string()) {
    names.push_back(value.constant.get<std::string>());
  } else if (value.kind == Kind::kList) {
    for (const Value& item : value.items) {
      collect_names(item, names);
    }
  } else if (value.kind == Kind::kDict) {
    names.insert(names.end(), value.names.begin(), value.names.end());
  }
}

void collect_references(const Value& value, std::vector<std::string>& references) {
  if (carries_columns(value)) {
    return;
  }
  std::vector<std::string> found = column_references(value.code);
  references.insert(references.end(), found.begin(), found.end());
  for (const Value& item : value.items) {
    collect_references(item, references);
  }
}

/// Keywords whose values are options, not columns.
bool option_keyword(const std::string& keyword) {
  static const std::set<std::string> kOptions = {
      "how",       "sep",    "delimiter", "mode",         "path",     "path_or_buf",
      "format",    "kind",   "keep",      "errors",       "suffixes", "na_position",
      "engine",    "orient", "lines",     "compression",  "header",   "encoding",
      "if_exists", "name",   "method",    "ascending",    "inplace",  "validate",
      "indicator", "value",  "regex",     "case",         "na",       "dtype",
      "axis",      "n",      "frac",      "ignore_index", "lsuffix",  "rsuffix",
      "thresh",    "index",  "con",       "fill_value"};
  return kOptions.contains(keyword);
}

/// Strings that name a join type or an aggregate, not a column.
bool option_value(const std::string& text) {
  static const std::set<std::string> kValues = {
      "inner",      "left",        "right",      "outer",    "full",      "cross",
      "left_outer", "right_outer", "full_outer", "leftsemi", "left_semi", "leftanti",
      "left_anti",  "semi",        "anti",       "any",      "all",       "first",
      "last",       "sum",         "mean",       "min",      "max",       "count",
      "size",       "nunique",     "std",        "var",      "median",    "prod"};
  return kValues.contains(text);
}

/// A string that could name a column: not "*" and not an expression ("amount > 5").
bool looks_like_column(const std::string& text) {
  return !text.empty() && text != "*" && text.find_first_of("<>=!()+*/%&|'\"") == std::string::npos;
}

/// The frames a piece of generated code refers to (Translator::frame_ref marks).
std::vector<int> frame_references(const std::string& code) {
  std::vector<int> frames;
  for (size_t at = code.find(kFrameMark); at != std::string::npos;) {
    size_t end = code.find(kFrameMark, at + 1);
    if (end == std::string::npos) {
      break;
    }
    std::optional<int> frame = parse_number<int>(code.substr(at + 1, end - at - 1));
    if (frame && *frame >= 0) {
      frames.push_back(*frame);
      at = code.find(kFrameMark, end + 1);
    } else {
      at = end;
    }
  }
  return frames;
}

/// What one call says about columns.
struct CallColumns {
  std::vector<const Value*> operands;  ///< the frames it works on, receiver first
  std::set<std::string> computed;      ///< columns its code adds or renames to
  std::vector<std::string> names;      ///< column names spelled as Python values
  std::vector<std::string> left_names;
  std::vector<std::string> right_names;
  std::vector<std::string> references;  ///< columns its expressions and code read
  bool names_columns = false;           ///< it says which columns it uses
  bool star = false;                    ///< select("*", ...)
};

CallColumns read_call(const CallSite& site, const Value& result) {
  CallColumns call;
  collect_operands(site.receiver, call.operands);
  for (const Value& arg : site.args) {
    collect_operands(arg, call.operands);
  }
  for (const auto& [keyword, value] : site.keywords) {
    collect_operands(value, call.operands);
  }
  call.computed = created_columns(result.code);
  for (const Value* operand : call.operands) {
    for (const std::string& name : operand->created) {
      call.computed.erase(name);  // computed before this call, not by it
    }
  }
  // Strings a writer, reader or view call takes are paths and options, not columns.
  bool spells_columns = !has_effect(site.entry, "writes") && !has_effect(site.entry, "reads") &&
                        site.receiver.kind != Kind::kWriter && result.kind != Kind::kNone;
  for (const Value& arg : site.args) {
    if (spells_columns) {
      collect_names(arg, call.names);
    }
    collect_references(arg, call.references);
  }
  for (const auto& [keyword, value] : site.keywords) {
    if (!option_keyword(keyword)) {
      if (spells_columns) {
        collect_names(value, keyword == "left_on"    ? call.left_names
                             : keyword == "right_on" ? call.right_names
                                                     : call.names);
      }
      collect_references(value, call.references);
    }
  }
  call.names_columns =
      !call.references.empty() || !call.left_names.empty() ||
      std::any_of(call.names.begin(), call.names.end(), [](const std::string& name) {
        return looks_like_column(name) && !option_value(name);
      });
  call.star = std::find(call.names.begin(), call.names.end(), "*") != call.names.end();
  // What the call's own code reads, e.g. fillna's coalesce(col("x"), ...).
  std::vector<std::string> own = column_references(result.code);
  for (const Value* operand : call.operands) {
    for (const std::string& name : column_references(operand->code)) {
      own.erase(std::remove(own.begin(), own.end(), name), own.end());
    }
  }
  call.references.insert(call.references.end(), own.begin(), own.end());
  return call;
}

/// The reads whose every column `result` still holds, and the columns computed since.
void set_lineage(Translator& translator, const CallSite& site, const CallColumns& call,
                 const std::vector<int>& code_frames, Value& result) {
  if (has_effect(site.entry, "projects") && !call.star) {
    // A new set of columns: whatever the call names or computes (group keys, aggregates
    // and their aliases). Uses of them further on are not uses of any input.
    result.origins.clear();
    result.created = created_columns(result.code);
    result.created.insert(call.names.begin(), call.names.end());
    result.created.insert(call.references.begin(), call.references.end());
    result.created.insert(site.receiver.names.begin(), site.receiver.names.end());
    if (!site.receiver.selected.empty()) {
      result.created.insert(site.receiver.selected);
    }
    for (const auto& [keyword, value] : site.keywords) {
      result.created.insert(keyword);
    }
    return;
  }
  for (const Value* operand : call.operands) {
    result.origins.insert(operand->origins.begin(), operand->origins.end());
    result.created.insert(operand->created.begin(), operand->created.end());
  }
  if (call.operands.empty()) {  // spark.sql: the views its query reads
    for (int frame : code_frames) {
      const FrameVersion& version = translator.frame_version(frame);
      result.origins.insert(version.origins.begin(), version.origins.end());
      result.created.insert(version.created.begin(), version.created.end());
    }
  }
  result.created.insert(call.computed.begin(), call.computed.end());
}

}  // namespace

void Translator::track_columns(const CallSite& site, Value& result) {
  CallColumns call = read_call(site, result);
  auto is_column = [&](const std::string& name) {
    return looks_like_column(name) && !option_value(name) && !call.computed.contains(name);
  };
  for (size_t i = 0; i < call.operands.size(); ++i) {
    for (const std::string& name : call.names) {
      if (is_column(name)) {
        use_column(*call.operands[i], name);
      }
    }
    for (const std::string& name : i == 0 ? call.left_names : call.right_names) {
      use_column(*call.operands[i], name);
    }
  }
  if (!call.operands.empty()) {
    for (const std::string& name : call.references) {
      use_column(*call.operands.front(), name);
    }
  }
  std::vector<int> code_frames;
  for (int frame : frame_references(result.code)) {
    if (frame < static_cast<int>(frames().size())) {
      code_frames.push_back(frame);
    }
  }
  if (has_effect(site.entry, "writes") ||
      (has_effect(site.entry, "whole") && (!call.names_columns || call.operands.empty()))) {
    for (const Value* operand : call.operands) {
      column_use_.use_all(operand->origins);
    }
    for (int frame : code_frames) {
      column_use_.use_all(frame_version(frame).origins);
    }
  }
  if (carries_columns(result)) {
    set_lineage(*this, site, call, code_frames, result);
  }
}

}  // namespace setl::migrate
