// Tokenizer interface shared by every vocabulary family (GPT-2 byte-level BPE,
// SentencePiece BPE). A tokenizer is immutable after loading, so one instance may be
// used by any number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aigc::tokenizer {

// Kinds of vocabulary entries: sentencepiece's ModelProto.SentencePiece.Type values,
// which GGUF's tokenizer.ggml.token_type also uses.
enum class TokenType : int32_t {
  normal = 1, unknown = 2, control = 3, user_defined = 4, unused = 5, byte = 6,
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Text (any bytes; see each implementation for malformed UTF-8) -> token ids.
  // parse_special = false: special tokens written in the text (e.g. "<|im_end|>") are
  // encoded as plain text. parse_special = true: each occurrence of a control or
  // user-defined token's text becomes that token (longest match first, leftmost
  // first) and the text between occurrences is encoded normally.
  virtual std::vector<int32_t> encode(std::string_view text, bool add_bos,
                                      bool parse_special) const = 0;
  std::vector<int32_t> encode(std::string_view text, bool add_bos) const {
    return encode(text, add_bos, false);
  }

  // The bytes token `id` contributes to the output when it follows `prev` (-1 at the
  // start of a sequence). The bytes may be a fragment of a UTF-8 character; use
  // StreamingDetokenizer to emit text as tokens arrive. A control token gives its text
  // (e.g. "<|im_end|>"); callers that must not print it check is_control(). Throws
  // invalid_argument for an id outside the vocabulary.
  virtual std::string decode_token(int32_t prev, int32_t id) const = 0;

  // The vocabulary entry as stored in the model (e.g. "Ġworld", "▁world", "<0x0A>").
  virtual const std::string &token_to_piece(int32_t id) const = 0;
  // The id of the vocabulary entry spelled exactly `piece` (as token_to_piece gives
  // it; the lowest id when repeated), or -1.
  virtual int32_t find_token(std::string_view piece) const = 0;

  virtual int32_t bos_id() const = 0;  // -1 when the vocabulary has none
  virtual int32_t eos_id() const = 0;
  virtual int32_t vocab_size() const = 0;

  // Whether prompts start with BOS for this model (GGUF tokenizer.ggml.add_bos_token;
  // otherwise the family's convention: SentencePiece yes, GPT-2 files no).
  virtual bool add_bos_by_default() const = 0;
  // EOS, GGUF tokenizer.ggml.eot_token_id / eom_token_id, and control tokens spelled
  // <|im_end|>, <|eot_id|>, <|end|>, <end_of_turn>, <|endoftext|> or </s>. False for
  // ids outside the vocabulary.
  virtual bool is_end_of_generation(int32_t id) const = 0;
  // A control token (BOS, EOS, chat markers...); false outside the vocabulary.
  virtual bool is_control(int32_t id) const = 0;

  // Concatenation of decode_token over `ids` (raw bytes; may hold malformed UTF-8 when
  // the ids do, e.g. a lone byte-fallback token). skip_control leaves control tokens
  // out (as Hugging Face's skip_special_tokens does).
  std::string decode(const std::vector<int32_t> &ids, bool skip_control = false) const;
};

}  // namespace aigc::tokenizer
