// GGUF/ggml block quantization formats and conversions between element types.
#pragma once

#include <cstdint>

#include "aigc/core/dtype.hpp"

namespace aigc {

inline constexpr int kQK = 32;  // elements per Q8_0 / Q4_0 / Q4_1 block

struct BlockQ8_0 {
  uint16_t d;       // f16 scale
  int8_t qs[kQK];   // value = qs[i] * d
};
static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 block must match GGUF");

struct BlockQ4_0 {
  uint16_t d;             // f16 scale
  uint8_t qs[kQK / 2];    // element i in low nibble of qs[i], element i+16 in high nibble;
                          // value = (nibble - 8) * d
};
static_assert(sizeof(BlockQ4_0) == 18, "Q4_0 block must match GGUF");

struct BlockQ4_1 {
  uint16_t d;             // f16 scale
  uint16_t m;             // f16 minimum of the block
  uint8_t qs[kQK / 2];    // nibbles laid out as in Q4_0; value = nibble * d + m
};
static_assert(sizeof(BlockQ4_1) == 20, "Q4_1 block must match GGUF");

// Quantize n floats (n % 32 == 0) with ggml's reference rounding, so our files and
// ggml's agree bit for bit.
void quantize_row_q8_0(const float *x, void *blocks, int64_t n);
void quantize_row_q4_0(const float *x, void *blocks, int64_t n);
void quantize_row_q4_1(const float *x, void *blocks, int64_t n);
void dequantize_row_q8_0(const void *blocks, float *y, int64_t n);
void dequantize_row_q4_0(const void *blocks, float *y, int64_t n);
// nibble * d then + m, two roundings (no fused multiply-add), as ggml and gguf-py do.
void dequantize_row_q4_1(const void *blocks, float *y, int64_t n);

// Converts n contiguous elements between any two dtypes (through f32 where needed).
// Integer destinations round to nearest and saturate. Throws for n not a multiple of a
// quantized type's block size.
void convert_row(DType src_type, const void *src, DType dst_type, void *dst, int64_t n);

}  // namespace aigc
