// A struct of a flatbuffer vector, copied out. The verifier checks a vector's alignment
// only to four bytes, so in a damaged buffer an 8-byte struct (FieldNode, Buffer, Block)
// may sit misaligned, where reading it in place is undefined behaviour.
#pragma once

#include <cstddef>
#include <cstring>

#include <flatbuffers/flatbuffers.h>

namespace setl::storage::detail {

template <class Struct>
Struct struct_at(const flatbuffers::Vector<const Struct*>& vector, size_t index) {
  Struct out;
  std::memcpy(static_cast<void*>(&out), vector.Data() + index * sizeof(Struct), sizeof(Struct));
  return out;
}

}  // namespace setl::storage::detail
