// Fuzzes encode() itself on small built-in vocabularies with arbitrary bytes. The first
// byte picks the family (bit 0: GPT-2 BPE / SentencePiece), parse_special (bit 1), the
// pre-tokenizer (bit 2: GPT-2 / smollm) and add_bos (bit 3). Checked properties:
// every id is in the vocabulary; byte-level BPE gives the bytes back (decode(encode(x))
// == x, special tokens included, since every byte has a token here); SentencePiece
// without special parsing gives them back too (its dummy-prefix space is dropped) unless
// the text holds its space marker U+2581 itself.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/fuzz_common.hpp"
#include "tokenizer/gpt2_bpe_tokenizer.hpp"
#include "tokenizer/sentencepiece_bpe_tokenizer.hpp"
#include "tokenizer/streaming_detokenizer.hpp"
#include "tokenizer/unicode.hpp"

namespace {

using namespace aigc::tokenizer;

const char *const kSpecials[] = {"<|im_start|>", "<|im_end|>", "<|im_end|>x", "<|endoftext|>"};
const char *const kWords[] = {"the", "he", "ing", "in", "er", "an", "ll", "hello", "12",
                              "\xC3\xA9t\xC3\xA9", "  ", "\n\n", "<|", "|>"};

// Byte tokens (id = byte), pair merges of kWords built up left to right, then specials.
std::unique_ptr<Gpt2BpeTokenizer> make_bpe(PreTokenizer pre) {
  std::vector<std::string> tokens;
  auto mapped = [](std::string_view bytes) {
    std::string out;
    for (char c : bytes) append_utf8(out, gpt2_byte_to_codepoint(uint8_t(c)));
    return out;
  };
  for (int b = 0; b < 256; ++b) tokens.push_back(mapped(std::string(1, char(b))));
  std::vector<Gpt2BpeTokenizer::Merge> merges;
  for (const char *w : kWords) {
    std::string acc = mapped(std::string(1, w[0]));
    for (size_t i = 1; w[i]; ++i) {
      const std::string next = mapped(std::string(1, w[i]));
      merges.emplace_back(acc, next);
      acc += next;
      tokens.push_back(acc);  // repeats are fine: the first id wins
    }
  }
  Gpt2BpeOptions options;
  options.pre = pre;
  options.types.assign(tokens.size(), TokenType::normal);
  for (const char *s : kSpecials) {
    tokens.push_back(s);
    options.types.push_back(TokenType::control);
  }
  const int32_t eos = int32_t(tokens.size()) - 1;
  return std::make_unique<Gpt2BpeTokenizer>(tokens, merges, eos - 3, eos, "fuzz bpe",
                                            std::move(options));
}

// <unk>, <s>, </s>, byte tokens, then kWords with "▁" variants scored by length.
std::unique_ptr<SentencePieceBpeTokenizer> make_spm() {
  std::vector<std::string> pieces = {"<unk>", "<s>", "</s>", "<|im_end|>"};
  std::vector<TokenType> types = {TokenType::unknown, TokenType::control, TokenType::control,
                                  TokenType::control};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    pieces.push_back(buf);
    types.push_back(TokenType::byte);
  }
  const std::string mark = "\xE2\x96\x81";
  pieces.push_back(mark);
  types.push_back(TokenType::normal);
  for (const char *w : kWords) {
    const std::string word(w);
    for (size_t len = 1; len <= word.size(); ++len) {
      for (const std::string &p : {word.substr(0, len), mark + word.substr(0, len)}) {
        pieces.push_back(p);
        types.push_back(TokenType::normal);
      }
    }
  }
  pieces.push_back("<turn>");
  types.push_back(TokenType::user_defined);
  std::vector<float> scores(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) scores[i] = float(pieces[i].size()) - float(i) * 1e-3f;
  return std::make_unique<SentencePieceBpeTokenizer>(pieces, scores, types, 0, 1, 2, true,
                                                     "fuzz spm");
}

bool is_valid_utf8(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    const int n = utf8_complete_length(s.substr(pos));
    if (n <= 0) return false;
    pos += size_t(n);
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  static const auto bpe_gpt2 = make_bpe(PreTokenizer::gpt2);
  static const auto bpe_smollm = make_bpe(PreTokenizer::smollm);
  static const auto spm = make_spm();
  const uint8_t flags = data[0];
  const bool parse_special = flags & 2, add_bos = flags & 8;
  const std::string text(reinterpret_cast<const char *>(data + 1), size - 1);
  const Tokenizer &tok = (flags & 1) ? static_cast<const Tokenizer &>(*spm)
                         : (flags & 4) ? static_cast<const Tokenizer &>(*bpe_smollm)
                                       : static_cast<const Tokenizer &>(*bpe_gpt2);
  return aigc::fuzz::run([&] {
    const std::vector<int32_t> ids = tok.encode(text, add_bos, parse_special);
    StreamingDetokenizer stream(tok, /*show_control=*/true);
    std::string streamed;
    for (int32_t id : ids) {
      if (id < 0 || id >= tok.vocab_size()) __builtin_trap();
      streamed += stream.push(id);
    }
    streamed += stream.flush();
    const std::string back =
        tok.decode(add_bos ? std::vector<int32_t>(ids.begin() + 1, ids.end()) : ids);
    // SentencePiece writes spaces as U+2581 "▁", so a literal "▁" in the text decodes to a
    // space (as in the sentencepiece library): no round trip for such texts.
    const bool spm_meta = (flags & 1) && text.find("\xE2\x96\x81") != std::string::npos;
    const bool round_trip = (!(flags & 1) || !parse_special) && !spm_meta;
    if (round_trip && back != text) __builtin_trap();
    // The stream replaces malformed bytes; on valid UTF-8 it shows exactly decode(ids).
    const std::string all = tok.decode(ids);
    if (is_valid_utf8(all) && streamed != all) __builtin_trap();
  });
}
