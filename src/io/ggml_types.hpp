// ggml tensor types as stored in GGUF files: block sizes and dequantization to f32.
// Types we compute with directly (F32, F16, BF16, Q8_0, Q4_0, Q4_1) map to a DType and are
// used in place; the others are dequantized to f32 at load.
#pragma once

#include <cstdint>

#include "aigc/core/dtype.hpp"

namespace aigc::io {

enum class GgmlType : uint32_t {
  f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9,
  q2_k = 10, q3_k = 11, q4_k = 12, q5_k = 13, q6_k = 14, q8_k = 15,
  i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, bf16 = 30,
};

struct GgmlTypeInfo {
  const char *name;
  int32_t block_size;   // elements per block
  int32_t block_bytes;  // bytes per block
  bool dequantizable;   // we can turn it into f32
};

// nullptr for a type id we do not know.
const GgmlTypeInfo *ggml_type_info(uint32_t type);

// The DType a tensor of this type can be used as without conversion, if any.
bool ggml_to_dtype(GgmlType type, DType *out);

// Dequantizes n elements (n % block_size == 0) of `type` to f32.
void ggml_dequantize(GgmlType type, const void *src, float *dst, int64_t n);

}  // namespace aigc::io
