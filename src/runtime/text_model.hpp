// A loaded language model with its tokenizer and metadata. Immutable after load: one
// TextModel is shared (shared_ptr<const>) by any number of contexts and threads.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "models/lm_loader.hpp"
#include "tokenizer/tokenizer.hpp"

namespace aigc::runtime {

struct TextModelOptions {
  std::string backend = "cpu";
  std::string tokenizer_path;  // empty: the model file's own vocabulary, or a file beside it
};

class TextModel {
 public:
  static std::shared_ptr<const TextModel> load(const std::string &path, const TextModelOptions &options = {});

  const models::LanguageModel &lm() const { return *files_.model; }
  const models::LmInfo &info() const { return files_.model->info(); }
  Backend &backend() const { return *backend_; }
  // nullptr when the model came without a vocabulary (token ids only).
  const tokenizer::Tokenizer *tokenizer() const { return tokenizer_.get(); }
  // The tokenizer, or unsupported saying how to provide one.
  const tokenizer::Tokenizer &require_tokenizer() const;
  std::optional<std::string> meta(const std::string &key) const;
  const std::string &path() const { return files_.path; }
  const std::string &format() const { return files_.format; }

 private:
  TextModel() = default;
  models::LoadedLanguageModel files_;
  Backend *backend_ = nullptr;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer_;
};

}  // namespace aigc::runtime
