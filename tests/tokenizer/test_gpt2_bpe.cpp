#include <doctest/doctest.h>

#include <chrono>
#include <memory>

#include "io/gguf.hpp"
#include "tokenizer/gpt2_bpe_tokenizer.hpp"
#include "tokenizer_test_support.hpp"

using namespace aigc;
using namespace aigc::tokenizer;
using namespace tok_test;

namespace {

const std::string kEncoder = model_path("gpt2-bpe-tokenizer/encoder.json");
const std::string kMerges = model_path("gpt2-bpe-tokenizer/vocab.bpe");

const Gpt2BpeTokenizer &gpt2() {
  static const std::unique_ptr<Gpt2BpeTokenizer> tok =
      Gpt2BpeTokenizer::from_vocab_and_merges(kEncoder, kMerges);
  return *tok;
}

std::vector<std::string> merge_lines() {
  std::vector<std::string> lines;
  std::istringstream in(read_file(kMerges));
  std::string line;
  for (bool first = true; std::getline(in, line); first = false)
    if (!line.empty() && !(first && line.rfind("#version", 0) == 0)) lines.push_back(line);
  return lines;
}

std::vector<std::string> tokens_in_id_order() {
  const auto vocab = nlohmann::json::parse(read_file(kEncoder));
  std::vector<std::string> tokens(vocab.size());
  for (const auto &[t, id] : vocab.items()) tokens[id.get<size_t>()] = t;
  return tokens;
}

void check_goldens(const Tokenizer &tok) {
  int agree = 0;
  const auto cases = load_goldens();
  for (const GoldenCase &c : cases) {
    if (!c.valid_utf8) continue;
    CAPTURE(c.label);
    const std::vector<int32_t> ids = tok.encode(c.text, false);
    CHECK(ids == c.gpt2);
    agree += ids == c.gpt2;
  }
  MESSAGE("gpt2 agreement with HF tokenizers: " << agree << " cases");
}

}  // namespace

TEST_CASE("gpt2: MANIFEST facts") {
  if (!have(kEncoder)) return;
  CHECK(gpt2().encode("Hello world", false) == std::vector<int32_t>{15496, 995});
  CHECK(gpt2().encode("Once upon a time, there was a little girl.", false) ==
        std::vector<int32_t>{7454, 2402, 257, 640, 11, 612, 373, 257, 1310, 2576, 13});
  CHECK(gpt2().vocab_size() == 50257);
  CHECK(gpt2().bos_id() == 50256);
  CHECK(gpt2().eos_id() == 50256);
  CHECK(gpt2().token_to_piece(995) == "\xC4\xA0world");  // "Ġworld"
  CHECK(gpt2().encode("Hello", true) == std::vector<int32_t>{50256, 15496});
}

TEST_CASE("gpt2: encode equals the Hugging Face tokenizers reference on every corpus string") {
  if (!have(kEncoder)) return;
  check_goldens(gpt2());
}

TEST_CASE("gpt2: decode(encode(s)) == s, malformed UTF-8 included") {
  if (!have(kEncoder)) return;
  for (const GoldenCase &c : load_goldens()) {
    CAPTURE(c.label);
    CHECK(gpt2().decode(gpt2().encode(c.text, false)) == c.text);
  }
  const std::string all_bytes = [] {
    std::string s;
    for (int b = 0; b < 256; ++b) s += char(b);
    return s;
  }();
  CHECK(gpt2().decode(gpt2().encode(all_bytes, false)) == all_bytes);
  CHECK(gpt2().decode({50256}) == "<|endoftext|>");
}

TEST_CASE("gpt2: a long word merges in well under a second") {
  if (!have(kEncoder)) return;
  std::string word;
  for (int i = 0; i < 20000; ++i) word += "abcdefghij"[i * 7 % 10];
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<int32_t> ids = gpt2().encode(word, false);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(s < 1.0);
  CHECK(gpt2().decode(ids) == word);
}

TEST_CASE("gpt2: vocab.json + merges.txt, tokenizer.json and GGUF give the same ids") {
  if (!have(kEncoder)) return;
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "aigc_test_gpt2_formats";
  fs::create_directories(dir);

  fs::copy_file(kEncoder, dir / "vocab.json", fs::copy_options::overwrite_existing);
  fs::copy_file(kMerges, dir / "merges.txt", fs::copy_options::overwrite_existing);
  const auto hf = Gpt2BpeTokenizer::from_vocab_and_merges((dir / "vocab.json").string(),
                                                          (dir / "merges.txt").string());
  check_goldens(*hf);

  // tokenizer.json as `tokenizers` saves it (merges as [left, right] pairs, newer style).
  nlohmann::json tj;
  tj["model"]["type"] = "BPE";
  tj["model"]["vocab"] = nlohmann::json::parse(read_file(kEncoder));
  tj["model"]["vocab"].erase("<|endoftext|>");  // comes back as an added token
  nlohmann::json merges = nlohmann::json::array();
  for (const std::string &m : merge_lines())
    merges.push_back({m.substr(0, m.find(' ')), m.substr(m.find(' ') + 1)});
  tj["model"]["merges"] = merges;
  tj["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
  tj["added_tokens"] = {{{"id", 50256}, {"content", "<|endoftext|>"}, {"special", true}}};
  write_file((dir / "tokenizer.json").string(), tj.dump());
  const auto from_json = Gpt2BpeTokenizer::from_tokenizer_json((dir / "tokenizer.json").string());
  CHECK(from_json->vocab_size() == 50257);
  CHECK(from_json->eos_id() == 50256);
  check_goldens(*from_json);

  GgufWriter w;
  w.str("general.architecture", "gpt2");
  w.str("tokenizer.ggml.model", "gpt2");
  w.strings("tokenizer.ggml.tokens", tokens_in_id_order());
  w.strings("tokenizer.ggml.merges", merge_lines());
  w.u32("tokenizer.ggml.bos_token_id", 50256);
  w.u32("tokenizer.ggml.eos_token_id", 50256);
  w.save((dir / "gpt2.gguf").string());
  const auto from_gguf = Gpt2BpeTokenizer::from_gguf(*io::GgufFile::open((dir / "gpt2.gguf").string()));
  CHECK(from_gguf->bos_id() == 50256);
  check_goldens(*from_gguf);

  fs::remove_all(dir);
}

TEST_CASE("gpt2: bad input is a clear error naming the file") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "aigc_test_gpt2_errors";
  fs::create_directories(dir);
  std::string msg;

  CHECK(status_of([] { Gpt2BpeTokenizer::from_vocab_and_merges("/nonexistent/encoder.json",
                                                                "/nonexistent/vocab.bpe"); },
                  &msg) == Status::io_error);
  CHECK(msg.find("/nonexistent/encoder.json") != std::string::npos);

  // A byte alphabet vocabulary (every byte's token) plus a few merged tokens.
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) {
    std::string piece;
    const uint32_t cp = gpt2_byte_to_codepoint(uint8_t(b));
    if (cp < 0x80) piece += char(cp);
    else { piece += char(0xC0 | (cp >> 6)); piece += char(0x80 | (cp & 0x3F)); }
    vocab[piece] = b;
  }
  vocab["ab"] = 256;
  const std::string vocab_path = (dir / "vocab.json").string();
  const std::string merges_path = (dir / "merges.txt").string();
  write_file(vocab_path, vocab.dump());

  write_file(merges_path, "#version: 0.2\na b\n");
  const auto tiny = Gpt2BpeTokenizer::from_vocab_and_merges(vocab_path, merges_path);
  CHECK(tiny->encode("abab", false) == std::vector<int32_t>{256, 256});

  write_file(merges_path, "#version: 0.2\na b\nab xyz\n");  // "xyz" is not a token
  CHECK(status_of([&] { Gpt2BpeTokenizer::from_vocab_and_merges(vocab_path, merges_path); },
                  &msg) == Status::invalid_format);
  CHECK(msg.find(merges_path) != std::string::npos);
  CHECK(msg.find("xyz") != std::string::npos);

  write_file(merges_path, "#version: 0.2\nab\n");  // not "left right"
  CHECK(status_of([&] { Gpt2BpeTokenizer::from_vocab_and_merges(vocab_path, merges_path); }) ==
        Status::invalid_format);

  const std::string text = vocab.dump();
  write_file(vocab_path, text.substr(0, text.size() / 2));  // truncated JSON
  write_file(merges_path, "a b\n");
  CHECK(status_of([&] { Gpt2BpeTokenizer::from_vocab_and_merges(vocab_path, merges_path); },
                  &msg) == Status::invalid_format);
  CHECK(msg.find(vocab_path) != std::string::npos);

  write_file(vocab_path, R"({"a": 0, "b": 5})");  // ids with holes
  CHECK(status_of([&] { Gpt2BpeTokenizer::from_vocab_and_merges(vocab_path, merges_path); }) ==
        Status::invalid_format);

  const std::string tj_path = (dir / "tokenizer.json").string();
  write_file(tj_path, R"({"model": {"type": "WordPiece", "vocab": {"a": 0}}})");
  CHECK(status_of([&] { Gpt2BpeTokenizer::from_tokenizer_json(tj_path); }, &msg) ==
        Status::unsupported);
  CHECK(msg.find(tj_path) != std::string::npos);
  write_file(tj_path, R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
                          "pre_tokenizer": {"type": "Metaspace"}})");
  CHECK(status_of([&] { Gpt2BpeTokenizer::from_tokenizer_json(tj_path); }) ==
        Status::unsupported);

  const std::string gguf_path = (dir / "unknown.gguf").string();
  GgufWriter w;
  w.str("tokenizer.ggml.model", "unknown");
  w.strings("tokenizer.ggml.tokens", {"a", "b"});
  w.save(gguf_path);
  CHECK(status_of([&] { Gpt2BpeTokenizer::from_gguf(*io::GgufFile::open(gguf_path)); }, &msg) ==
        Status::unsupported);
  CHECK(msg.find(gguf_path) != std::string::npos);

  GgufWriter pre;
  pre.str("tokenizer.ggml.model", "gpt2");
  pre.str("tokenizer.ggml.pre", "llama-bpe");  // a different regex: refuse, don't guess
  pre.strings("tokenizer.ggml.tokens", {"a"});
  pre.strings("tokenizer.ggml.merges", {});
  pre.save(gguf_path);
  CHECK(status_of([&] { Gpt2BpeTokenizer::from_gguf(*io::GgufFile::open(gguf_path)); }) ==
        Status::unsupported);

  if (have(kEncoder)) {
    CHECK(status_of([] { gpt2().decode({50257}); }) == Status::invalid_argument);
    CHECK(status_of([] { gpt2().token_to_piece(-1); }) == Status::invalid_argument);
  }
  fs::remove_all(dir);
}
