// PySpark calls: the session, readers and writers with their options, DataFrame
// transformations, Column methods, functions (F.*), windows and spark.sql over temp views
// (through setl::sql::Session).
#include <regex>

#include "migrate/api_table.h"
#include "migrate/call_support.h"

namespace setl::migrate {
namespace {

Value none() {
  return Value{.kind = Kind::kNone};
}

Value with_option(const CallSite& site) {
  Value result = site.receiver;
  if (site.args.size() == 2 && site.args[0].has_constant && site.args[0].constant.is_string()) {
    result.options[site.args[0].constant.get<std::string>()] = site.args[1];
  } else if (site.args.size() == 1 && site.receiver.kind == Kind::kWriter &&
             site.api.ends_with(".mode")) {
    result.options["mode"] = site.args[0];
  } else if (site.args.size() == 1 && site.api.ends_with(".format")) {
    result.options["format"] = site.args[0];
  }
  for (const auto& [key, value] : site.keywords) {
    result.options[key] = value;
  }
  return result;
}

std::string expressions(Translator& translator, const std::vector<Value>& values) {
  std::string list;
  for (const Value& value : values) {
    if (value.kind == Kind::kList) {
      list += (list.empty() ? "" : ", ") + expressions(translator, value.items);
    } else {
      std::string code = value.kind == Kind::kScalar && value.has_constant &&
                                 value.constant.is_string() && value.param.empty()
                             ? column_code(translator, value)
                             : named_code(translator, value);
      list += (list.empty() ? "" : ", ") + code;
    }
  }
  return list;
}

Value filter(Translator& translator, CallSite& site) {
  const Value& frame = receiver_frame(site);
  const Value* condition = argument(site, 0, "condition");
  if (condition == nullptr) {
    throw Untranslatable{"MIG203", "filter without a condition"};
  }
  if (condition->kind == Kind::kScalar && condition->has_constant &&
      condition->constant.is_string()) {
    return frame_result(frame, frame.code + ".filter(parse_expr(" +
                                   cpp_string(condition->constant.get<std::string>()) + "))");
  }
  std::string predicate = top_code(translator, *condition);
  std::vector<std::string> temporaries;
  std::string base = with_hoisted(translator, frame.code, temporaries);
  return frame_result(frame, base + ".filter(" + predicate + ")" + drop_temporaries(temporaries));
}

Value select(Translator& translator, CallSite& site) {
  const Value& frame = receiver_frame(site);
  std::string list = expressions(translator, site.args);
  std::vector<std::string> temporaries;  // not selected, so nothing to drop
  std::string base = with_hoisted(translator, frame.code, temporaries);
  return frame_result(frame, base + ".select(std::vector<Expr>{" + list + "})");
}

Value with_column(Translator& translator, CallSite& site) {
  const Value& frame = receiver_frame(site);
  std::string name = text_argument(site, 0, "colName");
  const Value* value = argument(site, 1, "col");
  if (value == nullptr) {
    throw Untranslatable{"MIG203", "withColumn without a value"};
  }
  std::string code = top_code(translator, *value);
  std::vector<std::string> temporaries;
  std::string base = with_hoisted(translator, frame.code, temporaries);
  return frame_result(frame, base + ".with_column(" + cpp_string(name) + ", " + code + ")" +
                                 drop_temporaries(temporaries));
}

Value rename_column(Translator&, CallSite& site) {
  const Value& frame = receiver_frame(site);
  return frame_result(frame, frame.code + ".rename({{" +
                                 cpp_string(text_argument(site, 0, "existing")) + ", " +
                                 cpp_string(text_argument(site, 1, "new")) + "}})");
}

Value spark_join(Translator&, CallSite& site) {
  const Value& frame = receiver_frame(site);
  const Value* other = argument(site, 0, "other");
  const Value* on = argument(site, 1, "on");
  if (other == nullptr || other->kind != Kind::kFrame || on == nullptr) {
    throw Untranslatable{"MIG203", "a join without a frame and on= column names"};
  }
  if (on->kind == Kind::kColumn && on->column.empty()) {
    throw Untranslatable{"MIG201", "a join on a column expression: give the key names (on=)"};
  }
  std::vector<std::string> keys = names_of(*on);
  std::string how = text_argument(site, 2, "how", "inner");
  static const std::map<std::string, std::string> kHow = {
      {"inner", "kInner"},    {"left", "kLeft"},      {"left_outer", "kLeft"},
      {"leftouter", "kLeft"}, {"right", "kRight"},    {"right_outer", "kRight"},
      {"outer", "kFull"},     {"full", "kFull"},      {"full_outer", "kFull"},
      {"fullouter", "kFull"}, {"left_semi", "kSemi"}, {"semi", "kSemi"},
      {"leftsemi", "kSemi"},  {"left_anti", "kAnti"}, {"anti", "kAnti"},
      {"leftanti", "kAnti"}};
  auto type = kHow.find(how);
  if (type == kHow.end()) {
    throw Untranslatable{"MIG203", "join how=\"" + how + "\""};
  }
  return frame_result(frame, "merge(" + frame.code + ", " + other->code + ", " +
                                 string_list_code(keys) + ", " + string_list_code(keys) +
                                 ", JoinType::" + type->second + ", \"\", \"_right\")");
}

Value order_by(Translator& translator, CallSite& site) {
  const Value& frame = receiver_frame(site);
  const Value* ascending = argument(site, 99, "ascending");
  std::vector<Value> keys;
  for (const Value& value : site.args) {
    if (value.kind == Kind::kList) {
      keys.insert(keys.end(), value.items.begin(), value.items.end());
    } else {
      keys.push_back(value);
    }
  }
  std::vector<std::string> order;
  for (size_t i = 0; i < keys.size(); ++i) {
    bool descending = descending_at(ascending, i);
    // Spark sorts NULLs first ascending and last descending.
    order.push_back(sort_key_code(translator, keys[i], descending, !descending));
  }
  return sorted_frame(translator, frame, order);
}

Value distinct(Translator&, CallSite& site) {
  const Value& frame = receiver_frame(site);
  return frame_result(frame, frame.code + ".distinct()");
}

Value union_all(Translator&, CallSite& site) {
  const Value& frame = receiver_frame(site);
  const Value* other = argument(site, 0, "other");
  if (other == nullptr || other->kind != Kind::kFrame) {
    throw Untranslatable{"MIG101", "a union with something that is not a frame"};
  }
  return frame_result(frame, frame.code + ".union_all(" + other->code + ")");
}

Value union_by_name(Translator&, CallSite& site) {
  const Value& frame = receiver_frame(site);
  const Value* other = argument(site, 0, "other");
  if (other == nullptr || other->kind != Kind::kFrame) {
    throw Untranslatable{"MIG101", "a union with something that is not a frame"};
  }
  return frame_result(frame, "union_by_name(" + frame.code + ", " + other->code + ")");
}

Value temp_view(Translator& translator, CallSite& site) {
  Value frame = receiver_frame(site);
  std::string name = text_argument(site, 0, "name");
  if (frame.frame < 0 || frame.code != translator.frame_ref(frame.frame)) {
    frame = translator.define_frame(name + "_view", frame);
  }
  translator.views()[name] = frame.frame;
  return none();
}

Value spark_sql(Translator& translator, CallSite& site) {
  std::string text = text_argument(site, 0, "sqlQuery");
  std::string lower = text;
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (const auto& [view, frame] : translator.views()) {
    std::string name = view;
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    std::regex word("\\b" + name + "\\b");
    if (std::regex_search(lower, word)) {
      translator.step().uses.insert(frame);
      translator.emit("session.register_view(" + cpp_string(view) + ", " +
                      translator.frame_ref(frame) + ");");
    }
  }
  translator.step().session = true;
  Value result{.kind = Kind::kFrame,
               .type = "pyspark.sql.DataFrame",
               .code = "session.sql(" + cpp_string(text) + ")"};
  result.spark = true;
  return result;
}

Value spark_table(Translator& translator, CallSite& site) {
  std::string name = text_argument(site, 0, "tableName");
  auto found = translator.views().find(name);
  if (found == translator.views().end()) {
    throw Untranslatable{"MIG201", "spark.table(\"" + name + "\") of a metastore table"};
  }
  return translator.frame_value(found->second, true);
}

Value col(Translator&, CallSite& site) {
  std::string name = text_argument(site, 0, "col");
  Value column = column_result("col(" + cpp_string(name) + ")", true);
  column.column = name;
  return column;
}

Value lit(Translator& translator, CallSite& site) {
  const Value* value = argument(site, 0, "col");
  if (value == nullptr) {
    throw Untranslatable{"MIG203", "lit without a value"};
  }
  return column_result(expr_code(translator, *value), true);
}

Value spark_expr(Translator&, CallSite& site) {
  return column_result("parse_expr(" + cpp_string(text_argument(site, 0, "str")) + ")", true);
}

Value when(Translator& translator, CallSite& site) {
  if (site.args.size() != 2) {
    throw Untranslatable{"MIG203", "when needs a condition and a value"};
  }
  std::string condition = expr_code(translator, site.args[0]);
  std::string value = column_code(translator, site.args[1]);
  if (site.args[1].kind == Kind::kScalar) {
    value = expr_code(translator, site.args[1]);
  }
  Value result{.kind = Kind::kCase, .type = "pyspark.sql.Column"};
  result.spark = true;
  result.code = site.receiver.kind == Kind::kCase
                    ? site.receiver.code + ".when(" + condition + ", " + value + ")"
                    : "fn::when(" + condition + ", " + value + ")";
  return result;
}

Value otherwise(Translator& translator, CallSite& site) {
  if (site.receiver.kind != Kind::kCase || site.args.size() != 1) {
    throw Untranslatable{"MIG203", "otherwise without when"};
  }
  std::string value = site.args[0].kind == Kind::kScalar ? expr_code(translator, site.args[0])
                                                         : column_code(translator, site.args[0]);
  return column_result(site.receiver.code + ".otherwise(" + value + ")", true);
}

Value sort_direction(Translator& translator, CallSite& site, bool descending) {
  const Value& column = site.receiver.kind == Kind::kColumn ? site.receiver : site.args.at(0);
  Value key{.kind = Kind::kSortKey, .type = "pyspark.sql.Column"};
  key.spark = true;
  key.code = sort_key_code(translator, column, descending, !descending);
  return key;
}

Value alias(Translator& translator, CallSite& site) {
  Value column = site.receiver;
  column.code = top_code(translator, site.receiver);
  column.alias = text_argument(site, 0, "alias");
  column.kind = Kind::kColumn;
  column.column.clear();
  return column;
}

Value cast(Translator&, CallSite& site) {
  const Value* type = argument(site, 0, "dataType");
  if (type == nullptr) {
    throw Untranslatable{"MIG203", "cast without a type"};
  }
  return column_result(site.receiver.code + ".cast(" + data_type_code(*type) + ")", true);
}

Value like(Translator&, CallSite& site) {
  return column_result(
      site.receiver.code + ".like(" + cpp_string(text_argument(site, 0, "other")) + ")", true);
}

Value window_partition(Translator&, CallSite& site) {
  Value window = site.receiver.kind == Kind::kWindow ? site.receiver : Value{.kind = Kind::kWindow};
  window.type = "pyspark.sql.WindowSpec";
  for (const Value& value : site.args) {
    std::vector<std::string> names = names_of(value);
    window.names.insert(window.names.end(), names.begin(), names.end());
  }
  return window;
}

Value window_order(Translator& translator, CallSite& site) {
  Value window = site.receiver.kind == Kind::kWindow ? site.receiver : Value{.kind = Kind::kWindow};
  window.type = "pyspark.sql.WindowSpec";
  for (const Value& value : site.args) {
    window.order.push_back(sort_key_code(translator, value, false, true));
  }
  return window;
}

std::string frame_bound(const Value& bound) {
  if (bound.kind == Kind::kModule) {
    if (bound.type.ends_with("unboundedPreceding"))
      return "unbounded_preceding()";
    if (bound.type.ends_with("unboundedFollowing"))
      return "unbounded_following()";
    if (bound.type.ends_with("currentRow"))
      return "current_row()";
  }
  if (bound.has_constant && bound.constant.is_number_integer()) {
    int64_t offset = bound.constant.get<int64_t>();
    return offset == 0  ? "current_row()"
           : offset < 0 ? "preceding(" + std::to_string(-offset) + ")"
                        : "following(" + std::to_string(offset) + ")";
  }
  throw Untranslatable{"MIG203", "a window bound that is not a constant"};
}

Value window_rows(Translator&, CallSite& site) {
  Value window = site.receiver;
  if (site.args.size() != 2) {
    throw Untranslatable{"MIG203", "rowsBetween needs two bounds"};
  }
  window.window_frame =
      "rows_between(" + frame_bound(site.args[0]) + ", " + frame_bound(site.args[1]) + ")";
  return window;
}

Value over(Translator&, CallSite& site) {
  const Value* window = argument(site, 0, "window");
  if (window == nullptr || window->kind != Kind::kWindow) {
    throw Untranslatable{"MIG203", "over() without a window spec"};
  }
  return window_result(site.receiver.code + ".over(" +
                           window_spec_code(window->names, window->order, window->window_frame) +
                           ")",
                       true);
}

// F.sum("x"), F.count("*") ...: an aggregate column, named as Spark names it.
Value spark_aggregate(Translator& translator, CallSite& site) {
  std::string function = site.entry.engine.substr(site.entry.engine.find(':') + 1);
  std::string spark_name = site.api.substr(site.api.rfind('.') + 1);
  const Value* column = argument(site, 0, "col");
  if (column == nullptr) {
    throw Untranslatable{"MIG203", site.api + " without a column"};
  }
  if (function == "count" && column->has_constant && column->constant == "*") {
    Value count = column_result("fn::count_all()", true, true);
    count.alias = "count(1)";
    return count;
  }
  std::string code = aggregate_code(function, column_code(translator, *column));
  std::vector<std::string> names;
  try {
    names = names_of(*column);
  } catch (const Untranslatable&) {
  }
  if (names.size() == 1) {
    static const std::map<std::string, std::string> kSparkNames = {
        {"mean", "avg"}, {"countDistinct", "count"}, {"count_distinct", "count"}};
    auto renamed = kSparkNames.find(spark_name);
    std::string shown = renamed == kSparkNames.end() ? spark_name : renamed->second;
    std::string inner = spark_name == "countDistinct" || spark_name == "count_distinct"
                            ? "DISTINCT " + names[0]
                            : names[0];
    Value aggregate = column_result(code, true, true);
    aggregate.alias = shown + "(" + inner + ")";
    return aggregate;
  }
  return column_result(code, true, true);
}

Value spark_window_function(Translator& translator, CallSite& site) {
  std::string function = site.entry.engine.substr(site.entry.engine.find(':') + 1);
  if (function == "row_number" || function == "rank" || function == "dense_rank") {
    return column_result("fn::" + function + "()", true);
  }
  const Value* column = argument(site, 0, "col");
  if (column == nullptr) {
    throw Untranslatable{"MIG203", site.api + " without a column"};
  }
  const Value* offset = argument(site, 1, "offset");
  int64_t rows = offset == nullptr ? 1 : offset->constant.get<int64_t>();
  return column_result("fn::" + function + "(" + column_code(translator, *column) + ", " +
                           std::to_string(rows) + ")",
                       true);
}

}  // namespace

HandlerMap spark_handlers() {
  return {
      {"session",
       [](Translator&, CallSite& site) {
         bool built = site.api.ends_with("getOrCreate");
         return Value{
             .kind = Kind::kSession,
             .type = built ? "pyspark.sql.SparkSession" : "pyspark.sql.SparkSession.Builder"};
       }},
      {"reader",
       [](Translator&, CallSite&) {
         return Value{.kind = Kind::kReader, .type = "pyspark.sql.DataFrameReader"};
       }},
      {"reader_option", [](Translator&, CallSite& site) { return with_option(site); }},
      {"reader_format", [](Translator&, CallSite& site) { return with_option(site); }},
      {"writer",
       [](Translator&, CallSite& site) {
         Value writer = receiver_frame(site);
         writer.kind = Kind::kWriter;
         writer.type = "pyspark.sql.DataFrameWriter";
         return writer;
       }},
      {"writer_option", [](Translator&, CallSite& site) { return with_option(site); }},
      {"writer_format", [](Translator&, CallSite& site) { return with_option(site); }},
      {"na",
       [](Translator&, CallSite& site) {
         Value na = receiver_frame(site);
         na.kind = Kind::kNa;
         na.type = "pyspark.sql.DataFrameNaFunctions";
         return na;
       }},
      {"spark_sql", spark_sql},
      {"spark_table", spark_table},
      {"filter", filter},
      {"select", select},
      {"with_column", with_column},
      {"rename_column", rename_column},
      {"spark_join", spark_join},
      {"order_by", order_by},
      {"distinct", distinct},
      {"union", union_all},
      {"union_by_name", union_by_name},
      {"temp_view", temp_view},
      {"col", col},
      {"lit", lit},
      {"expr", spark_expr},
      {"when", when},
      {"otherwise", otherwise},
      {"sort_desc", [](Translator& t, CallSite& site) { return sort_direction(t, site, true); }},
      {"sort_asc", [](Translator& t, CallSite& site) { return sort_direction(t, site, false); }},
      {"alias", alias},
      {"cast", cast},
      {"like", like},
      {"over", over},
      {"window_partition", window_partition},
      {"window_order", window_order},
      {"window_rows", window_rows},
      {"sagg:", spark_aggregate},
      {"swin:", spark_window_function},
  };
}

}  // namespace setl::migrate
