// compress()/decompress(): text stored compressed in a string column, as zstd frames
// carried in base64 (SETL's @Compress columns; see setl/engine/annotations.h). Values are
// compressed one by one, so a row can be read without its neighbours.
#include <zstd.h>

#include "core/base64.h"
#include "engine/functions/registry.h"
#include "setl/core/error.h"
#include "setl/engine/builder.h"

namespace setl::engine::detail {
namespace {

// A compressed value is untrusted input: its frame must declare its size, and that size
// is bounded before anything is allocated.
constexpr unsigned long long kMaxDecompressedBytes = 256ULL << 20;

std::string compress_text(std::string_view text) {
  std::string frame(ZSTD_compressBound(text.size()), '\0');
  size_t size = ZSTD_compress(frame.data(), frame.size(), text.data(), text.size(), 3);
  if (ZSTD_isError(size) != 0) {
    throw InternalError(std::string("compress(): ") + ZSTD_getErrorName(size));
  }
  frame.resize(size);
  return setl::detail::base64_encode(frame);
}

std::string decompress_text(std::string_view text) {
  auto refuse = [](const std::string& why) { return ParseError("decompress(): " + why); };
  std::optional<std::string> frame = setl::detail::base64_decode(text);
  if (!frame) {
    throw refuse("the value is not base64 text (was it written by compress()?)");
  }
  unsigned long long size = ZSTD_getFrameContentSize(frame->data(), frame->size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    throw refuse("the value is not a zstd frame with its size (was it written by compress()?)");
  }
  if (size > kMaxDecompressedBytes) {
    throw ResourceError("decompress(): a value would expand to " + std::to_string(size) +
                        " bytes, more than the " + std::to_string(kMaxDecompressedBytes) +
                        " allowed");
  }
  std::string out(static_cast<size_t>(size), '\0');
  size_t written = ZSTD_decompress(out.data(), out.size(), frame->data(), frame->size());
  if (ZSTD_isError(written) != 0 || written != size) {
    throw refuse(std::string("the zstd frame is corrupt: ") +
                 (ZSTD_isError(written) != 0 ? ZSTD_getErrorName(written) : "short"));
  }
  return out;
}

template <std::string (*convert)(std::string_view)>
Datum text_kernel(const BoundExpr&, const std::vector<Datum>& args, int64_t rows) {
  KernelInputs inputs = kernel_inputs(args, rows);
  ColumnBuilder builder(DataType::string(), rows);
  for (int64_t row = 0; row < rows; ++row) {
    if (inputs.valid(row)) {
      builder.append_string(convert(inputs.columns[0]->string_value(row)));
    } else {
      builder.append_null();
    }
  }
  return Datum{builder.finish(), {}};
}

DataType text_to_text(CallBinding& b) {
  b.require(0, is_text, "a string");
  return DataType::string();
}

FunctionInfo info(const char* name, const char* signature, const char* doc) {
  return {name, FunctionKind::kScalar, "compression", 1, 1, signature, kNullInNullOut, doc, {}};
}

}  // namespace

void register_compression_functions(FunctionRegistry& r) {
  r.add(ScalarFunction{info("compress", "compress(text) -> string",
                            "zstd-compressed, as base64 text (how @Compress columns are stored)"),
                       text_to_text, text_kernel<compress_text>});
  r.add(ScalarFunction{info("decompress", "decompress(text) -> string",
                            "The text compress() was given; a value that is not compress() "
                            "output is an error, one expanding past 256 MiB too"),
                       text_to_text, text_kernel<decompress_text>});
}

}  // namespace setl::engine::detail
