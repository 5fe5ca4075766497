// Fuzzes Hugging Face tokenizer.json -> Gpt2BpeTokenizer (the input is the file).
#include "fuzz/fuzz_common.hpp"
#include "fuzz/fuzz_tokenizer_common.hpp"
#include "tokenizer/gpt2_bpe_tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return aigc::fuzz::run([&] {
    const std::string text(reinterpret_cast<const char *>(data), size);
    const auto tok = aigc::tokenizer::Gpt2BpeTokenizer::from_tokenizer_json_text(text, "fuzz.json");
    aigc::fuzz::exercise_tokenizer(*tok, std::string_view(text).substr(0, 64));
  });
}
