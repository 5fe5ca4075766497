#include "runtime/text_model.hpp"

#include <fstream>

#include "backend/registry.hpp"
#include "core/check.hpp"
#include "tokenizer/tokenizer_loader.hpp"

namespace aigc::runtime {
namespace {

bool exists(const std::string &path) { return std::ifstream(path).good(); }

// llama2.c checkpoints have no vocabulary inside: run.c's tokenizer.bin, or the
// tok<vocab>.bin naming of the tinyllamas releases, next to the checkpoint.
std::string llama2c_tokenizer_beside(const std::string &dir, int64_t vocab) {
  for (const std::string &name : {"tok" + std::to_string(vocab) + ".bin", std::string("tokenizer.bin")}) {
    if (exists(dir + "/" + name)) return dir + "/" + name;
  }
  return "";
}

std::unique_ptr<tokenizer::Tokenizer> find_tokenizer(const models::LoadedLanguageModel &files,
                                                     const TextModelOptions &options) {
  const int32_t vocab = int32_t(files.model->info().vocab_size);
  if (!options.tokenizer_path.empty()) return tokenizer::load_tokenizer_file(options.tokenizer_path, vocab);
  if (files.gguf) return tokenizer::load_tokenizer_from_gguf(*files.gguf);
  if (files.format == "llama2c") {
    const std::string path = llama2c_tokenizer_beside(files.directory, vocab);
    return path.empty() ? nullptr : tokenizer::load_tokenizer_file(path, vocab);
  }
  for (const char *name : {"tokenizer.json", "vocab.json", "encoder.json"}) {
    if (exists(files.directory + "/" + name)) return tokenizer::load_tokenizer_file(files.directory + "/" + name, vocab);
  }
  return nullptr;
}

}  // namespace

std::shared_ptr<const TextModel> TextModel::load(const std::string &path, const TextModelOptions &options) {
  std::shared_ptr<TextModel> m(new TextModel());
  m->backend_ = &get_backend(options.backend.empty() ? "cpu" : options.backend);
  m->files_ = models::load_language_model(path, m->backend_);
  m->tokenizer_ = find_tokenizer(m->files_, options);
  if (m->tokenizer_) {
    // Models often pad the embedding table past the vocabulary, never the other way round.
    AIGC_CHECK(m->tokenizer_->vocab_size() <= m->info().vocab_size, Status::invalid_format,
               "{}: the tokenizer has {} tokens but the model only {}", path,
               m->tokenizer_->vocab_size(), m->info().vocab_size);
  }
  return m;
}

const tokenizer::Tokenizer &TextModel::require_tokenizer() const {
  AIGC_CHECK(tokenizer_ != nullptr, Status::unsupported,
             "{}: no tokenizer found (pass a tokenizer file: tokenizer_path / --tokenizer)", path());
  return *tokenizer_;
}

std::optional<std::string> TextModel::meta(const std::string &key) const {
  auto it = files_.metadata.find(key);
  if (it == files_.metadata.end()) return std::nullopt;
  return it->second;
}

}  // namespace aigc::runtime
