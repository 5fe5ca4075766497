// GPT-2 byte-level BPE (also used by GPT-J, GPT-NeoX-style vocabularies, SmolLM...):
// text -> GPT-2 pre-tokenizer pieces -> bytes mapped to printable code points
// (GPT-2's bytes_to_unicode) -> merges applied by rank -> vocabulary ids.
// Reference: openai/gpt-2 encoder.py and HF tokenizers' BPE model (read, not copied).
//
// Any byte sequence encodes (malformed UTF-8 included: every byte has a token), and
// decode(encode(bytes)) == bytes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizer/tokenizer.hpp"

namespace aigc::io {
class GgufFile;
}

namespace aigc::tokenizer {

class Gpt2BpeTokenizer final : public Tokenizer {
 public:
  using Merge = std::pair<std::string, std::string>;

  // Loaders (gpt2_bpe_loaders.cpp). Errors name the file: io_error when it cannot be
  // read, invalid_format when it is malformed or a merge names an unknown token,
  // unsupported for a tokenizer.json / GGUF of another tokenizer family.
  // encoder.json + vocab.bpe (OpenAI) or vocab.json + merges.txt (Hugging Face).
  static std::unique_ptr<Gpt2BpeTokenizer> from_vocab_and_merges(const std::string &vocab_json,
                                                                 const std::string &merges_txt);
  static std::unique_ptr<Gpt2BpeTokenizer> from_tokenizer_json(const std::string &path);
  static std::unique_ptr<Gpt2BpeTokenizer> from_gguf(const io::GgufFile &gguf);

  // `tokens` in id order, as stored in the vocabulary (byte-mapped code points);
  // merges in rank order. `name` names the source in error messages.
  Gpt2BpeTokenizer(std::vector<std::string> tokens, const std::vector<Merge> &merges,
                   int32_t bos_id, int32_t eos_id, const std::string &name);

  std::vector<int32_t> encode(std::string_view text, bool add_bos) const override;
  std::string decode_token(int32_t prev, int32_t id) const override;
  const std::string &token_to_piece(int32_t id) const override;
  int32_t bos_id() const override { return bos_id_; }
  int32_t eos_id() const override { return eos_id_; }
  int32_t vocab_size() const override { return int32_t(tokens_.size()); }

 private:
  struct MergeTarget {
    int32_t rank;
    int32_t merged_id;
  };
  static uint64_t pair_key(int32_t left, int32_t right) {
    return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
  }
  // Appends the ids of one pre-token piece.
  void encode_piece(std::string_view piece, std::vector<int32_t> &out) const;

  std::vector<std::string> tokens_;
  std::vector<std::string> token_bytes_;           // decoded bytes of each token
  std::array<int32_t, 256> byte_token_{};          // id of the one-byte token per byte
  std::unordered_map<uint64_t, MergeTarget> merges_;  // (left id, right id) -> result
  int32_t bos_id_ = -1, eos_id_ = -1;
};

// GPT-2's bytes_to_unicode: the printable code point standing for each byte.
uint32_t gpt2_byte_to_codepoint(uint8_t byte);

}  // namespace aigc::tokenizer
