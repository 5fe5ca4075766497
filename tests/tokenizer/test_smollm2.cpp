// SmolLM2's vocabulary (GGUF, tokenizer.ggml.pre = "smollm") against the `tokenizers`
// pipeline of tests/reference/make_tokenizer_goldens.py, special-token parsing and the
// end-of-generation / control queries. The real .gguf is looked for in
// $AIGC_USER_MODELS (without it: one skip line, or a failure in CI; docs/TESTING.md); the synthetic-vocabulary
// cases always run.
#include <doctest/doctest.h>

#include <filesystem>
#include <memory>

#include "io/gguf.hpp"
#include "tokenizer/gpt2_bpe_tokenizer.hpp"
#include "tokenizer/gpt2_pretokenizer.hpp"
#include "tokenizer/tokenizer_loader.hpp"
#include "tokenizer/unicode.hpp"
#include "tokenizer_test_support.hpp"

using namespace aigc;
using namespace aigc::tokenizer;
using namespace tok_test;

namespace {

const Tokenizer &smollm2() {
  static const std::unique_ptr<Tokenizer> tok =
      load_tokenizer_from_gguf(*io::GgufFile::open(smollm2_path()));
  return *tok;
}

std::vector<std::string> split(std::string_view text, PreTokenizer kind) {
  std::vector<std::string> out;
  for (std::string_view p : pretokenize(text, kind)) out.emplace_back(p);
  return out;
}

// A vocabulary small enough to reason about: token i is byte i (GPT-2's byte alphabet),
// one merge "1 2", then three control tokens.
std::string write_tiny_gguf(const std::string &pre, bool with_types) {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) {
    std::string t;
    append_utf8(t, gpt2_byte_to_codepoint(uint8_t(b)));
    tokens.push_back(t);
  }
  tokens.push_back("12");                // 256
  tokens.push_back("<|im_start|>");      // 257
  tokens.push_back("<|im_end|>");        // 258
  tokens.push_back("<|im_end|>extra");   // 259: longer match wins
  tokens.push_back("<turn>");            // 260: user-defined
  std::vector<int32_t> types(tokens.size(), 1);
  types[257] = types[258] = types[259] = 3;
  types[260] = 4;
  const std::string path =
      (std::filesystem::temp_directory_path() / ("aigc_test_tiny_" + pre + ".gguf")).string();
  GgufWriter w;
  w.str("tokenizer.ggml.model", "gpt2");
  w.str("tokenizer.ggml.pre", pre);
  w.strings("tokenizer.ggml.tokens", tokens);
  w.strings("tokenizer.ggml.merges", {"1 2"});
  if (with_types) w.i32s("tokenizer.ggml.token_type", types);
  w.u32("tokenizer.ggml.bos_token_id", 257);
  w.u32("tokenizer.ggml.eos_token_id", 258);
  w.u32("tokenizer.ggml.eot_token_id", 260);
  w.boolean("tokenizer.ggml.add_bos_token", true);
  w.save(path);
  return path;
}

}  // namespace

TEST_CASE("smollm pre-tokenizer: each number character is a piece of its own") {
  // Values from tokenizers' Sequence[Digits(individual_digits), ByteLevel] (spaces
  // shown unmapped): abc | 1 | def | "  " | 1 | " x".
  CHECK(split("abc1def  1 x", PreTokenizer::smollm) ==
        std::vector<std::string>{"abc", "1", "def", "  ", "1", " x"});
  CHECK(split("abc1def  1 x", PreTokenizer::gpt2) ==
        std::vector<std::string>{"abc", "1", "def", " ", " 1", " x"});
  // \p{N} beyond ASCII (Digits uses char::is_numeric): ½, Arabic-Indic digits, ².
  CHECK(split("x\xC2\xB2 \xD9\xA1\xD9\xA2", PreTokenizer::smollm) ==
        std::vector<std::string>{"x", "\xC2\xB2", " ", "\xD9\xA1", "\xD9\xA2"});
  CHECK(split("", PreTokenizer::smollm).empty());
  PreTokenizer p{};
  CHECK(pretokenizer_from_gguf_name("smollm", &p));
  CHECK(p == PreTokenizer::smollm);
  CHECK_FALSE(pretokenizer_from_gguf_name("llama-bpe", &p));
}

TEST_CASE("smollm2: GGUF vocabulary equals the tokenizers reference on the corpus") {
  if (!have(smollm2_path())) return;
  const Tokenizer &tok = smollm2();
  CHECK(tok.vocab_size() == 49152);
  CHECK(tok.bos_id() == 1);
  CHECK(tok.eos_id() == 2);
  CHECK_FALSE(tok.add_bos_by_default());
  int agree = 0, n = 0;
  for (const GoldenCase &c : load_goldens()) {
    CAPTURE(c.label);
    const std::vector<int32_t> ids = tok.encode(c.text, false);
    // The corpus avoids the 21 bytes SmolLM2 has no token for (malformed cases aside).
    if (c.valid_utf8) CHECK(tok.decode(ids) == c.text);
    if (!c.has_smollm2) continue;
    ++n;
    CHECK(ids == c.smollm2);
    agree += ids == c.smollm2;
    // Without chat markers in the text, parsing special tokens changes nothing.
    CHECK(tok.encode(c.text, false, true) == c.smollm2);
  }
  CHECK(n >= 25);
  MESSAGE("smollm2 agreement with the tokenizers reference: " << agree << "/" << n);
  CHECK(tok.encode("Hello world! 123", false) ==
        std::vector<int32_t>{19556, 905, 17, 216, 33, 34, 35});
  // Bytes without a token are dropped before merging (values from tokenizers).
  CHECK(tok.encode("a\x04" "b", false) == std::vector<int32_t>{81, 82});
  CHECK(tok.encode("!\x04!", false) == std::vector<int32_t>{10095});
  CHECK(tok.encode("x\x13\x14y \xC3\xBF", false) == std::vector<int32_t>{104, 105, 5549, 140});
}

TEST_CASE("smollm2: chat markers with parse_special, text without") {
  if (!have(smollm2_path())) return;
  const Tokenizer &tok = smollm2();
  for (const SpecialCase &c : load_special_goldens()) {
    CAPTURE(c.label);
    CHECK(tok.encode(c.text, false, true) == c.smollm2);
    CHECK(tok.decode(tok.encode(c.text, false, true)) == c.text);
    // As plain text no control token appears and the text still comes back.
    const std::vector<int32_t> plain = tok.encode(c.text, false);
    for (int32_t id : plain) CHECK_FALSE(tok.is_control(id));
    CHECK(tok.decode(plain) == c.text);
  }
  const std::vector<int32_t> turn = tok.encode("<|im_start|>user\nHi<|im_end|>\n", false, true);
  CHECK(turn == std::vector<int32_t>{1, 4093, 198, 26843, 2, 198});
  CHECK(tok.decode(turn, /*skip_control=*/true) == "user\nHi\n");
  CHECK(tok.encode("Hi", true, true) == std::vector<int32_t>{1, 26843});
}

TEST_CASE("smollm2: control tokens, end of generation, find_token") {
  if (!have(smollm2_path())) return;
  const Tokenizer &tok = smollm2();
  for (int32_t id = 0; id < 17; ++id) CHECK(tok.is_control(id));
  CHECK_FALSE(tok.is_control(17));
  CHECK_FALSE(tok.is_control(-1));
  CHECK_FALSE(tok.is_control(49152));
  CHECK(tok.is_end_of_generation(2));  // <|im_end|> = EOS
  CHECK(tok.is_end_of_generation(0));  // <|endoftext|>
  CHECK_FALSE(tok.is_end_of_generation(1));
  CHECK_FALSE(tok.is_end_of_generation(198));
  CHECK_FALSE(tok.is_end_of_generation(-5));
  CHECK_FALSE(tok.is_end_of_generation(1 << 20));
  CHECK(tok.find_token("<|im_end|>") == 2);
  CHECK(tok.find_token("<|im_start|>") == 1);
  CHECK(tok.find_token("Ġ") == 216);
  CHECK(tok.find_token("no such token") == -1);
  CHECK(tok.decode_token(-1, 2) == "<|im_end|>");
  CHECK(tok.token_to_piece(2) == "<|im_end|>");
}

TEST_CASE("tiny GGUF: smollm vs gpt2 pre-tokenizer, special tokens, metadata") {
  const auto tiny = load_tokenizer_from_gguf(*io::GgufFile::open(write_tiny_gguf("smollm", true)));
  const auto gpt2 = load_tokenizer_from_gguf(*io::GgufFile::open(write_tiny_gguf("gpt2", true)));
  // The merge "1 2" applies only when the pre-tokenizer keeps digits together.
  CHECK(tiny->encode("a12", false) == std::vector<int32_t>{'a', '1', '2'});
  CHECK(gpt2->encode("a12", false) == std::vector<int32_t>{'a', 256});
  CHECK(tiny->add_bos_by_default());
  CHECK(tiny->encode("a", true) == std::vector<int32_t>{257, 'a'});

  // Longest match first; user-defined tokens count; unmatched prefixes stay text.
  CHECK(tiny->encode("<|im_end|>extra<|im_end|>x<turn><|im_", false, true) ==
        std::vector<int32_t>{259, 258, 'x', 260, '<', '|', 'i', 'm', '_'});
  CHECK(tiny->encode("<|im_end|>", false, false) ==
        std::vector<int32_t>{'<', '|', 'i', 'm', '_', 'e', 'n', 'd', '|', '>'});
  CHECK(tiny->encode("", true, true) == std::vector<int32_t>{257});
  CHECK(tiny->decode({257, 'h', 260, 258}) == "<|im_start|>h<turn><|im_end|>");
  CHECK(tiny->decode({257, 'h', 260, 258}, true) == "h<turn>");  // user-defined is text

  CHECK(tiny->is_end_of_generation(258));       // EOS
  CHECK(tiny->is_end_of_generation(260));       // eot_token_id
  CHECK_FALSE(tiny->is_end_of_generation(259)); // control, but not an end name
  CHECK(tiny->is_control(259));
  CHECK_FALSE(tiny->is_control(260));

  // Without token_type nothing is special: markers are text even with parse_special.
  const auto untyped =
      load_tokenizer_from_gguf(*io::GgufFile::open(write_tiny_gguf("smollm", false)));
  CHECK(untyped->encode("<turn>", false, true).size() == 6);
  CHECK_FALSE(untyped->is_control(257));
}

TEST_CASE("tiny GGUF: unknown pre-tokenizer and bad token types are refused") {
  std::string msg;
  const std::string path = write_tiny_gguf("qwen-mystery", true);
  CHECK(status_of([&] { load_tokenizer_from_gguf(*io::GgufFile::open(path)); }, &msg) ==
        Status::unsupported);
  CHECK(msg.find("qwen-mystery") != std::string::npos);
  GgufWriter w;
  w.str("tokenizer.ggml.model", "gpt2");
  w.strings("tokenizer.ggml.tokens", {"a"});
  w.strings("tokenizer.ggml.merges", {});
  w.i32s("tokenizer.ggml.token_type", {9});
  w.save(path);
  CHECK(status_of([&] { load_tokenizer_from_gguf(*io::GgufFile::open(path)); }) ==
        Status::invalid_format);
  std::filesystem::remove(path);
}
