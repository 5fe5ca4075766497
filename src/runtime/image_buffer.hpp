// Conversions between model tensors and 8-bit images, and image grids.
//   tensor_to_images  f32 [N, C, H, W] in a model's PixelRange -> N ImageU8
//                     (pixel01 = x * scale + shift, clamped to [0, 1], u8 = floor(pixel01 * 255 + 0.5),
//                     the rounding of torchvision.utils.save_image)
//   image_to_tensor   ImageU8 -> f32 [1, C, H, W] in a PixelRange (img2img, VAE encode)
//   make_grid         torchvision.utils.make_grid's layout on ImageU8 (no resizing)
#pragma once

#include <vector>

#include "aigc/core/tensor.hpp"
#include "io/image_u8.hpp"
#include "models/image_model.hpp"

namespace aigc::runtime {

// images: host tensor [N, C, H, W] (f32, or any dtype convertible to f32), C = 1..4
// (1 gray, 2 gray + alpha, 3 RGB, 4 RGBA). gray_to_rgb turns 1-channel images into RGB.
// NaN maps to 0.
std::vector<io::ImageU8> tensor_to_images(const Tensor &images, models::PixelRange range,
                                          bool gray_to_rgb = false);

// One image -> f32 [1, C, H, W] with x = (u8 / 255 - shift) / scale. channels: 0 keeps the
// image's colour channels (alpha dropped: gray -> 1, RGB -> 3); 1 = luma (ITU-R 601, as
// PIL's convert("L")); 3 = RGB (gray repeated).
Tensor image_to_tensor(const io::ImageU8 &image, models::PixelRange range, int channels = 0);

// torchvision.utils.make_grid layout: min(columns, N) images per row, rows filled in order,
// `padding` pixels of `pad_value` before every image and after the last one on each axis
// (so 2 * padding between neighbours is not doubled: padding between, padding around).
// A single image is returned as is (torchvision does the same). All images must share
// width, height and channels.
io::ImageU8 make_grid(const std::vector<io::ImageU8> &images, int columns = 8, int padding = 2,
                      uint8_t pad_value = 0);

}  // namespace aigc::runtime
