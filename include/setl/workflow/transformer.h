// A Transformer is SETL's `Transformer[T]`: a small, reusable step that computes one T
// from what it was given — a building block a factory's process() calls, testable on its
// own. transform() computes (once), transformed() hands the result over.
//
//   class Deduplicate : public Transformer<Table> {
//    public:
//     explicit Deduplicate(const Table& input) : input_(input) {}
//    protected:
//     Table compute() override { return input_.distinct(); }
//    private:
//     const Table& input_;
//   };
//   Table process() override { return Deduplicate(*orders).transform().transformed(); }
#pragma once

#include <functional>
#include <optional>
#include <utility>

#include "setl/core/error.h"

namespace setl::workflow {

template <class T>
class Transformer {
 public:
  using Output = T;
  virtual ~Transformer() = default;

  /// Computes the result unless already done; returns *this so calls chain.
  Transformer& transform() {
    if (!result_) {
      result_.emplace(compute());
    }
    return *this;
  }
  /// The result. Throws: StateError before transform().
  const T& transformed() const& {
    if (!result_) {
      throw StateError("a Transformer's transformed() was read before transform() ran");
    }
    return *result_;
  }
  /// The result, moved out of a temporary transformer.
  T transformed() && {
    if (!result_) {
      throw StateError("a Transformer's transformed() was read before transform() ran");
    }
    return std::move(*result_);
  }
  bool has_transformed() const noexcept { return result_.has_value(); }

 protected:
  virtual T compute() = 0;

 private:
  std::optional<T> result_;
};

/// A transformer from a callable: `auto twice = make_transformer([&] { return 2 * x; });`.
template <class Fn>
auto make_transformer(Fn function) {
  using T = std::invoke_result_t<Fn&>;
  class FunctionTransformer : public Transformer<T> {
   public:
    explicit FunctionTransformer(Fn fn) : fn_(std::move(fn)) {}

   protected:
    T compute() override { return fn_(); }

   private:
    Fn fn_;
  };
  return FunctionTransformer(std::move(function));
}

}  // namespace setl::workflow
