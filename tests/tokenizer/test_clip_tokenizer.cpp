// CLIP BPE tokenizer against transformers' CLIPTokenizer (slow, without ftfy), goldens
// from tests/reference/make_clip_goldens.py: a tiny vocabulary trained by that script
// (always tested) and CLIP's real merges (scripts/fetch-clip-vocab.sh; docs/TESTING.md: skipped when absent, but not in CI).
// Ids must match exactly.
#include <doctest/doctest.h>

#include <memory>

#include "tokenizer/clip_bpe_tokenizer.hpp"
#include "tokenizer/clip_text_cleaning.hpp"
#include "tokenizer_test_support.hpp"

using namespace aigc;
using namespace aigc::tokenizer;
using namespace tok_test;
using json = nlohmann::json;

namespace {

const std::string kTinyDir = std::string(AIGC_TEST_DATA_DIR) + "/sd/tiny-clip-tokenizer";

const json &goldens() {
  static const json j =
      json::parse(read_file(std::string(AIGC_TEST_DATA_DIR) + "/tokenizer/clip_tokenizer_golden.json"));
  return j;
}

std::vector<int32_t> ids_of(const json &a) { return a.get<std::vector<int32_t>>(); }

// Every golden case: the padded/truncated prompt ids, the untruncated ids through the
// Tokenizer interface, and the truncation report.
void check_cases(const ClipBpeTokenizer &tok, const json &section) {
  CHECK(tok.vocab_size() == section["vocab_size"].get<int32_t>());
  for (const json &c : section["cases"]) {
    const std::string text = c["text"].get<std::string>();
    CAPTURE(text);
    const std::vector<int32_t> full = ids_of(c["untruncated_ids"]);
    const ClipTokenization t = tok.tokenize_prompt(text);
    CHECK(t.ids == ids_of(c["input_ids"]));
    CHECK(t.length == std::min<int32_t>(int32_t(full.size()), 77));
    CHECK(t.dropped == std::max<int32_t>(int32_t(full.size()) - 77, 0));
    CHECK(t.truncated() == (full.size() > 77));
    std::vector<int32_t> enc = tok.encode(text, /*add_bos=*/true, /*parse_special=*/true);
    enc.push_back(tok.eos_id());
    CHECK(enc == full);
  }
}

}  // namespace

TEST_CASE("clip tokenizer: tiny vocabulary matches transformers in every format") {
  const auto from_folder = ClipBpeTokenizer::from_folder(kTinyDir);
  const auto from_files =
      ClipBpeTokenizer::from_vocab_and_merges(kTinyDir + "/vocab.json", kTinyDir + "/merges.txt");
  const auto from_bpe = ClipBpeTokenizer::from_bpe_merges_file(kTinyDir + "/tiny_bpe_merges.txt");
  // The vocabulary CLIP builds from merges alone equals the vocab.json transformers saved.
  REQUIRE(from_bpe->vocab_size() == from_files->vocab_size());
  for (int32_t id = 0; id < from_bpe->vocab_size(); ++id)
    REQUIRE(from_bpe->token_to_piece(id) == from_files->token_to_piece(id));
  CHECK(from_folder->pad_id() == from_folder->eos_id());
  CHECK(from_folder->model_max_length() == 77);
  for (const ClipBpeTokenizer *tok : {from_folder.get(), from_files.get(), from_bpe.get()})
    check_cases(*tok, goldens()["tiny"]);
}

TEST_CASE("clip tokenizer: real CLIP merges match transformers") {
  if (!goldens().contains("real")) {
    MESSAGE("skipped: clip_tokenizer_golden.json has no real-vocabulary section");
    return;
  }
  const std::string dir = user_models_dir() + "/clip";
  std::unique_ptr<ClipBpeTokenizer> tok;
#if defined(AIGC_HAVE_ZLIB)
  if (std::filesystem::exists(dir + "/bpe_simple_vocab_16e6.txt.gz"))
    tok = ClipBpeTokenizer::from_bpe_merges_file(dir + "/bpe_simple_vocab_16e6.txt.gz");
#endif
  if (!tok) {
    if (!have(dir + "/bpe_simple_vocab_16e6.txt")) return;  // scripts/fetch-clip-vocab.sh
    tok = ClipBpeTokenizer::from_bpe_merges_file(dir + "/bpe_simple_vocab_16e6.txt");
  }
  CHECK(tok->vocab_size() == 49408);
  CHECK(tok->bos_id() == 49406);
  CHECK(tok->eos_id() == 49407);
  CHECK(tok->pad_id() == 49407);  // SD 1.x pads with eos
  check_cases(*tok, goldens()["real"]);
  // Decoding: "</w>" is a word end.
  const auto ids = tok->encode("a photograph of an astronaut", false, true);
  CHECK(tok->decode(ids) == "a photograph of an astronaut ");
}

TEST_CASE("clip tokenizer: special tokens, truncation and padding") {
  const auto tok = ClipBpeTokenizer::from_folder(kTinyDir);
  // parse_special = false encodes the text of a special token as text.
  const auto plain = tok->encode("<|endoftext|>", false, false);
  CHECK(plain.size() > 1);
  CHECK(std::find(plain.begin(), plain.end(), tok->eos_id()) == plain.end());
  CHECK(tok->encode("<|endoftext|>", false, true) == std::vector<int32_t>{tok->eos_id()});
  // A shorter max_length truncates, keeping bos and eos.
  const ClipTokenization t = tok->tokenize_prompt("a b c d e f", 5);
  REQUIRE(t.ids.size() == 5);
  CHECK(t.ids.front() == tok->bos_id());
  CHECK(t.ids.back() == tok->eos_id());
  CHECK(t.dropped == 3);
  CHECK(t.ids == std::vector<int32_t>{tok->bos_id(), tok->find_token("a</w>"),
                                      tok->find_token("b</w>"), tok->find_token("c</w>"),
                                      tok->eos_id()});
  CHECK(tok->is_control(tok->bos_id()));
  CHECK(tok->is_end_of_generation(tok->eos_id()));
  CHECK(tok->decode(tok->encode("a cat", true, true), /*skip_control=*/true) == "a cat ");
}

TEST_CASE("clip tokenizer: text cleaning details") {
  auto cps = [](const std::u32string &s) { return std::vector<uint32_t>(s.begin(), s.end()); };
  // NFC composes e + combining acute; canonical ordering of marks; Hangul L V T.
  CHECK(nfc_normalize(cps(U"e\u0301")) == cps(U"\u00e9"));
  CHECK(nfc_normalize(cps(U"x\u0301\u0323")) == cps(U"x\u0323\u0301"));
  CHECK(nfc_normalize(cps(U"\u1100\u1161\u11a8")) == cps(U"\uac01"));
  // Final sigma, İ -> i + combining dot, controls dropped, whitespace collapsed.
  CHECK(clip_clean_text("ΟΔΟΣ  Σ") == cps(U"οδος σ"));
  CHECK(clip_clean_text("\u0130x") == cps(U"i\u0307x"));
  CHECK(clip_clean_text(" a\x01\tB\xff ") == cps(U"a b"));
  CHECK(clip_clean_text("東京") == cps(U"東 京"));
}

TEST_CASE("clip tokenizer: bad input") {
  CHECK(status_of([&] {
    (void)ClipBpeTokenizer::from_folder(kTinyDir + "/missing");
  }) == Status::io_error);
  CHECK(status_of([&] {
    (void)ClipBpeTokenizer::from_bpe_merges_text("#header\na b c\n", "t");
  }) == Status::invalid_format);
  CHECK(status_of([&] {
    (void)ClipBpeTokenizer::from_vocab_and_merges_text(R"({"a": 0, "b": 1})", "#v\na b\n", "t");
  }) == Status::invalid_format);  // no <|startoftext|> / <|endoftext|>
  CHECK(status_of([&] {
    (void)ClipBpeTokenizer::from_vocab_and_merges_text("not json", "#v\n", "t");
  }) == Status::invalid_format);
  const auto tok = ClipBpeTokenizer::from_folder(kTinyDir);
  CHECK(status_of([&] { (void)tok->tokenize_prompt("x", 1); }) == Status::invalid_argument);
  CHECK(status_of([&] {
    (void)tok->decode_token(-1, tok->vocab_size());
  }) == Status::invalid_argument);
#if !defined(AIGC_HAVE_ZLIB)
  CHECK(status_of([&] {
    (void)ClipBpeTokenizer::from_bpe_merges_file(kTinyDir + "/x.txt.gz");
  }) == Status::unsupported);
#endif
  // Malformed UTF-8 and a long word without spaces encode without trouble.
  CHECK(tok->tokenize_prompt(std::string("\xff\xfe a \xc3", 6)).length == 3);
  CHECK(tok->tokenize_prompt(std::string(20000, 'a')).truncated());
}
