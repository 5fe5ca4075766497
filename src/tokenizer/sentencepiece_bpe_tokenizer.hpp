// SentencePiece BPE with byte fallback, the LLaMA / llama2.c tokenizer.
// Encoding (sentencepiece bpe_model.cc semantics, read for behaviour, not copied):
//   1. "▁" (U+2581) is prepended to non-empty text (the dummy prefix) and every ' '
//      becomes "▁"; no other normalization (LLaMA's model uses the identity rule).
//   2. The text is split into characters; repeatedly the adjacent pair whose
//      concatenation is a vocabulary piece with the highest score is merged (ties:
//      leftmost first).
//   3. A final symbol that is not a piece becomes its UTF-8 bytes as <0xNN> tokens
//      (byte fallback), or the unknown token when the vocabulary has no byte tokens.
// Malformed UTF-8 in the input: each malformed byte is a one-byte symbol, which then
// falls back to its <0xNN> token, so decode(encode(bytes)) gives the bytes back.
// Decoding maps "▁" to ' ', drops the space that starts the first piece of a sequence
// (or the piece right after BOS), emits byte tokens as raw bytes and control tokens as
// their text (Tokenizer::decode(ids, true) leaves them out, as sentencepiece does).
// encode(..., parse_special = true) splits at control / user-defined tokens first and
// encodes each stretch of text in between with its own dummy prefix (llama.cpp's rule).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/special_tokens.hpp"
#include "tokenizer/tokenizer.hpp"

namespace aigc {
class Storage;
}
namespace aigc::io {
class GgufFile;
struct Llama2cVocab;
}

namespace aigc::tokenizer {

class SentencePieceBpeTokenizer final : public Tokenizer {
 public:
  // sentencepiece's ModelProto.SentencePiece.Type values (also GGUF token_type).
  using PieceType = TokenType;

  // llama2.c tokenizer.bin with `vocab_size` entries (ids 0/1/2 = unk/BOS/EOS, as
  // llama2.c's export writes them). Errors: io_error / invalid_format naming the file.
  static std::unique_ptr<SentencePieceBpeTokenizer> from_llama2c(const std::string &path,
                                                                 int vocab_size);
  // The same from the file's bytes; `name` stands for the file in error messages.
  static std::unique_ptr<SentencePieceBpeTokenizer> from_llama2c_bytes(
      std::shared_ptr<Storage> bytes, const std::string &name, int vocab_size);
  // GGUF with tokenizer.ggml.model = "llama": tokens, scores, token_type, special ids.
  static std::unique_ptr<SentencePieceBpeTokenizer> from_gguf(const io::GgufFile &gguf);

  SentencePieceBpeTokenizer(std::vector<std::string> pieces, std::vector<float> scores,
                            std::vector<PieceType> types, int32_t unk_id, int32_t bos_id,
                            int32_t eos_id, bool add_dummy_prefix, const std::string &name,
                            bool add_bos = true, const std::vector<int32_t> &extra_eog = {});
  SentencePieceBpeTokenizer(const SentencePieceBpeTokenizer &) = delete;
  SentencePieceBpeTokenizer &operator=(const SentencePieceBpeTokenizer &) = delete;

  using Tokenizer::encode;
  std::vector<int32_t> encode(std::string_view text, bool add_bos,
                              bool parse_special) const override;
  std::string decode_token(int32_t prev, int32_t id) const override;
  const std::string &token_to_piece(int32_t id) const override;
  int32_t find_token(std::string_view piece) const override;
  int32_t bos_id() const override { return bos_id_; }
  int32_t eos_id() const override { return eos_id_; }
  int32_t vocab_size() const override { return int32_t(pieces_.size()); }
  bool add_bos_by_default() const override { return add_bos_; }
  bool is_end_of_generation(int32_t id) const override { return specials_.is_end_of_generation(id); }
  bool is_control(int32_t id) const override;
  int32_t unk_id() const { return unk_id_; }
  PieceType piece_type(int32_t id) const;

 private:
  static std::unique_ptr<SentencePieceBpeTokenizer> from_llama2c_vocab(io::Llama2cVocab v,
                                                                       const std::string &path);
  int32_t find_mergeable(std::string_view piece) const;
  void encode_text(std::string_view text, std::vector<int32_t> &out) const;

  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::vector<PieceType> types_;
  std::vector<std::string> decoded_;                       // bytes each token decodes to
  // Normal + user-defined pieces; keys view pieces_, hence no copying of the object.
  std::unordered_map<std::string_view, int32_t> mergeable_;
  std::unordered_map<std::string_view, int32_t> ids_;     // every piece -> lowest id
  SpecialTokens specials_;
  std::array<int32_t, 256> byte_token_{};                  // <0xNN> ids, -1 when absent
  int32_t unk_id_ = 0, bos_id_ = -1, eos_id_ = -1;
  bool add_dummy_prefix_ = true;
  bool add_bos_ = true;
};

}  // namespace aigc::tokenizer
