// String kernels. Lengths and positions count UTF-8 code points; lower/upper map ASCII
// letters and leave other characters unchanged.
#include <cctype>

#include "engine/functions/registry.h"
#include "engine/functions/text_match.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"

namespace setl::engine::detail {
namespace {

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

int64_t code_points(std::string_view text) {
  int64_t count = 0;
  for (char c : text) {
    count += is_continuation(static_cast<unsigned char>(c)) ? 0 : 1;
  }
  return count;
}

// Byte offset of code point `index` (clamped to the end).
size_t byte_offset(std::string_view text, int64_t index) {
  size_t at = 0;
  while (at < text.size() && index > 0) {
    ++at;
    while (at < text.size() && is_continuation(static_cast<unsigned char>(text[at]))) {
      ++at;
    }
    --index;
  }
  return at;
}

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  if (from.empty()) {
    return std::string(text);
  }
  std::string out;
  size_t at = 0;
  while (true) {
    size_t found = text.find(from, at);
    if (found == std::string_view::npos) {
      out.append(text.substr(at));
      return out;
    }
    out.append(text.substr(at, found - at));
    out.append(to);
    at = found + from.size();
  }
}

enum class Text {
  kLength,
  kLike,
  kContains,
  kStartsWith,
  kEndsWith,
  kLower,
  kUpper,
  kTrim,
  kSubstr,
  kConcat,
  kReplace
};

constexpr TextMatcher::Kind matcher_kind(Text fn) {
  return fn == Text::kLike         ? TextMatcher::Kind::kLike
         : fn == Text::kContains   ? TextMatcher::Kind::kContains
         : fn == Text::kStartsWith ? TextMatcher::Kind::kStartsWith
                                   : TextMatcher::Kind::kEndsWith;
}

// A text test against one constant pattern, compiled once for the batch (the pattern is
// not broadcast to a column).
Datum match_constant(TextMatcher::Kind kind, const Datum& text, const Scalar& pattern,
                     int64_t rows) {
  TextMatcher matcher(kind, pattern.as_string());
  ColumnPtr column = to_column(text, rows);
  BufferPtr validity = normalized_validity(*column);
  auto out = Buffer::allocate(static_cast<size_t>((rows + 7) / 8), true);
  uint8_t* bits = out->mutable_data();
  for (int64_t row = 0; row < rows; ++row) {
    if ((validity == nullptr || get_bit(validity->data(), row)) &&
        matcher.matches(column->string_value(row))) {
      set_bit(bits, row, true);
    }
  }
  return Datum{std::make_shared<Column>(DataType::boolean(), rows, validity, out), {}};
}

template <Text fn>
Datum string_kernel(const BoundExpr&, const std::vector<Datum>& args, int64_t rows) {
  if constexpr (fn == Text::kLike || fn == Text::kContains || fn == Text::kStartsWith ||
                fn == Text::kEndsWith) {
    if (args[1].is_scalar() && !args[1].scalar.is_null()) {
      return match_constant(matcher_kind(fn), args[0], args[1].scalar, rows);
    }
  }
  KernelInputs inputs = kernel_inputs(args, rows);
  const std::vector<ColumnPtr>& columns = inputs.columns;
  const BufferPtr& validity = inputs.validity;
  auto valid = [&](int64_t row) { return inputs.valid(row); };
  auto text = [&](size_t arg, int64_t row) { return columns[arg]->string_value(row); };

  switch (fn) {
    case Text::kLength: {
      auto out = Buffer::allocate(static_cast<size_t>(rows) * 8);
      for (int64_t row = 0; row < rows; ++row) {
        out->mutable_data_as<int64_t>()[row] = valid(row) ? code_points(text(0, row)) : 0;
      }
      return Datum{std::make_shared<Column>(DataType::int64(), rows, validity, out), {}};
    }
    case Text::kLike:
    case Text::kContains:
    case Text::kStartsWith:
    case Text::kEndsWith: {
      auto out = Buffer::allocate(static_cast<size_t>((rows + 7) / 8), true);
      for (int64_t row = 0; row < rows; ++row) {
        if (!valid(row)) {
          continue;
        }
        std::string_view value = text(0, row);
        std::string_view other = text(1, row);
        bool result = fn == Text::kLike         ? like_match(value, other)
                      : fn == Text::kContains   ? value.find(other) != std::string_view::npos
                      : fn == Text::kStartsWith ? value.starts_with(other)
                                                : value.ends_with(other);
        set_bit(out->mutable_data(), row, result);
      }
      return Datum{std::make_shared<Column>(DataType::boolean(), rows, validity, out), {}};
    }
    default:
      break;
  }

  ColumnBuilder builder(DataType::string(), rows);
  std::string scratch;
  for (int64_t row = 0; row < rows; ++row) {
    if (!valid(row)) {
      builder.append_null();
      continue;
    }
    std::string_view value = text(0, row);
    switch (fn) {
      case Text::kLower:
      case Text::kUpper:
        scratch.assign(value);
        for (char& c : scratch) {
          unsigned char u = static_cast<unsigned char>(c);
          if (u < 0x80) {
            c = static_cast<char>(fn == Text::kLower ? std::tolower(u) : std::toupper(u));
          }
        }
        builder.append_string(scratch);
        break;
      case Text::kTrim: {
        size_t start = value.find_first_not_of(" \t\r\n");
        size_t end = value.find_last_not_of(" \t\r\n");
        builder.append_string(start == std::string_view::npos
                                  ? std::string_view()
                                  : value.substr(start, end - start + 1));
        break;
      }
      case Text::kSubstr: {
        int64_t start = columns[1]->values<int64_t>()[row];
        int64_t count = columns.size() > 2 ? columns[2]->values<int64_t>()[row] : INT64_MAX;
        // SQL: positions before 1 still consume the count.
        if (start < 1) {
          count = count == INT64_MAX ? count : count + start - 1;
          start = 1;
        }
        if (count <= 0) {
          builder.append_string("");
          break;
        }
        size_t from = byte_offset(value, start - 1);
        size_t to =
            count == INT64_MAX ? value.size() : from + byte_offset(value.substr(from), count);
        builder.append_string(value.substr(from, to - from));
        break;
      }
      case Text::kConcat:
        scratch.clear();
        for (size_t arg = 0; arg < columns.size(); ++arg) {
          scratch.append(text(arg, row));
        }
        builder.append_string(scratch);
        break;
      case Text::kReplace:
        builder.append_string(replace_all(value, text(1, row), text(2, row)));
        break;
      default:
        throw InternalError("unhandled string function");
    }
  }
  return Datum{builder.finish(), {}};
}

DataType text_to_int(CallBinding& b) {
  b.require(0, is_text, "a string");
  return DataType::int64();
}

DataType text_to_text(CallBinding& b) {
  b.require(0, is_text, "a string");
  return DataType::string();
}

DataType text_test(CallBinding& b) {
  b.require(0, is_text, "a string");
  b.require(1, is_text, "a string");
  return DataType::boolean();
}

DataType like_type(CallBinding& b) {
  text_test(b);
  b.require_constant(1, "the LIKE pattern");
  return DataType::boolean();
}

DataType substr_type(CallBinding& b) {
  b.require(0, is_text, "a string");
  for (size_t i = 1; i < b.args().size(); ++i) {
    b.require(i, is_integer, "an integer");
    b.cast(i, DataType::int64());
  }
  return DataType::string();
}

DataType concat_type(CallBinding& b) {
  for (size_t i = 0; i < b.args().size(); ++i) {
    b.cast(i, DataType::string());
  }
  return DataType::string();
}

DataType replace_type(CallBinding& b) {
  for (size_t i = 0; i < 3; ++i) {
    b.require(i, is_text, "a string");
  }
  return DataType::string();
}

FunctionInfo info(const char* name, size_t min_args, size_t max_args, const char* signature,
                  const char* doc, std::vector<std::string> aliases = {}) {
  return {name,      FunctionKind::kScalar, "string", min_args,          max_args,
          signature, kNullInNullOut,        doc,      std::move(aliases)};
}

}  // namespace

void register_string_functions(FunctionRegistry& r) {
  r.add(ScalarFunction{info("length", 1, 1, "length(text) -> int64", "Length in code points"),
                       text_to_int, string_kernel<Text::kLength>});
  r.add(ScalarFunction{info("lower", 1, 1, "lower(text) -> string", "ASCII letters to lower case"),
                       text_to_text, string_kernel<Text::kLower>});
  r.add(ScalarFunction{info("upper", 1, 1, "upper(text) -> string", "ASCII letters to upper case"),
                       text_to_text, string_kernel<Text::kUpper>});
  r.add(ScalarFunction{info("trim", 1, 1, "trim(text) -> string",
                            "Removes leading and trailing spaces, tabs and line breaks"),
                       text_to_text, string_kernel<Text::kTrim>});
  r.add(ScalarFunction{
      info("substr", 2, 3, "substr(text, start [, count]) -> string",
           "Code points from the 1-based `start` (to the end without `count`)", {"substring"}),
      substr_type, string_kernel<Text::kSubstr>});
  r.add(ScalarFunction{
      info("contains", 2, 2, "contains(text, part) -> bool", "TRUE if `part` occurs in `text`"),
      text_test, string_kernel<Text::kContains>});
  r.add(ScalarFunction{info("starts_with", 2, 2, "starts_with(text, prefix) -> bool",
                            "TRUE if `text` begins with `prefix`"),
                       text_test, string_kernel<Text::kStartsWith>});
  r.add(ScalarFunction{info("ends_with", 2, 2, "ends_with(text, suffix) -> bool",
                            "TRUE if `text` ends with `suffix`"),
                       text_test, string_kernel<Text::kEndsWith>});
  r.add(ScalarFunction{info("concat", 1, FunctionInfo::kVariadic, "concat(x1, x2, ...) -> string",
                            "The arguments as text, joined"),
                       concat_type, string_kernel<Text::kConcat>});
  FunctionInfo concat_operator =
      info("concat_op", 2, 2, "a || b -> string", "Both sides as text, joined (as concat)");
  concat_operator.kind = FunctionKind::kOperator;
  r.add(ScalarFunction{std::move(concat_operator), concat_type, string_kernel<Text::kConcat>});
  r.add(ScalarFunction{info("replace", 3, 3, "replace(text, from, to) -> string",
                            "Every occurrence of `from` replaced by `to`"),
                       replace_type, string_kernel<Text::kReplace>});
  FunctionInfo like = info("like", 2, 2, "text [NOT] LIKE 'pattern' -> bool",
                           "Case-sensitive match; % is any text, _ one character (C++: "
                           "col(x).like(pattern))");
  like.kind = FunctionKind::kOperator;
  r.add(ScalarFunction{std::move(like), like_type, string_kernel<Text::kLike>});
}

}  // namespace setl::engine::detail
