// pandas calls: merges, group-bys and their aggregations, masks and queries, assign,
// renames, null handling, sorts, dedup and the window-like Series methods.
#include "migrate/api_table.h"
#include "migrate/call_support.h"

namespace setl::migrate {

const Value* argument(const CallSite& site, size_t index, const std::string& name) {
  if (index < site.args.size()) {
    return &site.args[index];
  }
  auto found = site.keywords.find(name);
  return found == site.keywords.end() ? nullptr : &found->second;
}

const Value& required_argument(const CallSite& site, size_t index, const std::string& name) {
  const Value* value = argument(site, index, name);
  if (value == nullptr) {
    throw Untranslatable{"MIG203", site.api + " without its argument " + name};
  }
  return *value;
}

std::string text_argument(const CallSite& site, size_t index, const std::string& name,
                          const std::string& fallback) {
  const Value* value = argument(site, index, name);
  if (value == nullptr) {
    return fallback;
  }
  if (!value->has_constant || !value->constant.is_string()) {
    throw Untranslatable{"MIG203", "argument " + (name.empty() ? std::to_string(index + 1) : name) +
                                       " of " + site.api + " must be constant text"};
  }
  return value->constant.get<std::string>();
}

const Value& receiver_frame(const CallSite& site) {
  if (site.receiver.kind != Kind::kFrame) {
    throw Untranslatable{"MIG101", site.api + " on something that is not a frame"};
  }
  return site.receiver;
}

std::string column_code(Translator& translator, const Value& value) {
  if (value.kind == Kind::kScalar && value.has_constant && value.constant.is_string() &&
      value.param.empty()) {
    return "col(" + cpp_string(value.constant.get<std::string>()) + ")";
  }
  return expr_code(translator, value);
}

std::string sort_key_code(Translator&, const Value& value, bool descending, bool nulls_first) {
  if (value.kind == Kind::kSortKey) {
    return value.code;
  }
  std::vector<std::string> names = names_of(value);
  return "SortKey{" + cpp_string(names.at(0)) + ", " + (descending ? "true" : "false") + ", " +
         (nulls_first ? "true" : "false") + "}";
}

std::string data_type_code(const Value& type) {
  std::string name = type.has_constant && type.constant.is_string()
                         ? type.constant.get<std::string>()
                         : type.type.substr(type.type.rfind('.') + 1);
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  static const std::map<std::string, std::string> kTypes = {{"int", "int64"},
                                                            {"int64", "int64"},
                                                            {"integer", "int64"},
                                                            {"long", "int64"},
                                                            {"bigint", "int64"},
                                                            {"int32", "int32"},
                                                            {"integertype", "int64"},
                                                            {"longtype", "int64"},
                                                            {"float", "float64"},
                                                            {"float64", "float64"},
                                                            {"double", "float64"},
                                                            {"doubletype", "float64"},
                                                            {"floattype", "float64"},
                                                            {"str", "string"},
                                                            {"string", "string"},
                                                            {"object", "string"},
                                                            {"stringtype", "string"},
                                                            {"bool", "boolean"},
                                                            {"boolean", "boolean"},
                                                            {"booleantype", "boolean"},
                                                            {"date", "date32"},
                                                            {"datetype", "date32"},
                                                            {"datetime64[ns]", "timestamp"},
                                                            {"timestamp", "timestamp"}};
  auto found = kTypes.find(name);
  if (found == kTypes.end()) {
    throw Untranslatable{"MIG203", "the type `" + name + "` has no engine equivalent"};
  }
  return "DataType::" + found->second + "()";
}

Value frame_result(const Value& receiver, std::string code) {
  Value frame = receiver;
  frame.kind = Kind::kFrame;
  frame.type = receiver.spark ? "pyspark.sql.DataFrame" : "pandas.DataFrame";
  frame.code = std::move(code);
  frame.frame = -1;
  frame.selected.clear();
  return frame;
}

bool descending_at(const Value* ascending, size_t index) {
  if (ascending != nullptr && ascending->kind == Kind::kList) {
    return index < ascending->items.size() && ascending->items[index].constant == false;
  }
  return ascending != nullptr && ascending->constant == false;
}

Value sorted_frame(Translator&, const Value& frame, const std::vector<std::string>& order) {
  std::string list;
  for (const std::string& key : order) {
    list += (list.empty() ? "" : ", ") + key;
  }
  Value result = frame_result(frame, frame.code + ".sort({" + list + "})");
  result.order = order;
  return result;
}

Value window_result(std::string code, bool spark) {
  Value window = column_result(std::move(code), spark);
  window.window = true;
  return window;
}

Value column_result(std::string code, bool spark, bool aggregate) {
  Value column{.kind = Kind::kColumn,
               .type = spark ? "pyspark.sql.Column" : "pandas.Series",
               .code = std::move(code)};
  column.spark = spark;
  column.aggregate = aggregate;
  return column;
}

std::string aggregate_function(const std::string& name) {
  static const std::map<std::string, std::string> kNames = {{"sum", "sum"},
                                                            {"mean", "mean"},
                                                            {"avg", "mean"},
                                                            {"average", "mean"},
                                                            {"count", "count"},
                                                            {"min", "min"},
                                                            {"max", "max"},
                                                            {"nunique", "count_distinct"},
                                                            {"count_distinct", "count_distinct"},
                                                            {"std", "stddev"},
                                                            {"stddev", "stddev"},
                                                            {"first", "first"},
                                                            {"last", "last"},
                                                            {"size", "count_all"},
                                                            {"count_all", "count_all"}};
  auto found = kNames.find(name);
  if (found == kNames.end()) {
    throw Untranslatable{"MIG201", "the aggregation `" + name + "` has no engine equivalent"};
  }
  return found->second;
}

std::string aggregate_code(const std::string& function, const std::string& column) {
  if (function == "count_all") {
    return "fn::count_all()";
  }
  return "fn::" + function + "(" + column + ")";
}

std::string window_spec_code(const std::vector<std::string>& partition,
                             const std::vector<std::string>& order, const std::string& frame) {
  std::string order_code;
  for (const std::string& key : order) {
    order_code += (order_code.empty() ? "" : ", ") + key;
  }
  std::string code = "WindowSpec{" + string_list_code(partition) + ", {" + order_code + "}";
  return code + (frame.empty() ? "}" : ", " + frame + "}");
}

namespace {

std::vector<std::string> key_list(const Value* value) {
  return value == nullptr ? std::vector<std::string>{} : names_of(*value);
}

Value merge(Translator& translator, CallSite& site) {
  bool module_function = site.receiver.kind != Kind::kFrame;
  const Value& left = module_function ? site.args.at(0) : site.receiver;
  size_t right_index = module_function ? 1 : 0;
  const Value* right = argument(site, right_index, "right");
  if (left.kind != Kind::kFrame || right == nullptr || right->kind != Kind::kFrame) {
    throw Untranslatable{"MIG101", "a merge of things that are not frames"};
  }
  std::string how = text_argument(site, 99, "how", "inner");
  std::vector<std::string> left_on = key_list(argument(site, 99, "on"));
  std::vector<std::string> right_on = left_on;
  if (left_on.empty()) {
    left_on = key_list(argument(site, 99, "left_on"));
    right_on = key_list(argument(site, 99, "right_on"));
  }
  if (left_on.empty() || left_on.size() != right_on.size()) {
    throw Untranslatable{"MIG203", "a merge without on= or matching left_on=/right_on="};
  }
  static const std::map<std::string, std::string> kHow = {
      {"inner", "kInner"}, {"left", "kLeft"}, {"right", "kRight"}, {"outer", "kFull"}};
  auto type = kHow.find(how);
  if (type == kHow.end()) {
    throw Untranslatable{"MIG203", "merge how=\"" + how + "\""};
  }
  std::string suffixes = "\"_x\", \"_y\"";
  if (const Value* given = argument(site, 99, "suffixes")) {
    if (given->kind != Kind::kList || given->items.size() != 2 || !given->has_constant) {
      throw Untranslatable{"MIG203", "suffixes= that are not two constant texts"};
    }
    suffixes = cpp_string(given->constant[0].get<std::string>()) + ", " +
               cpp_string(given->constant[1].get<std::string>());
  }
  (void)translator;
  return frame_result(left, "merge(" + left.code + ", " + right->code + ", " +
                                string_list_code(left_on) + ", " + string_list_code(right_on) +
                                ", JoinType::" + type->second + ", " + suffixes + ")");
}

Value concat(Translator&, CallSite& site) {
  const Value* frames = argument(site, 0, "objs");
  if (frames == nullptr || frames->kind != Kind::kList || frames->items.empty()) {
    throw Untranslatable{"MIG203", "concat of something other than a list of frames"};
  }
  if (const Value* axis = argument(site, 99, "axis"); axis != nullptr && axis->constant != 0) {
    throw Untranslatable{"MIG201", "concat along columns (axis=1)"};
  }
  std::string code;
  for (const Value& frame : frames->items) {
    if (frame.kind != Kind::kFrame) {
      throw Untranslatable{"MIG101", "concat of something that is not a frame"};
    }
    code = code.empty() ? frame.code : "union_by_name(" + code + ", " + frame.code + ")";
  }
  return frame_result(frames->items[0], code);
}

Value group_by(Translator&, CallSite& site) {
  const Value& frame = receiver_frame(site);
  Value group = frame;
  group.kind = Kind::kGroupBy;
  group.type = frame.spark ? "pyspark.sql.GroupedData" : "pandas.DataFrameGroupBy";
  if (frame.spark) {
    for (const Value& key : site.args) {
      std::vector<std::string> names = names_of(key);
      group.names.insert(group.names.end(), names.begin(), names.end());
    }
  } else {
    group.names = key_list(argument(site, 0, "by"));
    const Value* dropna = argument(site, 99, "dropna");
    if (dropna == nullptr || dropna->constant != false) {
      std::string present;
      for (const std::string& key : group.names) {
        present += (present.empty() ? "" : " && ") + std::string("col(") + cpp_string(key) +
                   ").is_not_null()";
      }
      group.code += ".filter(" + present + ")";  // pandas drops rows whose key is missing
    }
  }
  if (group.names.empty()) {
    throw Untranslatable{"MIG203", "a group-by without keys"};
  }
  return group;
}

// Spark's agg(F.round(F.sum("x"), 2).alias("total"), ...): aggregates inside expressions are
// computed under temporary names, the expressions after.
std::string aggregate_list(Translator& translator, const std::string& call,
                           const std::vector<Value>& values) {
  std::string list;
  std::string after;
  std::vector<std::string> temporaries;
  for (const Value& value : values) {
    if (value.kind == Kind::kColumn && value.aggregate) {
      list += (list.empty() ? "" : ", ") + named_code(translator, value);
      continue;
    }
    std::string code = top_code(translator, value);
    if (value.alias.empty()) {
      throw Untranslatable{"MIG203", "an expression over aggregates without alias()"};
    }
    after += ".with_column(" + cpp_string(value.alias) + ", " + code + ")";
  }
  for (const Hoisted& hoisted : translator.take_hoisted()) {
    if (!hoisted.aggregate) {
      throw Untranslatable{"MIG203", "a window inside an aggregation"};
    }
    list += (list.empty() ? "" : ", ") + hoisted.code + ".alias(" + cpp_string(hoisted.name) + ")";
    temporaries.push_back(hoisted.name);
  }
  return call + "{" + list + "})" + after + drop_temporaries(temporaries);
}

// pandas names a named aggregation's column; a dict keeps the column's own name.
std::string pandas_aggregate(const std::string& column, const Value& function) {
  if (!function.has_constant || !function.constant.is_string()) {
    throw Untranslatable{"MIG201", "an aggregation that is not a named function (a UDF?)"};
  }
  return aggregate_code(aggregate_function(function.constant.get<std::string>()),
                        "col(" + cpp_string(column) + ")");
}

Value grouped(const Value& group, const std::vector<std::string>& aggregates) {
  std::string list;
  for (const std::string& aggregate : aggregates) {
    list += (list.empty() ? "" : ", ") + aggregate;
  }
  Value result = frame_result(
      group, group.code + ".group_by(" + string_list_code(group.names) + ").agg({" + list + "})");
  result.order.clear();
  return result;
}

Value agg(Translator& translator, CallSite& site) {
  if (site.receiver.kind == Kind::kFrame) {  // spark df.agg(...): a global aggregate
    return frame_result(site.receiver,
                        aggregate_list(translator, site.receiver.code + ".aggregate(", site.args));
  }
  const Value& group = site.receiver;
  if (group.kind != Kind::kGroupBy) {
    throw Untranslatable{"MIG101", "agg on something that is not a group-by"};
  }
  std::vector<std::string> aggregates;
  if (group.spark) {
    for (const Value& value : site.args) {
      if (value.kind == Kind::kDict) {
        for (size_t i = 0; i < value.names.size(); ++i) {
          std::string name = value.items[i].constant.get<std::string>();
          aggregates.push_back(
              aggregate_code(aggregate_function(name), "col(" + cpp_string(value.names[i]) + ")") +
              ".alias(" + cpp_string(name + "(" + value.names[i] + ")") + ")");
        }
      } else {
        return frame_result(group, aggregate_list(translator,
                                                  group.code + ".group_by(" +
                                                      string_list_code(group.names) + ").agg(",
                                                  site.args));
      }
    }
    return grouped(group, aggregates);
  }
  for (const Json& keyword : *site.raw_keywords) {  // in the script's order
    const std::string name = keyword.at("arg").get<std::string>();
    const Value& spec = site.keywords.at(name);
    if (spec.kind != Kind::kList || spec.items.size() != 2 || !spec.items[0].has_constant) {
      throw Untranslatable{"MIG203", "a named aggregation that is not (column, function)"};
    }
    aggregates.push_back(
        pandas_aggregate(spec.items[0].constant.get<std::string>(), spec.items[1]) + ".alias(" +
        cpp_string(name) + ")");
  }
  if (const Value* spec = argument(site, 0, "func")) {
    if (spec->kind == Kind::kDict) {
      for (size_t i = 0; i < spec->names.size(); ++i) {
        if (spec->items[i].kind == Kind::kList) {
          throw Untranslatable{"MIG201", "several aggregations of one column (a MultiIndex)"};
        }
        aggregates.push_back(pandas_aggregate(spec->names[i], spec->items[i]) + ".alias(" +
                             cpp_string(spec->names[i]) + ")");
      }
    } else if (!group.selected.empty() && spec->kind == Kind::kScalar) {
      aggregates.push_back(pandas_aggregate(group.selected, *spec) + ".alias(" +
                           cpp_string(group.selected) + ")");
    } else {
      throw Untranslatable{"MIG201", "this form of agg() (a list gives a MultiIndex)"};
    }
  }
  if (aggregates.empty()) {
    throw Untranslatable{"MIG203", "agg() without aggregations"};
  }
  return grouped(group, aggregates);
}

// g.sum(), g["x"].mean(), g.size(), spark's gd.count() / gd.sum("x").
Value aggregate_method(Translator&, CallSite& site) {
  std::string function = site.entry.engine.substr(site.entry.engine.find(':') + 1);
  const Value& group = site.receiver;
  if (group.kind != Kind::kGroupBy) {
    throw Untranslatable{"MIG101", site.api + " on something that is not a group-by"};
  }
  if (function == "count_all") {
    Value result = grouped(
        group, {"fn::count_all().alias(" + cpp_string(group.spark ? "count" : "size") + ")"});
    result.selected = group.spark ? "" : "size";
    return result;
  }
  if (group.spark) {
    std::vector<std::string> aggregates;
    std::string spark_name = site.api.substr(site.api.rfind('.') + 1);
    for (const Value& column : site.args) {
      std::string name = names_of(column).at(0);
      aggregates.push_back(aggregate_code(function, "col(" + cpp_string(name) + ")") + ".alias(" +
                           cpp_string(spark_name + "(" + name + ")") + ")");
    }
    if (aggregates.empty()) {
      throw Untranslatable{"MIG203", site.api + " without columns"};
    }
    return grouped(group, aggregates);
  }
  if (group.selected.empty()) {
    Value result =
        frame_result(group, "aggregate_all(" + group.code + ", " + string_list_code(group.names) +
                                ", " + cpp_string(function) + ")");
    result.order.clear();
    return result;
  }
  Value result =
      grouped(group, {aggregate_code(function, "col(" + cpp_string(group.selected) + ")") +
                      ".alias(" + cpp_string(group.selected) + ")"});
  result.selected = group.selected;
  return result;
}

// A window over the group (or the whole frame): cumsum, rank, shift, cumcount, transform.
Value window_method(Translator& translator, CallSite& site) {
  std::string function = site.entry.engine.substr(site.entry.engine.find(':') + 1);
  const Value& source = site.receiver;
  std::vector<std::string> partition =
      source.kind == Kind::kGroupBy ? source.names : std::vector<std::string>{};
  std::string column = source.kind == Kind::kGroupBy ? source.selected : source.column;
  if (column.empty() && function != "cumcount") {
    throw Untranslatable{"MIG203", site.api + " needs one selected column"};
  }
  std::vector<std::string> order = source.order;
  if (function == "rank") {
    std::string method = text_argument(site, 99, "method", "average");
    const Value* ascending = argument(site, 99, "ascending");
    bool descending = ascending != nullptr && ascending->constant == false;
    static const std::map<std::string, std::string> kMethods = {
        {"min", "rank"}, {"dense", "dense_rank"}, {"first", "row_number"}};
    auto found = kMethods.find(method);
    if (found == kMethods.end()) {
      throw Untranslatable{"MIG201", "rank(method=\"" + method + "\") (use min, dense or first)"};
    }
    std::string ranking = translator.hoist(
        window_result("fn::" + found->second + "().over(" +
                      window_spec_code(partition, {"SortKey{" + cpp_string(column) + ", " +
                                                   (descending ? "true" : "false") + ", false}"}) +
                      ")"));
    return column_result(ranking + ".cast(DataType::float64())", false);
  }
  if (order.empty()) {
    throw Untranslatable{"MIG107", site.api +
                                       " depends on row order: sort_values() first so "
                                       "the order is explicit"};
  }
  std::string spec = window_spec_code(partition, order);
  if (function == "cum_sum") {
    return window_result("fn::sum(col(" + cpp_string(column) + ")).over(" + spec + ")");
  }
  if (function == "cumcount") {
    return column_result(
        "(" + translator.hoist(window_result("fn::row_number().over(" + spec + ")")) + " - 1)",
        false);
  }
  const Value* periods = argument(site, 0, "periods");
  int64_t offset = periods == nullptr ? 1 : periods->constant.get<int64_t>();
  std::string shift = offset < 0 ? "lead" : "lag";
  return window_result("fn::" + shift + "(col(" + cpp_string(column) + "), " +
                       std::to_string(offset < 0 ? -offset : offset) + ").over(" + spec + ")");
}

Value transform(Translator&, CallSite& site) {
  const Value& group = site.receiver;
  std::string function = text_argument(site, 0, "func");
  if (group.kind != Kind::kGroupBy || group.selected.empty()) {
    throw Untranslatable{"MIG203", "transform needs a group-by with one selected column"};
  }
  return window_result(
      aggregate_code(aggregate_function(function), "col(" + cpp_string(group.selected) + ")") +
      ".over(" + window_spec_code(group.names, {}) + ")");
}

// series.sum() used as a value: the aggregate over the whole frame, as a window.
Value total(Translator&, CallSite& site) {
  if (site.receiver.kind != Kind::kColumn || site.receiver.column.empty()) {
    throw Untranslatable{"MIG203", site.api + " of a computed column"};
  }
  std::string function =
      aggregate_function(site.entry.engine.substr(site.entry.engine.find(':') + 1));
  return window_result(aggregate_code(function, site.receiver.code) + ".over(WindowSpec{})");
}

Value query(Translator& translator, CallSite& site) {
  const Value& frame = receiver_frame(site);
  const Json& parsed = site.node.value("parsed_query", Json());
  if (!parsed.is_object() || !parsed.contains("expression")) {
    throw Untranslatable{"MIG203", "the query text does not parse: " +
                                       parsed.value("error", std::string("not constant"))};
  }
  Value predicate;
  {
    QueryScope scope(translator, frame);
    predicate = translator.eval(parsed.at("expression"));
  }
  return frame_result(frame, filtered(translator, frame.code, predicate));
}

Value assign(Translator& translator, CallSite& site) {
  Value frame = receiver_frame(site);
  std::string columns;
  for (const Json& keyword : *site.raw_keywords) {
    std::string name = keyword.at("arg").get<std::string>();
    const Json& value = keyword.at("value");
    std::string code;
    if (value.value("_type", "") == "Lambda") {
      const Json& parameters = value.at("args").at("args");
      if (parameters.size() != 1) {
        throw Untranslatable{"MIG203", "an assign() lambda with other than one parameter"};
      }
      translator.scopes_push({{parameters[0].at("arg").get<std::string>(), frame}});
      try {
        code = top_code(translator, translator.eval(value.at("body")));
      } catch (...) {
        translator.scopes_pop();
        throw;
      }
      translator.scopes_pop();
    } else {
      code = top_code(translator, site.keywords.at(name));
    }
    columns += ".with_column(" + cpp_string(name) + ", " + code + ")";
  }
  std::vector<std::string> temporaries;
  frame.code =
      with_hoisted(translator, frame.code, temporaries) + columns + drop_temporaries(temporaries);
  return frame;
}

Value rename(Translator&, CallSite& site) {
  const Value& frame = receiver_frame(site);
  const Value* columns = argument(site, 99, "columns");
  if (columns == nullptr && !site.args.empty() && site.args[0].kind == Kind::kDict) {
    columns = &site.args[0];
  }
  if (columns == nullptr || columns->kind != Kind::kDict || !columns->has_constant) {
    throw Untranslatable{"MIG203", "rename without a constant columns= mapping"};
  }
  std::string pairs;
  for (size_t i = 0; i < columns->names.size(); ++i) {
    pairs += (pairs.empty() ? "{" : ", {") + cpp_string(columns->names[i]) + ", " +
             cpp_string(columns->items[i].constant.get<std::string>()) + "}";
  }
  return frame_result(frame, frame.code + ".rename({" + pairs + "})");
}

Value drop(Translator&, CallSite& site) {
  const Value& frame = receiver_frame(site);
  std::vector<std::string> names;
  if (frame.spark) {
    for (const Value& value : site.args) {
      std::vector<std::string> more = names_of(value);
      names.insert(names.end(), more.begin(), more.end());
    }
  } else {
    const Value* columns = argument(site, 99, "columns");
    const Value* axis = argument(site, 99, "axis");
    if (columns == nullptr && axis != nullptr &&
        (axis->constant == 1 || axis->constant == "columns")) {
      columns = argument(site, 0, "labels");
    }
    if (columns == nullptr) {
      throw Untranslatable{"MIG201", "dropping rows by index label"};
    }
    names = names_of(*columns);
  }
  return frame_result(frame, frame.code + ".drop(" + string_list_code(names) + ")");
}

Value fillna(Translator& translator, CallSite& site) {
  const Value& frame = site.receiver.kind == Kind::kNa ? site.receiver : receiver_frame(site);
  const Value* value = argument(site, 0, "value");
  if (value == nullptr) {
    throw Untranslatable{"MIG203", "fillna without a value (method= fills are order-dependent)"};
  }
  std::vector<std::string> subset = key_list(argument(site, 1, "subset"));
  if (value->kind == Kind::kDict) {
    std::string code = frame.code;
    for (size_t i = 0; i < value->names.size(); ++i) {
      code += ".with_column(" + cpp_string(value->names[i]) + ", fn::coalesce({col(" +
              cpp_string(value->names[i]) + "), " + expr_code(translator, value->items[i]) + "}))";
    }
    return frame_result(frame, code);
  }
  // pandas fills every column; Spark only the columns whose type the value fits.
  return frame_result(frame, "fill_nulls(" + frame.code + ", " + expr_code(translator, *value) +
                                 ", " + string_list_code(subset) + ", " +
                                 (frame.spark ? "true" : "false") + ")");
}

Value dropna(Translator&, CallSite& site) {
  const Value& frame = site.receiver.kind == Kind::kNa ? site.receiver : receiver_frame(site);
  std::vector<std::string> subset = key_list(argument(site, frame.spark ? 2 : 99, "subset"));
  std::string how = text_argument(site, frame.spark ? 0 : 99, "how", "any");
  return frame_result(frame, "drop_nulls(" + frame.code + ", " + string_list_code(subset) + ", " +
                                 (how == "all" ? "true" : "false") + ")");
}

Value sort_values(Translator& translator, CallSite& site) {
  const Value& frame = receiver_frame(site);
  std::vector<std::string> keys = key_list(argument(site, 0, "by"));
  const Value* ascending = argument(site, 99, "ascending");
  std::string position = text_argument(site, 99, "na_position", "last");
  std::vector<std::string> order;
  for (size_t i = 0; i < keys.size(); ++i) {
    bool descending = descending_at(ascending, i);
    Value name{.kind = Kind::kScalar, .constant = keys[i]};
    name.has_constant = true;
    order.push_back(sort_key_code(translator, name, descending, position == "first"));
  }
  return sorted_frame(translator, frame, order);
}

Value drop_duplicates(Translator& translator, CallSite& site) {
  const Value& frame = receiver_frame(site);
  std::vector<std::string> subset = key_list(argument(site, 0, "subset"));
  if (subset.empty()) {
    return frame_result(frame, frame.code + ".distinct()");
  }
  if (frame.order.empty()) {
    translator.finding("MIG107", "warning", site.line,
                       "drop_duplicates(subset=...) keeps the first row of each key in row "
                       "order; the migrated job keeps any one of them unless the frame is sorted");
  }
  std::string order;
  for (const std::string& key : frame.order) {
    order += (order.empty() ? "" : ", ") + key;
  }
  return frame_result(frame, "drop_duplicates(" + frame.code + ", " + string_list_code(subset) +
                                 ", {" + order + "})");
}

Value head(Translator&, CallSite& site) {
  const Value& frame = receiver_frame(site);
  const Value* count = argument(site, 0, "n");
  int64_t rows = count == nullptr ? 5 : count->constant.get<int64_t>();
  return frame_result(frame, frame.code + ".limit(" + std::to_string(rows) + ")");
}

Value reset_index(Translator&, CallSite& site) {
  const Value& frame = receiver_frame(site);
  const Value* name = argument(site, 99, "name");
  if (name != nullptr && !frame.selected.empty()) {
    return frame_result(frame, frame.code + ".rename({{" + cpp_string(frame.selected) + ", " +
                                   cpp_string(name->constant.get<std::string>()) + "}})");
  }
  return frame_result(frame, frame.code);
}

Value astype(Translator&, CallSite& site) {
  const Value* type = argument(site, 0, "dtype");
  if (type == nullptr) {
    throw Untranslatable{"MIG203", "astype without a type"};
  }
  if (site.receiver.kind == Kind::kColumn) {
    return column_result(site.receiver.code + ".cast(" + data_type_code(*type) + ")",
                         site.receiver.spark);
  }
  const Value& frame = receiver_frame(site);
  if (type->kind != Kind::kDict) {
    throw Untranslatable{"MIG203", "astype of a whole frame to one type"};
  }
  std::string code = frame.code;
  for (size_t i = 0; i < type->names.size(); ++i) {
    code += ".with_column(" + cpp_string(type->names[i]) + ", col(" + cpp_string(type->names[i]) +
            ").cast(" + data_type_code(type->items[i]) + "))";
  }
  return frame_result(frame, code);
}

Value isin(Translator& translator, CallSite& site) {
  const Value* values = argument(site, 0, "values");
  std::vector<Value> items;
  if (values != nullptr && values->kind == Kind::kList) {
    items = values->items;
  } else {
    items = site.args;
  }
  std::string list;
  for (const Value& item : items) {
    list += (list.empty() ? "" : ", ") + expr_code(translator, item);
  }
  return column_result(site.receiver.code + ".isin({" + list + "})", site.receiver.spark);
}

Value between(Translator& translator, CallSite& site) {
  const Value* low = argument(site, 0, "left");
  const Value* high = argument(site, 1, "right");
  low = low != nullptr ? low : argument(site, 0, "lowerBound");
  high = high != nullptr ? high : argument(site, 1, "upperBound");
  if (low == nullptr || high == nullptr) {
    throw Untranslatable{"MIG203", "between needs two bounds"};
  }
  return column_result(site.receiver.code + ".between(" + expr_code(translator, *low) + ", " +
                           expr_code(translator, *high) + ")",
                       site.receiver.spark);
}

Value map_values(Translator& translator, CallSite& site) {
  const Value* mapping = argument(site, 0, "arg");
  if (mapping == nullptr || mapping->kind != Kind::kDict) {
    throw Untranslatable{"MIG201", "map() with a function (a UDF): only dicts are migrated"};
  }
  std::string code;
  for (size_t i = 0; i < mapping->names.size(); ++i) {
    std::string condition =
        "(" + site.receiver.code + " == " + cpp_literal(mapping->names[i]) + ")";
    std::string value = expr_code(translator, mapping->items[i]);
    code = code.empty() ? "fn::when(" + condition + ", " + value + ")"
                        : code + ".when(" + condition + ", " + value + ")";
  }
  return column_result(code + ".end()", false);
}

Value str_contains(Translator& translator, CallSite& site) {
  std::string pattern = text_argument(site, 0, "pat");
  const Value* regex = argument(site, 99, "regex");
  bool literal = regex != nullptr && regex->constant == false;
  if (!literal && pattern.find_first_of(".^$*+?()[]{}|\\") != std::string::npos) {
    throw Untranslatable{"MIG201",
                         "a regular expression in str.contains (pass regex=False for "
                         "literal text)"};
  }
  const Value* case_sensitive = argument(site, 99, "case");
  std::string subject = site.receiver.code;
  if (case_sensitive != nullptr && case_sensitive->constant == false) {
    subject = "fn::lower(" + subject + ")";
    for (char& c : pattern) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  (void)translator;
  return column_result("fn::contains(" + subject + ", lit(" + cpp_string(pattern) + "))", false);
}

Value str_replace(Translator&, CallSite& site) {
  std::string from = text_argument(site, 0, "pat");
  std::string to = text_argument(site, 1, "repl");
  const Value* regex = argument(site, 99, "regex");
  if ((regex == nullptr || regex->constant != false) &&
      from.find_first_of(".^$*+?()[]{}|\\") != std::string::npos) {
    throw Untranslatable{"MIG201", "a regular expression in str.replace"};
  }
  return column_result("fn::replace(" + site.receiver.code + ", lit(" + cpp_string(from) +
                           "), lit(" + cpp_string(to) + "))",
                       false);
}

Value str_slice(Translator&, CallSite& site) {
  const Value* start = argument(site, 0, "start");
  const Value* stop = argument(site, 1, "stop");
  int64_t first =
      start == nullptr || start->constant.is_null() ? 0 : start->constant.get<int64_t>();
  if (first < 0 || stop == nullptr || !stop->constant.is_number_integer()) {
    throw Untranslatable{"MIG203", "str.slice with negative or missing bounds"};
  }
  int64_t last = stop->constant.get<int64_t>();
  return column_result("fn::substr(" + site.receiver.code + ", " + std::to_string(first + 1) +
                           ", " + std::to_string(std::max<int64_t>(0, last - first)) + ")",
                       false);
}

Value to_datetime(Translator& translator, CallSite& site) {
  const Value* value = argument(site, 0, "arg");
  value = value != nullptr ? value : argument(site, 0, "col");
  if (value == nullptr) {
    throw Untranslatable{"MIG203", "to_datetime without a value"};
  }
  // A cast parses text and leaves a date (CSV columns that already are dates) as it is.
  return column_result(expr_code(translator, *value) + ".cast(DataType::date32())", false);
}

}  // namespace

HandlerMap pandas_handlers() {
  return {{"merge", merge},
          {"concat", concat},
          {"groupby", group_by},
          {"agg", agg},
          {"agg:", aggregate_method},
          {"win:", window_method},
          {"transform", transform},
          {"total:", total},
          {"query", query},
          {"assign", assign},
          {"rename", rename},
          {"drop", drop},
          {"fillna", fillna},
          {"dropna", dropna},
          {"sort_values", sort_values},
          {"drop_duplicates", drop_duplicates},
          {"head", head},
          {"reset_index", reset_index},
          {"astype", astype},
          {"isin", isin},
          {"between", between},
          {"map", map_values},
          {"str_contains", str_contains},
          {"str_replace", str_replace},
          {"str_slice", str_slice},
          {"to_datetime", to_datetime}};
}

}  // namespace setl::migrate
