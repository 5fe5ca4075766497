// Fuzzes the GGUF reader: parse, read every metadata value, dequantize small tensors.
#include "fuzz/fuzz_common.hpp"
#include "io/gguf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return aigc::fuzz::run([&] {
    const auto f = aigc::io::GgufFile::parse(aigc::fuzz::bytes_of(data, size), "fuzz.gguf");
    size_t total = 0;
    for (const auto &[key, v] : f->metadata()) total += key.size() + v.array_size();
    for (const auto &t : f->tensors())
      if (t.shape.numel() <= (1 << 16)) total += size_t(f->tensor_f32(t.name).numel());
    return total;
  });
}
