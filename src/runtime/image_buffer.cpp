// Tensor <-> ImageU8 conversions and make_grid. References: torchvision.utils.save_image
// (mul(255).add_(0.5).clamp_(0, 255).to(uint8)) and torchvision.utils.make_grid (layout).
#include "runtime/image_buffer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/check.hpp"

namespace aigc::runtime {

namespace {

// Separate statements keep the compiler from fusing into FMAs, so results match the
// float32 reference bit for bit.
inline uint8_t to_u8(float x, float scale, float shift) {
  float p = x * scale;
  p = p + shift;
  if (!(p > 0.f)) return 0;  // also NaN
  if (p >= 1.f) return 255;
  float q = p * 255.f;
  q = q + 0.5f;
  return uint8_t(std::floor(q));
}

}  // namespace

std::vector<io::ImageU8> tensor_to_images(const Tensor &images, models::PixelRange range, bool gray_to_rgb) {
  AIGC_CHECK(images.defined() && images.rank() == 4, Status::shape_mismatch,
             "tensor_to_images: expected images [N, C, H, W], got {}",
             images.defined() ? images.describe() : std::string("an undefined tensor"));
  images.check_host("tensor_to_images");
  const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  AIGC_CHECK(c >= 1 && c <= 4, Status::shape_mismatch, "tensor_to_images: {} channels (1..4 supported)", c);
  AIGC_CHECK(h >= 1 && w >= 1 && h <= INT32_MAX && w <= INT32_MAX, Status::shape_mismatch,
             "tensor_to_images: bad image size in {}", images.describe());
  const Tensor f = images.dtype() == DType::f32 ? images.contiguous() : images.to(DType::f32);
  const float *src = f.data_as<float>();
  const int out_c = (c == 1 && gray_to_rgb) ? 3 : int(c);
  const size_t plane = size_t(h) * size_t(w);
  std::vector<io::ImageU8> out;
  out.reserve(size_t(n));
  for (int64_t i = 0; i < n; ++i) {
    io::ImageU8 img = io::make_image_u8(int(w), int(h), out_c);
    const float *sample = src + size_t(i) * size_t(c) * plane;  // [C, H, W]
    for (int64_t k = 0; k < c; ++k) {
      const float *ch = sample + size_t(k) * plane;
      for (size_t p = 0; p < plane; ++p) img.pixels[p * size_t(out_c) + size_t(k)] = to_u8(ch[p], range.scale, range.shift);
    }
    if (out_c != c)
      for (size_t p = 0; p < plane; ++p) img.pixels[p * 3 + 1] = img.pixels[p * 3 + 2] = img.pixels[p * 3];
    out.push_back(std::move(img));
  }
  return out;
}

Tensor image_to_tensor(const io::ImageU8 &image, models::PixelRange range, int channels) {
  io::check_image_u8(image, "image_to_tensor");
  AIGC_CHECK(channels == 0 || channels == 1 || channels == 3, Status::invalid_argument,
             "image_to_tensor: channels {} (0 = as the image, 1 = gray, 3 = RGB)", channels);
  AIGC_CHECK(range.scale != 0.f && std::isfinite(range.scale) && std::isfinite(range.shift),
             Status::invalid_argument, "image_to_tensor: pixel range scale {} shift {}", range.scale, range.shift);
  const int in_colour = image.channels <= 2 ? 1 : 3;  // colour channels without alpha
  const int c = channels == 0 ? in_colour : channels;
  const int64_t h = image.height, w = image.width;
  const size_t plane = size_t(h) * size_t(w);
  Tensor t = Tensor::empty(Shape{1, c, h, w}, DType::f32);
  float *dst = t.data_as<float>();
  float lut[256];  // x = (u / 255 - shift) / scale, one division per value
  for (int u = 0; u < 256; ++u) {
    float v = float(u) / 255.f;
    v = v - range.shift;
    lut[u] = v / range.scale;
  }
  const size_t stride = size_t(image.channels);
  for (size_t p = 0; p < plane; ++p) {
    const uint8_t *px = image.pixels.data() + p * stride;
    if (c == in_colour) {
      for (int k = 0; k < c; ++k) dst[size_t(k) * plane + p] = lut[px[k]];
    } else if (c == 3) {  // gray -> RGB
      for (int k = 0; k < 3; ++k) dst[size_t(k) * plane + p] = lut[px[0]];
    } else {  // RGB -> luma, PIL's integer ITU-R 601 weights
      const uint32_t l = (uint32_t(px[0]) * 19595u + uint32_t(px[1]) * 38470u + uint32_t(px[2]) * 7471u + 0x8000u) >> 16;
      dst[p] = lut[l];
    }
  }
  return t;
}

io::ImageU8 make_grid(const std::vector<io::ImageU8> &images, int columns, int padding, uint8_t pad_value) {
  AIGC_CHECK(!images.empty(), Status::invalid_argument, "make_grid: no images");
  AIGC_CHECK(columns >= 1 && padding >= 0 && padding <= 4096, Status::invalid_argument,
             "make_grid: columns {} (>= 1), padding {} (0..4096)", columns, padding);
  const io::ImageU8 &first = images.front();
  for (size_t i = 0; i < images.size(); ++i) {
    io::check_image_u8(images[i], "make_grid");
    AIGC_CHECK(images[i].width == first.width && images[i].height == first.height &&
                   images[i].channels == first.channels,
               Status::shape_mismatch, "make_grid: image {} is {}x{}x{}, image 0 is {}x{}x{}", i, images[i].width,
               images[i].height, images[i].channels, first.width, first.height, first.channels);
  }
  if (images.size() == 1) return first;  // torchvision returns a lone image unpadded
  const int64_t n = int64_t(images.size());
  const int64_t xmaps = std::min<int64_t>(columns, n), ymaps = (n + xmaps - 1) / xmaps;
  const int64_t cell_w = first.width + padding, cell_h = first.height + padding;
  const int64_t grid_w = cell_w * xmaps + padding, grid_h = cell_h * ymaps + padding;
  AIGC_CHECK(grid_w <= INT32_MAX && grid_h <= INT32_MAX && uint64_t(grid_w) * uint64_t(grid_h) <= (uint64_t(1) << 32),
             Status::invalid_argument, "make_grid: a {}x{} grid is too large", grid_w, grid_h);
  io::ImageU8 grid = io::make_image_u8(int(grid_w), int(grid_h), first.channels);
  std::fill(grid.pixels.begin(), grid.pixels.end(), pad_value);
  const size_t row = first.row_bytes();
  for (int64_t k = 0; k < n; ++k) {
    const int64_t gx = (k % xmaps) * cell_w + padding, gy = (k / xmaps) * cell_h + padding;
    for (int y = 0; y < first.height; ++y)
      std::memcpy(grid.pixel(int(gx), int(gy + y)), images[size_t(k)].pixels.data() + size_t(y) * row, row);
  }
  return grid;
}

}  // namespace aigc::runtime
