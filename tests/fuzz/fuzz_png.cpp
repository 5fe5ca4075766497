// Fuzzes the PNG decoder: decode under tight limits; whatever decodes must re-encode and
// decode to the same pixels and text (the encoder accepts everything the decoder returns).
#include <cstdlib>

#include "fuzz/fuzz_common.hpp"
#include "io/png.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return aigc::fuzz::run([&] {
    aigc::io::PngLimits limits;
    limits.max_width = limits.max_height = 4096;
    limits.max_image_bytes = 16u << 20;
    limits.max_text_bytes = 1u << 20;
    const auto p = aigc::io::decode_png(data, size, "fuzz.png", limits);
    std::vector<aigc::io::PngText> kept;  // entries the encoder accepts (the decoder is lenient)
    for (const auto &t : p.text) {
      try {
        aigc::io::encode_png(aigc::io::make_image_u8(1, 1, 1), {t});
        kept.push_back(t);
      } catch (const aigc::Error &) {
      }
    }
    const auto back = aigc::io::decode_png(aigc::io::encode_png(p.image, kept, {1}), "re-encoded", limits);
    if (back.image.pixels != p.image.pixels || back.image.channels != p.image.channels || back.text != kept)
      std::abort();  // a round-trip mismatch is a finding
  });
}
