// ImageU8: an 8-bit image in host memory, the currency between image files (io/png),
// pipelines (runtime/image_buffer) and the C ABI. Row-major, channels interleaved:
// pixel (x, y) channel c is pixels[(y * width + x) * channels + c].
// channels: 1 = gray, 2 = gray + alpha, 3 = RGB, 4 = RGBA.
#pragma once

#include <cstdint>
#include <vector>

#include "core/check.hpp"

namespace aigc::io {

struct ImageU8 {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // [height][width][channels]

  size_t row_bytes() const { return size_t(width) * size_t(channels); }
  size_t expected_size() const { return size_t(height) * row_bytes(); }
  uint8_t *pixel(int x, int y) { return pixels.data() + (size_t(y) * size_t(width) + size_t(x)) * size_t(channels); }
  const uint8_t *pixel(int x, int y) const {
    return pixels.data() + (size_t(y) * size_t(width) + size_t(x)) * size_t(channels);
  }
};

// A zero-filled image.
inline ImageU8 make_image_u8(int width, int height, int channels) {
  AIGC_CHECK(width > 0 && height > 0 && channels >= 1 && channels <= 4, Status::invalid_argument,
             "image {}x{} with {} channels: sizes must be positive and channels 1..4", width,
             height, channels);
  ImageU8 img{width, height, channels, {}};
  img.pixels.assign(img.expected_size(), 0);
  return img;
}

// Throws invalid_argument (naming `what`) unless sizes are positive, channels are 1..4
// and pixels holds exactly width * height * channels bytes.
inline void check_image_u8(const ImageU8 &img, const char *what) {
  AIGC_CHECK(img.width > 0 && img.height > 0 && img.channels >= 1 && img.channels <= 4,
             Status::invalid_argument, "{}: image {}x{} with {} channels (sizes must be positive, channels 1..4)",
             what, img.width, img.height, img.channels);
  AIGC_CHECK(img.pixels.size() == img.expected_size(), Status::invalid_argument,
             "{}: image {}x{}x{} needs {} bytes of pixels, has {}", what, img.width, img.height,
             img.channels, img.expected_size(), img.pixels.size());
}

}  // namespace aigc::io
