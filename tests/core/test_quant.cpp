#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "aigc/core.hpp"

using namespace aigc;

TEST_CASE("half: exact values, rounding, specials") {
  CHECK(f32_to_f16(1.0f) == 0x3c00);
  CHECK(f32_to_f16(-2.0f) == 0xc000);
  CHECK(f32_to_f16(65504.f) == 0x7bff);
  CHECK(f32_to_f16(65520.f) == 0x7c00);           // rounds to inf
  CHECK(f32_to_f16(5.960464477539063e-08f) == 0x0001);  // smallest subnormal
  CHECK(f32_to_f16(1.0f + 1.0f / 2048) == 0x3c00);  // tie rounds to even
  CHECK(f32_to_f16(1.0f + 3.0f / 2048) == 0x3c02);
  CHECK(std::isnan(f16_to_f32(f32_to_f16(NAN))));
  CHECK(f16_to_f32(0x0001) == 5.960464477539063e-08f);
  CHECK(f16_to_f32(0x7bff) == 65504.f);
  CHECK(f32_to_bf16(1.0f) == 0x3f80);
  CHECK(f32_to_bf16(1.00390625f) == 0x3f80);  // halfway: even
  CHECK(f32_to_bf16(1.01171875f) == 0x3f82);
  CHECK(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));
  // Every half value survives a round trip through float.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue;  // NaN payloads may change
    REQUIRE(f32_to_f16(f16_to_f32(uint16_t(h))) == h);
  }
}

TEST_CASE("q8_0: ggml block layout and rounding") {
  float x[32];
  for (int i = 0; i < 32; ++i) x[i] = float(i - 16) / 4.f;  // amax = 4
  BlockQ8_0 b;
  quantize_row_q8_0(x, &b, 32);
  CHECK(f16_to_f32(b.d) == doctest::Approx(4.f / 127).epsilon(1e-3));
  CHECK(b.qs[0] == -127);
  CHECK(b.qs[16] == 0);
  CHECK(b.qs[17] == 8);  // 0.25 * 127/4 = 7.94 -> 8
  float y[32];
  dequantize_row_q8_0(&b, y, 32);
  for (int i = 0; i < 32; ++i) CHECK(y[i] == doctest::Approx(x[i]).epsilon(0.01).scale(0.02));
}

TEST_CASE("q4_0: ggml block layout (low nibbles first half, high second)") {
  float x[32];
  for (int i = 0; i < 32; ++i) x[i] = float(i) - 8.f;  // max |x| = 23 at i=31 (positive)
  BlockQ4_0 b;
  quantize_row_q4_0(x, &b, 32);
  const float d = f16_to_f32(b.d);
  CHECK(d == doctest::Approx(-23.f / 8).epsilon(1e-3));  // sign of the extreme value kept
  CHECK((b.qs[15] >> 4) == 0);                           // x[31] = 23 -> -8 -> nibble 0
  float y[32];
  dequantize_row_q4_0(&b, y, 32);
  for (int i = 0; i < 32; ++i) CHECK(std::fabs(y[i] - x[i]) <= std::fabs(d) * 0.5f + 1e-4f);
}

TEST_CASE("quantized conversion error stays within the format's bound") {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist;
  std::vector<float> x(32 * 20);
  for (float &v : x) v = dist(rng);
  const Tensor t = Tensor::from_vector(x, {20, 32});
  for (DType q : {DType::q8_0, DType::q4_0}) {
    const std::vector<float> y = t.to(q).to_f32_vector();
    double num = 0, den = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      num += (x[i] - y[i]) * (x[i] - y[i]);
      den += x[i] * x[i];
    }
    // Uniform rounding noise: q8_0 ~ (amax/127)^2/12, q4_0 ~ (amax/8)^2/12 per element.
    CHECK(num / den < (q == DType::q8_0 ? 1e-4 : 1.5e-2));
  }
  CHECK_THROWS_AS(convert_row(DType::f32, x.data(), DType::q8_0, nullptr, 31), Error);
}
