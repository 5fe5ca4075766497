#include "tokenizer/gguf_vocab.hpp"

#include <cstdint>

#include "core/check.hpp"
#include "io/gguf.hpp"

namespace aigc::tokenizer {

std::vector<TokenType> gguf_token_types(const io::GgufFile &gguf, size_t n) {
  std::vector<TokenType> types(n, TokenType::normal);
  const io::GgufValue *t = gguf.find("tokenizer.ggml.token_type");
  if (!t) return types;
  AIGC_CHECK(t->is_array() && t->ints.size() == n, Status::invalid_format,
             "{}: tokenizer.ggml.token_type must be {} integers", gguf.name(), n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t v = t->ints[i];
    AIGC_CHECK(v >= 0 && v <= 6, Status::invalid_format, "{}: token {} has unknown token_type {}",
               gguf.name(), i, v);
    types[i] = v == 0 ? TokenType::normal : TokenType(v);
  }
  return types;
}

bool gguf_add_bos(const io::GgufFile &gguf, bool fallback) {
  const io::GgufValue *v = gguf.find("tokenizer.ggml.add_bos_token");
  if (!v) return fallback;
  AIGC_CHECK(v->is_integer(),
             Status::invalid_format, "{}: tokenizer.ggml.add_bos_token is not a boolean",
             gguf.name());
  return v->i != 0;
}

std::vector<int32_t> gguf_extra_eog(const io::GgufFile &gguf) {
  std::vector<int32_t> ids;
  for (const char *key : {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    const int64_t id = gguf.get_int(key, -1);
    // Out-of-range ids are ignored by the tokenizer; keep the value when it fits.
    if (id >= 0 && id <= INT32_MAX) ids.push_back(int32_t(id));
  }
  return ids;
}

}  // namespace aigc::tokenizer
