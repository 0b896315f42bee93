// Shared pieces of the call handlers (translate_calls.cc for the common and pandas calls,
// translate_spark.cc for PySpark): argument access and the registry they add to.
#pragma once

#include <map>
#include <string>

#include "migrate/translator.h"

namespace setl::migrate {

/// The positional argument `index`, else the keyword `name`, else nullptr.
const Value* argument(const CallSite& site, size_t index, const std::string& name);
/// The argument, or Untranslatable naming it when the call lacks it.
const Value& required_argument(const CallSite& site, size_t index, const std::string& name);
/// Text constant of an argument, or `fallback` when absent. Throws when not text.
std::string text_argument(const CallSite& site, size_t index, const std::string& name,
                          const std::string& fallback = {});
/// The receiver as a frame; throws when it is not one.
const Value& receiver_frame(const CallSite& site);
/// A column: text names a column (as PySpark and pandas' by= do), otherwise an expression.
std::string column_code(Translator& translator, const Value& value);
/// A SortKey from a name (with direction) or a Spark sort key / column.
std::string sort_key_code(Translator& translator, const Value& value, bool descending,
                          bool nulls_first);
/// An engine DataType from a pandas dtype or Spark type name.
std::string data_type_code(const Value& type);
Value frame_result(const Value& receiver, std::string code);
Value column_result(std::string code, bool spark, bool aggregate = false);
/// Whether key `index` sorts descending under pandas' / Spark's `ascending=` (a bool or a
/// list of them).
bool descending_at(const Value* ascending, size_t index);
/// `frame` sorted by the SortKey codes; the script's output is then compared in order.
Value sorted_frame(Translator& translator, const Value& frame,
                   const std::vector<std::string>& order);
/// A window function with its OVER clause: a whole column, hoisted when nested.
Value window_result(std::string code, bool spark = false);
/// The engine aggregate for a pandas or Spark aggregate name ("nunique" → count_distinct).
std::string aggregate_function(const std::string& name);
std::string aggregate_code(const std::string& function, const std::string& column);
std::string window_spec_code(const std::vector<std::string>& partition,
                             const std::vector<std::string>& order, const std::string& frame = {});

using HandlerMap = std::map<std::string, CallHandler>;
/// The handlers of each family, by engine key (translate_calls.cc, translate_pandas.cc,
/// translate_spark.cc); find_handler() looks in all of them.
HandlerMap common_handlers();
HandlerMap pandas_handlers();
HandlerMap spark_handlers();

}  // namespace setl::migrate
