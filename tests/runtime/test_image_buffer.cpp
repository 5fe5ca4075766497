// Tensor <-> ImageU8 conversions and make_grid against goldens from
// tests/reference/make_grid_golden.py (torchvision's make_grid layout, save_image rounding).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "io/png.hpp"
#include "io/safetensors.hpp"
#include "runtime/image_buffer.hpp"

using namespace aigc;
using aigc::io::ImageU8;
using aigc::models::PixelRange;

namespace {

const std::string kGolden = std::string(AIGC_TEST_DATA_DIR) + "/images/grid_golden.safetensors";

std::vector<uint8_t> u8_of(const Tensor &t) {
  REQUIRE(t.dtype() == DType::u8);
  const Tensor c = t.contiguous();
  const auto *p = c.data_as<uint8_t>();
  return {p, p + c.numel()};
}

// [N, C, H, W] u8 -> N interleaved images.
std::vector<ImageU8> images_of(const Tensor &t) {
  const auto v = u8_of(t);
  const int n = int(t.size(0)), c = int(t.size(1)), h = int(t.size(2)), w = int(t.size(3));
  std::vector<ImageU8> out;
  for (int i = 0; i < n; ++i) {
    ImageU8 img = io::make_image_u8(w, h, c);
    for (int k = 0; k < c; ++k)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) img.pixel(x, y)[k] = v[((size_t(i) * c + k) * h + y) * w + x];
    out.push_back(img);
  }
  return out;
}

}  // namespace

TEST_CASE("image_buffer: make_grid matches torchvision's make_grid layout") {
  const auto st = io::SafetensorsFile::open(kGolden);
  int cases = 0;
  for (const auto &entry : st->metadata()) {
    const std::string &key = entry.first, &params = entry.second;  // CAPTURE needs plain variables
    if (key == "producer") continue;
    CAPTURE(key);
    const auto p = nlohmann::json::parse(params);
    const auto imgs = images_of(st->tensor(key + ".images"));
    const Tensor g = st->tensor(key + ".grid");  // [C, H, W]
    const ImageU8 grid = runtime::make_grid(imgs, p.at("columns").get<int>(), p.at("padding").get<int>(),
                                            uint8_t(p.at("pad_value").get<int>()));
    REQUIRE(grid.channels == g.size(0));
    REQUIRE(grid.height == g.size(1));
    REQUIRE(grid.width == g.size(2));
    const auto expected = u8_of(g);
    size_t bad = 0;
    for (int k = 0; k < grid.channels; ++k)
      for (int y = 0; y < grid.height; ++y)
        for (int x = 0; x < grid.width; ++x)
          bad += grid.pixel(x, y)[k] != expected[(size_t(k) * grid.height + y) * grid.width + x];
    CHECK(bad == 0);
    ++cases;
  }
  CHECK(cases == 6);
}

TEST_CASE("image_buffer: make_grid rejects bad input") {
  const ImageU8 a = io::make_image_u8(3, 2, 3), b = io::make_image_u8(2, 3, 3), g = io::make_image_u8(3, 2, 1);
  auto status = [](auto &&fn) {
    try {
      fn();
      return Status::ok;
    } catch (const Error &e) {
      return e.status();
    }
  };
  CHECK(status([&] { runtime::make_grid({}); }) == Status::invalid_argument);
  CHECK(status([&] { runtime::make_grid({a, b}); }) == Status::shape_mismatch);
  CHECK(status([&] { runtime::make_grid({a, g}); }) == Status::shape_mismatch);
  CHECK(status([&] { runtime::make_grid({a, a}, 0); }) == Status::invalid_argument);
  CHECK(status([&] { runtime::make_grid({a, a}, 2, -1); }) == Status::invalid_argument);
  CHECK(status([&] { runtime::make_grid({a, ImageU8{3, 2, 3, {1, 2}}}); }) == Status::invalid_argument);
}

TEST_CASE("image_buffer: tensor_to_images rounds like save_image in every pixel range") {
  const auto st = io::SafetensorsFile::open(kGolden);
  const Tensor x = st->tensor("to_u8.x");  // [2, 3, 4, 5]
  const std::pair<const char *, PixelRange> ranges[] = {{"minus_one_one", PixelRange::minus_one_one()},
                                                        {"zero_one", PixelRange::zero_one()},
                                                        {"minus_half_half", PixelRange::minus_half_half()}};
  for (const auto &named : ranges) {
    const char *name = named.first;
    const PixelRange range = named.second;
    CAPTURE(name);
    const auto expected = u8_of(st->tensor(std::string("to_u8.") + name));
    const auto imgs = runtime::tensor_to_images(x, range);
    REQUIRE(imgs.size() == 2);
    size_t bad = 0;
    for (int i = 0; i < 2; ++i) {
      REQUIRE(imgs[size_t(i)].channels == 3);
      REQUIRE(imgs[size_t(i)].width == 5);
      REQUIRE(imgs[size_t(i)].height == 4);
      for (int k = 0; k < 3; ++k)
        for (int y = 0; y < 4; ++y)
          for (int xx = 0; xx < 5; ++xx)
            bad += imgs[size_t(i)].pixel(xx, y)[k] != expected[((size_t(i) * 3 + k) * 4 + y) * 5 + xx];
    }
    CHECK(bad == 0);
  }
  // Hand-computed: [-1, 1] range, -1 -> 0, 1 -> 255, 0 -> floor(127.5 + 0.5) = 128, NaN -> 0.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor t = Tensor::from_vector<float>({-1.f, 1.f, 0.f, nan, 5.f, -5.f}, Shape{1, 1, 2, 3});
  const auto g = runtime::tensor_to_images(t, PixelRange::minus_one_one());
  CHECK(g.at(0).pixels == std::vector<uint8_t>{0, 255, 128, 0, 255, 0});
  const auto rgb = runtime::tensor_to_images(t, PixelRange::minus_one_one(), true);
  CHECK(rgb.at(0).channels == 3);
  CHECK(rgb.at(0).pixels == std::vector<uint8_t>{0, 0, 0, 255, 255, 255, 128, 128, 128, 0, 0, 0, 255, 255, 255, 0, 0, 0});
  // f16 input converts; non-4D or 5 channels are shape errors.
  CHECK(runtime::tensor_to_images(t.to(DType::f16), PixelRange::minus_one_one()).at(0).pixels == g.at(0).pixels);
  CHECK_THROWS_AS(runtime::tensor_to_images(t.reshape(Shape{2, 3}), PixelRange::zero_one()), Error);
  CHECK_THROWS_AS(runtime::tensor_to_images(Tensor::zeros(Shape{1, 5, 2, 2}, DType::f32), PixelRange::zero_one()),
                  Error);
}

TEST_CASE("image_buffer: image_to_tensor inverts tensor_to_images; gray/RGB/alpha handling") {
  std::vector<float> v(2 * 3 * 4 * 5);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(i % 17) / 16.f * 2.f - 1.f;
  const Tensor t = Tensor::from_vector(v, Shape{2, 3, 4, 5});
  for (const PixelRange range : {PixelRange::minus_one_one(), PixelRange::zero_one(), PixelRange::minus_half_half()}) {
    const auto imgs = runtime::tensor_to_images(t, range);
    for (const auto &img : imgs) {
      const Tensor back = runtime::image_to_tensor(img, range);
      CHECK(back.shape() == Shape{1, 3, 4, 5});
      // u8 -> tensor -> u8 is exact, and the tensor is within half a level of u8/255.
      CHECK(runtime::tensor_to_images(back, range).at(0).pixels == img.pixels);
      const auto b = back.to_f32_vector();
      for (int k = 0; k < 3; ++k)
        for (int y = 0; y < 4; ++y)
          for (int x = 0; x < 5; ++x) {
            const float p01 = b[(size_t(k) * 4 + y) * 5 + x] * range.scale + range.shift;
            CHECK(std::fabs(p01 - img.pixel(x, y)[k] / 255.f) < 1e-6f);
          }
    }
  }
  // zero_one is exactly u8 / 255 (the taef2 golden's convention).
  const ImageU8 px{2, 1, 3, {0, 51, 255, 1, 2, 3}};
  const auto z = runtime::image_to_tensor(px, PixelRange::zero_one()).to_f32_vector();
  CHECK(z == std::vector<float>{0.f, 1 / 255.f, 51 / 255.f, 2 / 255.f, 1.f, 3 / 255.f});
  // Gray -> RGB repeats; RGB -> luma uses PIL's integer weights; RGBA drops alpha.
  const ImageU8 gray{2, 1, 1, {10, 200}};
  CHECK(runtime::image_to_tensor(gray, PixelRange::zero_one(), 3).to_f32_vector() ==
        std::vector<float>{10 / 255.f, 200 / 255.f, 10 / 255.f, 200 / 255.f, 10 / 255.f, 200 / 255.f});
  const ImageU8 rgb{1, 1, 3, {255, 128, 0}};  // (255*19595 + 128*38470 + 0x8000) >> 16 = 151
  CHECK(runtime::image_to_tensor(rgb, PixelRange::zero_one(), 1).to_f32_vector() == std::vector<float>{151 / 255.f});
  const ImageU8 rgba{1, 1, 4, {1, 2, 3, 4}};
  CHECK(runtime::image_to_tensor(rgba, PixelRange::zero_one()).to_f32_vector() ==
        std::vector<float>{1 / 255.f, 2 / 255.f, 3 / 255.f});
  const ImageU8 ga{1, 1, 2, {9, 4}};
  CHECK(runtime::image_to_tensor(ga, PixelRange::zero_one()).shape() == Shape{1, 1, 1, 1});
  CHECK_THROWS_AS(runtime::image_to_tensor(rgb, PixelRange::zero_one(), 2), Error);
  CHECK_THROWS_AS(runtime::image_to_tensor(ImageU8{1, 1, 3, {1}}, PixelRange::zero_one()), Error);
  CHECK_THROWS_AS(runtime::image_to_tensor(rgb, PixelRange{0.f, 0.f}), Error);
}

TEST_CASE("image_buffer: a grid of generated images survives a PNG round trip") {
  std::vector<float> v(3 * 1 * 6 * 4);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(float(i));
  const auto imgs = runtime::tensor_to_images(Tensor::from_vector(v, Shape{3, 1, 6, 4}), PixelRange::minus_one_one(), true);
  const ImageU8 grid = runtime::make_grid(imgs, 2);
  CHECK(grid.width == 2 * (4 + 2) + 2);
  CHECK(grid.height == 2 * (6 + 2) + 2);
  CHECK(io::decode_png(io::encode_png(grid)).image.pixels == grid.pixels);
}
