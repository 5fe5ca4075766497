// load_tokenizer_file / load_tokenizer_from_gguf: format recognition and errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <memory>

#include "io/gguf.hpp"
#include "tokenizer/gpt2_bpe_tokenizer.hpp"
#include "tokenizer/tokenizer_loader.hpp"
#include "tokenizer/unicode.hpp"
#include "tokenizer_test_support.hpp"

using namespace aigc;
using namespace aigc::tokenizer;
using namespace tok_test;
namespace fs = std::filesystem;

namespace {

const std::string kGpt2Dir = model_path("gpt2-bpe-tokenizer");
const std::string kTok512 = model_path("llama2c-stories260k/tok512.bin");

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string &name) : path(fs::temp_directory_path() / name) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string &f) const { return (path / f).string(); }
};

const std::vector<int32_t> kHelloWorld = {15496, 995};  // GPT-2's "Hello world"

}  // namespace

TEST_CASE("loader: GPT-2 files by name, by directory, and HF names") {
  if (!have(kGpt2Dir + "/encoder.json")) return;
  CHECK(load_tokenizer_file(kGpt2Dir + "/encoder.json")->encode("Hello world", false) ==
        kHelloWorld);
  const auto from_dir = load_tokenizer_file(kGpt2Dir);
  CHECK(from_dir->encode("Hello world", false) == kHelloWorld);
  CHECK(from_dir->eos_id() == 50256);
  CHECK(from_dir->is_control(50256));
  CHECK(from_dir->is_end_of_generation(50256));
  CHECK_FALSE(from_dir->add_bos_by_default());
  CHECK(from_dir->encode("a<|endoftext|>", false, true) == std::vector<int32_t>{64, 50256});

  TempDir dir("aigc_test_loader_hf");
  fs::copy_file(kGpt2Dir + "/encoder.json", dir / "vocab.json");
  fs::copy_file(kGpt2Dir + "/vocab.bpe", dir / "merges.txt");
  CHECK(load_tokenizer_file(dir.path.string())->encode("Hello world", false) == kHelloWorld);
  CHECK(load_tokenizer_file(dir / "vocab.json")->vocab_size() == 50257);
  fs::remove(dir / "merges.txt");  // a vocabulary without its merges
  std::string msg;
  CHECK(status_of([&] { load_tokenizer_file(dir / "vocab.json"); }, &msg) ==
        Status::invalid_format);
  CHECK(msg.find("merges") != std::string::npos);
  CHECK(status_of([&] { load_tokenizer_file(dir.path.string()); }) == Status::invalid_format);
}

TEST_CASE("loader: tokenizer.json with SmolLM's Digits + ByteLevel pre-tokenizer") {
  // Vocabulary: the 256 byte tokens (id = byte), "12", and two added tokens.
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) {
    std::string t;  // GPT-2's byte alphabet; printable ASCII maps to itself
    append_utf8(t, gpt2_byte_to_codepoint(uint8_t(b)));
    vocab[t] = b;
  }
  vocab["12"] = 256;
  nlohmann::json tj;
  tj["model"] = {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"1 2"}}};
  tj["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Digits"}, {"individual_digits", true}},
        {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}}}};
  tj["added_tokens"] = {{{"id", 257}, {"content", "<s>"}, {"special", true}},
                        {{"id", 258}, {"content", "<|im_end|>"}, {"special", true}},
                        {{"id", 259}, {"content", "<x>"}, {"special", false}}};
  tj["post_processor"] = {
      {"type", "TemplateProcessing"},
      {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                  {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}}};
  TempDir dir("aigc_test_loader_tj");
  write_file(dir / "tokenizer.json", tj.dump());
  const auto tok = load_tokenizer_file(dir.path.string());
  CHECK(tok->encode("a12", false) == std::vector<int32_t>{'a', '1', '2'});  // digits split
  CHECK(tok->add_bos_by_default());
  CHECK(tok->bos_id() == 257);
  CHECK(tok->encode("1<|im_end|><x>", true, true) == std::vector<int32_t>{257, '1', 258, 259});
  CHECK(tok->is_control(258));
  CHECK_FALSE(tok->is_control(259));
  CHECK(tok->is_end_of_generation(258));

  // Digits without individual_digits is another pre-tokenizer: refused.
  tj["pre_tokenizer"]["pretokenizers"][0]["individual_digits"] = false;
  write_file(dir / "tokenizer.json", tj.dump());
  std::string msg;
  CHECK(status_of([&] { load_tokenizer_file(dir / "tokenizer.json"); }, &msg) ==
        Status::unsupported);
  CHECK(msg.find("Digits") != std::string::npos);
}

TEST_CASE("loader: llama2.c tokenizer.bin needs the vocabulary size") {
  if (!have(kTok512)) return;
  const auto tok = load_tokenizer_file(kTok512, 512);
  CHECK(tok->vocab_size() == 512);
  CHECK(tok->add_bos_by_default());
  CHECK(tok->is_control(1));
  CHECK(tok->is_end_of_generation(2));
  std::string msg;
  CHECK(status_of([&] { load_tokenizer_file(kTok512); }, &msg) == Status::invalid_argument);
  CHECK(msg.find("vocab_size") != std::string::npos);
  TempDir dir("aigc_test_loader_bin");
  fs::copy_file(kTok512, dir / "tokenizer.bin");
  CHECK(load_tokenizer_file(dir.path.string(), 512)->encode("Once", true) ==
        tok->encode("Once", true));
}

TEST_CASE("loader: GGUF front door") {
  TempDir dir("aigc_test_loader_gguf");
  GgufWriter none;  // a model file without a vocabulary
  none.str("general.architecture", "llama");
  none.save(dir / "none.gguf");
  CHECK(load_tokenizer_from_gguf(*io::GgufFile::open(dir / "none.gguf")) == nullptr);
  CHECK(status_of([&] { load_tokenizer_file(dir / "none.gguf"); }) == Status::invalid_format);

  GgufWriter bert;
  bert.str("tokenizer.ggml.model", "bert");
  bert.strings("tokenizer.ggml.tokens", {"[CLS]"});
  bert.save(dir / "bert.model");  // no .gguf extension: recognised by its magic
  std::string msg;
  CHECK(status_of([&] { load_tokenizer_file(dir / "bert.model"); }, &msg) == Status::unsupported);
  CHECK(msg.find("'bert'") != std::string::npos);

  if (have(smollm2_path())) {
    const auto tok = load_tokenizer_file(smollm2_path());
    CHECK(tok->vocab_size() == 49152);
    CHECK(tok->encode("<|im_start|>user\nHi<|im_end|>\n", false, true) ==
          std::vector<int32_t>{1, 4093, 198, 26843, 2, 198});
  }
}

TEST_CASE("loader: missing paths and unrecognised files") {
  std::string msg;
  CHECK(status_of([] { load_tokenizer_file("/nonexistent/tokenizer.json"); }, &msg) ==
        Status::io_error);
  CHECK(msg.find("/nonexistent/tokenizer.json") != std::string::npos);
  TempDir dir("aigc_test_loader_bad");
  write_file(dir / "notes.txt", "hello");
  CHECK(status_of([&] { load_tokenizer_file(dir / "notes.txt"); }, &msg) == Status::invalid_format);
  CHECK(msg.find("notes.txt") != std::string::npos);
  write_file(dir / "broken.json", "{not json");
  CHECK(status_of([&] { load_tokenizer_file(dir / "broken.json"); }) == Status::invalid_format);
  CHECK(status_of([&] { load_tokenizer_file(dir.path.string()); }) == Status::invalid_format);
}
