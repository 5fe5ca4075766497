#include "tokenizer/tokenizer_loader.hpp"

#include <filesystem>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/check.hpp"
#include "io/gguf.hpp"
#include "tokenizer/gpt2_bpe_tokenizer.hpp"
#include "tokenizer/sentencepiece_bpe_tokenizer.hpp"

namespace aigc::tokenizer {
namespace {

namespace fs = std::filesystem;

bool is_file(const fs::path &p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// Whether a JSON file is a tokenizer.json (has a "model" object) rather than a plain
// token -> id vocabulary. Reads the whole file: vocabularies are a few MB at most.
bool looks_like_tokenizer_json(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  AIGC_CHECK(in.good(), Status::io_error, "{}: cannot open file", p.string());
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  AIGC_CHECK(!j.is_discarded(), Status::invalid_format, "{}: not valid JSON", p.string());
  return j.is_object() && j.contains("model") && j["model"].is_object();
}

std::unique_ptr<Tokenizer> load_json(const fs::path &p) {
  if (looks_like_tokenizer_json(p)) return Gpt2BpeTokenizer::from_tokenizer_json(p.string());
  // A plain vocabulary: its merges live beside it under the name its family uses.
  for (const char *merges : {"merges.txt", "vocab.bpe"}) {
    const fs::path m = p.parent_path() / merges;
    if (is_file(m)) return Gpt2BpeTokenizer::from_vocab_and_merges(p.string(), m.string());
  }
  fail(Status::invalid_format,
       "{}: a token -> id vocabulary without merges.txt or vocab.bpe beside it", p.string());
}

std::unique_ptr<Tokenizer> load_bin(const fs::path &p, int32_t vocab_size_hint) {
  AIGC_CHECK(vocab_size_hint > 0, Status::invalid_argument,
             "{}: a llama2.c tokenizer.bin does not store its vocabulary size; pass the "
             "model's vocab_size (got {})",
             p.string(), vocab_size_hint);
  return SentencePieceBpeTokenizer::from_llama2c(p.string(), vocab_size_hint);
}

std::unique_ptr<Tokenizer> load_gguf(const fs::path &p) {
  const auto gguf = io::GgufFile::open(p.string());
  std::unique_ptr<Tokenizer> tok = load_tokenizer_from_gguf(*gguf);
  AIGC_CHECK(tok != nullptr, Status::invalid_format,
             "{}: GGUF file without a tokenizer (no tokenizer.ggml.model)", p.string());
  return tok;
}

std::unique_ptr<Tokenizer> load_directory(const fs::path &dir, int32_t vocab_size_hint) {
  if (is_file(dir / "tokenizer.json"))
    return Gpt2BpeTokenizer::from_tokenizer_json((dir / "tokenizer.json").string());
  const std::pair<const char *, const char *> pairs[] = {{"vocab.json", "merges.txt"},
                                                         {"encoder.json", "vocab.bpe"}};
  for (const auto &[vocab, merges] : pairs)
    if (is_file(dir / vocab) && is_file(dir / merges))
      return Gpt2BpeTokenizer::from_vocab_and_merges((dir / vocab).string(),
                                                     (dir / merges).string());
  if (is_file(dir / "tokenizer.bin")) return load_bin(dir / "tokenizer.bin", vocab_size_hint);
  fail(Status::invalid_format,
       "{}: directory holds no tokenizer.json, vocab.json + merges.txt, encoder.json + "
       "vocab.bpe or tokenizer.bin",
       dir.string());
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer_from_gguf(const io::GgufFile &gguf) {
  if (!gguf.find("tokenizer.ggml.model")) return nullptr;
  const std::string model = gguf.get_string("tokenizer.ggml.model");
  if (model == "gpt2") return Gpt2BpeTokenizer::from_gguf(gguf);
  if (model == "llama") return SentencePieceBpeTokenizer::from_gguf(gguf);
  fail(Status::unsupported,
       "{}: tokenizer.ggml.model '{}' is not supported (supported: gpt2, llama)", gguf.name(),
       model);
}

std::unique_ptr<Tokenizer> load_tokenizer_file(const std::string &path,
                                               int32_t vocab_size_hint) {
  const fs::path p(path);
  std::error_code ec;
  const fs::file_status st = fs::status(p, ec);
  AIGC_CHECK(!ec && fs::exists(st), Status::io_error, "{}: no such file or directory", path);
  if (fs::is_directory(st)) return load_directory(p, vocab_size_hint);
  AIGC_CHECK(fs::is_regular_file(st), Status::io_error, "{}: not a regular file", path);
  const std::string ext = p.extension().string();
  if (ext == ".json") return load_json(p);
  if (ext == ".bin") return load_bin(p, vocab_size_hint);
  if (ext == ".gguf") return load_gguf(p);
  // Unknown extension: a GGUF says so in its first bytes.
  std::ifstream in(p, std::ios::binary);
  AIGC_CHECK(in.good(), Status::io_error, "{}: cannot open file", path);
  char magic[4] = {};
  in.read(magic, 4);
  if (in.gcount() == 4 && std::string(magic, 4) == "GGUF") return load_gguf(p);
  fail(Status::invalid_format,
       "{}: not a recognised tokenizer file (tokenizer.json, vocab.json, encoder.json, "
       "llama2.c .bin, .gguf)",
       path);
}

}  // namespace aigc::tokenizer
