// Shared by the tokenizer fuzz targets: exercise a freshly loaded tokenizer on a few
// texts (both parse_special modes, decoding, streaming) so loader bugs that only show
// when encoding (bad ids, dangling views) surface too.
#pragma once

#include <string_view>

#include "tokenizer/streaming_detokenizer.hpp"
#include "tokenizer/tokenizer.hpp"

namespace aigc::fuzz {

inline void exercise_tokenizer(const tokenizer::Tokenizer &tok, std::string_view extra) {
  const std::string_view texts[] = {
      "Hello world! 123 <|im_start|>user\n\tx<|im_end|>\n", "<s>a</s> \xC3\xA9\xFF", extra};
  for (std::string_view text : texts) {
    for (bool special : {false, true}) {
      const std::vector<int32_t> ids = tok.encode(text, tok.add_bos_by_default(), special);
      tokenizer::StreamingDetokenizer stream(tok);
      for (int32_t id : ids) {
        if (id < 0 || id >= tok.vocab_size()) __builtin_trap();  // encode must give valid ids
        (void)stream.push(id);
        (void)tok.is_end_of_generation(id);
        if (tok.find_token(tok.token_to_piece(id)) < 0) __builtin_trap();
      }
      (void)stream.flush();
      (void)tok.decode(ids, special);
    }
  }
}

}  // namespace aigc::fuzz
