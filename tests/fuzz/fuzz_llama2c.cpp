// Fuzzes the llama2.c readers: the first input byte picks checkpoint or tokenizer.bin.
#include "fuzz/fuzz_common.hpp"
#include "io/llama2c.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  return aigc::fuzz::run([&] {
    auto bytes = aigc::fuzz::bytes_of(data + 1, size - 1);
    if (data[0] & 1) {
      const auto ck = aigc::io::load_llama2c_checkpoint(bytes, "fuzz.bin");
      (void)ck.rms_final.to_f32_vector();
    } else {
      aigc::io::load_llama2c_vocab(bytes, "fuzz_tokenizer.bin", 1 + data[0] / 2);
    }
  });
}
