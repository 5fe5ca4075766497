#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

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

TEST_CASE("q4_1: ggml block layout, min and 15 steps") {
  float x[32];
  for (int i = 0; i < 32; ++i) x[i] = float(i) - 8.f;  // min -8, max 23: d = 31/15
  BlockQ4_1 b;
  quantize_row_q4_1(x, &b, 32);
  CHECK(f16_to_f32(b.m) == -8.f);
  CHECK(f16_to_f32(b.d) == doctest::Approx(31.f / 15).epsilon(1e-3));
  CHECK((b.qs[0] & 0x0f) == 0);   // x[0] = min -> nibble 0
  CHECK((b.qs[15] >> 4) == 15);   // x[31] = max -> nibble 15
  CHECK((b.qs[8] & 0x0f) == 4);   // x[8] = 0: 8 * 15/31 = 3.87 -> 4
  float y[32];
  dequantize_row_q4_1(&b, y, 32);
  for (int i = 0; i < 32; ++i) CHECK(std::fabs(y[i] - x[i]) <= f16_to_f32(b.d) * 0.5f + 1e-2f);
  // A constant block has d = 0 and is exact through m.
  for (float &v : x) v = 0.75f;
  quantize_row_q4_1(x, &b, 32);
  dequantize_row_q4_1(&b, y, 32);
  CHECK(b.d == 0);
  for (float v : y) CHECK(v == 0.75f);
}

// Bytes and values from the reference package (pip install gguf), for the inputs built by
// q4_1_golden_inputs():
//   q = gguf.quants.quantize(x.reshape(1, -1), GGMLQuantizationType.Q4_1)
//   y = gguf.quants.dequantize(q, GGMLQuantizationType.Q4_1)
// Covers a ramp, near-ties, constant and zero blocks and 4 pseudo-random blocks.
namespace {

std::vector<float> q4_1_golden_inputs() {
  std::vector<float> x;
  for (int i = 0; i < 32; ++i) x.push_back(float(i - 8));              // ramp
  for (int i = 0; i < 32; ++i) x.push_back(i < 31 ? i * 0.5f : 31.f);  // near-ties
  for (int i = 0; i < 32; ++i) x.push_back(0.75f);                     // constant
  for (int i = 0; i < 32; ++i) x.push_back(0.f);
  uint64_t s = 12345;  // 4 pseudo-random blocks, values exact in f32
  for (int i = 0; i < 4 * 32; ++i) {
    s = (s * 1103515245 + 12345) % (uint64_t(1) << 31);
    x.push_back(float(int64_t((s >> 8) % 20001) - 10000) / 1024.f);
  }
  return x;
}

const uint8_t kQ4_1GoldenBytes[160] = {
    0x22, 0x40, 0x00, 0xc8, 0x80, 0x80, 0x91, 0x91, 0xa2, 0xa2, 0xb3, 0xb3, 0xc4, 0xc4, 0xd5,
    0xd5, 0xe6, 0xe6, 0xf7, 0xf7, 0x22, 0x40, 0x00, 0x00, 0x40, 0x40, 0x40, 0x51, 0x51, 0x51,
    0x51, 0x62, 0x62, 0x62, 0x62, 0x73, 0x73, 0x73, 0x73, 0xf4, 0x00, 0x00, 0x00, 0x3a, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xdd, 0x3c, 0x49, 0xc8, 0xbc, 0xad, 0x00, 0x4c, 0xda, 0x35,
    0x6a, 0xc2, 0xf9, 0xce, 0x13, 0x46, 0x6e, 0x8e, 0x32, 0x44, 0x06, 0x3d, 0xc7, 0xc8, 0x89,
    0x21, 0x76, 0x11, 0x6b, 0xc9, 0x4e, 0xf8, 0xfe, 0x47, 0xd0, 0x19, 0x4a, 0xfa, 0x9e, 0xc4,
    0x16, 0x3d, 0xdd, 0xc8, 0x05, 0x01, 0xfc, 0xce, 0xf3, 0xe6, 0xb2, 0xc7, 0x48, 0x22, 0xc2,
    0x72, 0x4d, 0x2b, 0x4e, 0x46, 0x2d, 0x3d, 0xdf, 0xc8, 0xf1, 0x9a, 0x40, 0xf8, 0xf8, 0x08,
    0x31, 0xee, 0x97, 0x57, 0xca, 0x41, 0x4e, 0x87, 0xd3, 0x5e};

// gguf-py's dequantized values of blocks 4 and 5 (f32 bit patterns).
const uint32_t kQ4_1GoldenValues[64] = {
    0x40c0a000u, 0x40e78800u, 0xc1092000u, 0x40c0a000u, 0x4065a000u, 0xc01f7000u, 0x4065a000u,
    0xc0c47000u, 0x4017d000u, 0x41073800u, 0xc09d8800u, 0xbfa34000u, 0x41073800u, 0x41073800u,
    0xc0c47000u, 0xc06d4000u, 0x4099b800u, 0x4065a000u, 0xc1092000u, 0xc06d4000u, 0x40e78800u,
    0xc09d8800u, 0xbfa34000u, 0x40c0a000u, 0x411aac00u, 0x40c0a000u, 0xc0eb5800u, 0xc06d4000u,
    0xbfa34000u, 0x3f940000u, 0xc09d8800u, 0xc06d4000u, 0x3fdfc000u, 0xc104c800u, 0xc0014000u,
    0xc104c800u, 0x40885000u, 0x3fdfc000u, 0x41007000u, 0x3efc0000u, 0x41007000u, 0xbf438000u,
    0xc118e000u, 0x3fdfc000u, 0x40404000u, 0x40404000u, 0x41007000u, 0xc0910000u, 0x3efc0000u,
    0xc0e16000u, 0xbf438000u, 0xc104c800u, 0xc0014000u, 0x40b08000u, 0xc0910000u, 0x41148800u,
    0x41148800u, 0xc0910000u, 0x40d8b000u, 0xc104c800u, 0xc0910000u, 0x41148800u, 0x3fdfc000u,
    0x40b08000u};

}  // namespace

TEST_CASE("q4_1: bit-exact with the gguf package (ggml reference rounding)") {
  const std::vector<float> x = q4_1_golden_inputs();
  REQUIRE(x.size() == 8 * 32);
  std::vector<uint8_t> q(160);
  quantize_row_q4_1(x.data(), q.data(), int64_t(x.size()));
  for (size_t i = 0; i < q.size(); ++i) {
    CAPTURE(i);
    CHECK(int(q[i]) == int(kQ4_1GoldenBytes[i]));
  }
  std::vector<float> y(x.size());
  dequantize_row_q4_1(kQ4_1GoldenBytes, y.data(), int64_t(y.size()));
  for (int i = 0; i < 64; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &y[size_t(4 * 32 + i)], 4);
    CAPTURE(i);
    CHECK(bits == kQ4_1GoldenValues[i]);
  }
  // Tensor::to goes through the same conversions.
  const Tensor t = Tensor::from_vector(x, {8, 32}).to(DType::q4_1);
  CHECK(t.dtype() == DType::q4_1);
  CHECK(std::memcmp(t.data(), kQ4_1GoldenBytes, 160) == 0);
  CHECK(t.to(DType::f32).to_f32_vector() == y);
}

TEST_CASE("quantized conversion error stays within the format's bound") {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist;
  std::vector<float> x(32 * 20);
  for (float &v : x) v = dist(rng);
  const Tensor t = Tensor::from_vector(x, {20, 32});
  for (DType q : {DType::q8_0, DType::q4_0, DType::q4_1}) {
    const std::vector<float> y = t.to(q).to_f32_vector();
    double num = 0, den = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      num += (x[i] - y[i]) * (x[i] - y[i]);
      den += x[i] * x[i];
    }
    // Uniform rounding noise: q8_0 ~ (amax/127)^2/12, q4_0 ~ (amax/8)^2/12, q4_1
    // ~ ((max-min)/15)^2/12 per element (a step no larger than q4_0's).
    CHECK(num / den < (q == DType::q8_0 ? 1e-4 : 1.5e-2));
  }
  CHECK_THROWS_AS(convert_row(DType::f32, x.data(), DType::q8_0, nullptr, 31), Error);
}
