// GPT-2 byte-level BPE (also used by GPT-J, GPT-NeoX-style vocabularies, SmolLM...):
// text -> GPT-2 pre-tokenizer pieces -> bytes mapped to printable code points
// (GPT-2's bytes_to_unicode) -> merges applied by rank -> vocabulary ids.
// Reference: openai/gpt-2 encoder.py and HF tokenizers' BPE model (read, not copied).
//
// Any byte sequence encodes (malformed UTF-8 included), and decode(encode(bytes)) ==
// bytes when the vocabulary has a token for every byte; bytes without one are dropped
// (HF tokenizers' behaviour without unk_token). With parse_special, control and
// user-defined tokens decode to their text, so the round trip holds there too.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizer/gpt2_pretokenizer.hpp"
#include "tokenizer/special_tokens.hpp"
#include "tokenizer/tokenizer.hpp"

namespace aigc::io {
class GgufFile;
}

namespace aigc::tokenizer {

// What a vocabulary file says beyond tokens and merges (all optional).
struct Gpt2BpeOptions {
  std::vector<TokenType> types;          // per id; empty: all normal
  PreTokenizer pre = PreTokenizer::gpt2;
  bool add_bos = false;                  // add_bos_by_default()
  std::vector<int32_t> extra_eog;        // end-of-generation ids besides EOS
};

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
  // The same formats from bytes already in memory (fuzzing, embedded vocabularies);
  // `name` stands for the file in error messages.
  static std::unique_ptr<Gpt2BpeTokenizer> from_vocab_and_merges_text(
      const std::string &vocab_json, const std::string &merges_txt, const std::string &name);
  static std::unique_ptr<Gpt2BpeTokenizer> from_tokenizer_json_text(const std::string &json,
                                                                    const std::string &name);

  // `tokens` in id order, as stored in the vocabulary (byte-mapped code points; control
  // and user-defined tokens as their text); merges in rank order. `name` names the
  // source in error messages.
  Gpt2BpeTokenizer(std::vector<std::string> tokens, const std::vector<Merge> &merges,
                   int32_t bos_id, int32_t eos_id, const std::string &name,
                   Gpt2BpeOptions options = {});
  Gpt2BpeTokenizer(const Gpt2BpeTokenizer &) = delete;  // ids_ views tokens_
  Gpt2BpeTokenizer &operator=(const Gpt2BpeTokenizer &) = delete;

  using Tokenizer::encode;
  std::vector<int32_t> encode(std::string_view text, bool add_bos,
                              bool parse_special) const override;
  std::string decode_token(int32_t prev, int32_t id) const override;
  const std::string &token_to_piece(int32_t id) const override;
  int32_t find_token(std::string_view piece) const override;
  int32_t bos_id() const override { return bos_id_; }
  int32_t eos_id() const override { return eos_id_; }
  int32_t vocab_size() const override { return int32_t(tokens_.size()); }
  bool add_bos_by_default() const override { return add_bos_; }
  bool is_end_of_generation(int32_t id) const override { return specials_.is_end_of_generation(id); }
  bool is_control(int32_t id) const override;
  TokenType token_type(int32_t id) const;
  PreTokenizer pre_tokenizer() const { return pre_; }

 private:
  struct MergeTarget {
    int32_t rank;
    int32_t merged_id;
  };
  static uint64_t pair_key(int32_t left, int32_t right) {
    return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
  }
  // Appends the ids of one pre-token piece / of plain text.
  void encode_piece(std::string_view piece, std::vector<int32_t> &out) const;
  void encode_text(std::string_view text, std::vector<int32_t> &out) const;

  std::vector<std::string> tokens_;
  std::vector<TokenType> types_;
  std::unordered_map<std::string_view, int32_t> ids_;  // piece -> lowest id
  std::vector<std::string> token_bytes_;           // decoded bytes of each token
  std::array<int32_t, 256> byte_token_{};          // one-byte token per byte, or -1
  std::unordered_map<uint64_t, MergeTarget> merges_;  // (left id, right id) -> result
  SpecialTokens specials_;
  int32_t bos_id_ = -1, eos_id_ = -1;
  PreTokenizer pre_ = PreTokenizer::gpt2;
  bool add_bos_ = false;
};

// GPT-2's bytes_to_unicode: the printable code point standing for each byte.
uint32_t gpt2_byte_to_codepoint(uint8_t byte);

}  // namespace aigc::tokenizer
