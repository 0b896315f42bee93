// Calls: resolution of the callee to a qualified API name, classification through the API
// table, and the handlers shared by pandas and PySpark (reads, writes, scalar functions,
// configuration from argparse and config files, loops over files).
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "migrate/api_table.h"
#include "migrate/call_support.h"
#include "migrate/py_ast.h"
#include "migrate/python_source.h"
#include "setl/core/error.h"
#include "setl/core/file_status.h"
#include "setl/core/parse_number.h"

namespace setl::migrate {
namespace {

using ast::field;
using ast::int_field;
using ast::kind_of;
using ast::line_of;

Value none() {
  return Value{.kind = Kind::kNone};
}

Json yaml_to_json(const YAML::Node& node, int depth = 0) {
  if (depth > 32) {
    throw Untranslatable{"MIG203", "the configuration file nests too deeply"};
  }
  if (node.IsMap()) {
    Json object = Json::object();
    for (const auto& entry : node) {
      object[entry.first.as<std::string>()] = yaml_to_json(entry.second, depth + 1);
    }
    return object;
  }
  if (node.IsSequence()) {
    Json array = Json::array();
    for (const auto& item : node) {
      array.push_back(yaml_to_json(item, depth + 1));
    }
    return array;
  }
  if (!node.IsScalar()) {
    return Json();
  }
  std::string text = node.as<std::string>();
  if (std::optional<int64_t> integer = parse_number<int64_t>(text)) {
    return *integer;
  }
  if (std::optional<double> number = parse_number<double>(text)) {
    return *number;
  }
  if (text == "true" || text == "True")
    return true;
  if (text == "false" || text == "False")
    return false;
  return text;
}

// A config file's keys become params (nested keys joined with '_').
Value config_value(Translator& translator, const Json& json, const std::string& prefix,
                   const std::string& file) {
  if (json.is_object()) {
    Value dict{.kind = Kind::kDict};
    for (const auto& [key, item] : json.items()) {
      dict.names.push_back(key);
      dict.items.push_back(
          config_value(translator, item, prefix.empty() ? key : prefix + "_" + key, file));
    }
    return dict;
  }
  if (json.is_array()) {
    Value list = scalar(json);
    list.kind = Kind::kList;
    for (const Json& item : json) {
      list.items.push_back(scalar(item));
    }
    return list;
  }
  return translator.define_param(identifier(prefix), json, file + ": " + prefix);
}

std::string storage_of(const std::string& engine_key, const CallSite& site) {
  std::string storage = engine_key.substr(engine_key.find(':') + 1);
  if (storage == "FORMAT") {
    auto found = site.receiver.options.find("format");
    std::string format = found == site.receiver.options.end() || !found->second.has_constant
                             ? ""
                             : found->second.constant.get<std::string>();
    for (char& c : format) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    storage = format == "JSON" ? "JSONL" : format;
    if (storage != "CSV" && storage != "JSONL" && storage != "PARQUET") {
      throw Untranslatable{"MIG201", "the format `" + format + "` has no connector"};
    }
  }
  return storage;
}

bool truthy(const Value* value) {
  return value != nullptr && value->has_constant &&
         (value->constant == true || value->constant == "true" || value->constant == "True");
}

// pandas read_csv / spark.read.csv options that map onto connector settings.
void csv_options(Translator& translator, CallSite& site, ConnectorPlan& plan) {
  const Value* separator = argument(site, 99, "sep");
  separator = separator != nullptr ? separator : argument(site, 99, "delimiter");
  if (separator == nullptr) {
    auto found = site.receiver.options.find("sep");
    separator = found != site.receiver.options.end() ? &found->second : nullptr;
  }
  if (separator != nullptr && separator->has_constant && separator->constant != ",") {
    plan.options["delimiter"] = separator->constant.get<std::string>();
  }
  if (site.api.rfind("pyspark", 0) == 0) {
    const Value* header = argument(site, 99, "header");
    auto found = site.receiver.options.find("header");
    bool has_header =
        truthy(header) || (found != site.receiver.options.end() && truthy(&found->second));
    if (!has_header) {
      plan.options["header"] = "false";
    }
  }
  for (const auto& [key, value] : site.keywords) {
    static const std::set<std::string> kKnown = {
        "sep",   "delimiter", "header", "inferSchema", "index",       "mode",     "usecols",
        "lines", "orient",    "con",    "if_exists",   "parse_dates", "encoding", "name"};
    if (!kKnown.contains(key)) {
      translator.finding("MIG106", "warning", site.line,
                         "option " + key + "= of " + site.api + " is not migrated");
    }
  }
}

ConnectorPlan& plan_of(Translator& translator, const std::string& id) {
  for (ConnectorPlan& plan : translator.analysis().connectors) {
    if (plan.id == id) {
      return plan;
    }
  }
  throw Untranslatable{"MIG203", "connector " + id + " vanished"};
}

std::string connector_id(const std::string& reference) {
  return reference.substr(1, reference.size() - 1 - std::string("_connector").size());
}

Value read_handler(Translator& translator, CallSite& site) {
  std::string storage = storage_of(site.entry.engine, site);
  bool spark = site.api.rfind("pyspark", 0) == 0;
  const Value* path = argument(site, 0, spark ? "path" : "filepath_or_buffer");
  if (path == nullptr) {
    path = argument(site, 0, "path");
  }
  if (path == nullptr) {
    throw Untranslatable{"MIG203", site.api + " without a path"};
  }
  Value frame{.kind = Kind::kFrame, .type = spark ? "pyspark.sql.DataFrame" : "pandas.DataFrame"};
  frame.spark = spark;
  if (storage == "SQL") {
    const Value* connection = argument(site, 1, "con");
    if (connection == nullptr || connection->kind != Kind::kConnection) {
      throw Untranslatable{"MIG203", "a SQL read without a sqlite3 connection"};
    }
    std::string text = path->constant.get<std::string>();
    bool is_table =
        site.api == "pandas.read_sql_table" || text.find_first_of(" \n\t") == std::string::npos;
    std::string reference =
        translator.connector("SQLITE", scalar(connection->connector), false, is_table ? text : "");
    if (!is_table) {
      plan_of(translator, connector_id(reference)).options["query"] = text;
    }
    frame.code = "load(" + reference + ")";
    frame.origins = {connector_id(reference)};
    translator.column_use().read(connector_id(reference), site.line);
    return frame;
  }
  if (path->type == "glob") {
    frame.code = "read_files(" + cpp_string(storage) + ", " +
                 cpp_string(path->constant.get<std::string>()) + ")";
    return frame;
  }
  std::string reference = translator.connector(storage, *path, false);
  if (storage == "CSV") {
    csv_options(translator, site, plan_of(translator, connector_id(reference)));
  }
  frame.code = spark ? "load(" + reference + ")" : "pandas_types(load(" + reference + "))";
  frame.origins = {connector_id(reference)};
  translator.column_use().read(connector_id(reference), site.line);
  if (const Value* columns = argument(site, 99, "usecols")) {
    frame.code += ".select(" + string_list_code(names_of(*columns)) + ")";
    for (const std::string& name : names_of(*columns)) {
      translator.use_column(frame, name);
    }
    translator.column_use().projected_at_read(connector_id(reference));
    frame.origins.clear();
  }
  return frame;
}

Value write_handler(Translator& translator, CallSite& site) {
  std::string storage = storage_of(site.entry.engine, site);
  bool spark = site.receiver.kind == Kind::kWriter;
  if (site.receiver.kind != Kind::kFrame && !spark) {
    throw Untranslatable{"MIG101", "a write of something that is not a frame"};
  }
  std::string mode = "kOverwrite";
  auto found = site.receiver.options.find("mode");
  if (found != site.receiver.options.end() && found->second.has_constant &&
      found->second.constant == "append") {
    mode = "kAppend";
  }
  std::string reference;
  if (storage == "SQL") {
    const Value* connection = argument(site, 1, "con");
    const Value* table = argument(site, 0, "name");
    if (connection == nullptr || connection->kind != Kind::kConnection || table == nullptr) {
      throw Untranslatable{"MIG203", "to_sql without a table name and a sqlite3 connection"};
    }
    reference = translator.connector("SQLITE", scalar(connection->connector), true,
                                     table->constant.get<std::string>());
    const Value* exists = argument(site, 99, "if_exists");
    if (exists != nullptr && exists->has_constant && exists->constant == "append") {
      mode = "kAppend";
    }
  } else {
    const Value* path = argument(site, 0, spark ? "path" : "path_or_buf");
    if (path == nullptr) {
      throw Untranslatable{"MIG203", site.api + " without a path"};
    }
    reference = translator.connector(storage, *path, true);
    if (storage == "CSV") {
      csv_options(translator, site, plan_of(translator, connector_id(reference)));
    }
    if (!spark && storage == "CSV") {
      const Value* index = argument(site, 99, "index");
      if (index == nullptr || index->constant != false) {
        translator.finding("MIG105", "hint", site.line,
                           "pandas writes the frame's index as a first column; the migrated "
                           "job does not (pass index=False to compare like with like)");
      }
    }
    if (spark) {
      translator.finding("MIG108", "hint", site.line,
                         "Spark writes a directory of part files; the migrated job writes one "
                         "file at " +
                             path->constant.dump());
    }
  }
  std::vector<std::string> sorted_by;
  for (const std::string& key : site.receiver.order) {
    std::vector<std::string> names = sort_key_columns(key);
    sorted_by.insert(sorted_by.end(), names.begin(), names.end());
  }
  plan_of(translator, connector_id(reference)).sorted_by = sorted_by;
  translator.emit("save(" + reference + ", " + site.receiver.code + ", SaveMode::" + mode + ");");
  return none();
}

Value scalar_function(Translator& translator, CallSite& site) {
  std::string function = site.entry.engine.substr(site.entry.engine.find(':') + 1);
  std::vector<std::string> args;
  bool spark = site.api.rfind("pyspark", 0) == 0;
  if (site.receiver.kind == Kind::kColumn) {
    args.push_back(site.receiver.code);
  }
  for (const Value& value : site.args) {
    args.push_back(spark ? column_code(translator, value) : expr_code(translator, value));
  }
  if (site.api == "pandas.Series.fillna") {
    const Value* value = argument(site, 0, "value");
    if (value == nullptr) {
      throw Untranslatable{"MIG203", "fillna without a value"};
    }
    return column_result(
        "fn::coalesce({" + site.receiver.code + ", " + expr_code(translator, *value) + "})", false);
  }
  if (function == "is_null" || function == "is_not_null") {
    return column_result(args.at(0) + "." + function + "()", spark);
  }
  if (function == "round" && args.size() == 1) {
    if (const Value* digits = argument(site, 99, "decimals")) {
      args.push_back(expr_code(translator, *digits));
    }
  }
  if (function == "substr" && spark && site.receiver.kind != Kind::kColumn) {
    args[0] = column_code(translator, site.args.at(0));
  }
  std::string joined;
  for (const std::string& arg : args) {
    joined += (joined.empty() ? "" : ", ") + arg;
  }
  if (function == "concat" || function == "coalesce") {
    return column_result("fn::" + function + "({" + joined + "})", spark);
  }
  return column_result("function_call(" + cpp_string(function) + ", {" + joined + "})", spark);
}

Value argparse_handler(Translator&, CallSite&) {
  return Value{.kind = Kind::kArgs, .type = "argparse.ArgumentParser"};
}

Value add_argument_handler(Translator& translator, CallSite& site) {
  std::string flag = text_argument(site, 0, "");
  std::string dest = flag;
  while (!dest.empty() && dest[0] == '-') {
    dest.erase(0, 1);
  }
  for (char& c : dest) {
    c = c == '-' ? '_' : c;
  }
  if (const Value* explicit_dest = argument(site, 99, "dest")) {
    dest = explicit_dest->constant.get<std::string>();
  }
  const Value* fallback = argument(site, 99, "default");
  Json value = fallback != nullptr && fallback->has_constant ? fallback->constant : Json("");
  if (fallback == nullptr) {
    translator.finding(
        "MIG109", "warning", site.line,
        "option " + flag + " has no default: set params." + dest + " in the configuration");
  }
  translator.argparse()[dest] = translator.define_param(dest, value, flag);
  return none();
}

Value parse_args_handler(Translator& translator, CallSite&) {
  Value args{.kind = Kind::kArgs, .type = "argparse.Namespace"};
  args.options = translator.argparse();
  return args;
}

Value config_file_handler(Translator& translator, CallSite& site) {
  const Value* file = argument(site, 0, "fp");
  if (file == nullptr || file->kind != Kind::kFile) {
    throw Untranslatable{"MIG203", site.api + " of something that is not an opened file"};
  }
  std::string name = file->constant.get<std::string>();
  // As the script would find it: next to it, or in the directory it runs in.
  std::filesystem::path path = translator.source_dir() / name;
  if (!setl::path_exists(path)) {
    path = name;
  }
  std::string text;
  try {
    text = read_text_file(path);  // at most 64 MiB, like a source
  } catch (const Error&) {
    throw Untranslatable{"MIG110", "the configuration file " + name +
                                       " is not next to the script, so its keys are unknown"};
  }
  std::error_code error;
  translator.analysis().config_files[name] = std::filesystem::absolute(path, error);
  Json json;
  try {
    json = site.api == "json.load" ? Json::parse(text) : yaml_to_json(YAML::Load(text));
  } catch (const std::exception& error) {
    throw Untranslatable{"MIG110",
                         "cannot read the configuration file " + name + ": " + error.what()};
  }
  return config_value(translator, json, "", name);
}

}  // namespace

HandlerMap common_handlers() {
  HandlerMap handlers;
  for (const char* storage : {"CSV", "JSONL", "PARQUET", "SQL", "FORMAT"}) {
    handlers[std::string("read:") + storage] = read_handler;
    handlers[std::string("write:") + storage] = write_handler;
  }
  handlers["fn:"] = scalar_function;
  handlers["display"] = [](Translator&, CallSite&) { return none(); };
  handlers["identity"] = [](Translator&, CallSite& site) {
    return site.receiver.kind == Kind::kUnknown ? none() : site.receiver;
  };
  handlers["argparse"] = argparse_handler;
  handlers["add_argument"] = add_argument_handler;
  handlers["parse_args"] = parse_args_handler;
  handlers["config_file"] = config_file_handler;
  handlers["open"] = [](Translator&, CallSite& site) {
    Value file = required_argument(site, 0, "file");
    file.kind = Kind::kFile;
    return file;
  };
  handlers["glob"] = [](Translator&, CallSite& site) {
    Value files = required_argument(site, 0, "pathname");
    files.kind = Kind::kGlob;
    return files;
  };
  handlers["sorted"] = [](Translator&, CallSite& site) {
    return required_argument(site, 0, "iterable");
  };
  handlers["path_join"] = [](Translator&, CallSite& site) {
    std::filesystem::path joined;
    for (const Value& part : site.args) {
      if (!part.has_constant || !part.constant.is_string()) {
        throw Untranslatable{"MIG203", "a path joined from values known only at run time"};
      }
      joined /= part.constant.get<std::string>();
    }
    return scalar(joined.string());
  };
  handlers["connect"] = [](Translator&, CallSite& site) {
    Value connection{.kind = Kind::kConnection};
    connection.connector = text_argument(site, 0, "database");
    return connection;
  };
  handlers["apply"] = [](Translator& translator, CallSite& site) {
    const Value* function = argument(site, 0, "func");
    if (site.receiver.kind != Kind::kColumn || function == nullptr) {
      throw Untranslatable{"MIG201", "apply of something other than a function to a column"};
    }
    if (function->type == "lambda") {
      return translator.inline_lambda((*site.raw_args)[0], site.receiver);
    }
    if (function->kind != Kind::kUserFunction) {
      throw Untranslatable{"MIG201", "apply of a function the migration cannot read (a UDF)"};
    }
    return translator.inline_function(function->type, {site.receiver}, site.line);
  };
  handlers["udf"] = [](Translator&, CallSite& site) {
    const Value* function = argument(site, 0, "f");
    if (function == nullptr || function->kind != Kind::kUserFunction) {
      throw Untranslatable{"MIG201", "a UDF of a function the migration cannot read"};
    }
    return *function;
  };
  handlers["where"] = [](Translator& translator, CallSite& site) {
    if (site.args.size() != 3) {
      throw Untranslatable{"MIG203", "numpy.where needs a condition and two values"};
    }
    return column_result("fn::when(" + expr_code(translator, site.args[0]) + ", " +
                             expr_code(translator, site.args[1]) + ").otherwise(" +
                             expr_code(translator, site.args[2]) + ")",
                         false);
  };
  return handlers;
}

const CallHandler* find_handler(const std::string& engine_key) {
  static const HandlerMap handlers = [] {
    HandlerMap all = common_handlers();
    all.merge(pandas_handlers());
    all.merge(spark_handlers());
    return all;
  }();
  auto found = handlers.find(engine_key);
  if (found == handlers.end()) {
    size_t colon = engine_key.find(':');
    found = colon == std::string::npos ? handlers.end()
                                       : handlers.find(engine_key.substr(0, colon + 1));
  }
  return found == handlers.end() ? nullptr : &found->second;
}

std::pair<std::vector<Value>, std::map<std::string, Value>> Translator::user_call_arguments(
    const Json& node, const Value& self) {
  std::vector<Value> args;
  if (self.kind == Kind::kUserObject) {
    args.push_back(self);
  }
  std::map<std::string, Value> keywords;
  for (const Json& arg : node.at("args")) {
    args.push_back(eval(arg));
  }
  for (const Json& keyword : node.at("keywords")) {
    if (keyword.at("arg").is_string()) {
      keywords[keyword.at("arg").get<std::string>()] = eval(keyword.at("value"));
    }
  }
  return {std::move(args), std::move(keywords)};
}

Value Translator::call(const Json& node) {
  const Json& func = node.at("func");
  int line = node.value("lineno", 0);
  Value receiver;
  std::string api;
  if (kind_of(func) == "Attribute" && func.at("attr") == "append" &&
      kind_of(func.at("value")) == "Name") {
    std::string list = func.at("value").at("id").get<std::string>();
    Value& target = scope()[list];
    if (target.kind == Kind::kList && node.at("args").size() == 1) {
      target.items.push_back(eval(node.at("args")[0]));
      target.has_constant = false;
      return none();
    }
  }
  if (kind_of(func) == "Name") {
    Value callee = lookup(func.at("id").get<std::string>());
    if (callee.kind == Kind::kUserFunction || callee.kind == Kind::kUserClass) {
      auto [args, keywords] = user_call_arguments(node, {});
      return callee.kind == Kind::kUserClass
                 ? construct(callee.type, args, keywords, line)
                 : call_user_function(callee.type, args, keywords, line);
    }
    if (callee.kind != Kind::kModule && callee.kind != Kind::kFunctionRef) {
      throw Untranslatable{"MIG101", "cannot tell what `" + func.at("id").get<std::string>() +
                                         "` is, so the call is not migrated"};
    }
    api = callee.type;
  } else if (kind_of(func) == "Attribute") {
    receiver = eval(func.at("value"));
    std::string attribute = func.at("attr").get<std::string>();
    if (receiver.kind == Kind::kUserObject) {
      auto [args, keywords] = user_call_arguments(node, receiver);
      return call_user_function(receiver.type + "." + attribute, args, keywords, line);
    }
    if (receiver.kind == Kind::kModule) {
      api = receiver.type + "." + attribute;
      receiver = Value{};
    } else if (receiver.type.empty()) {
      throw Untranslatable{"MIG101", "cannot tell what `" + source_text(func.at("value")) +
                                         "` holds, so `." + attribute + "()` is not migrated"};
    } else {
      api = receiver.type + "." + attribute;
    }
  } else {
    throw Untranslatable{"MIG203", "a call of a computed function"};
  }
  const ApiEntry* entry = find_api(api);
  if (entry == nullptr) {
    reference(line, api, "unmapped");
    throw Untranslatable{"MIG102", "no mapping for " + api};
  }
  reference(line, api, entry->category);
  if (entry->category == "unsupported") {
    if (api.find("iterrows") != std::string::npos || api.find("itertuples") != std::string::npos ||
        api.find(".apply") != std::string::npos) {
      finding("MIG303", "hint", line,
              "a Python function per row: column expressions are "
              "orders of magnitude faster");
    }
    throw Untranslatable{
        "MIG201", api + " is not supported" + (entry->note.empty() ? "" : ": " + entry->note)};
  }
  if (entry->engine == "display") {
    return none();
  }
  std::vector<Value> args;
  std::map<std::string, Value> keywords;
  for (const Json& arg : node.at("args")) {
    if (kind_of(arg) == "Starred") {
      throw Untranslatable{"MIG203", "*arguments"};
    }
    args.push_back(kind_of(arg) == "Lambda" ? Value{.type = "lambda"} : eval(arg));
  }
  for (const Json& keyword : node.at("keywords")) {
    if (!keyword.at("arg").is_string()) {
      throw Untranslatable{"MIG203", "**keyword arguments"};
    }
    const Json& value = keyword.at("value");
    keywords[keyword.at("arg").get<std::string>()] =
        kind_of(value) == "Lambda" ? Value{.type = "lambda"} : eval(value);
  }
  const CallHandler* handler = find_handler(entry->engine);
  if (handler == nullptr) {
    throw Untranslatable{"MIG102", "no translation for " + api + " (" + entry->engine + ")"};
  }
  CallSite site{node,
                api,
                *entry,
                receiver,
                std::move(args),
                std::move(keywords),
                &node.at("args"),
                &node.at("keywords"),
                line};
  Value result = (*handler)(*this, site);
  track_columns(site, result);
  auto inplace = site.keywords.find("inplace");
  if (has_effect(*entry, "inplace") && inplace != site.keywords.end() &&
      inplace->second.constant == true) {
    if (kind_of(func.at("value")) != "Name" || result.kind != Kind::kFrame) {
      throw Untranslatable{"MIG203", "inplace=True on something other than a named frame"};
    }
    define_frame(func.at("value").at("id").get<std::string>(), result);
    return none();
  }
  return result;
}

}  // namespace setl::migrate
