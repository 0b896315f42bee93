#include "setl/workflow/codecs.h"

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "setl/core/error.h"

namespace setl::workflow {
namespace {

// Built-in codecs: length-prefixed binary.
template <class T>
void write_raw(std::ostream& out, const T& value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof(T));
}
template <class T>
T read_raw(std::istream& in) {
  T value{};
  if (!in.read(reinterpret_cast<char*>(&value), sizeof(T))) {
    throw ParseError("truncated encoded value");
  }
  return value;
}
void write_string(std::ostream& out, const std::string& value) {
  write_raw<uint64_t>(out, value.size());
  out.write(value.data(), static_cast<std::streamsize>(value.size()));
}
std::string read_string(std::istream& in) {
  auto size = read_raw<uint64_t>(in);
  if (size > (uint64_t{1} << 40)) {
    throw ParseError("corrupt encoded value");
  }
  std::string value(size, '\0');
  if (!in.read(value.data(), static_cast<std::streamsize>(size))) {
    throw ParseError("truncated encoded value");
  }
  return value;
}

template <class T>
class ScalarCodec : public Codec<T> {
 public:
  void encode(const T& value, std::ostream& out) const override {
    if constexpr (std::is_same_v<T, std::string>) {
      write_string(out, value);
    } else {
      write_raw(out, value);
    }
  }
  T decode(std::istream& in) const override {
    if constexpr (std::is_same_v<T, std::string>) {
      return read_string(in);
    } else {
      return read_raw<T>(in);
    }
  }
};

template <class T>
class VectorCodec : public Codec<std::vector<T>> {
 public:
  void encode(const std::vector<T>& values, std::ostream& out) const override {
    write_raw<uint64_t>(out, values.size());
    for (const T& value : values) {
      element_.encode(value, out);
    }
  }
  std::vector<T> decode(std::istream& in) const override {
    auto size = read_raw<uint64_t>(in);
    std::vector<T> values;
    for (uint64_t i = 0; i < size; ++i) {
      values.push_back(element_.decode(in));
    }
    return values;
  }

 private:
  ScalarCodec<T> element_;
};

template <class T>
void add_scalar_and_vector(CodecRegistry& registry) {
  registry.add<T>(std::make_shared<const ScalarCodec<T>>());
  registry.add<std::vector<T>>(std::make_shared<const VectorCodec<T>>());
}

}  // namespace

void CodecRegistry::add_erased(const TypeInfo& type, std::shared_ptr<const CodecBase> codec) {
  std::lock_guard lock(mutex_);
  codecs_[type.index()] = std::move(codec);
}

void CodecRegistry::add_builtin() {
  add_scalar_and_vector<std::string>(*this);
  add_scalar_and_vector<bool>(*this);
  add_scalar_and_vector<int32_t>(*this);
  add_scalar_and_vector<int64_t>(*this);
  add_scalar_and_vector<uint64_t>(*this);
  add_scalar_and_vector<double>(*this);
}

std::shared_ptr<const CodecBase> CodecRegistry::find(const TypeInfo& type) const {
  std::lock_guard lock(mutex_);
  auto found = codecs_.find(type.index());
  return found == codecs_.end() ? nullptr : found->second;
}

}  // namespace setl::workflow
