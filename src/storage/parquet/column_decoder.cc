#include "storage/parquet/column_decoder.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "setl/core/error.h"
#include "storage/file_io.h"
#include "storage/parquet/encoding.h"

namespace setl::storage::parquet {
namespace {

using engine::Buffer;
using engine::BufferPtr;
using Encoding = format::Encoding;
using PhysicalType = format::Type;

__extension__ using Int128 = __int128;  // for DECIMALs of up to 16 bytes

constexpr int64_t kJulianDayOfEpoch = 2'440'588;
constexpr int64_t kMicrosPerDay = 86'400'000'000;

[[noreturn]] void truncated(const std::string& what) {
  throw ParseError("truncated " + what);
}

template <class T>
T load(const uint8_t* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

int64_t int96_to_micros(const uint8_t* p) {
  int64_t nanos_of_day = load<int64_t>(p);
  int64_t julian_day = load<int32_t>(p + 8);
  // In 128 bits: the extremes Spark writes (e.g. the smallest microsecond timestamp) only
  // fit in 64 bits once the time of day is added.
  Int128 micros = Int128{julian_day - kJulianDayOfEpoch} * kMicrosPerDay + nanos_of_day / 1000;
  if (micros < std::numeric_limits<int64_t>::min() ||
      micros > std::numeric_limits<int64_t>::max()) {
    throw ParseError("INT96 timestamp on Julian day " + std::to_string(julian_day) +
                     " is out of range for microsecond timestamps (years -290308 to 294247)");
  }
  return static_cast<int64_t>(micros);
}

// Unscaled big-endian two's complement integer (a DECIMAL stored as bytes) as a double.
double big_endian_decimal(std::string_view bytes) {
  if (bytes.empty()) {
    return 0;
  }
  if (bytes.size() <= 16) {
    Int128 value = static_cast<int8_t>(bytes[0]);  // sign-extends
    for (size_t i = 1; i < bytes.size(); ++i) {
      value = value * 256 + static_cast<uint8_t>(bytes[i]);
    }
    return static_cast<double>(value);
  }
  long double value = static_cast<int8_t>(bytes[0]);
  for (size_t i = 1; i < bytes.size(); ++i) {
    value = value * 256 + static_cast<uint8_t>(bytes[i]);
  }
  return static_cast<double>(value);
}

// Unscaled big-endian two's complement integer (a DECIMAL stored as bytes) exactly; bytes
// past 16 must only repeat the sign.
Int128 big_endian_unscaled(std::string_view bytes) {
  if (bytes.empty()) {
    return 0;
  }
  size_t skip = bytes.size() > 16 ? bytes.size() - 16 : 0;
  char sign = static_cast<int8_t>(bytes[skip]) < 0 ? '\xff' : '\0';
  for (size_t i = 0; i < skip; ++i) {
    if (bytes[i] != sign) {
      throw ParseError("DECIMAL value of " + std::to_string(bytes.size()) +
                       " bytes does not fit in 38 digits");
    }
  }
  Int128 value = static_cast<int8_t>(bytes[skip]);  // sign-extends
  for (size_t i = skip + 1; i < bytes.size(); ++i) {
    value = static_cast<Int128>(static_cast<engine::uint128>(value) << 8) +
            static_cast<uint8_t>(bytes[i]);
  }
  return value;
}

int64_t floor_div(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

// Physical value → engine value.
template <class Phys, class Out>
Out convert(Phys value, Conversion conversion, double scale) {
  if constexpr (std::is_same_v<Out, Int128>) {  // an exact DECIMAL: the unscaled integer
    if constexpr (std::is_same_v<Phys, std::string_view>) {
      return big_endian_unscaled(value);
    } else {
      return static_cast<Int128>(value);
    }
  } else if constexpr (std::is_same_v<Out, double>) {
    if constexpr (std::is_same_v<Phys, std::string_view>) {
      return big_endian_decimal(value) / scale;
    } else if constexpr (std::is_integral_v<Phys>) {
      return static_cast<double>(value) / scale;
    } else {
      return static_cast<double>(value);
    }
  } else if constexpr (std::is_same_v<Phys, int32_t> && std::is_same_v<Out, int64_t>) {
    return static_cast<int64_t>(static_cast<uint32_t>(value));
  } else if constexpr (std::is_same_v<Phys, int64_t> && std::is_same_v<Out, int64_t>) {
    switch (conversion) {
      case Conversion::kMillisToMicros:
        return static_cast<int64_t>(static_cast<uint64_t>(value) * 1000u);
      case Conversion::kNanosToMicros:
        return floor_div(value, 1000);
      default:
        return value;
    }
  } else {
    static_assert(std::is_same_v<Phys, Out>);
    return value;
  }
}

template <class Phys>
class PhysicalDecoder {
 public:
  PhysicalDecoder(const FlatColumn& column) : column_(column) {}

  // Decodes `count` values of a non-dictionary encoding into `out`.
  void decode(Encoding::type encoding, const uint8_t* data, size_t size, int64_t count, Phys* out) {
    if (count == 0) {
      return;  // also: `out` may be null
    }
    size_t n = static_cast<size_t>(count);
    if constexpr (std::is_same_v<Phys, uint8_t>) {  // BOOLEAN
      if (encoding == Encoding::PLAIN) {
        if ((n + 7) / 8 > size) {
          truncated("PLAIN booleans");
        }
        for (size_t i = 0; i < n; ++i) {
          out[i] = (data[i >> 3] >> (i & 7)) & 1;
        }
        return;
      }
      if (encoding == Encoding::RLE) {
        if (size < 4) {
          truncated("RLE booleans");
        }
        uint32_t length = load<uint32_t>(data);
        if (length > size - 4) {
          truncated("RLE booleans");
        }
        levels_.resize(n);
        RleDecoder(data + 4, length, 1).decode(levels_.data(), count);
        for (size_t i = 0; i < n; ++i) {
          out[i] = static_cast<uint8_t>(levels_[i]);
        }
        return;
      }
    } else if constexpr (std::is_same_v<Phys, std::string_view>) {
      if (encoding == Encoding::PLAIN && column_.physical == PhysicalType::BYTE_ARRAY) {
        size_t pos = 0;
        for (size_t i = 0; i < n; ++i) {
          if (size - pos < 4) {
            truncated("PLAIN byte array");
          }
          uint32_t length = load<uint32_t>(data + pos);
          pos += 4;
          if (length > size - pos) {
            truncated("PLAIN byte array value");
          }
          out[i] = std::string_view(reinterpret_cast<const char*>(data + pos), length);
          pos += length;
        }
        return;
      }
      if (encoding == Encoding::PLAIN || encoding == Encoding::BYTE_STREAM_SPLIT) {  // FLBA
        size_t width = static_cast<size_t>(column_.type_length);
        if (width * n > size) {
          truncated("fixed-length byte arrays");
        }
        const uint8_t* source = data;
        if (encoding == Encoding::BYTE_STREAM_SPLIT) {
          scratch_.resize(width * n);
          byte_stream_split_decode(data, size, count, static_cast<int>(width),
                                   reinterpret_cast<uint8_t*>(scratch_.data()));
          source = reinterpret_cast<const uint8_t*>(scratch_.data());
        }
        for (size_t i = 0; i < n; ++i) {
          out[i] = std::string_view(reinterpret_cast<const char*>(source + i * width), width);
        }
        return;
      }
      if (encoding == Encoding::DELTA_LENGTH_BYTE_ARRAY || encoding == Encoding::DELTA_BYTE_ARRAY) {
        if (encoding == Encoding::DELTA_LENGTH_BYTE_ARRAY) {
          delta_length_decode(data, size, count, views_);
        } else {
          delta_byte_array_decode(data, size, count, scratch_, views_);
        }
        std::copy(views_.begin(), views_.end(), out);
        return;
      }
    } else {
      constexpr bool kInteger = std::is_same_v<Phys, int32_t> || std::is_same_v<Phys, int64_t>;
      if (encoding == Encoding::PLAIN) {
        if (column_.physical == PhysicalType::INT96) {
          if constexpr (std::is_same_v<Phys, int64_t>) {
            if (n * 12 > size) {
              truncated("PLAIN INT96 values");
            }
            for (size_t i = 0; i < n; ++i) {
              out[i] = int96_to_micros(data + 12 * i);
            }
            return;
          }
        } else {
          if (n * sizeof(Phys) > size) {
            truncated("PLAIN values");
          }
          std::memcpy(out, data, n * sizeof(Phys));
          return;
        }
      }
      if (encoding == Encoding::BYTE_STREAM_SPLIT && column_.physical != PhysicalType::INT96) {
        byte_stream_split_decode(data, size, count, sizeof(Phys), reinterpret_cast<uint8_t*>(out));
        return;
      }
      if (kInteger && encoding == Encoding::DELTA_BINARY_PACKED) {
        delta_binary_decode(data, size, count, deltas_);
        if (static_cast<int64_t>(deltas_.size()) < count) {
          truncated("DELTA_BINARY_PACKED values (fewer than the page declares)");
        }
        for (size_t i = 0; i < n; ++i) {
          out[i] = static_cast<Phys>(deltas_[i]);
        }
        return;
      }
    }
    throw ParseError("encoding " + format::to_string(encoding) + " is not supported for " +
                     format::to_string(column_.physical) + " columns");
  }

 private:
  const FlatColumn& column_;
  std::vector<uint32_t> levels_;
  std::vector<int64_t> deltas_;
  std::vector<std::string_view> views_;
  std::string scratch_;
};

template <class Phys, class Out>
class TypedDecoder final : public ColumnDecoder {
 public:
  TypedDecoder(const FlatColumn& column, int64_t rows, bool keep_dictionary)
      : column_(column),
        rows_(rows),
        physical_(column),
        scale_(std::pow(10.0, static_cast<double>(column.scale))) {
    // Memory grows with the pages actually decoded, never from the footer's row count
    // alone: a footer can claim any number of rows.
    values_ = Buffer::allocate(bytes_for(0), true);
    keep_dictionary_ = keep_dictionary && std::is_same_v<Out, std::string_view>;
  }
  void dictionary_page(const uint8_t* data, size_t size, int64_t count) override {
    if (count < 0) {
      throw ParseError("dictionary page with a negative value count");
    }
    // PLAIN values take at least this many bytes each: check before allocating `count`.
    uint64_t least = column_.physical == PhysicalType::BOOLEAN      ? 0
                     : column_.physical == PhysicalType::BYTE_ARRAY ? 4
                     : std::is_same_v<Phys, std::string_view>
                         ? static_cast<uint64_t>(std::max(column_.type_length, 1))
                         : (column_.physical == PhysicalType::INT96 ? 12 : sizeof(Phys));
    if (least > 0 && static_cast<uint64_t>(count) > size / least) {
      throw ParseError("dictionary page declares " + std::to_string(count) +
                       " values but holds only " + std::to_string(size) + " bytes");
    }

    if (encoded_) {  // a second dictionary: the rows so far index the first
      materialize_codes();
    }
    dictionary_column_.reset();
    dictionary_bytes_.assign(reinterpret_cast<const char*>(data), size);
    std::vector<Phys> physical(static_cast<size_t>(count));
    physical_.decode(Encoding::PLAIN, reinterpret_cast<const uint8_t*>(dictionary_bytes_.data()),
                     size, count, physical.data());
    dictionary_.resize(physical.size());
    for (size_t i = 0; i < physical.size(); ++i) {
      dictionary_[i] = to_engine(physical[i]);
    }
    has_dictionary_ = true;
  }

  void data_page(const uint8_t* data, size_t size, int64_t num_values, const uint32_t* levels,
                 int64_t present, Encoding::type encoding) override {
    if (num_values < 0 || num_values > rows_ - flushed_ - row_) {
      throw ParseError("data page holds " + std::to_string(num_values) +
                       " values but the row group has " + std::to_string(rows_ - flushed_ - row_) +
                       " rows left");
    }
    if (present < 0 || present > num_values) {
      throw ParseError("data page has " + std::to_string(present) + " present values of " +
                       std::to_string(num_values));
    }
    // Decoded values may not expand past the limits relative to the page's bytes (an RLE
    // run of dictionary indices can claim billions of values in a few bytes).
    detail::check_expansion("Parquet column '" + column_.name + "' data page", size,
                            static_cast<uint64_t>(present) * sizeof(Out));
    ensure_rows(row_ + num_values);
    bool by_dictionary =
        encoding == Encoding::RLE_DICTIONARY || encoding == Encoding::PLAIN_DICTIONARY;
    // (An empty dictionary, as for a chunk of NULLs, leaves no code to give a row.)
    if (keep_dictionary_ && by_dictionary && !dictionary_.empty() && (row_ == 0 || encoded_)) {
      encoded_page(data, size, num_values, levels, present);
      return;
    }
    if (encoded_) {  // a plain page after encoded ones (the writer's dictionary filled up)
      materialize_codes();
    }
    dense_.resize(static_cast<size_t>(present));
    Out* target = dense_.data();
    bool direct = false;
    if constexpr (!std::is_same_v<Out, std::string_view> && !std::is_same_v<Out, uint8_t>) {
      // No nulls in the page: decode straight into the column.
      if (present == num_values) {
        target = values_->mutable_data_as<Out>() + row_;
        direct = true;
      }
    }
    if (by_dictionary) {
      decode_indices(data, size, present, target);
    } else if (std::is_same_v<Phys, Out> && column_.conversion == Conversion::kNone) {
      physical_.decode(encoding, data, size, present, reinterpret_cast<Phys*>(target));
    } else {
      physical_buffer_.resize(static_cast<size_t>(present));
      physical_.decode(encoding, data, size, present, physical_buffer_.data());
      for (size_t i = 0; i < physical_buffer_.size(); ++i) {
        target[i] = to_engine(physical_buffer_[i]);
      }
    }
    if (!direct) {
      place(levels, num_values);
    } else if (levels != nullptr && validity_ != nullptr) {
      mark_valid(row_, num_values);
    }
    row_ += num_values;
  }

  engine::ColumnPtr flush() override {
    ensure_rows(row_);
    if (encoded_) {
      auto column = engine::Column::dictionary_encoded(dictionary_column(), row_, values_,
                                                       nulls_ > 0 ? validity_ : nullptr, nulls_);
      start_piece();
      return column;
    }
    BufferPtr chars;
    if constexpr (std::is_same_v<Out, std::string_view>) {
      chars = Buffer::allocate(chars_.size());
      std::memcpy(chars->mutable_data(), chars_.data(), chars_.size());
    }
    auto column = std::make_shared<engine::Column>(
        column_.type, row_, nulls_ > 0 ? validity_ : nullptr, values_, chars, nulls_);
    start_piece();
    return column;
  }

  engine::ColumnPtr finish() override {
    if (flushed_ + row_ != rows_) {
      throw ParseError("column chunk holds " + std::to_string(flushed_ + row_) +
                       " values, the row group " + std::to_string(rows_) + " rows");
    }
    return flush();
  }

 private:
  void start_piece() {
    flushed_ += row_;
    row_ = 0;
    capacity_ = 0;
    nulls_ = 0;
    values_ = Buffer::allocate(bytes_for(0), true);
    validity_ = nullptr;
    chars_.clear();
    encoded_ = false;
  }

  // The page's dictionary indices into indices_, each checked against the dictionary.
  void read_indices(const uint8_t* data, size_t size, int64_t count) {
    if (!has_dictionary_) {
      throw ParseError("dictionary-encoded page without a dictionary page");
    }
    if (size < 1) {
      truncated("dictionary indices");
    }
    indices_.resize(static_cast<size_t>(count));
    RleDecoder(data + 1, size - 1, data[0]).decode(indices_.data(), count);
    size_t limit = dictionary_.size();
    for (size_t i = 0; i < indices_.size(); ++i) {
      if (indices_[i] >= limit) {
        throw ParseError("dictionary index " + std::to_string(indices_[i]) +
                         " is out of range (the dictionary holds " + std::to_string(limit) +
                         " values)");
      }
    }
  }

  void decode_indices(const uint8_t* data, size_t size, int64_t count, Out* out) {
    read_indices(data, size, count);
    for (size_t i = 0; i < indices_.size(); ++i) {
      out[i] = dictionary_[indices_[i]];
    }
  }

  // A dictionary-encoded page kept as codes (values_ holds one int32 code per row while
  // encoded_; a NULL row's code is 0).
  void encoded_page(const uint8_t* data, size_t size, int64_t num_values, const uint32_t* levels,
                    int64_t present) {
    read_indices(data, size, present);
    auto* codes = values_->mutable_data_as<int32_t>() + row_;
    if (levels == nullptr || present == num_values) {
      for (int64_t i = 0; i < num_values; ++i) {
        codes[i] = static_cast<int32_t>(indices_[static_cast<size_t>(i)]);
      }
      if (validity_ != nullptr) {
        mark_valid(row_, num_values);
      }
    } else {
      ensure_validity();
      size_t next = 0;
      for (int64_t i = 0; i < num_values; ++i) {
        bool valid = levels[i] != 0;
        engine::set_bit(validity_->mutable_data(), row_ + i, valid);
        nulls_ += valid ? 0 : 1;
        codes[i] = valid ? static_cast<int32_t>(indices_[next++]) : 0;
      }
    }
    row_ += num_values;
    encoded_ = true;
  }

  // The piece's codes so far as plain strings (offsets in values_, bytes in chars_).
  void materialize_codes() {
    if constexpr (std::is_same_v<Out, std::string_view>) {
      const int32_t* held = values_->template data_as<int32_t>();
      std::vector<int32_t> codes(held, held + row_);
      auto* offsets = values_->mutable_data_as<int32_t>();
      offsets[0] = 0;
      for (int64_t row = 0; row < row_; ++row) {
        if (validity_ == nullptr || engine::get_bit(validity_->data(), row)) {
          chars_.append(dictionary_[static_cast<size_t>(codes[static_cast<size_t>(row)])]);
        }
        if (chars_.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
          throw ResourceError("a string column chunk exceeds 2 GiB; write smaller row groups");
        }
        offsets[row + 1] = static_cast<int32_t>(chars_.size());
      }
    }
    encoded_ = false;
  }

  // The dictionary page as an engine column, built once and shared by the pieces.
  engine::ColumnPtr dictionary_column() {
    if constexpr (std::is_same_v<Out, std::string_view>) {
      if (dictionary_column_ == nullptr) {
        size_t bytes = 0;
        for (std::string_view entry : dictionary_) {
          bytes += entry.size();
        }
        if (bytes > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
          throw ResourceError("a string dictionary exceeds 2 GiB");
        }
        BufferPtr offsets = Buffer::allocate((dictionary_.size() + 1) * 4);
        BufferPtr chars = Buffer::allocate(bytes);
        int32_t* out = offsets->mutable_data_as<int32_t>();
        size_t at = 0;
        out[0] = 0;
        for (size_t i = 0; i < dictionary_.size(); ++i) {
          std::memcpy(chars->mutable_data() + at, dictionary_[i].data(), dictionary_[i].size());
          at += dictionary_[i].size();
          out[i + 1] = static_cast<int32_t>(at);
        }
        dictionary_column_ = std::make_shared<engine::Column>(
            engine::DataType::string(), static_cast<int64_t>(dictionary_.size()), nullptr,
            std::move(offsets), std::move(chars), 0);
      }
    }
    return dictionary_column_;
  }

  // One physical value as the engine holds it; a DECIMAL must keep to its precision (the
  // engine's overflow checks rely on it).
  Out to_engine(const Phys& value) const {
    Out out = convert<Phys, Out>(value, column_.conversion, scale_);
    if constexpr (std::is_same_v<Out, Int128>) {
      if (!engine::fits_precision(out, column_.type.precision())) {
        throw ParseError("DECIMAL value " + engine::format_decimal(out, column_.type.scale()) +
                         " has more digits than " + column_.type.to_string());
      }
    }
    return out;
  }

  static size_t bytes_for(int64_t rows) {
    auto count = static_cast<size_t>(rows);
    if constexpr (std::is_same_v<Out, std::string_view>) {
      return sizeof(int32_t) * (count + 1);
    } else if constexpr (std::is_same_v<Out, uint8_t>) {
      return (count + 7) / 8;
    } else {
      return sizeof(Out) * count;
    }
  }

  // Room for `needed` rows of this piece (at most the row group's rows left, which
  // map_schema bounded so that no size below can overflow), growing geometrically.
  void ensure_rows(int64_t needed) {
    if (needed <= capacity_) {
      return;
    }
    int64_t capacity = std::min(rows_ - flushed_, std::max(needed, capacity_ * 2));
    values_->resize(bytes_for(capacity));
    if (validity_ != nullptr) {
      validity_->resize(static_cast<size_t>((capacity + 7) / 8));
    }
    capacity_ = capacity;
  }

  void ensure_validity() {
    if (validity_ == nullptr) {
      validity_ = Buffer::allocate(static_cast<size_t>((capacity_ + 7) / 8), true);
      mark_valid(0, row_);
    }
  }

  void mark_valid(int64_t from, int64_t count) {
    uint8_t* bits = validity_->mutable_data();
    for (int64_t i = from; i < from + count; ++i) {
      engine::set_bit(bits, i, true);
    }
  }

  // Spreads the dense values of a page over its rows, leaving gaps at the nulls.
  void place(const uint32_t* levels, int64_t num_values) {
    if (levels != nullptr && static_cast<int64_t>(dense_.size()) < num_values) {
      ensure_validity();
    }
    size_t next = 0;
    for (int64_t i = 0; i < num_values; ++i) {
      int64_t row = row_ + i;
      bool valid = levels == nullptr || levels[i] != 0;
      if (validity_ != nullptr) {
        engine::set_bit(validity_->mutable_data(), row, valid);
      }
      if (!valid) {
        ++nulls_;
      }
      if constexpr (std::is_same_v<Out, std::string_view>) {
        if (valid) {
          std::string_view value = dense_[next++];
          chars_.append(value);
        }
        if (chars_.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
          throw ResourceError("a string column chunk exceeds 2 GiB; write smaller row groups");
        }
        values_->mutable_data_as<int32_t>()[row + 1] = static_cast<int32_t>(chars_.size());
      } else if constexpr (std::is_same_v<Out, uint8_t>) {
        if (valid) {
          engine::set_bit(values_->mutable_data(), row, dense_[next++] != 0);
        }
      } else if (valid) {
        values_->mutable_data_as<Out>()[row] = dense_[next++];  // null slots stay zero
      }
    }
  }

  const FlatColumn& column_;
  int64_t rows_;
  int64_t flushed_ = 0;   // rows handed over in earlier pieces
  int64_t row_ = 0;       // rows of this piece
  int64_t capacity_ = 0;  // rows values_ has room for
  int64_t nulls_ = 0;
  PhysicalDecoder<Phys> physical_;
  double scale_;
  BufferPtr values_;
  BufferPtr validity_;
  std::string chars_;
  std::string dictionary_bytes_;  // the dictionary page; string values point into it
  std::vector<Out> dictionary_;
  bool has_dictionary_ = false;
  bool keep_dictionary_ = false;  // hand over dictionary-encoded pieces as codes
  bool encoded_ = false;          // this piece's rows are codes so far
  engine::ColumnPtr dictionary_column_;
  std::vector<Out> dense_;
  std::vector<Phys> physical_buffer_;
  std::vector<uint32_t> indices_;
};

class AllNullDecoder final : public ColumnDecoder {
 public:
  AllNullDecoder(const FlatColumn& column, int64_t rows) : column_(column), rows_(rows) {}
  void dictionary_page(const uint8_t*, size_t, int64_t) override {}
  void data_page(const uint8_t*, size_t, int64_t num_values, const uint32_t*, int64_t,
                 Encoding::type) override {
    row_ += num_values;
  }
  engine::ColumnPtr flush() override {
    flushed_ += row_;
    return engine::Column::nulls(column_.type, std::exchange(row_, 0));
  }
  engine::ColumnPtr finish() override {
    if (flushed_ + row_ != rows_) {
      throw ParseError("column chunk holds " + std::to_string(flushed_ + row_) +
                       " values, the row group " + std::to_string(rows_) + " rows");
    }
    return flush();
  }

 private:
  const FlatColumn& column_;
  int64_t rows_;
  int64_t flushed_ = 0;
  int64_t row_ = 0;
};

}  // namespace

std::unique_ptr<ColumnDecoder> make_column_decoder(const FlatColumn& column, int64_t rows,
                                                   bool keep_dictionary) {
  using engine::TypeId;
  TypeId target = column.type.id();
  if (column.conversion == Conversion::kAllNull || target == TypeId::kNull) {
    return std::make_unique<AllNullDecoder>(column, rows);
  }
  switch (column.physical) {
    case PhysicalType::BOOLEAN:
      return std::make_unique<TypedDecoder<uint8_t, uint8_t>>(column, rows, keep_dictionary);
    case PhysicalType::INT32:
      if (target == TypeId::kDecimal) {
        return std::make_unique<TypedDecoder<int32_t, Int128>>(column, rows, keep_dictionary);
      }
      if (target == TypeId::kInt64) {
        return std::make_unique<TypedDecoder<int32_t, int64_t>>(column, rows, keep_dictionary);
      }
      if (target == TypeId::kFloat64) {
        return std::make_unique<TypedDecoder<int32_t, double>>(column, rows, keep_dictionary);
      }
      return std::make_unique<TypedDecoder<int32_t, int32_t>>(column, rows, keep_dictionary);
    case PhysicalType::INT64:
    case PhysicalType::INT96:
      if (target == TypeId::kDecimal) {
        return std::make_unique<TypedDecoder<int64_t, Int128>>(column, rows, keep_dictionary);
      }
      if (target == TypeId::kFloat64) {
        return std::make_unique<TypedDecoder<int64_t, double>>(column, rows, keep_dictionary);
      }
      return std::make_unique<TypedDecoder<int64_t, int64_t>>(column, rows, keep_dictionary);
    case PhysicalType::FLOAT:
      return std::make_unique<TypedDecoder<float, double>>(column, rows, keep_dictionary);
    case PhysicalType::DOUBLE:
      return std::make_unique<TypedDecoder<double, double>>(column, rows, keep_dictionary);
    case PhysicalType::BYTE_ARRAY:
    case PhysicalType::FIXED_LEN_BYTE_ARRAY:
      if (target == TypeId::kDecimal) {
        return std::make_unique<TypedDecoder<std::string_view, Int128>>(column, rows,
                                                                        keep_dictionary);
      }
      if (target == TypeId::kFloat64) {
        return std::make_unique<TypedDecoder<std::string_view, double>>(column, rows,
                                                                        keep_dictionary);
      }
      return std::make_unique<TypedDecoder<std::string_view, std::string_view>>(column, rows,
                                                                                keep_dictionary);
  }
  throw ParseError("unknown physical type " + format::to_string(column.physical));
}

std::optional<engine::Scalar> decode_statistic(const FlatColumn& column, const std::string& bytes) {
  using engine::Scalar;
  using engine::TypeId;
  auto data = reinterpret_cast<const uint8_t*>(bytes.data());
  double scale = std::pow(10.0, static_cast<double>(column.scale));
  TypeId target = column.type.id();
  // Statistics are hints: one that does not fit the type is ignored, not trusted.
  auto decimal = [&](Int128 value) -> std::optional<Scalar> {
    if (!engine::fits_precision(value, column.type.precision())) {
      return std::nullopt;
    }
    return Scalar::decimal(value, column.type.precision(), column.type.scale());
  };
  auto integer = [&](int64_t value) -> std::optional<Scalar> {
    switch (target) {
      case TypeId::kInt32:
        return Scalar::int32(static_cast<int32_t>(value));
      case TypeId::kInt64:
        return Scalar::int64(value);
      case TypeId::kDate32:
        return Scalar::date32(static_cast<int32_t>(value));
      case TypeId::kTimestamp:
        return Scalar::timestamp(value, column.type.zone());
      case TypeId::kFloat64:
        return Scalar::float64(static_cast<double>(value) / scale);
      case TypeId::kDecimal:
        return decimal(value);
      default:
        return std::nullopt;
    }
  };
  switch (column.physical) {
    case PhysicalType::BOOLEAN:
      if (bytes.size() != 1) {
        return std::nullopt;
      }
      return Scalar::boolean(data[0] != 0);
    case PhysicalType::INT32:
      if (bytes.size() != 4) {
        return std::nullopt;
      }
      return integer(column.conversion == Conversion::kUnsigned32
                         ? static_cast<int64_t>(load<uint32_t>(data))
                         : static_cast<int64_t>(load<int32_t>(data)));
    case PhysicalType::INT64:
      if (bytes.size() != 8) {
        return std::nullopt;
      }
      return integer(convert<int64_t, int64_t>(load<int64_t>(data), column.conversion, scale));
    case PhysicalType::FLOAT:
    case PhysicalType::DOUBLE: {
      double value = column.physical == PhysicalType::FLOAT
                         ? (bytes.size() == 4 ? load<float>(data) : std::nan(""))
                         : (bytes.size() == 8 ? load<double>(data) : std::nan(""));
      if (std::isnan(value)) {
        return std::nullopt;
      }
      return Scalar::float64(value);
    }
    case PhysicalType::BYTE_ARRAY:
    case PhysicalType::FIXED_LEN_BYTE_ARRAY:
      if (target == TypeId::kFloat64) {
        return Scalar::float64(big_endian_decimal(bytes) / scale);
      }
      if (target == TypeId::kDecimal) {
        try {
          return decimal(big_endian_unscaled(bytes));
        } catch (const ParseError&) {
          return std::nullopt;
        }
      }
      return Scalar::string(bytes);
    default:
      return std::nullopt;
  }
}

}  // namespace setl::storage::parquet
