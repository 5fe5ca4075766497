// One front door for loading a tokenizer from whatever the user has: a GGUF model's
// metadata, or a tokenizer file / folder in one of the formats the families read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tokenizer/tokenizer.hpp"

namespace aigc::io {
class GgufFile;
}

namespace aigc::tokenizer {

// The vocabulary stored in a GGUF file (tokenizer.ggml.model "gpt2" -> byte-level BPE,
// "llama" -> SentencePiece BPE). nullptr when the file has no tokenizer.ggml.model;
// unsupported (naming the model) for other tokenizer models.
std::unique_ptr<Tokenizer> load_tokenizer_from_gguf(const io::GgufFile &gguf);

// A tokenizer file, recognised by name and content:
//   tokenizer.json (any *.json with a "model" object)  Hugging Face byte-level BPE
//   vocab.json + merges.txt beside it                   Hugging Face GPT-2 files
//   encoder.json + vocab.bpe beside it                  OpenAI GPT-2 files
//   *.bin                                               llama2.c tokenizer.bin with
//                                                       vocab_size_hint entries (> 0)
//   *.gguf                                              load_tokenizer_from_gguf
// or a directory holding one of them (tried in that order). io_error when the path
// does not exist or cannot be read, invalid_format when nothing is recognised,
// invalid_argument for a tokenizer.bin without a positive vocab_size_hint.
std::unique_ptr<Tokenizer> load_tokenizer_file(const std::string &path,
                                               int32_t vocab_size_hint = 0);

}  // namespace aigc::tokenizer
