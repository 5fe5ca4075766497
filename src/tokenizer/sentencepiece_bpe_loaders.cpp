// Sources of a SentencePiece BPE vocabulary: llama2.c's tokenizer.bin (pieces + scores,
// no types: they are inferred as llama2.c's export lays them out) and GGUF metadata
// (tokenizer.ggml.model = "llama", see ggml docs/gguf.md).
#include "core/check.hpp"
#include "io/gguf.hpp"
#include "io/llama2c.hpp"
#include "tokenizer/gguf_vocab.hpp"
#include "tokenizer/sentencepiece_bpe_tokenizer.hpp"

namespace aigc::tokenizer {

using PieceType = SentencePieceBpeTokenizer::PieceType;

std::unique_ptr<SentencePieceBpeTokenizer> SentencePieceBpeTokenizer::from_llama2c(
    const std::string &path, int vocab_size) {
  return from_llama2c_vocab(io::load_llama2c_vocab(path, vocab_size), path);
}

std::unique_ptr<SentencePieceBpeTokenizer> SentencePieceBpeTokenizer::from_llama2c_bytes(
    std::shared_ptr<Storage> bytes, const std::string &name, int vocab_size) {
  return from_llama2c_vocab(io::load_llama2c_vocab(std::move(bytes), name, vocab_size), name);
}

std::unique_ptr<SentencePieceBpeTokenizer> SentencePieceBpeTokenizer::from_llama2c_vocab(
    io::Llama2cVocab v, const std::string &path) {
  AIGC_CHECK(v.pieces.size() >= 3, Status::invalid_format,
             "{}: {} tokens, fewer than unk/BOS/EOS", path, v.pieces.size());
  // llama2.c's export writes sentencepiece ids in order: 0 <unk>, 1 BOS, 2 EOS, then
  // <0xNN> byte pieces and normal pieces.
  std::vector<PieceType> types(v.pieces.size(), PieceType::normal);
  types[0] = PieceType::unknown;
  types[1] = types[2] = PieceType::control;
  for (size_t i = 3; i < v.pieces.size(); ++i) {
    std::string &p = v.pieces[i];
    if (p.size() == 6 && p.compare(0, 3, "<0x") == 0 && p[5] == '>') {
      types[i] = PieceType::byte;
      continue;
    }
    // The export wrote sentencepiece's "▁" as ' '; restore it so pieces match the model.
    std::string restored;
    for (char c : p) restored += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
    p = std::move(restored);
  }
  return std::make_unique<SentencePieceBpeTokenizer>(std::move(v.pieces), std::move(v.scores),
                                                     std::move(types), 0, 1, 2, true, path);
}

std::unique_ptr<SentencePieceBpeTokenizer> SentencePieceBpeTokenizer::from_gguf(
    const io::GgufFile &gguf) {
  const std::string &name = gguf.name();
  const std::string model = gguf.get_string("tokenizer.ggml.model");
  AIGC_CHECK(model == "llama", Status::unsupported,
             "{}: tokenizer.ggml.model '{}' is not a SentencePiece (llama) vocabulary", name,
             model);
  const io::GgufValue *tokens = gguf.find("tokenizer.ggml.tokens");
  AIGC_CHECK(tokens && tokens->is_array() && tokens->elem_type == io::GgufValueType::string,
             Status::invalid_format, "{}: tokenizer.ggml.tokens is missing or not strings",
             name);
  const size_t n = tokens->strings.size();
  std::vector<float> scores(n, 0.f);
  if (const io::GgufValue *s = gguf.find("tokenizer.ggml.scores")) {
    AIGC_CHECK(s->is_array() && s->floats.size() == n, Status::invalid_format,
               "{}: tokenizer.ggml.scores must be {} floats", name, n);
    for (size_t i = 0; i < n; ++i) scores[i] = float(s->floats[i]);
  }
  std::vector<PieceType> types = gguf_token_types(gguf, n);
  const int64_t unk = gguf.get_int("tokenizer.ggml.unknown_token_id", 0);
  const int64_t bos = gguf.get_int("tokenizer.ggml.bos_token_id", 1);
  const int64_t eos = gguf.get_int("tokenizer.ggml.eos_token_id", 2);
  const int64_t limit = int64_t(n);
  AIGC_CHECK(unk >= 0 && unk < limit && bos >= -1 && bos < limit && eos >= -1 && eos < limit,
             Status::invalid_format, "{}: special token ids ({}, {}, {}) outside [0, {})", name,
             unk, bos, eos, n);
  bool add_prefix = true;
  if (const io::GgufValue *p = gguf.find("tokenizer.ggml.add_space_prefix")) add_prefix = p->i != 0;
  return std::make_unique<SentencePieceBpeTokenizer>(
      tokens->strings, std::move(scores), std::move(types), int32_t(unk), int32_t(bos),
      int32_t(eos), add_prefix, name, gguf_add_bos(gguf, true), gguf_extra_eog(gguf));
}

}  // namespace aigc::tokenizer
