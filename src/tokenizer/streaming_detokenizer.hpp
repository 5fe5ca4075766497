// Turns a stream of token ids into text without ever splitting a UTF-8 character:
// bytes of an incomplete character are held back until the token that completes it
// arrives; bytes that can never form a valid character come out as U+FFFD (one per
// maximal malformed subpart, as Python's errors="replace" does). Control tokens (BOS,
// "<|im_end|>", ...) are left out unless show_control is set.
#pragma once

#include <cstdint>
#include <string>

#include "tokenizer/tokenizer.hpp"

namespace aigc::tokenizer {

class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer &tokenizer, bool show_control = false)
      : tokenizer_(tokenizer), show_control_(show_control) {}

  // Feeds one token; returns the complete characters that are now known (maybe "").
  std::string push(int32_t id);
  // Ends the stream: a held-back incomplete sequence is emitted as U+FFFD.
  std::string flush();
  // Starts a new sequence (the next token is decoded as the first one).
  void reset();

 private:
  // Moves every complete (or definitely invalid) prefix of pending_ into the result.
  std::string drain();

  const Tokenizer &tokenizer_;
  bool show_control_ = false;
  int32_t prev_ = -1;
  std::string pending_;  // at most 3 bytes of an unfinished UTF-8 sequence after drain()
};

}  // namespace aigc::tokenizer
