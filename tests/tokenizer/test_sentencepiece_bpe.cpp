#include <doctest/doctest.h>

#include <memory>

#include "io/gguf.hpp"
#include "io/llama2c.hpp"
#include "tokenizer/sentencepiece_bpe_tokenizer.hpp"
#include "tokenizer_test_support.hpp"

using namespace aigc;
using namespace aigc::tokenizer;
using namespace tok_test;

namespace {

const std::string kTok32k = model_path("llama2-tokenizer-32k/tokenizer.bin");
const std::string kTok512 = model_path("llama2c-stories260k/tok512.bin");

const SentencePieceBpeTokenizer &llama32k() {
  static const auto tok = SentencePieceBpeTokenizer::from_llama2c(kTok32k, 32000);
  return *tok;
}
const SentencePieceBpeTokenizer &tok512() {
  static const auto tok = SentencePieceBpeTokenizer::from_llama2c(kTok512, 512);
  return *tok;
}

// The text sentencepiece decodes back: the input itself (no normalization in LLaMA's model).
void check_round_trip(const Tokenizer &tok) {
  for (const GoldenCase &c : load_goldens()) {
    CAPTURE(c.label);
    CHECK(tok.decode(tok.encode(c.text, false)) == c.text);
    CHECK(tok.decode(tok.encode(c.text, true), /*skip_control=*/true) == c.text);
  }
}

}  // namespace

TEST_CASE("sentencepiece: 32k tokenizer.bin equals sentencepiece on tokenizer.model") {
  if (!have(kTok32k)) return;
  int agree = 0;
  for (const GoldenCase &c : load_goldens()) {
    if (!c.valid_utf8) continue;
    CAPTURE(c.label);
    const std::vector<int32_t> ids = llama32k().encode(c.text, false);
    CHECK(ids == c.llama32k);
    agree += ids == c.llama32k;
  }
  MESSAGE("llama 32k agreement with sentencepiece: " << agree << " cases");
  CHECK(llama32k().encode("Hello world", true) == std::vector<int32_t>{1, 15043, 3186});
  CHECK(llama32k().token_to_piece(3186) == "\xE2\x96\x81world");  // "▁world"
  CHECK(llama32k().encode("", true) == std::vector<int32_t>{1});
  CHECK(llama32k().encode("", false).empty());
}

TEST_CASE("sentencepiece: tok512 equals the llama2.c algorithm, byte fallback included") {
  if (!have(kTok512)) return;
  int agree = 0;
  for (const GoldenCase &c : load_goldens()) {
    CAPTURE(c.label);
    const std::vector<int32_t> ids = tok512().encode(c.text, false);
    CHECK(ids == c.tok512);
    agree += ids == c.tok512;
  }
  MESSAGE("tok512 agreement with the llama2.c re-implementation: " << agree << " cases");
  // stories260K facts (MANIFEST): BOS 1, EOS 2, <0xNN> at 3 + NN.
  CHECK(tok512().bos_id() == 1);
  CHECK(tok512().eos_id() == 2);
  CHECK(tok512().token_to_piece(3 + 0x0A) == "<0x0A>");
  CHECK(tok512().decode_token(5, 3 + 0x0A) == "\n");
  CHECK(tok512().encode("\xE4\xBD\xA0", false) ==  // "你" is not in the 512 vocabulary
        std::vector<int32_t>{tok512().encode(" ", false)[0], 3 + 0xE4, 3 + 0xBD, 3 + 0xA0});
}

TEST_CASE("sentencepiece: decode(encode(s)) == s (dummy prefix dropped), malformed bytes too") {
  if (have(kTok512)) check_round_trip(tok512());
  if (have(kTok32k)) check_round_trip(llama32k());
  if (have(kTok512)) {
    // After BOS the dummy prefix's space is dropped; later pieces keep their spaces.
    const std::vector<int32_t> ids = tok512().encode("Once upon", true);
    CHECK(tok512().decode_token(1, ids[1]) == "Once");
    CHECK(tok512().decode_token(ids[1], ids[2]).front() == ' ');
  }
}

TEST_CASE("sentencepiece: GGUF llama vocabulary equals tokenizer.bin") {
  if (!have(kTok512)) return;
  const io::Llama2cVocab v = io::load_llama2c_vocab(kTok512, 512);
  std::vector<std::string> pieces;
  std::vector<int32_t> types;
  for (size_t i = 0; i < v.pieces.size(); ++i) {
    pieces.push_back(tok512().token_to_piece(int32_t(i)));
    types.push_back(int32_t(tok512().piece_type(int32_t(i))));
  }
  pieces[1] = "<s>";
  pieces[2] = "</s>";
  const std::string path = (std::filesystem::temp_directory_path() / "aigc_test_llama.gguf").string();
  GgufWriter w;
  w.str("tokenizer.ggml.model", "llama");
  w.strings("tokenizer.ggml.tokens", pieces);
  w.floats("tokenizer.ggml.scores", v.scores);
  w.i32s("tokenizer.ggml.token_type", types);
  w.u32("tokenizer.ggml.bos_token_id", 1);
  w.u32("tokenizer.ggml.eos_token_id", 2);
  w.u32("tokenizer.ggml.unknown_token_id", 0);
  w.save(path);
  const auto gguf = io::GgufFile::open(path);
  const auto tok = SentencePieceBpeTokenizer::from_gguf(*gguf);
  for (const GoldenCase &c : load_goldens()) {
    CAPTURE(c.label);
    CHECK(tok->encode(c.text, true) == tok512().encode(c.text, true));
  }
  CHECK(tok->decode({1, 2}, /*skip_control=*/true).empty());
  CHECK(tok->decode({1, 2}) == "<s></s>");  // control tokens show their text
  CHECK(tok->add_bos_by_default());
  CHECK(tok->is_end_of_generation(2));
  CHECK_FALSE(tok->is_end_of_generation(1));
  CHECK(tok->find_token("<s>") == 1);
  // parse_special: markers become their ids; each stretch of text after one gets its
  // own dummy prefix (llama.cpp's rule).
  const std::vector<int32_t> a = tok->encode("a", false), b = tok->encode("b c", false);
  std::vector<int32_t> expect = {1};
  expect.insert(expect.end(), a.begin(), a.end());
  expect.push_back(2);
  expect.insert(expect.end(), b.begin(), b.end());
  CHECK(tok->encode("<s>a</s>b c", false, true) == expect);
  CHECK(tok->encode("<s>", false, false) != std::vector<int32_t>{1});

  // A GPT-2 or unknown vocabulary is refused with the file named.
  std::string msg;
  CHECK(status_of([] { SentencePieceBpeTokenizer::from_gguf(*io::GgufFile::open(
                           (std::filesystem::temp_directory_path() / "aigc_test_unknown.gguf")
                               .string())); }) == Status::io_error);
  GgufWriter u;
  u.str("tokenizer.ggml.model", "unknown");
  u.strings("tokenizer.ggml.tokens", {"a"});
  u.save(path);
  CHECK(status_of([&] { SentencePieceBpeTokenizer::from_gguf(*io::GgufFile::open(path)); }, &msg) ==
        Status::unsupported);
  CHECK(msg.find(path) != std::string::npos);

  GgufWriter bad;  // scores of the wrong length
  bad.str("tokenizer.ggml.model", "llama");
  bad.strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>"});
  bad.floats("tokenizer.ggml.scores", {0.f});
  bad.save(path);
  CHECK(status_of([&] { SentencePieceBpeTokenizer::from_gguf(*io::GgufFile::open(path)); }) ==
        Status::invalid_format);
  std::filesystem::remove(path);
}

TEST_CASE("sentencepiece: missing or truncated tokenizer.bin") {
  std::string msg;
  CHECK(status_of([] { SentencePieceBpeTokenizer::from_llama2c("/nonexistent/tok.bin", 512); },
                  &msg) == Status::io_error);
  CHECK(msg.find("/nonexistent/tok.bin") != std::string::npos);
  if (!have(kTok512)) return;
  const std::string bytes = read_file(kTok512);
  const std::string path = (std::filesystem::temp_directory_path() / "aigc_test_tok.bin").string();
  write_file(path, bytes.substr(0, bytes.size() / 2));
  CHECK(status_of([&] { SentencePieceBpeTokenizer::from_llama2c(path, 512); }, &msg) ==
        Status::invalid_format);
  CHECK(msg.find(path) != std::string::npos);
  std::filesystem::remove(path);
}
