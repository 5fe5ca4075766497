// Fuzzes llama2.c tokenizer.bin -> SentencePieceBpeTokenizer: the first byte gives the
// vocabulary size (1..256), the rest is the file.
#include <algorithm>

#include "fuzz/fuzz_common.hpp"
#include "fuzz/fuzz_tokenizer_common.hpp"
#include "tokenizer/sentencepiece_bpe_tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  return aigc::fuzz::run([&] {
    const auto tok = aigc::tokenizer::SentencePieceBpeTokenizer::from_llama2c_bytes(
        aigc::fuzz::bytes_of(data + 1, size - 1), "fuzz_tokenizer.bin", 1 + data[0]);
    aigc::fuzz::exercise_tokenizer(
        *tok, std::string_view(reinterpret_cast<const char *>(data), std::min<size_t>(size, 64)));
  });
}
