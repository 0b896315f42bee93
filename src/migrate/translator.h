// The translation of one Python module: a walk over its statements with a small forward
// type inference (which names hold frames, columns, scalars, paths...), producing Steps:
// C++ lines per statement with the frames they define and use, the connectors they read
// and write, and the configuration they need. Calls are classified by the API table and
// translated by the handlers it names (translate_calls.cc). Grouping steps into factories
// is factories.cc; writing the project is generate.cc.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "migrate/column_use.h"
#include "migrate/python_source.h"
#include "setl/migrate/migrate.h"

namespace setl::migrate {

enum class Kind {
  kUnknown,
  kModule,        ///< an imported module or class; `type` is its qualified name
  kFunctionRef,   ///< a library function not yet called; `type` is its qualified name
  kFrame,         ///< a data frame; `frame` is its version
  kColumn,        ///< an engine expression; `code` builds an Expr
  kCase,          ///< F.when chain before otherwise(); `code` builds a CaseBuilder
  kSortKey,       ///< F.desc("x"); `code` builds a SortKey
  kGroupBy,       ///< frame.groupby(keys) [optionally ["column"]]
  kScalar,        ///< a Python value: constant and/or a configuration parameter
  kList,          ///< a list or tuple of values
  kDict,          ///< a dict (constant keys)
  kSession,       ///< a SparkSession or its builder
  kReader,        ///< spark.read with options
  kWriter,        ///< df.write with options
  kNa,            ///< df.na
  kWindow,        ///< a pyspark Window spec
  kArgs,          ///< an argparse parser or its parsed namespace
  kConnection,    ///< sqlite3.connect(path)
  kFile,          ///< open(path)
  kGlob,          ///< glob.glob(pattern): the files a loop reads
  kUserFunction,  ///< a function defined in the module
  kUserClass,     ///< a class defined in the module
  kUserObject,    ///< an instance of one; `options` holds its attributes
  kNone,          ///< a result nobody should use (print(), to_csv(), ...)
};

struct Value {
  Kind kind = Kind::kUnknown;
  std::string type;
  std::string code;
  int frame = -1;
  bool spark = false;
  bool has_constant = false;
  Json constant;
  std::string param;               ///< the params.* key a scalar comes from
  std::string column;              ///< a plain column's name (df["x"], F.col("x"))
  bool aggregate = false;          ///< an aggregate (valid in agg lists)
  bool window = false;             ///< a window function with its OVER (valid as a whole column)
  std::string alias;               ///< the output name (Spark's alias, or the default Spark name)
  std::vector<Value> items;        ///< list items; dict values
  std::vector<std::string> names;  ///< dict keys; group keys; window partition
  std::vector<std::string> order;  ///< window ORDER BY (SortKey code)
  std::string window_frame;        ///< window frame code
  std::string selected;            ///< groupby[...] column
  std::map<std::string, Value> options;  ///< reader/writer options
  std::string connector;                 ///< kConnection: the SQLite connector's path
  std::set<std::string> origins;         ///< frames: the reads whose every column it still holds
  std::set<std::string> created;         ///< frames: columns computed since those reads
};

/// Marks a frame reference in generated code (frame_ref: mark, id, mark), replaced by the
/// frame's C++ name when the code is written. A control character, because cpp_string
/// escapes every control character of user text: no string constant can contain it.
inline constexpr char kFrameMark = '\x1f';

/// A known Python value (text, number, bool, None, list, dict).
inline Value scalar(Json constant) {
  Value value{.kind = Kind::kScalar};
  value.has_constant = true;
  value.constant = std::move(constant);
  return value;
}

/// A window or aggregate used inside a larger expression: the engine computes it as a
/// column of its own first (windows with with_column, aggregates in the agg list), and the
/// expression reads that column.
struct Hoisted {
  std::string name;
  std::string code;
  bool aggregate = false;
};

/// Translation of one construct failed: the statement becomes a stub with this code.
struct Untranslatable {
  std::string code;
  std::string message;
};

struct FrameVersion {
  int id = 0;
  std::string python_name;
  std::string cpp_name;
  int step = -1;
  bool spark = false;
  std::vector<std::string> order;  ///< SortKey code when the frame is known to be sorted
  std::set<std::string> origins;   ///< see Value::origins
  std::set<std::string> created;
};

/// One statement of the source and the step that holds it.
struct StatementRef {
  int first_line = 0;
  int last_line = 0;
  std::string disposition;
  int step = -1;
};

struct Step {
  int first_line = 0;
  int last_line = 0;
  std::string python;                 ///< the statement's source text
  std::string disposition;            ///< code, config, ignorable, stub, definition
  std::vector<std::string> lines;     ///< C++, frames as frame_ref(N) marks
  std::vector<std::string> comments;  ///< comments just above and in the statement
  std::vector<int> defines;
  std::set<int> uses;
  std::set<std::string> reads;
  std::set<std::string> writes;
  std::set<std::string> params;
  bool session = false;
  bool stub = false;
  std::string boundary;            ///< "function clean()" or "cell 3: Clean" (author markup)
  bool explicit_boundary = false;  ///< a step function's call: never merged
};

struct CallSite;

/// The module's translation state.
class Translator {
 public:
  Translator(const PythonSource& source, const ParsedSource& parsed, ModuleAnalysis& analysis);
  void run();

  const std::vector<Step>& steps() const { return steps_; }
  const std::vector<FrameVersion>& frames() const { return frames_; }
  const std::vector<StatementRef>& statement_refs() const { return records_; }
  FrameVersion& frame_version(int id) { return frames_.at(static_cast<size_t>(id)); }
  std::string frame_name(int id) const { return frames_.at(static_cast<size_t>(id)).cpp_name; }

  // --- used by the handlers (translate_calls.cc, translate_expr.cc) ---
  Value eval(const Json& node);
  Value subscript(const Json& node);
  Value call(const Json& node);
  /// The arguments of a call of a function or method of the module (`self` first when
  /// it is a method).
  std::pair<std::vector<Value>, std::map<std::string, Value>> user_call_arguments(
      const Json& node, const Value& self);
  ModuleAnalysis& analysis() { return analysis_; }
  Step& step() { return steps_.at(static_cast<size_t>(current_step_)); }
  int new_frame(const std::string& python_name, bool spark);
  /// Binds `name` to a new version of a frame computed by `value.code`.
  Value define_frame(const std::string& name, const Value& value);
  std::string frame_ref(int id) {
    return std::string(1, kFrameMark) + std::to_string(id) + kFrameMark;
  }
  Value frame_value(int id, bool spark);
  void use(const Value& value);
  std::string connector(const std::string& storage, const Value& path, bool write,
                        const std::string& table = {});
  std::string param_code(const Value& scalar);
  void reference(int line, const std::string& api, const std::string& category);
  void finding(const std::string& code, const std::string& severity, int line,
               const std::string& message);
  std::map<std::string, int>& views() { return views_; }
  const std::filesystem::path& source_dir() const { return source_dir_; }
  Value define_param(const std::string& key, const Json& value, const std::string& origin);
  Value call_user_function(const std::string& name, const std::vector<Value>& args,
                           const std::map<std::string, Value>& keywords, int line);
  void emit(const std::string& line) { step().lines.push_back(line); }
  std::map<std::string, Value>& scope() { return scopes_.back(); }
  Value lookup(const std::string& name) const;
  /// Computes `value` (a window or aggregate) as a column of its own; returns its reference.
  std::string hoist(const Value& value);
  /// The hoisted columns since the last call.
  std::vector<Hoisted> take_hoisted() { return std::exchange(hoisted_, {}); }
  /// Calls a user function whose body is one expression with `argument` bound to its only
  /// parameter (a UDF applied to a column becomes that expression).
  Value inline_function(const std::string& name, const std::vector<Value>& args, int line);
  Value inline_lambda(const Json& lambda, const Value& argument);
  Value construct(const std::string& class_name, const std::vector<Value>& args,
                  const std::map<std::string, Value>& keywords, int line);
  std::map<std::string, Value>& argparse() { return argparse_; }
  /// Records that `name` is read from `frame` (unless the script computed it there).
  void use_column(const Value& frame, const std::string& name);
  ColumnUse& column_use() { return column_use_; }
  /// After a call: the lineage of its result and the columns it uses (column_use.h).
  void track_columns(const CallSite& site, Value& result);
  void scopes_push(std::map<std::string, Value> scope) { scopes_.push_back(std::move(scope)); }
  void scopes_pop() { scopes_.pop_back(); }

 private:
  void statement(const Json& node, bool top_level);
  void statements(const Json& body, bool top_level);
  void assign(const Json& target, Value value, const Json& statement);
  void subscript_assign(const Json& target, Value value);
  void for_loop(const Json& node);
  void with_block(const Json& node);
  void if_block(const Json& node, bool top_level);
  void function_def(const Json& node);
  int open_step(const Json& node, const std::string& boundary, bool explicit_boundary);
  void stub(const Json& node, const Untranslatable& why);
  Value inline_body(std::map<std::string, Value> bound, const Json& expression);
  std::string source_text(const Json& node) const;
  int cell_of(int line) const;

  const PythonSource& source_;
  const ParsedSource& parsed_;
  ModuleAnalysis& analysis_;
  std::filesystem::path source_dir_;
  std::vector<std::string> lines_;
  std::vector<Step> steps_;
  std::vector<StatementRef> records_;
  std::optional<Value> return_value_;
  std::map<std::string, int> cpp_names_;
  std::map<std::string, Value> argparse_;
  Value last_self_;
  std::vector<Hoisted> hoisted_;
  int hoisted_count_ = 0;
  std::vector<FrameVersion> frames_;
  std::vector<std::map<std::string, Value>> scopes_;
  std::map<std::string, Json> functions_;  ///< user functions by name
  std::map<std::string, int> function_calls_;
  std::map<std::string, int> views_;  ///< Spark temp views: name -> frame
  std::map<std::string, size_t> connector_index_;
  std::map<std::string, size_t> param_index_;
  std::set<int> commented_lines_;
  int current_step_ = -1;
  int depth_ = 0;
  int statement_depth_ = 0;
  const Value* query_frame_ = nullptr;
  ColumnUse column_use_;
  friend class QueryScope;
};

/// Evaluates a pandas query string's names as columns of `frame` while alive.
class QueryScope {
 public:
  QueryScope(Translator& translator, const Value& frame)
      : translator_(translator), previous_(translator.query_frame_) {
    translator.query_frame_ = &frame;
  }
  ~QueryScope() { translator_.query_frame_ = previous_; }
  QueryScope(const QueryScope&) = delete;
  QueryScope& operator=(const QueryScope&) = delete;

 private:
  Translator& translator_;
  const Value* previous_;
};

// --- translate_calls.cc ---
struct CallSite {
  const Json& node;
  std::string api;
  const struct ApiEntry& entry;
  Value receiver;  ///< kUnknown for module functions
  std::vector<Value> args;
  std::map<std::string, Value> keywords;
  const Json* raw_args;      ///< positional argument nodes (for lambdas)
  const Json* raw_keywords;  ///< keyword nodes
  int line = 0;
};
using CallHandler = std::function<Value(Translator&, CallSite&)>;
/// The handler for an API table engine key (exact key, or the prefix before ':').
const CallHandler* find_handler(const std::string& engine_key);

// --- translate_expr.cc: C++ spelling ---
std::string cpp_string(const std::string& text);
std::string cpp_literal(const Json& constant);
/// An Expr-building expression for a value used as a column or literal.
std::string expr_code(Translator& translator, const Value& value);
/// The code of a value consumed whole (a column's definition, a filter): a window or an
/// aggregate at the top stays where it is.
std::string top_code(Translator& translator, const Value& value);
/// `code` with its output name, for select and agg lists.
std::string named_code(Translator& translator, const Value& value);
/// Frame code computing the pending hoisted windows as temporary columns (named in
/// `temporaries`, to drop after the operation). Throws if an aggregate is pending.
std::string with_hoisted(Translator& translator, const std::string& frame,
                         std::vector<std::string>& temporaries);
std::string drop_temporaries(const std::vector<std::string>& temporaries);
/// `frame` filtered by `predicate` (its hoisted windows computed first, then dropped).
std::string filtered(Translator& translator, const std::string& frame, const Value& predicate);
std::string camel_case(const std::string& name);
std::string identifier(const std::string& name);
std::string string_list_code(const std::vector<std::string>& names);
/// Column names from a string, a plain column or a list of them.
std::vector<std::string> names_of(const Value& value);

}  // namespace setl::migrate
