// Tokenizer interface shared by every vocabulary family (GPT-2 byte-level BPE,
// SentencePiece BPE). A tokenizer is immutable after loading, so one instance may be
// used by any number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aigc::tokenizer {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Text (any bytes; see each implementation for malformed UTF-8) -> token ids.
  // Special tokens written in the text (e.g. "<|endoftext|>") are encoded as plain text.
  virtual std::vector<int32_t> encode(std::string_view text, bool add_bos) const = 0;

  // The bytes token `id` contributes to the output when it follows `prev` (-1 at the
  // start of a sequence). The bytes may be a fragment of a UTF-8 character; use
  // StreamingDetokenizer to emit text as tokens arrive. Throws invalid_argument for an
  // id outside the vocabulary.
  virtual std::string decode_token(int32_t prev, int32_t id) const = 0;

  // The vocabulary entry as stored in the model (e.g. "Ġworld", "▁world", "<0x0A>").
  virtual const std::string &token_to_piece(int32_t id) const = 0;

  virtual int32_t bos_id() const = 0;  // -1 when the vocabulary has none
  virtual int32_t eos_id() const = 0;
  virtual int32_t vocab_size() const = 0;

  // Concatenation of decode_token over `ids` (raw bytes; may hold malformed UTF-8 when
  // the ids do, e.g. a lone byte-fallback token).
  std::string decode(const std::vector<int32_t> &ids) const;
};

}  // namespace aigc::tokenizer
