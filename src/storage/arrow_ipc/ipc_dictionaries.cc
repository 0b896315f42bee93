#include "storage/arrow_ipc/ipc_dictionaries.h"

#include <cstring>
#include <string_view>
#include <unordered_map>

#include "setl/engine/builder.h"

namespace setl::storage::detail {
namespace {

using engine::Buffer;
using engine::BufferPtr;
using engine::Column;
using engine::ColumnPtr;

// Numbers distinct strings in order of first appearance, building their dictionary.
class DictionaryBuilder {
 public:
  int32_t code_of(std::string_view text) {
    auto [found, added] = codes_.try_emplace(text, static_cast<int32_t>(codes_.size()));
    if (added) {
      strings_.append_string(text);
    }
    return found->second;
  }
  // The dictionary; never empty, so that a NULL row's code 0 is a valid index.
  ColumnPtr finish() {
    if (codes_.empty()) {
      strings_.append_string("");
    }
    return strings_.finish();
  }

 private:
  // Keys view the strings of the columns being encoded, alive during the encoding.
  std::unordered_map<std::string_view, int32_t> codes_;
  engine::ColumnBuilder strings_{engine::DataType::string()};
};

// The validity of `column`'s rows from bit 0 (null when it has no NULLs).
BufferPtr validity_from_zero(const Column& column) {
  if (column.null_count() == 0 || column.validity_buffer() == nullptr) {
    return nullptr;
  }
  BufferPtr bits = Buffer::allocate(static_cast<size_t>((column.length() + 7) / 8));
  engine::copy_bits(column.validity_buffer()->data(), column.offset(), column.length(),
                    bits->mutable_data());
  return bits;
}

}  // namespace

ColumnPtr dictionary_encode(const ColumnPtr& column) {
  if (column->is_dictionary()) {
    return column;
  }
  int64_t rows = column->length();
  BufferPtr codes = Buffer::allocate(static_cast<size_t>(rows) * 4);
  auto* out = reinterpret_cast<int32_t*>(codes->mutable_data());
  DictionaryBuilder dictionary;
  for (int64_t row = 0; row < rows; ++row) {
    out[row] = column->is_null(row) ? 0 : dictionary.code_of(column->string_value(row));
  }
  return Column::dictionary_encoded(dictionary.finish(), rows, std::move(codes),
                                    validity_from_zero(*column), column->null_count());
}

std::vector<ColumnPtr> share_dictionary(const std::vector<ColumnPtr>& parts) {
  bool shared = true;
  for (const ColumnPtr& part : parts) {
    shared = shared && part->dictionary() == parts.front()->dictionary();
  }
  if (shared) {
    return parts;
  }
  DictionaryBuilder united;
  std::vector<std::vector<int32_t>> recode;  // by part: old code to united code
  for (const ColumnPtr& part : parts) {
    const Column& entries = *part->dictionary();
    std::vector<int32_t>& map = recode.emplace_back(static_cast<size_t>(entries.length()));
    for (int64_t entry = 0; entry < entries.length(); ++entry) {
      map[static_cast<size_t>(entry)] = united.code_of(entries.string_value(entry));
    }
  }
  ColumnPtr dictionary = united.finish();
  std::vector<ColumnPtr> out;
  for (size_t p = 0; p < parts.size(); ++p) {
    const Column& part = *parts[p];
    BufferPtr codes = Buffer::allocate(static_cast<size_t>(part.length()) * 4);
    auto* to = reinterpret_cast<int32_t*>(codes->mutable_data());
    const int32_t* from = part.codes();
    for (int64_t row = 0; row < part.length(); ++row) {
      to[row] = recode[p][static_cast<size_t>(from[row])];
    }
    out.push_back(Column::dictionary_encoded(dictionary, part.length(), std::move(codes),
                                             validity_from_zero(part), part.null_count()));
  }
  return out;
}

}  // namespace setl::storage::detail
