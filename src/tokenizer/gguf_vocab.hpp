// GGUF tokenizer metadata both vocabulary families read (ggml docs/gguf.md,
// tokenizer.ggml.*): token types, add_bos_token, end-of-turn ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tokenizer/tokenizer.hpp"

namespace aigc::io {
class GgufFile;
}

namespace aigc::tokenizer {

// tokenizer.ggml.token_type (n entries, 0 "undefined" read as normal); all normal when
// absent. invalid_format for a wrong length or an unknown type.
std::vector<TokenType> gguf_token_types(const io::GgufFile &gguf, size_t n);
// tokenizer.ggml.add_bos_token, or `fallback` when absent.
bool gguf_add_bos(const io::GgufFile &gguf, bool fallback);
// tokenizer.ggml.eot_token_id and eom_token_id, those present.
std::vector<int32_t> gguf_extra_eog(const io::GgufFile &gguf);

}  // namespace aigc::tokenizer
