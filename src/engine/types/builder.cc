#include "setl/engine/builder.h"

#include <cstring>
#include <limits>

#include "setl/core/error.h"
#include "setl/engine/decimal.h"
#include "setl/engine/parse_value.h"

namespace setl::engine {

ColumnBuilder::ColumnBuilder(DataType type, int64_t expected_rows) : type_(std::move(type)) {
  if (type_.id() == TypeId::kString) {
    chars_ = Buffer::allocate(0);
  }
  grow(std::max<int64_t>(expected_rows, 16));
}

void ColumnBuilder::grow(int64_t rows) {
  if (rows <= capacity_) {
    return;
  }
  int64_t capacity = std::max(rows, capacity_ * 2);
  auto resize = [](BufferPtr& buffer, size_t bytes, bool zero) {
    if (buffer == nullptr) {
      buffer = Buffer::allocate(bytes, zero);
    } else {
      buffer->resize(bytes);
    }
  };
  if (validity_ != nullptr) {
    resize(validity_, static_cast<size_t>((capacity + 7) / 8), true);
  }
  switch (type_.id()) {
    case TypeId::kNull:
      break;
    case TypeId::kBool:
      resize(values_, static_cast<size_t>((capacity + 7) / 8), true);
      break;
    case TypeId::kString:
      resize(values_, static_cast<size_t>((capacity + 1) * 4), true);
      break;
    default:
      resize(values_, static_cast<size_t>(capacity * type_.byte_width()), false);
  }
  capacity_ = capacity;
}

void ColumnBuilder::reserve(int64_t rows, int64_t chars) {
  grow(length_ + rows);
  if (chars_ != nullptr && chars_length_ + chars > static_cast<int64_t>(chars_->size())) {
    chars_->resize(static_cast<size_t>(
        std::max(chars_length_ + chars, static_cast<int64_t>(chars_->size()) * 2)));
  }
}

void ColumnBuilder::mark_valid() {
  if (validity_ != nullptr) {
    set_bit(validity_->mutable_data(), length_, true);
  }
}

void ColumnBuilder::append_null() {
  grow(length_ + 1);
  if (validity_ == nullptr) {
    validity_ = Buffer::allocate(static_cast<size_t>((capacity_ + 7) / 8), true);
    if (length_ > 0) {
      // Every earlier value was valid.
      std::memset(validity_->mutable_data(), 0xFF, static_cast<size_t>(length_ / 8));
      for (int64_t i = length_ / 8 * 8; i < length_; ++i) {
        set_bit(validity_->mutable_data(), i, true);
      }
    }
  }
  set_bit(validity_->mutable_data(), length_, false);
  if (type_.id() == TypeId::kString) {
    values_->mutable_data_as<int32_t>()[length_ + 1] = static_cast<int32_t>(chars_length_);
  }
  ++null_count_;
  ++length_;
}

void ColumnBuilder::wrong_type(std::string_view what) const {
  throw SchemaError("cannot append " + std::string(what) + " to a column of " + type_.to_string());
}

void ColumnBuilder::append_bool(bool value) {
  if (type_.id() != TypeId::kBool) {
    wrong_type("a bool");
  }
  grow(length_ + 1);
  mark_valid();
  set_bit(values_->mutable_data(), length_, value);
  ++length_;
}

void ColumnBuilder::append_int(int64_t value) {
  grow(length_ + 1);
  switch (type_.id()) {
    case TypeId::kInt32:
    case TypeId::kDate32:
      if (value < std::numeric_limits<int32_t>::min() ||
          value > std::numeric_limits<int32_t>::max()) {
        throw SchemaError("value " + std::to_string(value) + " does not fit in a column of " +
                          type_.to_string());
      }
      values_->mutable_data_as<int32_t>()[length_] = static_cast<int32_t>(value);
      break;
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      values_->mutable_data_as<int64_t>()[length_] = value;
      break;
    case TypeId::kFloat64:
      values_->mutable_data_as<double>()[length_] = static_cast<double>(value);
      break;
    case TypeId::kDecimal: {
      int128 unscaled = 0;
      if (!rescale_decimal(value, 0, type_.scale(), type_.precision(), unscaled)) {
        throw SchemaError("value " + std::to_string(value) + " does not fit in a column of " +
                          type_.to_string());
      }
      values_->mutable_data_as<int128>()[length_] = unscaled;
      break;
    }
    default:
      wrong_type("an integer");
  }
  mark_valid();
  ++length_;
}

void ColumnBuilder::append_double(double value) {
  if (type_.id() != TypeId::kFloat64) {
    wrong_type("a float64");
  }
  grow(length_ + 1);
  values_->mutable_data_as<double>()[length_] = value;
  mark_valid();
  ++length_;
}

void ColumnBuilder::append_decimal(int128 unscaled) {
  if (type_.id() != TypeId::kDecimal) {
    wrong_type("a decimal");
  }
  if (!fits_precision(unscaled, type_.precision())) {
    throw SchemaError("value " + format_decimal(unscaled, type_.scale()) +
                      " does not fit in a column of " + type_.to_string());
  }
  grow(length_ + 1);
  values_->mutable_data_as<int128>()[length_] = unscaled;
  mark_valid();
  ++length_;
}

void ColumnBuilder::append_string(std::string_view value) {
  if (type_.id() != TypeId::kString) {
    wrong_type("a string");
  }
  if (chars_length_ + static_cast<int64_t>(value.size()) > std::numeric_limits<int32_t>::max()) {
    throw ResourceError(
        "a string column chunk cannot hold more than 2 GiB of text (Arrow "
        "int32 offsets); split the data into smaller batches");
  }
  reserve(1, static_cast<int64_t>(value.size()));
  std::memcpy(chars_->mutable_data() + chars_length_, value.data(), value.size());
  chars_length_ += static_cast<int64_t>(value.size());
  values_->mutable_data_as<int32_t>()[length_ + 1] = static_cast<int32_t>(chars_length_);
  mark_valid();
  ++length_;
}

void ColumnBuilder::append(const Scalar& value) {
  if (value.is_null()) {
    append_null();
    return;
  }
  switch (value.type().id()) {
    case TypeId::kBool:
      append_bool(value.as_bool());
      return;
    case TypeId::kInt32:
    case TypeId::kInt64:
      append_int(value.as_int());
      return;
    case TypeId::kFloat64:
      append_double(value.as_double());
      return;
    case TypeId::kString:
      append_string(value.as_string());
      return;
    case TypeId::kDate32:
    case TypeId::kTimestamp:
      if (value.type().id() != type_.id()) {
        wrong_type("a " + value.type().to_string());
      }
      append_int(value.as_int());
      return;
    case TypeId::kDecimal: {
      int128 unscaled = 0;
      if (type_.id() != TypeId::kDecimal) {
        wrong_type("a " + value.type().to_string());
      }
      if (!rescale_decimal(value.as_decimal(), value.type().scale(), type_.scale(),
                           type_.precision(), unscaled)) {
        throw SchemaError("value " + value.to_display() + " does not fit in a column of " +
                          type_.to_string());
      }
      append_decimal(unscaled);
      return;
    }
    case TypeId::kNull:
      append_null();
      return;
  }
}

bool ColumnBuilder::append_text(std::string_view text) {
  bool ok = false;
  switch (type_.id()) {
    case TypeId::kString:
      append_string(text);
      return true;
    case TypeId::kBool: {
      bool value = false;
      if ((ok = parse_bool(text, value))) {
        append_bool(value);
      }
      break;
    }
    case TypeId::kInt32:
    case TypeId::kInt64: {
      int64_t value = 0;
      ok = parse_int64(text, value) &&
           (type_.id() == TypeId::kInt64 || (value >= std::numeric_limits<int32_t>::min() &&
                                             value <= std::numeric_limits<int32_t>::max()));
      if (ok) {
        append_int(value);
      }
      break;
    }
    case TypeId::kFloat64: {
      double value = 0;
      if ((ok = parse_float64(text, value))) {
        append_double(value);
      }
      break;
    }
    case TypeId::kDate32: {
      int32_t days = 0;
      if ((ok = parse_date(text, days))) {
        append_int(days);
      }
      break;
    }
    case TypeId::kTimestamp: {
      int64_t micros = 0;
      if ((ok = parse_timestamp(text, micros))) {
        append_int(micros);
      }
      break;
    }
    case TypeId::kDecimal: {
      int128 unscaled = 0;
      if ((ok = parse_decimal(text, type_.precision(), type_.scale(), unscaled))) {
        append_decimal(unscaled);
      }
      break;
    }
    default:
      break;
  }
  if (!ok) {
    append_null();
  }
  return ok;
}

void ColumnBuilder::append_from(const Column& column, int64_t row) {
  if (column.is_null(row)) {
    append_null();
    return;
  }
  switch (type_.id()) {
    case TypeId::kBool:
      append_bool(column.bool_value(row));
      break;
    case TypeId::kInt32:
    case TypeId::kDate32:
      append_int(column.values<int32_t>()[row]);
      break;
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      append_int(column.values<int64_t>()[row]);
      break;
    case TypeId::kFloat64:
      append_double(column.values<double>()[row]);
      break;
    case TypeId::kString:
      append_string(column.string_value(row));
      break;
    case TypeId::kDecimal:
      append_decimal(column.values<int128>()[row]);
      break;
    case TypeId::kNull:
      append_null();
      break;
  }
}

ColumnPtr ColumnBuilder::finish() {
  if (type_.id() == TypeId::kNull) {
    auto column = Column::nulls(type_, length_);
    length_ = 0;
    return column;
  }
  // Buffers sized for an estimate give back what the rows did not use (a reader that
  // reserves for a range's worst case must not hold several times its data).
  if (type_.id() == TypeId::kString) {
    chars_->resize(static_cast<size_t>(chars_length_));
  }
  if (values_ && length_ < capacity_) {
    size_t used = type_.id() == TypeId::kBool ? static_cast<size_t>((length_ + 7) / 8)
                  : type_.id() == TypeId::kString
                      ? static_cast<size_t>((length_ + 1) * 4)
                      : static_cast<size_t>(length_ * type_.byte_width());
    values_->resize(used);
  }
  if (validity_ && length_ < capacity_) {
    validity_->resize(static_cast<size_t>((length_ + 7) / 8));
  }
  auto column = std::make_shared<Column>(type_, length_, null_count_ > 0 ? validity_ : nullptr,
                                         values_, chars_, null_count_);
  *this = ColumnBuilder(type_);
  return column;
}

}  // namespace setl::engine
