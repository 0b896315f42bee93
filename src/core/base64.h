// Base64 (RFC 4648, standard alphabet, padded), for bytes carried in text: compressed
// column values, links that embed a document.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace setl::detail {

std::string base64_encode(std::string_view bytes);
/// The bytes, or std::nullopt when `text` is not padded standard base64 (no whitespace).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace setl::detail
