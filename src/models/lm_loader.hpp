// Opens a language-model file of any supported format and builds the architecture it
// names: GGUF (general.architecture), safetensors + config.json (model_type), or a
// llama2.c checkpoint.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "io/gguf.hpp"
#include "models/language_model.hpp"

namespace aigc::models {

struct LoadedLanguageModel {
  std::shared_ptr<const LanguageModel> model;
  std::string path;
  std::string format;                        // "gguf", "safetensors", "llama2c"
  std::string directory;                     // folder of the model file(s), for tokenizer files
  std::shared_ptr<const io::GgufFile> gguf;  // GGUF only (tokenizer, chat template)
  std::map<std::string, std::string> metadata;  // scalar metadata / config.json values as text
};

// Throws io_error (missing / unreadable), invalid_format (corrupt, inconsistent shapes),
// unsupported (unknown architecture or tensor type) with messages naming the file.
// With a backend, the weights are moved to its memory once (out_of_memory when they
// do not fit); without one they stay where the file put them (mapped host memory).
LoadedLanguageModel load_language_model(const std::string &path, Backend *backend = nullptr);

// Architectures load_language_model knows, for messages and docs.
const char *supported_language_architectures();

}  // namespace aigc::models
