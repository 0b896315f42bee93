// Typed views of tables. Declare a struct's schema once, at namespace scope:
//
//   struct Citizen { std::string name; int64_t age; std::optional<std::string> city; };
//   SETL_SCHEMA(Citizen, name, age, city)
//
// then Dataset<Citizen> wraps a Table whose columns match (checked once, with one
// SchemaError listing every missing or mistyped column), builds from std::vector<Citizen>,
// iterates as Citizen values, and converts back to the untyped Table. Field types:
// bool, int32_t, int64_t, double, std::string, setl::engine::Date, setl::engine::Timestamp,
// setl::engine::Decimal<P, S> (decimal(P,S) columns; integer and other decimal columns
// convert when every value fits), and std::optional of any of them for nullable columns.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "setl/core/error.h"
#include "setl/core/type_name.h"
#include "setl/engine/annotations.h"
#include "setl/engine/builder.h"
#include "setl/engine/decimal.h"
#include "setl/engine/table.h"

namespace setl::engine {

/// A calendar date as days since 1970-01-01 (date32 columns).
struct Date {
  int32_t days = 0;
  friend bool operator==(const Date&, const Date&) = default;
};
/// Microseconds since the epoch, UTC (timestamp columns).
struct Timestamp {
  int64_t micros = 0;
  friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

/// An exact decimal(Precision, Scale) value: `unscaled` / 10^Scale.
///
///   Decimal<15, 2> price = Decimal<15, 2>::parse("19.99");   // price.unscaled == 1999
template <int Precision, int Scale>
struct Decimal {
  static_assert(Precision >= 1 && Precision <= kMaxDecimalPrecision && Scale >= 0 &&
                    Scale <= Precision,
                "Decimal<P, S> needs 1 <= P <= 38 and 0 <= S <= P");
  int128 unscaled = 0;

  /// Throws: ParseError when `text` is not a number of at most Precision digits.
  static Decimal parse(std::string_view text) {
    Decimal value;
    if (!parse_decimal(text, Precision, Scale, value.unscaled)) {
      throw ParseError("'" + std::string(text) + "' is not a decimal(" + std::to_string(Precision) +
                       "," + std::to_string(Scale) + ")");
    }
    return value;
  }
  std::string to_string() const { return format_decimal(unscaled, Scale); }
  double to_double() const { return decimal_to_double(unscaled, Scale); }
  friend bool operator==(const Decimal&, const Decimal&) = default;
  friend auto operator<=>(const Decimal& a, const Decimal& b) { return a.unscaled <=> b.unscaled; }
};

/// Maps a C++ field type to its column type and moves values in and out of columns.
/// Specialize it to support more types; unsupported types fail to compile.
template <class T>
struct ColumnTraits;

template <>
struct ColumnTraits<bool> {
  static DataType type() { return DataType::boolean(); }
  static bool read(const Column& column, int64_t row) { return column.bool_value(row); }
  static void append(ColumnBuilder& builder, bool value) { builder.append_bool(value); }
};
template <>
struct ColumnTraits<int32_t> {
  static DataType type() { return DataType::int32(); }
  static int32_t read(const Column& column, int64_t row) { return column.values<int32_t>()[row]; }
  static void append(ColumnBuilder& builder, int32_t value) { builder.append_int(value); }
};
template <>
struct ColumnTraits<int64_t> {
  static DataType type() { return DataType::int64(); }
  static int64_t read(const Column& column, int64_t row) { return column.values<int64_t>()[row]; }
  static void append(ColumnBuilder& builder, int64_t value) { builder.append_int(value); }
};
template <>
struct ColumnTraits<double> {
  static DataType type() { return DataType::float64(); }
  static double read(const Column& column, int64_t row) { return column.values<double>()[row]; }
  static void append(ColumnBuilder& builder, double value) { builder.append_double(value); }
};
template <>
struct ColumnTraits<std::string> {
  static DataType type() { return DataType::string(); }
  static std::string read(const Column& column, int64_t row) {
    return std::string(column.string_value(row));
  }
  static void append(ColumnBuilder& builder, const std::string& value) {
    builder.append_string(value);
  }
};
template <>
struct ColumnTraits<Date> {
  static DataType type() { return DataType::date32(); }
  static Date read(const Column& column, int64_t row) { return {column.values<int32_t>()[row]}; }
  static void append(ColumnBuilder& builder, Date value) { builder.append_int(value.days); }
};
template <>
struct ColumnTraits<Timestamp> {
  static DataType type() { return DataType::timestamp(); }
  static Timestamp read(const Column& column, int64_t row) {
    return {column.values<int64_t>()[row]};
  }
  static void append(ColumnBuilder& builder, Timestamp value) { builder.append_int(value.micros); }
};

template <int Precision, int Scale>
struct ColumnTraits<Decimal<Precision, Scale>> {
  static DataType type() { return DataType::decimal(Precision, Scale); }
  static Decimal<Precision, Scale> read(const Column& column, int64_t row) {
    return {column.values<int128>()[row]};
  }
  static void append(ColumnBuilder& builder, Decimal<Precision, Scale> value) {
    builder.append_decimal(value.unscaled);
  }
};

namespace detail {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class T>
struct Unwrap {
  using type = T;
};
template <class T>
struct Unwrap<std::optional<T>> {
  using type = T;
};

template <class Struct, class Member>
struct FieldRef {
  std::string_view name;
  Member Struct::*pointer;
  using value_type = Member;
};

template <class Struct, class Member>
constexpr FieldRef<Struct, Member> field_ref(std::string_view name, Member Struct::*pointer) {
  return {name, pointer};
}

}  // namespace detail

/// The declared fields of T; specialized by SETL_SCHEMA.
template <class T>
struct SchemaOf;

template <class T>
class [[nodiscard]] Dataset {
 public:
  /// The schema the struct declares.
  static SchemaPtr schema() {
    static const SchemaPtr declared = [] {
      std::vector<Field> fields;
      std::apply(
          [&](const auto&... field) {
            (fields.push_back(
                 Field{std::string(field.name), traits_of(field).type(), is_optional(field)}),
             ...);
          },
          SchemaOf<T>::fields());
      return std::make_shared<const Schema>(std::move(fields));
    }();
    return declared;
  }

  /// How T is stored under its SETL_ANNOTATE annotations (the declared form without).
  /// Throws: SchemaError, on first use, for annotations that do not fit T.
  static const StoredForm& stored_form() {
    static const StoredForm form(schema(), AnnotationsOf<T>::annotations(),
                                 pretty_type_name(typeid(T)));
    return form;
  }
  /// The columns as stored: what a Repository<T> and write_dataset() write.
  static SchemaPtr stored_schema() { return stored_form().stored_schema(); }

  /// An empty dataset.
  Dataset() : table_(Table::empty(schema())) {}

  /// Views `table` as rows of T: the declared columns, in declared order (other columns
  /// are dropped; int32 columns widen to int64 fields, integer and decimal columns convert
  /// to Decimal fields, and a value that does not fit throws ParseError naming it).
  /// Throws: SchemaError listing every missing or mistyped column and every NULL in a
  /// non-optional field's column.
  explicit Dataset(const Table& table) : table_(conform(table)) {}

  /// Builds columns from values.
  static Dataset from(const std::vector<T>& rows) {
    std::vector<ColumnBuilder> builders;
    for (const Field& field : schema()->fields()) {
      builders.emplace_back(field.type, static_cast<int64_t>(rows.size()));
    }
    for (const T& row : rows) {
      size_t index = 0;
      std::apply(
          [&](const auto&... field) { (append(builders[index++], row.*(field.pointer)), ...); },
          SchemaOf<T>::fields());
    }
    std::vector<ColumnPtr> columns;
    for (ColumnBuilder& builder : builders) {
      columns.push_back(builder.finish());
    }
    int64_t count = static_cast<int64_t>(rows.size());
    return Dataset(Table(schema(), {RecordBatch(schema(), std::move(columns), count)}), Trusted{});
  }

  /// Rows read in their stored form (stored_schema()): renamed columns get their fields'
  /// names back, compressed ones are decompressed, generated key columns are dropped.
  /// Throws: as the constructor; ParseError for a compressed value that is not
  /// compress() text.
  static Dataset from_stored(const Table& stored) {
    const StoredForm& form = stored_form();
    return Dataset(form.identity() ? stored : stored.select(form.from_stored()));
  }

  const Table& table() const noexcept { return table_; }
  /// The rows in their stored form (stored_schema()).
  Table to_stored() const {
    const StoredForm& form = stored_form();
    if (form.identity()) {
      return table_;
    }
    // The stored schema's nullability is the fields' (compress() alone would say NULLable).
    Table stored = table_.select(form.to_stored());
    std::vector<RecordBatch> batches;
    for (const RecordBatch& batch : stored.batches()) {
      batches.emplace_back(form.stored_schema(), batch.columns(), batch.num_rows());
    }
    return Table(form.stored_schema(), std::move(batches));
  }
  int64_t size() const noexcept { return table_.num_rows(); }
  bool empty() const noexcept { return table_.num_rows() == 0; }

  /// Every row as a T.
  std::vector<T> collect() const {
    std::vector<T> rows;
    rows.reserve(static_cast<size_t>(table_.num_rows()));
    for (const RecordBatch& batch : table_.batches()) {
      for (int64_t row = 0; row < batch.num_rows(); ++row) {
        rows.push_back(read_row(batch, row));
      }
    }
    return rows;
  }

  /// Input iteration over rows, read one at a time from the columns.
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const Table* table, size_t batch, int64_t row)
        : table_(table), batch_(batch), row_(row) {
      skip_empty();
    }
    T operator*() const { return read_row(table_->batches()[batch_], row_); }
    iterator& operator++() {
      ++row_;
      skip_empty();
      return *this;
    }
    iterator operator++(int) {
      iterator before = *this;
      ++*this;
      return before;
    }
    friend bool operator==(const iterator& a, const iterator& b) {
      return a.batch_ == b.batch_ && a.row_ == b.row_;
    }

   private:
    void skip_empty() {
      while (table_ != nullptr && batch_ < table_->batches().size() &&
             row_ >= table_->batches()[batch_].num_rows()) {
        ++batch_;
        row_ = 0;
      }
    }
    const Table* table_ = nullptr;
    size_t batch_ = 0;
    int64_t row_ = 0;
  };
  iterator begin() const { return iterator(&table_, 0, 0); }
  iterator end() const { return iterator(&table_, table_.batches().size(), 0); }

  /// Rows matching a predicate, still typed.
  Dataset filter(const Expr& predicate) const {
    return Dataset(table_.filter(predicate), Trusted{});
  }
  Dataset filter(const char* predicate) const {
    return Dataset(table_.filter(predicate), Trusted{});
  }

 private:
  struct Trusted {};
  Dataset(Table table, Trusted) : table_(std::move(table)) {}

  template <class Ref>
  static auto traits_of(const Ref&) {
    using Member = typename Ref::value_type;
    return ColumnTraits<typename detail::Unwrap<Member>::type>();
  }
  template <class Ref>
  static bool is_optional(const Ref&) {
    return detail::IsOptional<typename Ref::value_type>::value;
  }

  template <class Member>
  static void append(ColumnBuilder& builder, const Member& value) {
    if constexpr (detail::IsOptional<Member>::value) {
      if (value) {
        ColumnTraits<typename Member::value_type>::append(builder, *value);
      } else {
        builder.append_null();
      }
    } else {
      ColumnTraits<Member>::append(builder, value);
    }
  }

  static T read_row(const RecordBatch& batch, int64_t row) {
    T value{};
    size_t index = 0;
    std::apply(
        [&](const auto&... field) {
          ((read_field(*batch.column(index++), row, value.*(field.pointer))), ...);
        },
        SchemaOf<T>::fields());
    return value;
  }

  template <class Member>
  static void read_field(const Column& column, int64_t row, Member& out) {
    if constexpr (detail::IsOptional<Member>::value) {
      if (column.is_null(row)) {
        out.reset();
      } else {
        out = ColumnTraits<typename Member::value_type>::read(column, row);
      }
    } else {
      out = ColumnTraits<Member>::read(column, row);
    }
  }

  static Table conform(const Table& table) {
    const Schema& declared = *schema();
    std::string problems;
    std::vector<Expr> columns;
    for (const Field& field : declared.fields()) {
      std::optional<size_t> index = table.schema()->find(field.name);
      if (!index) {
        problems += "\n  - missing column \"" + field.name + "\" (" + field.type.to_string() + ")";
        continue;
      }
      const Field& actual = table.schema()->field(*index);
      if (actual.type == field.type) {
        columns.push_back(col(field.name));
      } else if ((actual.type.id() == TypeId::kInt32 && field.type.id() == TypeId::kInt64) ||
                 (field.type.is_decimal() &&
                  (actual.type.is_decimal() || actual.type.is_integer()))) {
        // Exact or an error naming the value: a decimal that does not fit fails the cast.
        columns.push_back(col(field.name).cast(field.type).alias(field.name));
      } else {
        problems += "\n  - column \"" + field.name + "\" is " + actual.type.to_string() +
                    ", the field needs " + field.type.to_string();
        continue;
      }
      if (!field.nullable) {
        int64_t nulls = 0;
        for (const ColumnPtr& chunk : table.column_chunks(field.name)) {
          nulls += chunk->null_count();
        }
        if (nulls > 0) {
          problems += "\n  - column \"" + field.name + "\" has " + std::to_string(nulls) +
                      " NULL(s) but its field is not std::optional";
        }
      }
    }
    if (!problems.empty()) {
      throw SchemaError("the table does not fit Dataset<" + pretty_type_name(typeid(T)) + "> (" +
                        declared.to_string() + "):" + problems);
    }
    Table selected = table.select(columns);
    std::vector<RecordBatch> batches;
    for (const RecordBatch& batch : selected.batches()) {
      batches.emplace_back(schema(), batch.columns(), batch.num_rows());
    }
    return Table(schema(), std::move(batches));
  }

  Table table_;
};

}  // namespace setl::engine

// ---- SETL_SCHEMA --------------------------------------------------------------------

#define SETL_DETAIL_FIELD(Type, member) \
  ::setl::engine::detail::field_ref<Type>(#member, &Type::member)

#define SETL_DETAIL_EXPAND(x) x
#define SETL_DETAIL_FE_1(T, F, x) F(T, x)
#define SETL_DETAIL_FE_2(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_1(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_3(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_2(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_4(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_3(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_5(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_4(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_6(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_5(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_7(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_6(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_8(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_7(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_9(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_8(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_10(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_9(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_11(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_10(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_12(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_11(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_13(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_12(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_14(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_13(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_15(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_14(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_16(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_15(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_17(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_16(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_18(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_17(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_19(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_18(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_20(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_19(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_21(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_20(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_22(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_21(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_23(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_22(T, F, __VA_ARGS__))
#define SETL_DETAIL_FE_24(T, F, x, ...) \
  F(T, x), SETL_DETAIL_EXPAND(SETL_DETAIL_FE_23(T, F, __VA_ARGS__))
#define SETL_DETAIL_PICK(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, \
                         _17, _18, _19, _20, _21, _22, _23, _24, NAME, ...)                     \
  NAME
#define SETL_DETAIL_FOR_EACH(T, F, ...)                                                            \
  SETL_DETAIL_EXPAND(SETL_DETAIL_PICK(                                                             \
      __VA_ARGS__, SETL_DETAIL_FE_24, SETL_DETAIL_FE_23, SETL_DETAIL_FE_22, SETL_DETAIL_FE_21,     \
      SETL_DETAIL_FE_20, SETL_DETAIL_FE_19, SETL_DETAIL_FE_18, SETL_DETAIL_FE_17,                  \
      SETL_DETAIL_FE_16, SETL_DETAIL_FE_15, SETL_DETAIL_FE_14, SETL_DETAIL_FE_13,                  \
      SETL_DETAIL_FE_12, SETL_DETAIL_FE_11, SETL_DETAIL_FE_10, SETL_DETAIL_FE_9, SETL_DETAIL_FE_8, \
      SETL_DETAIL_FE_7, SETL_DETAIL_FE_6, SETL_DETAIL_FE_5, SETL_DETAIL_FE_4, SETL_DETAIL_FE_3,    \
      SETL_DETAIL_FE_2, SETL_DETAIL_FE_1)(T, F, __VA_ARGS__))

/// Declares the columns of a struct (up to 24 fields), at global namespace scope.
#define SETL_SCHEMA(Type, ...)                                                            \
  template <>                                                                             \
  struct setl::engine::SchemaOf<Type> {                                                   \
    static constexpr auto fields() {                                                      \
      return std::make_tuple(SETL_DETAIL_FOR_EACH(Type, SETL_DETAIL_FIELD, __VA_ARGS__)); \
    }                                                                                     \
  };
