// Codecs turn a factory's output into bytes and back: the disk tier of the result cache
// stores outputs through them, and a distributed run sends a single-rank factory's output
// to the other ranks through them. Built in: std::string, arithmetic types and std::vector
// of them (add_builtin()); tables and datasets come from setl/cache_codecs.h (Parquet).
#pragma once

#include <istream>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <typeindex>

#include "setl/core/type_name.h"
#include "setl/workflow/deliverable.h"

namespace setl::workflow {

/// Type-erased codec, for registries.
class CodecBase {
 public:
  virtual ~CodecBase() = default;
  virtual void encode_erased(const void* value, std::ostream& out) const = 0;
  virtual std::shared_ptr<const void> decode_erased(std::istream& in) const = 0;
};

/// Turns a T into bytes and back. decode() must throw (any exception) on bad bytes.
template <class T>
class Codec : public CodecBase {
 public:
  virtual void encode(const T& value, std::ostream& out) const = 0;
  virtual T decode(std::istream& in) const = 0;

 private:
  void encode_erased(const void* value, std::ostream& out) const final {
    encode(*static_cast<const T*>(value), out);
  }
  std::shared_ptr<const void> decode_erased(std::istream& in) const final {
    return std::make_shared<const T>(decode(in));
  }
};

/// Codecs by type; safe to use from several threads.
class CodecRegistry {
 public:
  template <class T>
  void add(std::shared_ptr<const Codec<T>> codec) {
    add_erased(type_info_of<T>(), std::move(codec));
  }
  void add_erased(const TypeInfo& type, std::shared_ptr<const CodecBase> codec);
  /// Codecs for std::string, arithmetic types and std::vector of either.
  void add_builtin();
  /// The codec of `type`, or null.
  std::shared_ptr<const CodecBase> find(const TypeInfo& type) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::type_index, std::shared_ptr<const CodecBase>> codecs_;
};

}  // namespace setl::workflow
