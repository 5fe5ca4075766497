// Fuzzes the safetensors reader: parse the header and materialise every tensor.
#include "fuzz/fuzz_common.hpp"
#include "io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return aigc::fuzz::run([&] {
    const auto f =
        aigc::io::SafetensorsFile::parse(aigc::fuzz::bytes_of(data, size), "fuzz.safetensors");
    for (const auto &t : f->tensors())
      if (t.shape.numel() <= (1 << 16)) f->tensor(t.name).to_f32_vector();
  });
}
