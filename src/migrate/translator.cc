// The statement walk: imports, assignments, loops, with blocks, functions (inlined where
// they are called; a function that transforms frames becomes its own step) and the
// accounting that gives every statement a disposition.
#include "migrate/translator.h"

#include <algorithm>
#include <fstream>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "migrate/api_table.h"
#include "migrate/py_ast.h"

namespace setl::migrate {
namespace {

using ast::field;
using ast::int_field;
using ast::kind_of;
using ast::line_of;

// Import paths that name the same thing.
std::string normalise_module(std::string name) {
  for (const char* alias : {"pyspark.sql.window", "pyspark.sql.session", "pyspark.sql.dataframe",
                            "pyspark.sql.column"}) {
    if (name == alias) {
      return "pyspark.sql";
    }
  }
  return name;
}

bool step_like_decorator(const std::string& name) {
  for (const char* known : {"task", "node", "transformer", "data_loader", "data_exporter", "op",
                            "asset", "step", "flow"}) {
    if (name == known) {
      return true;
    }
  }
  return false;
}

std::string decorator_name(const Json& decorator) {
  const Json* node = &decorator;
  if (kind_of(*node) == "Call") {
    node = &field(*node, "func");
  }
  if (kind_of(*node) == "Attribute") {
    return field(*node, "attr").get<std::string>();
  }
  if (kind_of(*node) == "Name") {
    return field(*node, "id").get<std::string>();
  }
  return "";
}

// Whether a function's body calls any of `functions` (then it is a driver, not a step).
bool calls_any(const Json& node, const std::map<std::string, Json>& functions, int depth = 0) {
  if (depth > 400) {
    return false;  // deeper than Python itself nests; not a driver
  }
  if (node.is_array()) {
    for (const Json& item : node) {
      if (calls_any(item, functions, depth + 1)) {
        return true;
      }
    }
    return false;
  }
  if (!node.is_object()) {
    return false;
  }
  if (kind_of(node) == "Call" && kind_of(field(node, "func")) == "Name" &&
      functions.contains(field(field(node, "func"), "id").get<std::string>())) {
    return true;
  }
  for (const auto& [key, child] : node.items()) {
    if (key != "_type" && (child.is_object() || child.is_array()) &&
        calls_any(child, functions, depth + 1)) {
      return true;
    }
  }
  return false;
}

}  // namespace

Translator::Translator(const PythonSource& source, const ParsedSource& parsed,
                       ModuleAnalysis& analysis)
    : source_(source),
      parsed_(parsed),
      analysis_(analysis),
      source_dir_(source.path.parent_path()) {
  std::istringstream in(source.text);
  std::string line;
  while (std::getline(in, line)) {
    lines_.push_back(line);
  }
  scopes_.emplace_back();
}

void Translator::run() {
  statements(parsed_.module.at("body"), true);
  // Comments go with the step they precede or sit in.
  std::vector<size_t> order(steps_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return steps_[a].first_line < steps_[b].first_line; });
  int previous_last = 0;
  for (size_t index : order) {
    Step& step = steps_[index];
    if (step.last_line <= previous_last) {
      continue;
    }
    for (const Json& comment : parsed_.comments) {
      int line = comment.value("line", 0);
      std::string text = comment.value("text", std::string());
      if (line > previous_last && line <= step.last_line && text.rfind("# %%", 0) != 0) {
        step.comments.push_back(text.substr(text.find_first_not_of("# ") == std::string::npos
                                                ? text.size()
                                                : text.find_first_not_of("# ")));
      }
    }
    previous_last = step.last_line;
  }
  for (const auto& [name, definition] : functions_) {
    if (!function_calls_.contains(name)) {
      finding("MIG104", "warning", int_field(definition, "lineno"),
              "function " + name + "() is never called, so it is not migrated");
    }
  }
  std::set<std::string> named = names_in_tree(parsed_.module);
  for (const ParamPlan& param : analysis_.params) {
    named.insert(param.yaml_value);
    if (param.yaml_value.size() >= 2 && param.yaml_value.front() == '"') {
      named.insert(param.yaml_value.substr(1, param.yaml_value.size() - 2));
    }
  }
  std::error_code error;
  column_use_.finish(analysis_, steps_, named, {std::filesystem::current_path(error), source_dir_});
}

void Translator::use_column(const Value& frame, const std::string& name) {
  bool temporary = name.rfind("__setl_", 0) == 0;  // a hoisted window or aggregate
  if (!temporary && !frame.created.contains(name)) {
    column_use_.use(frame.origins, name);
  }
}

std::string Translator::source_text(const Json& node) const {
  int first = int_field(node, "lineno");
  int last = int_field(node, "end_lineno");
  std::string text;
  for (int line = first; line >= 1 && line <= last && line <= static_cast<int>(lines_.size());
       ++line) {
    text += (text.empty() ? "" : "\n") + lines_[static_cast<size_t>(line - 1)];
  }
  if (first == last && first >= 1) {
    int start = int_field(node, "col_offset");
    int end = int_field(node, "end_col_offset");
    if (start >= 0 && end >= start && static_cast<size_t>(end) <= text.size()) {
      return text.substr(static_cast<size_t>(start), static_cast<size_t>(end - start));
    }
  }
  return text;
}

int Translator::cell_of(int line) const {
  int cell = 0;
  for (const SourceCell& candidate : source_.cells) {
    if (candidate.first_line <= line) {
      cell = candidate.index;
    }
  }
  return cell;
}

void Translator::reference(int line, const std::string& api, const std::string& category) {
  analysis_.references.push_back({line, api, category});
}

void Translator::finding(const std::string& code, const std::string& severity, int line,
                         const std::string& message) {
  analysis_.findings.push_back({code, severity, line, message});
}

int Translator::open_step(const Json& node, const std::string& boundary, bool explicit_boundary) {
  Step step;
  step.first_line = int_field(node, "lineno");
  step.last_line = int_field(node, "end_lineno");
  step.python = source_text(node);
  step.boundary = boundary;
  step.explicit_boundary = explicit_boundary;
  if (boundary.empty() && source_.notebook) {
    int cell = cell_of(step.first_line);
    for (const SourceCell& candidate : source_.cells) {
      if (candidate.index == cell) {
        step.boundary = "cell " + std::to_string(cell) +
                        (candidate.heading.empty() ? "" : ": " + candidate.heading);
      }
    }
  }
  steps_.push_back(std::move(step));
  return static_cast<int>(steps_.size()) - 1;
}

int Translator::new_frame(const std::string& python_name, bool spark) {
  FrameVersion version;
  version.id = static_cast<int>(frames_.size());
  version.python_name = python_name;
  std::string base = identifier(python_name);
  int count = ++cpp_names_[base];
  version.cpp_name = count == 1 ? base : base + "_" + std::to_string(count);
  version.step = current_step_;
  version.spark = spark;
  frames_.push_back(version);
  step().defines.push_back(version.id);
  return version.id;
}

Value Translator::frame_value(int id, bool spark) {
  Value value{.kind = Kind::kFrame,
              .type = spark ? "pyspark.sql.DataFrame" : "pandas.DataFrame",
              .code = frame_ref(id),
              .frame = id};
  value.spark = spark;
  value.order = frame_version(id).order;
  value.origins = frame_version(id).origins;
  value.created = frame_version(id).created;
  return value;
}

void Translator::use(const Value& value) {
  if (value.frame >= 0) {
    step().uses.insert(value.frame);
  }
}

Value Translator::define_frame(const std::string& name, const Value& value) {
  if (value.frame >= 0 && value.code == frame_ref(value.frame)) {
    scope()[name] = value;  // another name for the same frame
    return value;
  }
  int id = new_frame(name, value.spark);
  frame_version(id).order = value.order;
  frame_version(id).origins = value.origins;
  frame_version(id).created = value.created;
  emit("LazyFrame " + frame_ref(id) + " = " + value.code + ";");
  Value defined = frame_value(id, value.spark);
  scope()[name] = defined;
  return defined;
}

Value Translator::define_param(const std::string& key, const Json& value,
                               const std::string& origin) {
  if (!param_index_.contains(key)) {
    ParamPlan plan{.key = key, .origin = origin};
    if (value.is_boolean()) {
      plan.cpp_type = "bool";
      plan.yaml_value = value.get<bool>() ? "true" : "false";
    } else if (value.is_number_integer()) {
      plan.cpp_type = "int64_t";
      plan.yaml_value = std::to_string(value.get<int64_t>());
    } else if (value.is_number()) {
      plan.cpp_type = "double";
      plan.yaml_value = value.dump();
    } else {
      plan.cpp_type = "std::string";
      plan.yaml_value = value.is_string() ? value.get<std::string>() : value.dump();
    }
    param_index_[key] = analysis_.params.size();
    analysis_.params.push_back(plan);
  }
  Value param{.kind = Kind::kScalar, .param = key};
  param.has_constant = true;
  param.constant = value;
  return param;
}

std::string Translator::param_code(const Value& scalar) {
  step().params.insert(scalar.param);
  return identifier(scalar.param);
}

std::string Translator::connector(const std::string& storage, const Value& path, bool write,
                                  const std::string& table) {
  if (path.kind != Kind::kScalar || !path.has_constant || !path.constant.is_string()) {
    throw Untranslatable{"MIG203", "a path known only at run time"};
  }
  std::string text = path.constant.get<std::string>();
  std::string key = storage + "|" + text + "|" + table;
  auto found = connector_index_.find(key);
  if (found == connector_index_.end()) {
    ConnectorPlan plan{.storage = storage, .path = text, .table = table};
    std::string stem =
        !path.param.empty() ? path.param : std::filesystem::path(text).stem().string();
    if (!table.empty()) {
      stem = table;
    }
    std::string id = identifier(stem);
    for (int suffix = 2; std::any_of(analysis_.connectors.begin(), analysis_.connectors.end(),
                                     [&](const ConnectorPlan& other) { return other.id == id; });
         ++suffix) {
      id = identifier(stem) + "_" + std::to_string(suffix);
    }
    plan.id = id;
    if (!path.param.empty()) {
      plan.origin = "params." + path.param;
    }
    found = connector_index_.emplace(key, analysis_.connectors.size()).first;
    analysis_.connectors.push_back(plan);
  }
  ConnectorPlan& plan = analysis_.connectors[found->second];
  if (!write && plan.read && !plan.written) {
    finding("MIG302", "hint", step().first_line,
            plan.path + " is read more than once: read it in one factory and deliver the table");
  }
  (write ? plan.written : plan.read) = true;
  (write ? step().writes : step().reads).insert(plan.id);
  return "*" + plan.id + "_connector";
}

void Translator::statements(const Json& body, bool top_level) {
  if (!body.is_array()) {
    return;
  }
  for (const Json& node : body) {
    statement(node, top_level);
  }
}

void Translator::stub(const Json& node, const Untranslatable& why) {
  int line = int_field(node, "lineno");
  finding(why.code, "error", line, why.message);
  Step& current = step();
  current.stub = true;
  for (int frame : current.uses) {  // code we do not translate may use any column
    column_use_.use_all(frame_version(frame).origins);
  }
  std::string location = source_.path.filename().string() + ":" + std::to_string(line);
  current.lines.push_back("// " + why.code + " not migrated (" + location + "): " + why.message);
  std::istringstream python(source_text(node));
  std::string text;
  while (std::getline(python, text)) {
    current.lines.push_back("//   " + text);
  }
  std::string call = "not_migrated(" + cpp_string(why.code) + ", " + cpp_string(location) + ", " +
                     cpp_string(why.message) + ")";
  // Names the statement assigns keep a frame type so that later code still compiles.
  const std::string& kind = kind_of(node);
  if (kind == "Assign" || kind == "AugAssign" || kind == "AnnAssign") {
    const Json& targets =
        kind == "Assign" ? field(node, "targets") : Json::array({field(node, "target")});
    for (const Json& target : targets) {
      const Json* name = &target;
      while (kind_of(*name) == "Subscript" || kind_of(*name) == "Attribute") {
        name = &field(*name, "value");
      }
      if (kind_of(*name) == "Name" && field(*name, "id").is_string()) {
        std::string python_name = field(*name, "id").get<std::string>();
        Value previous = lookup(python_name);
        bool spark = previous.spark || analysis_.language == "pyspark";
        int id = new_frame(python_name, spark);
        current.lines.push_back("LazyFrame " + frame_ref(id) + " = not_migrated_frame(" +
                                call.substr(call.find('(') + 1) + ";");
        scope()[python_name] = frame_value(id, spark);
        return;
      }
    }
  }
  current.lines.push_back(call + ";");
}

void Translator::statement(const Json& node, bool top_level) {
  if (!node.is_object()) {
    return;  // not a statement (the helper never prints one)
  }
  const std::string& kind = kind_of(node);
  struct Nesting {
    int& depth;
    explicit Nesting(int& d) : depth(++d) {}
    ~Nesting() { --depth; }
  } nesting(statement_depth_);
  int previous_step = current_step_;
  if (top_level) {
    current_step_ = open_step(node, "", false);
  }
  size_t record = records_.size();
  records_.push_back(
      {int_field(node, "lineno"), int_field(node, "end_lineno"), "code", current_step_});
  size_t lines_before = step().lines.size();
  take_hoisted();  // nothing pending from a statement that stopped half-way
  size_t references_before = analysis_.references.size();
  size_t params_before = analysis_.params.size();
  bool stubbed = false;
  try {
    if (statement_depth_ > 100) {
      throw Untranslatable{"MIG203", "statements nested more than 100 deep"};
    }
    if (kind == "Import" || kind == "ImportFrom") {
      std::string from = kind == "ImportFrom" ? field(node, "module").get<std::string>() : "";
      for (const Json& alias : field(node, "names")) {
        std::string name = alias.at("name").get<std::string>();
        std::string qualified = normalise_module(from.empty() ? name : from + "." + name);
        if (!from.empty()) {
          qualified = normalise_module(from) + "." + name;
        }
        if (qualified.rfind("pyspark", 0) == 0) {
          analysis_.language = "pyspark";
        } else if (qualified.rfind("pandas", 0) == 0 && analysis_.language != "pyspark") {
          analysis_.language = "pandas";
        }
        const Json& as = alias.at("asname");
        std::string bound = as.is_string() ? as.get<std::string>() : name.substr(0, name.find('.'));
        scope()[bound] = Value{.kind = Kind::kModule,
                               .type = as.is_string() || !from.empty() ? qualified : bound};
      }
      records_[record].disposition = "ignorable";
    } else if (kind == "FunctionDef") {
      functions_[field(node, "name").get<std::string>()] = node;
      scope()[field(node, "name").get<std::string>()] =
          Value{.kind = Kind::kUserFunction, .type = field(node, "name").get<std::string>()};
      records_[record].disposition = "definition";
    } else if (kind == "Assign") {
      Value value = eval(field(node, "value"));
      for (const Json& target : field(node, "targets")) {
        assign(target, value, node);
      }
    } else if (kind == "AnnAssign" && !field(node, "value").is_null()) {
      assign(field(node, "target"), eval(field(node, "value")), node);
    } else if (kind == "AugAssign") {
      Json binary = {{"_type", "BinOp"},
                     {"left", field(node, "target")},
                     {"op", field(node, "op")},
                     {"right", field(node, "value")}};
      Json target = field(node, "target");
      if (kind_of(target) == "Name" || kind_of(target) == "Subscript") {
        assign(target, eval(binary), node);
      } else {
        throw Untranslatable{"MIG203", "augmented assignment to an attribute"};
      }
    } else if (kind == "Expr") {
      const Json& value = field(node, "value");
      if (kind_of(value) == "Constant") {
        records_[record].disposition = "ignorable";  // a docstring
      } else {
        eval(value);
      }
    } else if (kind == "If") {
      if_block(node, top_level);
    } else if (kind == "For") {
      for_loop(node);
    } else if (kind == "With") {
      with_block(node);
    } else if (kind == "Return") {
      return_value_ =
          field(node, "value").is_null() ? Value{.kind = Kind::kNone} : eval(field(node, "value"));
    } else if (kind == "Pass") {
      records_[record].disposition = "ignorable";
    } else if (kind == "Try") {
      finding("MIG206", "warning", int_field(node, "lineno"),
              "exception handling is not migrated: the body runs as is and errors stop the job");
      statements(field(node, "body"), false);
      statements(field(node, "finalbody"), false);
    } else if (kind == "ClassDef") {
      std::string name = field(node, "name").get<std::string>();
      for (const Json& member : field(node, "body")) {
        if (kind_of(member) == "FunctionDef") {
          functions_[name + "." + field(member, "name").get<std::string>()] = member;
        }
      }
      scope()[name] = Value{.kind = Kind::kUserClass, .type = name};
      records_[record].disposition = "definition";
    } else {
      throw Untranslatable{"MIG203", "a Python " + kind + " statement is not migrated"};
    }
  } catch (const Untranslatable& why) {
    stub(node, why);
    stubbed = true;
  } catch (const Json::exception& error) {
    // A value of an unexpected type where a handler wanted a number or text.
    stub(node, Untranslatable{"MIG203", std::string("an argument of an unexpected form (") +
                                            error.what() + ")"});
    stubbed = true;
  } catch (const std::logic_error& error) {
    // A tree Python would not print (an operator or arity it does not have): the
    // statement is not migrated, the rest of the module still is.
    stub(node, Untranslatable{"MIG203", std::string("a syntax tree of an unexpected shape (") +
                                            error.what() + ")"});
    stubbed = true;
  }
  StatementRef& ref = records_[record];
  if (stubbed) {
    ref.disposition = "stub";
  } else if (ref.disposition == "code" && step().lines.size() == lines_before && kind != "If" &&
             kind != "For" && kind != "With" && kind != "Try") {
    bool only_ignorable = true;
    for (size_t i = references_before; i < analysis_.references.size(); ++i) {
      only_ignorable = only_ignorable && analysis_.references[i].category == "ignorable";
    }
    ref.disposition = analysis_.params.size() > params_before ? "config"
                      : only_ignorable && step().defines.empty() && step().uses.empty()
                          ? "ignorable"
                          : "code";
  }
  if (top_level) {
    Step& current = step();
    current.disposition = stubbed ? "stub" : ref.disposition;
    current_step_ = previous_step;
  }
}

void Translator::assign(const Json& target, Value value, const Json& statement) {
  const std::string& kind = kind_of(target);
  if (kind == "Name") {
    std::string name = field(target, "id").get<std::string>();
    if (value.kind == Kind::kFrame) {
      define_frame(name, value);
    } else {
      scope()[name] = value;
    }
    return;
  }
  if (kind == "Tuple" || kind == "List") {
    const Json& targets = field(target, "elts");
    if (value.kind != Kind::kList || value.items.size() != targets.size()) {
      throw Untranslatable{"MIG203", "unpacking a value into names"};
    }
    for (size_t i = 0; i < targets.size(); ++i) {
      assign(targets[i], value.items[i], statement);
    }
    return;
  }
  if (kind == "Subscript") {
    subscript_assign(target, std::move(value));
    return;
  }
  if (kind == "Attribute" && kind_of(field(target, "value")) == "Name") {
    std::string object = field(field(target, "value"), "id").get<std::string>();
    Value holder = lookup(object);
    if (holder.kind == Kind::kUserObject) {
      holder.options[field(target, "attr").get<std::string>()] = value;
      scope()[object] = holder;
      return;
    }
  }
  throw Untranslatable{"MIG203", "assignment to " + source_text(target)};
}

void Translator::subscript_assign(const Json& target, Value value) {
  const Json& base_node = field(target, "value");
  const Json* name_node = &base_node;
  bool loc = false;
  if (kind_of(base_node) == "Attribute" && field(base_node, "attr") == "loc") {
    name_node = &field(base_node, "value");
    loc = true;
  }
  if (kind_of(*name_node) != "Name") {
    throw Untranslatable{"MIG203", "assignment into " + source_text(base_node)};
  }
  std::string name = field(*name_node, "id").get<std::string>();
  Value frame = eval(*name_node);
  if (frame.kind != Kind::kFrame) {
    throw Untranslatable{"MIG101", "cannot tell whether `" + name + "` is a frame"};
  }
  std::string column;
  std::string code = top_code(*this, value);
  const Json& slice = field(target, "slice");
  if (loc) {
    if (kind_of(slice) != "Tuple" || field(slice, "elts").size() != 2) {
      throw Untranslatable{"MIG203", "a .loc assignment without a row mask and a column"};
    }
    Value mask = eval(field(slice, "elts")[0]);
    std::vector<std::string> names = names_of(eval(field(slice, "elts")[1]));
    if (names.size() != 1) {
      throw Untranslatable{"MIG203", "a .loc assignment to several columns"};
    }
    column = names[0];
    code = "fn::when(" + expr_code(*this, mask) + ", " + code + ").otherwise(col(" +
           cpp_string(column) + "))";
  } else {
    std::vector<std::string> names = names_of(eval(slice));
    if (names.size() != 1) {
      throw Untranslatable{"MIG203", "assignment to several columns at once"};
    }
    column = names[0];
  }
  if (loc) {
    use_column(frame, column);  // the rows the mask leaves keep their value
  }
  Value next = frame;
  std::vector<std::string> temporaries;
  next.code = with_hoisted(*this, frame.code, temporaries) + ".with_column(" + cpp_string(column) +
              ", " + code + ")" + drop_temporaries(temporaries);
  next.created.insert(column);
  define_frame(name, next);
}

void Translator::if_block(const Json& node, bool top_level) {
  const Json& test = field(node, "test");
  if (kind_of(test) == "Compare" && source_text(test).find("__name__") != std::string::npos) {
    statements(field(node, "body"), top_level);
    return;
  }
  Value condition = eval(test);
  if (condition.kind == Kind::kScalar && condition.has_constant && condition.param.empty()) {
    bool taken = !(condition.constant.is_null() || condition.constant == false ||
                   condition.constant == 0 || condition.constant == "");
    statements(field(node, taken ? "body" : "orelse"), false);
    return;
  }
  throw Untranslatable{"MIG205",
                       "a condition known only at run time: use a run condition "
                       "(Factory::run_if) for conditional steps"};
}

void Translator::for_loop(const Json& node) {
  const Json& target = field(node, "target");
  Value iterable = eval(field(node, "iter"));
  if (kind_of(target) != "Name") {
    if (source_text(field(node, "iter")).find("iterrows") != std::string::npos) {
      finding("MIG303", "hint", int_field(node, "lineno"),
              "a row loop (iterrows): column expressions are orders of magnitude faster");
    }
    throw Untranslatable{"MIG201", "a loop over rows or unpacked values"};
  }
  std::string name = field(target, "id").get<std::string>();
  if (iterable.kind == Kind::kGlob) {
    Value files{.kind = Kind::kScalar, .type = "glob", .constant = iterable.constant};
    files.has_constant = true;
    scope()[name] = files;
    statements(field(node, "body"), false);
    return;
  }
  if (iterable.kind == Kind::kList) {
    for (const Value& item : iterable.items) {
      scope()[name] = item;
      statements(field(node, "body"), false);
    }
    return;
  }
  throw Untranslatable{"MIG201", "a loop over values known only at run time"};
}

void Translator::with_block(const Json& node) {
  for (const Json& item : field(node, "items")) {
    Value value = eval(field(item, "context_expr"));
    const Json& as = field(item, "optional_vars");
    if (kind_of(as) == "Name") {
      scope()[field(as, "id").get<std::string>()] = value;
    }
  }
  statements(field(node, "body"), false);
}

Value Translator::call_user_function(const std::string& name, const std::vector<Value>& args,
                                     const std::map<std::string, Value>& keywords, int line) {
  const Json& definition = functions_.at(name);
  bool columns_in = std::any_of(args.begin(), args.end(), [](const Value& value) {
    return value.kind == Kind::kColumn || value.kind == Kind::kCase;
  });
  if (columns_in && keywords.empty()) {
    return inline_function(name, args, line);  // a function of columns: a UDF
  }
  ++function_calls_[name];
  if (function_calls_[name] == 2) {
    finding("MIG301", "hint", line,
            name +
                "() runs more than once: a reusable component (one factory class with "
                "parameters would serve every call)");
  }
  std::map<std::string, Value> bound;
  const Json& parameters = field(field(definition, "args"), "args");
  const Json& defaults = field(field(definition, "args"), "defaults");
  size_t first_default = parameters.size() - std::min(parameters.size(), defaults.size());
  for (size_t i = 0; i < parameters.size(); ++i) {
    std::string parameter = parameters[i].at("arg").get<std::string>();
    if (i < args.size()) {
      bound[parameter] = args[i];
    } else if (keywords.contains(parameter)) {
      bound[parameter] = keywords.at(parameter);
    } else if (i >= first_default) {
      bound[parameter] = eval(defaults[i - first_default]);
    }
  }
  bool frames_in = std::any_of(args.begin(), args.end(),
                               [](const Value& value) { return value.kind == Kind::kFrame; });
  std::string decorator;
  for (const Json& item : field(definition, "decorator_list")) {
    decorator = step_like_decorator(decorator_name(item)) ? decorator_name(item) : decorator;
  }
  bool driver = name == "main" || name == "run" || calls_any(field(definition, "body"), functions_);
  std::string body_text = source_text(definition);
  bool reads = body_text.find("read") != std::string::npos;
  bool step_function = !driver && (frames_in || reads || !decorator.empty());

  scopes_.push_back(bound);
  std::optional<Value> saved_return = std::move(return_value_);
  return_value_.reset();
  int saved_step = current_step_;
  if (step_function) {
    // The frames it receives are used by its own step, not by the statement calling it.
    for (const Value& arg : args) {
      step().uses.erase(arg.frame);
    }
    for (const auto& [name, keyword] : keywords) {
      step().uses.erase(keyword.frame);
    }
    std::string reason = decorator.empty() ? "function " + name + "()"
                                           : "decorator @" + decorator + " on " + name + "()";
    current_step_ = open_step(definition, reason, true);
    step().disposition = "code";
  }
  try {
    statements(field(definition, "body"), driver);
  } catch (...) {
    scopes_.pop_back();
    current_step_ = saved_step;
    throw;
  }
  Value result = return_value_.value_or(Value{.kind = Kind::kNone});
  if (step_function && result.kind == Kind::kFrame) {
    result = define_frame(name.substr(name.find('.') + 1) + "_result", result);
  }
  if (scopes_.back().contains("self")) {
    last_self_ = scopes_.back()["self"];
  }
  scopes_.pop_back();
  return_value_ = std::move(saved_return);
  current_step_ = saved_step;
  if (result.kind == Kind::kFrame) {
    use(result);
  }
  return result;
}

Value Translator::construct(const std::string& class_name, const std::vector<Value>& args,
                            const std::map<std::string, Value>& keywords, int line) {
  Value object{.kind = Kind::kUserObject, .type = class_name};
  if (!functions_.contains(class_name + ".__init__")) {
    return object;
  }
  std::vector<Value> with_self = {object};
  with_self.insert(with_self.end(), args.begin(), args.end());
  last_self_ = object;
  call_user_function(class_name + ".__init__", with_self, keywords, line);
  return last_self_;
}

Value Translator::inline_function(const std::string& name, const std::vector<Value>& args,
                                  int line) {
  auto found = functions_.find(name);
  if (found == functions_.end()) {
    throw Untranslatable{"MIG201", name + " is not a function of this module (a UDF)"};
  }
  const Json& body = field(found->second, "body");
  const Json* expression = nullptr;
  for (const Json& statement : body) {
    if (kind_of(statement) == "Return") {
      expression = &field(statement, "value");
    } else if (!(kind_of(statement) == "Expr" &&
                 kind_of(field(statement, "value")) == "Constant")) {
      throw Untranslatable{"MIG201", name +
                                         "() is more than one expression: a UDF the engine "
                                         "cannot run; rewrite it as a column expression"};
    }
  }
  const Json& parameters = field(field(found->second, "args"), "args");
  if (expression == nullptr || parameters.size() != args.size()) {
    throw Untranslatable{"MIG201", name + "() does not return one expression of its arguments"};
  }
  ++function_calls_[name];
  (void)line;
  std::map<std::string, Value> bound;
  for (size_t i = 0; i < args.size(); ++i) {
    bound[parameters[i].at("arg").get<std::string>()] = args[i];
  }
  return inline_body(std::move(bound), *expression);
}

Value Translator::inline_lambda(const Json& lambda, const Value& argument) {
  const Json& parameters = field(field(lambda, "args"), "args");
  if (parameters.size() != 1) {
    throw Untranslatable{"MIG203", "a lambda with other than one parameter"};
  }
  return inline_body({{parameters[0].at("arg").get<std::string>(), argument}},
                     field(lambda, "body"));
}

Value Translator::inline_body(std::map<std::string, Value> bound, const Json& expression) {
  scopes_.push_back(std::move(bound));
  try {
    Value result = eval(expression);
    scopes_.pop_back();
    return result;
  } catch (...) {
    scopes_.pop_back();
    throw;
  }
}

}  // namespace setl::migrate
