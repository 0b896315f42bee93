// Python expressions → values: names through the scopes, attributes and subscripts of
// frames and columns, arithmetic, comparisons and boolean logic as engine expressions.
#include <cmath>
#include <sstream>

#include "migrate/api_table.h"
#include "migrate/py_ast.h"
#include "migrate/translator.h"
#include "setl/core/error.h"
#include "setl/core/parse_number.h"

namespace setl::migrate {
namespace {

using ast::field;
using ast::int_field;
using ast::kind_of;
using ast::line_of;

bool is_number(const Value& value) {
  return value.kind == Kind::kScalar && value.has_constant && value.param.empty() &&
         value.constant.is_number();
}

std::string column_type(bool spark) {
  return spark ? "pyspark.sql.Column" : "pandas.Series";
}

Value column_value(std::string code, bool spark, std::string name = {}) {
  Value value{.kind = Kind::kColumn, .type = column_type(spark), .code = std::move(code)};
  value.spark = spark;
  value.column = std::move(name);
  return value;
}

std::string hex_decode(const std::string& hex) {
  std::string text;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    std::optional<unsigned> code = parse_number<unsigned>(std::string_view(hex).substr(i, 2), 16);
    if (!code) {
      throw ParseError("a string constant holds '" + hex.substr(i, 2) + "', which is not hex");
    }
    text += static_cast<char>(*code);
  }
  return text;
}

Json fold(const std::string& op, const Json& a, const Json& b) {
  if (a.is_string() && b.is_string() && op == "Add") {
    return a.get<std::string>() + b.get<std::string>();
  }
  if (!a.is_number() || !b.is_number()) {
    return Json();
  }
  bool integers = a.is_number_integer() && b.is_number_integer();
  double x = a.get<double>();
  double y = b.get<double>();
  if (op == "Add")
    return integers ? Json(a.get<int64_t>() + b.get<int64_t>()) : Json(x + y);
  if (op == "Sub")
    return integers ? Json(a.get<int64_t>() - b.get<int64_t>()) : Json(x - y);
  if (op == "Mult")
    return integers ? Json(a.get<int64_t>() * b.get<int64_t>()) : Json(x * y);
  if (op == "Div" && y != 0)
    return Json(x / y);
  return Json();
}

const std::map<std::string, std::string>& binary_operators() {
  static const std::map<std::string, std::string> operators = {
      {"Add", "+"},     {"Sub", "-"},    {"Mult", "*"}, {"Div", "/"}, {"Mod", "%"},
      {"BitAnd", "&&"}, {"BitOr", "||"}, {"And", "&&"}, {"Or", "||"}};
  return operators;
}

const std::map<std::string, std::string>& comparisons() {
  static const std::map<std::string, std::string> operators = {
      {"Eq", "=="}, {"NotEq", "!="}, {"Lt", "<"}, {"LtE", "<="}, {"Gt", ">"}, {"GtE", ">="}};
  return operators;
}

}  // namespace

std::string cpp_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string cpp_literal(const Json& constant) {
  if (constant.is_boolean()) {
    return constant.get<bool>() ? "lit(true)" : "lit(false)";
  }
  if (constant.is_number_integer()) {
    return "lit(int64_t{" + std::to_string(constant.get<int64_t>()) + "})";
  }
  if (constant.is_number_float()) {
    std::ostringstream out;
    out.precision(17);
    out << constant.get<double>();
    std::string text = out.str();
    if (text.find_first_of(".eE") == std::string::npos) {
      text += ".0";
    }
    return "lit(" + text + ")";
  }
  if (constant.is_string()) {
    return "lit(" + cpp_string(constant.get<std::string>()) + ")";
  }
  if (constant.is_null()) {
    return "lit(setl::engine::Scalar::null())";
  }
  throw Untranslatable{"MIG203",
                       "a Python value that is not a number, text or None: " + constant.dump()};
}

std::string camel_case(const std::string& name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) {
    out = "Step" + out;
  }
  return out;
}

std::string identifier(const std::string& name) {
  static const std::set<std::string> kReserved = {
      "auto",     "bool",     "break",     "case",    "catch",    "char",      "class",
      "const",    "continue", "default",   "delete",  "do",       "double",    "else",
      "enum",     "explicit", "extern",    "false",   "float",    "for",       "friend",
      "goto",     "if",       "inline",    "int",     "long",     "namespace", "new",
      "operator", "private",  "protected", "public",  "register", "return",    "short",
      "signed",   "sizeof",   "static",    "struct",  "switch",   "template",  "this",
      "throw",    "true",     "try",       "typedef", "union",    "unsigned",  "using",
      "virtual",  "void",     "volatile",  "while",   "and",      "or",        "not",
      "xor",      "col",      "lit",       "fn",      "session",  "context",   "get",
      "read",     "write",    "main"};
  std::string out;
  for (char c : name) {
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0])) || out[0] == '_') {
    out = "v" + out;
  }
  return kReserved.contains(out) ? out + "_" : out;
}

std::string expr_code(Translator& translator, const Value& value) {
  if (value.kind == Kind::kColumn && (value.window || value.aggregate)) {
    return translator.hoist(value);
  }
  return top_code(translator, value);
}

std::string named_code(Translator& translator, const Value& value) {
  std::string code = top_code(translator, value);
  return value.alias.empty() ? code : code + ".alias(" + cpp_string(value.alias) + ")";
}

std::string Translator::hoist(const Value& value) {
  std::string name = "__setl_" + std::string(value.aggregate ? "aggregate" : "window") +
                     std::to_string(++hoisted_count_);
  hoisted_.push_back({name, value.code, value.aggregate});
  return "col(" + cpp_string(name) + ")";
}

std::string with_hoisted(Translator& translator, const std::string& frame,
                         std::vector<std::string>& temporaries) {
  std::string code = frame;
  for (const Hoisted& hoisted : translator.take_hoisted()) {
    if (hoisted.aggregate) {
      throw Untranslatable{"MIG203", "an aggregate inside a column expression outside agg()"};
    }
    code += ".with_column(" + cpp_string(hoisted.name) + ", " + hoisted.code + ")";
    temporaries.push_back(hoisted.name);
  }
  return code;
}

std::string drop_temporaries(const std::vector<std::string>& temporaries) {
  return temporaries.empty() ? "" : ".drop(" + string_list_code(temporaries) + ")";
}

std::string top_code(Translator& translator, const Value& value) {
  switch (value.kind) {
    case Kind::kColumn:
      return value.code;
    case Kind::kCase:
      return value.code + ".end()";
    case Kind::kScalar:
      if (!value.param.empty()) {
        return "lit(" + translator.param_code(value) + ")";
      }
      if (value.has_constant) {
        return cpp_literal(value.constant);
      }
      break;
    default:
      break;
  }
  throw Untranslatable{"MIG101", "cannot tell what this value is in a column expression"};
}

Value Translator::lookup(const std::string& name) const {
  for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
    auto found = scope->find(name);
    if (found != scope->end()) {
      return found->second;
    }
  }
  static const std::set<std::string> kBuiltins = {
      "print", "len", "open",  "sorted",  "range",     "list", "dict",
      "str",   "int", "float", "display", "enumerate", "zip",  "isinstance"};
  if (kBuiltins.contains(name)) {
    return Value{.kind = Kind::kFunctionRef,
                 .type = name == "sorted" ? "sorted" : "builtins." + name};
  }
  return Value{.kind = Kind::kUnknown, .type = ""};
}

Value Translator::eval(const Json& node) {
  if (++depth_ > 200) {
    --depth_;
    throw Untranslatable{"MIG203", "the expression nests too deeply"};
  }
  struct Leave {
    int& depth;
    ~Leave() { --depth; }
  } leave{depth_};
  const std::string& kind = kind_of(node);
  if (kind == "Constant") {
    const Json& constant = field(node, "value");
    if (constant.is_object()) {
      throw Untranslatable{"MIG203", "a constant the engine has no type for"};
    }
    return scalar(constant);
  }
  if (kind == "JoinedStr") {
    std::string text;
    for (const Json& part : field(node, "values")) {
      Value piece = kind_of(part) == "FormattedValue" ? eval(field(part, "value")) : eval(part);
      if (piece.kind != Kind::kScalar || !piece.has_constant) {
        throw Untranslatable{"MIG203", "an f-string with values known only at run time"};
      }
      text +=
          piece.constant.is_string() ? piece.constant.get<std::string>() : piece.constant.dump();
    }
    return scalar(text);
  }
  if (kind == "Name") {
    std::string name = field(node, "id").get<std::string>();
    if (query_frame_ != nullptr) {
      if (name.rfind("__local__", 0) == 0) {
        return lookup(name.substr(9));
      }
      if (name.rfind("__column__", 0) == 0) {
        return column_value("col(" + cpp_string(hex_decode(name.substr(10))) + ")", false,
                            hex_decode(name.substr(10)));
      }
      if (name == "True" || name == "False") {
        return scalar(name == "True");
      }
      return column_value("col(" + cpp_string(name) + ")", false, name);
    }
    Value value = lookup(name);
    if (value.kind == Kind::kFrame) {
      use(value);
    }
    return value;
  }
  if (kind == "List" || kind == "Tuple" || kind == "Set") {
    Value list{.kind = Kind::kList};
    bool constant = true;
    Json items = Json::array();
    for (const Json& element : field(node, "elts")) {
      list.items.push_back(eval(element));
      constant = constant && list.items.back().kind == Kind::kScalar &&
                 list.items.back().has_constant && list.items.back().param.empty();
      items.push_back(constant ? list.items.back().constant : Json());
    }
    if (constant) {
      list.has_constant = true;
      list.constant = items;
    }
    return list;
  }
  if (kind == "Dict") {
    Value dict{.kind = Kind::kDict};
    const Json& keys = field(node, "keys");
    const Json& values = field(node, "values");
    Json constant = Json::object();
    bool all_constant = true;
    for (size_t i = 0; i < keys.size() && i < values.size(); ++i) {
      Value key = eval(keys[i]);
      if (key.kind != Kind::kScalar || !key.has_constant || !key.constant.is_string()) {
        throw Untranslatable{"MIG203", "a dict whose keys are not constant text"};
      }
      dict.names.push_back(key.constant.get<std::string>());
      dict.items.push_back(eval(values[i]));
      const Value& item = dict.items.back();
      all_constant = all_constant && item.has_constant && item.param.empty();
      if (all_constant) {
        constant[dict.names.back()] = item.constant;
      }
    }
    if (all_constant) {
      dict.has_constant = true;
      dict.constant = constant;
    }
    return dict;
  }
  if (kind == "Attribute") {
    Value base = eval(field(node, "value"));
    std::string attribute = field(node, "attr").get<std::string>();
    if (base.kind == Kind::kModule) {
      std::string qualified = base.type + "." + attribute;
      const ApiEntry* entry = find_api(qualified);
      if (entry != nullptr && entry->engine == "session") {
        reference(line_of(node), qualified, entry->category);
        return Value{.kind = Kind::kSession, .type = "pyspark.sql.SparkSession.Builder"};
      }
      return Value{.kind = Kind::kModule, .type = qualified};
    }
    if (base.kind == Kind::kUserObject) {
      auto found = base.options.find(attribute);
      if (found == base.options.end()) {
        throw Untranslatable{"MIG203",
                             "`" + attribute + "` is not set on the " + base.type + " object"};
      }
      return found->second;
    }
    if (base.kind == Kind::kArgs) {
      auto found = base.options.find(attribute);
      if (found == base.options.end()) {
        throw Untranslatable{"MIG103", "`" + attribute + "` is not an option of the parser"};
      }
      return found->second;
    }
    if (base.kind == Kind::kColumn && !base.spark && (attribute == "str" || attribute == "dt")) {
      Value accessor = base;
      accessor.type = "pandas.Series." + attribute;
      return accessor;
    }
    if (base.kind == Kind::kFrame && !base.spark && attribute == "loc") {
      Value loc = base;
      loc.type = "pandas.DataFrame.loc";
      return loc;
    }
    if (!base.type.empty()) {
      std::string qualified = base.type + "." + attribute;
      const ApiEntry* entry = find_api(qualified);
      if (entry != nullptr) {
        // A property (spark.read, df.write, df.na, series.dt.year): a call without arguments.
        Json empty = Json::array();
        CallSite site{node, qualified, *entry, base, {}, {}, &empty, &empty, line_of(node)};
        reference(site.line, qualified, entry->category);
        if (entry->category == "unsupported") {
          throw Untranslatable{"MIG201", qualified + " is not supported: " + entry->note};
        }
        const CallHandler* handler = find_handler(entry->engine);
        if (handler == nullptr) {
          throw Untranslatable{"MIG102", "no translation for " + qualified};
        }
        Value result = (*handler)(*this, site);
        track_columns(site, result);
        return result;
      }
    }
    if (base.kind == Kind::kFrame) {
      use_column(base, attribute);
      return column_value("col(" + cpp_string(attribute) + ")", base.spark, attribute);
    }
    throw Untranslatable{"MIG101", "cannot tell what `" + source_text(field(node, "value")) +
                                       "` holds, so `." + attribute + "` is not migrated"};
  }
  if (kind == "Subscript") {
    return subscript(node);
  }
  if (kind == "BinOp") {
    Value left = eval(field(node, "left"));
    Value right = eval(field(node, "right"));
    std::string op = kind_of(field(node, "op"));
    if (left.kind == Kind::kScalar && right.kind == Kind::kScalar && left.param.empty() &&
        right.param.empty() && left.has_constant && right.has_constant) {
      Json folded = fold(op, left.constant, right.constant);
      if (!folded.is_null()) {
        return scalar(folded);
      }
    }
    auto found = binary_operators().find(op);
    if (found == binary_operators().end()) {
      throw Untranslatable{"MIG203", "the operator " + op + " has no engine equivalent"};
    }
    bool spark = left.spark || right.spark;
    if (op == "Add" && ((left.kind == Kind::kColumn && right.kind != Kind::kColumn &&
                         right.has_constant && right.constant.is_string()) ||
                        (right.kind == Kind::kColumn && left.kind != Kind::kColumn &&
                         left.has_constant && left.constant.is_string()))) {
      return column_value(
          "fn::concat({" + expr_code(*this, left) + ", " + expr_code(*this, right) + "})", spark);
    }
    return column_value(
        "(" + expr_code(*this, left) + " " + found->second + " " + expr_code(*this, right) + ")",
        spark);
  }
  if (kind == "UnaryOp") {
    Value operand = eval(field(node, "operand"));
    std::string op = kind_of(field(node, "op"));
    if (is_number(operand) && op == "USub") {
      return scalar(operand.constant.is_number_integer() ? Json(-operand.constant.get<int64_t>())
                                                         : Json(-operand.constant.get<double>()));
    }
    if (op == "Not" && operand.kind == Kind::kScalar && operand.has_constant &&
        operand.constant.is_boolean()) {
      return scalar(!operand.constant.get<bool>());
    }
    std::string code = expr_code(*this, operand);
    if (op == "USub")
      return column_value("(-" + code + ")", operand.spark);
    if (op == "Invert" || op == "Not")
      return column_value("(!" + code + ")", operand.spark);
    return operand;
  }
  if (kind == "BoolOp") {
    std::string op = kind_of(field(node, "op")) == "And" ? " && " : " || ";
    std::string code;
    bool spark = false;
    for (const Json& operand : field(node, "values")) {
      Value value = eval(operand);
      spark = spark || value.spark;
      code += (code.empty() ? "" : op) + expr_code(*this, value);
    }
    return column_value("(" + code + ")", spark);
  }
  if (kind == "Compare") {
    Value left = eval(field(node, "left"));
    std::string code;
    const Json& ops = field(node, "ops");
    const Json& comparators = field(node, "comparators");
    bool spark = left.spark;
    for (size_t i = 0; i < ops.size() && i < comparators.size(); ++i) {
      Value right = eval(comparators[i]);
      spark = spark || right.spark;
      std::string op = kind_of(ops[i]);
      std::string part;
      if (op == "In" || op == "NotIn") {
        if (right.kind != Kind::kList) {
          throw Untranslatable{"MIG203", "`in` needs a list of values"};
        }
        std::string values;
        for (const Value& item : right.items) {
          values += (values.empty() ? "" : ", ") + expr_code(*this, item);
        }
        part = expr_code(*this, left) + ".isin({" + values + "})";
        if (op == "NotIn") {
          part = "(!" + part + ")";
        }
      } else if (op == "Is" || op == "IsNot") {
        throw Untranslatable{"MIG203", "identity comparison (`is`) of values"};
      } else {
        auto comparison = comparisons().find(op);
        if (comparison == comparisons().end()) {
          throw Untranslatable{"MIG203", "the comparison " + op + " has no engine equivalent"};
        }
        part = "(" + expr_code(*this, left) + " " + comparison->second + " " +
               expr_code(*this, right) + ")";
      }
      code += (code.empty() ? "" : " && ") + part;
      left = right;
    }
    return column_value(ops.size() > 1 ? "(" + code + ")" : code, spark);
  }
  if (kind == "Call") {
    return call(node);
  }
  if (kind == "IfExp") {
    Value condition = eval(field(node, "test"));
    Value then = eval(field(node, "body"));
    Value otherwise = eval(field(node, "orelse"));
    if (condition.kind == Kind::kScalar && condition.has_constant && condition.param.empty()) {
      bool taken = !(condition.constant.is_null() || condition.constant == false ||
                     condition.constant == 0 || condition.constant == "");
      return taken ? then : otherwise;
    }
    return column_value("fn::when(" + expr_code(*this, condition) + ", " + expr_code(*this, then) +
                            ").otherwise(" + expr_code(*this, otherwise) + ")",
                        condition.spark || then.spark || otherwise.spark);
  }
  if (kind == "Lambda") {
    return Value{.kind = Kind::kUnknown, .type = "lambda"};
  }
  throw Untranslatable{"MIG203", "a Python " + kind + " expression is not migrated"};
}

}  // namespace setl::migrate

namespace setl::migrate {

std::string filtered(Translator& translator, const std::string& frame, const Value& predicate) {
  std::string code = top_code(translator, predicate);
  std::vector<std::string> temporaries;
  return with_hoisted(translator, frame, temporaries) + ".filter(" + code + ")" +
         drop_temporaries(temporaries);
}

std::string string_list_code(const std::vector<std::string>& names) {
  std::string code;
  for (const std::string& name : names) {
    code += (code.empty() ? "" : ", ") + cpp_string(name);
  }
  return "{" + code + "}";
}

std::vector<std::string> names_of(const Value& value) {
  if (value.kind == Kind::kScalar && value.has_constant && value.constant.is_string()) {
    return {value.constant.get<std::string>()};
  }
  if (value.kind == Kind::kColumn && !value.column.empty()) {
    return {value.column};
  }
  if (value.kind == Kind::kList) {
    std::vector<std::string> names;
    for (const Value& item : value.items) {
      std::vector<std::string> more = names_of(item);
      if (more.size() != 1) {
        throw Untranslatable{"MIG203", "a list of column names with something else in it"};
      }
      names.push_back(more[0]);
    }
    return names;
  }
  throw Untranslatable{"MIG203", "column names known only at run time"};
}

Value Translator::subscript(const Json& node) {
  Value base = eval(node.at("value"));
  const Json& slice = node.at("slice");
  const std::string slice_kind = slice.value("_type", "");
  if (base.kind == Kind::kFrame && base.type == "pandas.DataFrame.loc") {
    base.type = "pandas.DataFrame";
    if (slice_kind == "Tuple" && slice.at("elts").size() == 2) {
      const Json& rows = slice.at("elts")[0];
      Value frame = base;
      if (rows.value("_type", "") != "Slice") {
        frame.code = filtered(*this, frame.code, eval(rows));
      }
      Value columns = eval(slice.at("elts")[1]);
      std::vector<std::string> names = names_of(columns);
      for (const std::string& name : names) {
        use_column(frame, name);
      }
      if (columns.kind == Kind::kList) {
        frame.code += ".select(" + string_list_code(names) + ")";
        frame.origins.clear();
        frame.created = {names.begin(), names.end()};
        return frame;
      }
      return column_value("col(" + cpp_string(names[0]) + ")", false, names[0]);
    }
    base.code = filtered(*this, base.code, eval(slice));
    return base;
  }
  if (base.kind == Kind::kFrame) {
    if (slice_kind == "Slice") {
      const Json& lower = slice.at("lower");
      const Json& upper = slice.at("upper");
      Value stop = upper.is_null() ? Value{} : eval(upper);
      if (!lower.is_null() || !is_number(stop) || !slice.at("step").is_null()) {
        throw Untranslatable{"MIG203", "a row slice other than [:n]"};
      }
      base.code += ".limit(" + std::to_string(stop.constant.get<int64_t>()) + ")";
      return base;
    }
    Value key = eval(slice);
    if (key.kind == Kind::kScalar && key.has_constant && key.constant.is_string()) {
      std::string name = key.constant.get<std::string>();
      use_column(base, name);
      return column_value("col(" + cpp_string(name) + ")", base.spark, name);
    }
    if (key.kind == Kind::kList) {
      std::vector<std::string> names = names_of(key);
      for (const std::string& name : names) {
        use_column(base, name);
      }
      base.code += ".select(" + string_list_code(names) + ")";
      base.origins.clear();
      base.created = {names.begin(), names.end()};
      return base;
    }
    if (key.kind == Kind::kColumn || key.kind == Kind::kCase) {
      base.code = filtered(*this, base.code, key);
      return base;
    }
    throw Untranslatable{"MIG203", "a frame subscript that is neither columns nor a mask"};
  }
  if (base.kind == Kind::kGroupBy) {
    std::vector<std::string> names = names_of(eval(slice));
    if (names.size() != 1) {
      throw Untranslatable{"MIG203", "a group-by selecting several columns"};
    }
    use_column(base, names[0]);
    base.selected = names[0];
    return base;
  }
  if (base.kind == Kind::kDict || base.kind == Kind::kList ||
      (base.kind == Kind::kScalar && base.has_constant)) {
    Value key = eval(slice);
    if (!key.has_constant) {
      throw Untranslatable{"MIG203", "a subscript known only at run time"};
    }
    if (base.kind == Kind::kDict && key.constant.is_string()) {
      for (size_t i = 0; i < base.names.size(); ++i) {
        if (base.names[i] == key.constant.get<std::string>()) {
          return base.items[i];
        }
      }
    }
    if (base.kind == Kind::kList && key.constant.is_number_integer()) {
      int64_t index = key.constant.get<int64_t>();
      int64_t size = static_cast<int64_t>(base.items.size());
      index = index < 0 ? index + size : index;
      if (index >= 0 && index < size) {
        return base.items[static_cast<size_t>(index)];
      }
    }
    throw Untranslatable{"MIG203", "a subscript that is not in the value: " + key.constant.dump()};
  }
  throw Untranslatable{"MIG101", "cannot tell what `" + source_text(node.at("value")) +
                                     "` holds, so its subscript is not migrated"};
}

}  // namespace setl::migrate
