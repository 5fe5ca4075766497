// Fuzzes vocab.json + merges.txt -> Gpt2BpeTokenizer: the input holds both files, split
// at the first NUL byte (merges empty when there is none).
#include <algorithm>

#include "fuzz/fuzz_common.hpp"
#include "fuzz/fuzz_tokenizer_common.hpp"
#include "tokenizer/gpt2_bpe_tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return aigc::fuzz::run([&] {
    const std::string all(reinterpret_cast<const char *>(data), size);
    const size_t nul = std::min(all.find('\0'), all.size());
    const std::string vocab = all.substr(0, nul);
    const std::string merges = nul < all.size() ? all.substr(nul + 1) : std::string();
    const auto tok = aigc::tokenizer::Gpt2BpeTokenizer::from_vocab_and_merges_text(
        vocab, merges, "fuzz vocab.json + merges.txt");
    aigc::fuzz::exercise_tokenizer(*tok, std::string_view(merges).substr(0, 64));
  });
}
