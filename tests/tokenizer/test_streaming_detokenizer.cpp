#include <doctest/doctest.h>

#include <memory>

#include "tokenizer/gpt2_bpe_tokenizer.hpp"
#include "tokenizer/sentencepiece_bpe_tokenizer.hpp"
#include "tokenizer/streaming_detokenizer.hpp"
#include "tokenizer/unicode.hpp"
#include "tokenizer_test_support.hpp"

using namespace aigc;
using namespace aigc::tokenizer;
using namespace tok_test;

namespace {

// Every chunk a stream emits must be whole, valid UTF-8.
bool is_complete_utf8(const std::string &s) {
  for (size_t pos = 0; pos < s.size();) {
    const int n = utf8_complete_length(std::string_view(s).substr(pos));
    if (n <= 0) return false;
    pos += size_t(n);
  }
  return true;
}

void check_stream(const Tokenizer &tok, bool add_bos) {
  StreamingDetokenizer stream(tok);
  for (const GoldenCase &c : load_goldens()) {
    if (!c.valid_utf8) continue;
    CAPTURE(c.label);
    stream.reset();
    std::string text;
    for (int32_t id : tok.encode(c.text, add_bos)) {
      const std::string chunk = stream.push(id);
      CHECK(is_complete_utf8(chunk));
      text += chunk;
    }
    text += stream.flush();
    CHECK(text == c.text);
  }
}

// Byte tokens only: a vocabulary where token b decodes to byte b (via tok512's <0xNN>).
std::string stream_bytes(const Tokenizer &tok, const std::string &bytes, int32_t byte_base) {
  StreamingDetokenizer stream(tok);
  std::string out;
  for (char c : bytes) {
    const std::string chunk = stream.push(byte_base + uint8_t(c));
    CHECK(is_complete_utf8(chunk));
    out += chunk;
  }
  return out + stream.flush();
}

}  // namespace

TEST_CASE("stream: GPT-2 token by token gives the same text, never a partial character") {
  const std::string enc = model_path("gpt2-bpe-tokenizer/encoder.json");
  if (!have(enc)) return;
  const auto tok =
      Gpt2BpeTokenizer::from_vocab_and_merges(enc, model_path("gpt2-bpe-tokenizer/vocab.bpe"));
  check_stream(*tok, false);
  // "😀" is split over several byte-level tokens in GPT-2; nothing comes out until its end.
  StreamingDetokenizer stream(*tok);
  const std::vector<int32_t> ids = tok->encode("\xF0\x9F\x98\x80", false);
  REQUIRE(ids.size() > 1);
  for (size_t i = 0; i + 1 < ids.size(); ++i) CHECK(stream.push(ids[i]).empty());
  CHECK(stream.push(ids.back()) == "\xF0\x9F\x98\x80");
}

TEST_CASE("stream: SentencePiece with byte fallback, with and without BOS") {
  const std::string path = model_path("llama2c-stories260k/tok512.bin");
  if (!have(path)) return;
  const auto tok = SentencePieceBpeTokenizer::from_llama2c(path, 512);
  check_stream(*tok, true);
  check_stream(*tok, false);

  // Malformed bytes come out as U+FFFD, valid neighbours intact.
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(stream_bytes(*tok, "a\x80" "b", 3) == "a" + fffd + "b");
  CHECK(stream_bytes(*tok, "\xE4\xBD" "x", 3) == fffd + "x");      // cut by an ASCII byte
  CHECK(stream_bytes(*tok, "ok\xE4\xBD", 3) == "ok" + fffd);        // cut by the end
  CHECK(stream_bytes(*tok, "\xC0\xAF", 3) == fffd + fffd);          // overlong
  CHECK(stream_bytes(*tok, "\xED\xA0\x80", 3) == fffd + fffd + fffd);  // surrogate
  CHECK(stream_bytes(*tok, "\xE4\xBD\xA0\xF0\x9F\x98\x80", 3) == "\xE4\xBD\xA0\xF0\x9F\x98\x80");
}
