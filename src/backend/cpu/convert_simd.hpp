// AVX2/F16C helpers for moving f16/bf16 data through f32 registers. Results are bit
// identical to the scalar reference conversions in aigc/core/half.hpp (round to
// nearest even, subnormals kept, NaN stays a quiet NaN), so kernels may mix them freely.
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "aigc/core/dtype.hpp"
#include "aigc/core/half.hpp"
#include "aigc/core/quant.hpp"

namespace aigc::cpu::simd {

// ---- 8 lanes ------------------------------------------------------------------------

inline __m256 load_f16x8(const uint16_t *p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
}

inline void store_f16x8(uint16_t *p, __m256 v) {
  _mm_storeu_si128(reinterpret_cast<__m128i *>(p),
                   _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

inline __m256 load_bf16x8(const uint16_t *p) {
  const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}

// Round to nearest even on the upper 16 bits; NaN keeps its top bits and is made quiet.
inline void store_bf16x8(uint16_t *p, __m256 v) {
  const __m256i x = _mm256_castps_si256(v);
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(x, 16), _mm256_set1_epi32(1));
  const __m256i rounded =
      _mm256_srli_epi32(_mm256_add_epi32(x, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))), 16);
  const __m256i quiet_nan = _mm256_or_si256(_mm256_srli_epi32(x, 16), _mm256_set1_epi32(0x40));
  const __m256 is_nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
  const __m256i r = _mm256_castps_si256(
      _mm256_blendv_ps(_mm256_castsi256_ps(rounded), _mm256_castsi256_ps(quiet_nan), is_nan));
  // Pack 8 x u32 (each < 65536) to 8 x u16: packus works per 128-bit lane.
  const __m128i lo = _mm256_castsi256_si128(r), hi = _mm256_extracti128_si256(r, 1);
  _mm_storeu_si128(reinterpret_cast<__m128i *>(p), _mm_packus_epi32(lo, hi));
}

// ---- rows ---------------------------------------------------------------------------

inline void f16_to_f32_row(const uint16_t *src, float *dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_f16x8(src + i));
  for (; i < n; ++i) dst[i] = f16_to_f32(src[i]);
}

inline void f32_to_f16_row(const float *src, uint16_t *dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) store_f16x8(dst + i, _mm256_loadu_ps(src + i));
  for (; i < n; ++i) dst[i] = f32_to_f16(src[i]);
}

inline void bf16_to_f32_row(const uint16_t *src, float *dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_bf16x8(src + i));
  for (; i < n; ++i) dst[i] = bf16_to_f32(src[i]);
}

inline void f32_to_bf16_row(const float *src, uint16_t *dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) store_bf16x8(dst + i, _mm256_loadu_ps(src + i));
  for (; i < n; ++i) dst[i] = f32_to_bf16(src[i]);
}

// f32/f16/bf16 row -> f32 (t must be one of those three).
inline void float_row_to_f32(DType t, const void *src, float *dst, int64_t n) {
  if (t == DType::f16) {
    f16_to_f32_row(static_cast<const uint16_t *>(src), dst, n);
  } else if (t == DType::bf16) {
    bf16_to_f32_row(static_cast<const uint16_t *>(src), dst, n);
  } else {
    const float *s = static_cast<const float *>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = s[i];
  }
}

// f32 row -> f32/f16/bf16 (t must be one of those three).
inline void f32_to_float_row(const float *src, DType t, void *dst, int64_t n) {
  if (t == DType::f16) {
    f32_to_f16_row(src, static_cast<uint16_t *>(dst), n);
  } else if (t == DType::bf16) {
    f32_to_bf16_row(src, static_cast<uint16_t *>(dst), n);
  } else {
    float *d = static_cast<float *>(dst);
    for (int64_t i = 0; i < n; ++i) d[i] = src[i];
  }
}

// ---- q8_0 / q4_0 / q4_1 (n a multiple of 32), bit-identical to aigc/core/quant.cpp ---

// GCC contracts _mm256_add_ps(_mm256_mul_ps(a, b), c) into an FMA (its C++ default is
// -ffp-contract=fast and the intrinsics are plain vector arithmetic); the reference
// rounds the product first. An empty asm makes the product opaque.
inline __m256 rounded8(__m256 v) {
  __asm__("" : "+x"(v));
  return v;
}

// roundf (half away from zero) for 8 lanes: trunc, then step away from zero when the
// exact fractional part is at least one half. _mm256_round_ps alone rounds half to even.
inline __m256 round_half_away8(__m256 v) {
  const __m256 sign = _mm256_and_ps(v, _mm256_set1_ps(-0.f));
  const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 frac = _mm256_andnot_ps(_mm256_set1_ps(-0.f), _mm256_sub_ps(v, t));
  const __m256 step = _mm256_and_ps(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ),
                                    _mm256_or_ps(sign, _mm256_set1_ps(1.f)));
  return _mm256_add_ps(t, step);
}

// Largest |x| of 32 floats; NaN lanes are skipped like std::max(amax, fabs(x)) does.
inline float block_absmax(const __m256 v[4]) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 m = _mm256_setzero_ps();
  for (int k = 0; k < 4; ++k) m = _mm256_max_ps(_mm256_and_ps(v[k], abs_mask), m);
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
  return _mm_cvtss_f32(h);
}

inline void quantize_row_q8_0(const float *x, void *blocks, int64_t n) {
  auto *y = static_cast<BlockQ8_0 *>(blocks);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    __m256 v[4];
    for (int k = 0; k < 4; ++k) v[k] = _mm256_loadu_ps(x + 8 * k);
    const float d = block_absmax(v) / 127.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    y[b].d = f32_to_f16(d);
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    for (int k = 0; k < 4; ++k)
      q[k] = _mm256_cvtps_epi32(round_half_away8(_mm256_mul_ps(v[k], vid)));
    // Narrow 32 x i32 -> 32 x i8; the packs interleave 128-bit lanes, the permute undoes it.
    const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(y[b].qs),
                        _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
  }
}

inline void quantize_row_q4_0(const float *x, void *blocks, int64_t n) {
  auto *y = static_cast<BlockQ4_0 *>(blocks);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    __m256 v[4];
    for (int k = 0; k < 4; ++k) v[k] = _mm256_loadu_ps(x + 8 * k);
    const float amax = block_absmax(v);
    float max = 0.f;  // the first value of largest magnitude, sign kept (ggml)
    if (amax > 0.f) {
      for (int j = 0; j < kQK; ++j) {
        if (std::fabs(x[j]) == amax) {
          max = x[j];
          break;
        }
      }
    }
    const float d = max / -8.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    y[b].d = f32_to_f16(d);
    const __m256 vid = _mm256_set1_ps(id), off = _mm256_set1_ps(8.5f);
    const __m256i fifteen = _mm256_set1_epi32(15);
    __m256i q[4];
    for (int k = 0; k < 4; ++k)  // mul then add, separately rounded as in the reference
      q[k] = _mm256_min_epi32(
          _mm256_cvttps_epi32(_mm256_add_ps(rounded8(_mm256_mul_ps(v[k], vid)), off)), fifteen);
    const __m256i lo = _mm256_or_si256(q[0], _mm256_slli_epi32(q[2], 4));  // bytes 0..7
    const __m256i hi = _mm256_or_si256(q[1], _mm256_slli_epi32(q[3], 4));  // bytes 8..15
    const __m128i w0 = _mm_packs_epi32(_mm256_castsi256_si128(lo), _mm256_extracti128_si256(lo, 1));
    const __m128i w1 = _mm_packs_epi32(_mm256_castsi256_si128(hi), _mm256_extracti128_si256(hi, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i *>(y[b].qs), _mm_packus_epi16(w0, w1));
  }
}

inline void quantize_row_q4_1(const float *x, void *blocks, int64_t n) {
  auto *y = static_cast<BlockQ4_1 *>(blocks);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    __m256 v[4];
    // The running extreme is the second operand: min/max_ps return it when a lane is
    // NaN, so NaN is skipped like the reference's `if (x < min)` does.
    __m256 lo = _mm256_set1_ps(std::numeric_limits<float>::max());
    __m256 hi = _mm256_set1_ps(-std::numeric_limits<float>::max());
    for (int k = 0; k < 4; ++k) {
      v[k] = _mm256_loadu_ps(x + 8 * k);
      lo = _mm256_min_ps(v[k], lo);
      hi = _mm256_max_ps(v[k], hi);
    }
    __m128 l4 = _mm_min_ps(_mm256_castps256_ps128(lo), _mm256_extractf128_ps(lo, 1));
    __m128 h4 = _mm_max_ps(_mm256_castps256_ps128(hi), _mm256_extractf128_ps(hi, 1));
    l4 = _mm_min_ps(l4, _mm_movehl_ps(l4, l4));
    h4 = _mm_max_ps(h4, _mm_movehl_ps(h4, h4));
    const float min = _mm_cvtss_f32(_mm_min_ss(l4, _mm_shuffle_ps(l4, l4, 1)));
    const float max = _mm_cvtss_f32(_mm_max_ss(h4, _mm_shuffle_ps(h4, h4, 1)));
    const float d = (max - min) / 15.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    y[b].d = f32_to_f16(d);
    y[b].m = f32_to_f16(min);
    const __m256 vid = _mm256_set1_ps(id), vmin = _mm256_set1_ps(min), half = _mm256_set1_ps(0.5f);
    const __m256i fifteen = _mm256_set1_epi32(15);
    __m256i q[4];
    for (int k = 0; k < 4; ++k) {
      const __m256 scaled = rounded8(_mm256_mul_ps(_mm256_sub_ps(v[k], vmin), vid));
      q[k] = _mm256_min_epi32(_mm256_cvttps_epi32(_mm256_add_ps(scaled, half)), fifteen);
    }
    const __m256i w_lo = _mm256_or_si256(q[0], _mm256_slli_epi32(q[2], 4));  // bytes 0..7
    const __m256i w_hi = _mm256_or_si256(q[1], _mm256_slli_epi32(q[3], 4));  // bytes 8..15
    const __m128i w0 = _mm_packs_epi32(_mm256_castsi256_si128(w_lo), _mm256_extracti128_si256(w_lo, 1));
    const __m128i w1 = _mm_packs_epi32(_mm256_castsi256_si128(w_hi), _mm256_extracti128_si256(w_hi, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i *>(y[b].qs), _mm_packus_epi16(w0, w1));
  }
}

inline void dequantize_row_q8_0(const void *blocks, float *y, int64_t n) {
  const auto *x = static_cast<const BlockQ8_0 *>(blocks);
  for (int64_t b = 0; b < n / kQK; ++b, y += kQK) {
    const __m256 d = _mm256_set1_ps(f16_to_f32(x[b].d));
    for (int k = 0; k < 4; ++k) {
      const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(x[b].qs + 8 * k));
      _mm256_storeu_ps(y + 8 * k, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d));
    }
  }
}

inline void dequantize_row_q4_0(const void *blocks, float *y, int64_t n) {
  const auto *x = static_cast<const BlockQ4_0 *>(blocks);
  const __m128i low4 = _mm_set1_epi8(0x0f), eight = _mm_set1_epi8(8);
  for (int64_t b = 0; b < n / kQK; ++b, y += kQK) {
    const __m256 d = _mm256_set1_ps(f16_to_f32(x[b].d));
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i *>(x[b].qs));
    const __m128i lo = _mm_sub_epi8(_mm_and_si128(q, low4), eight);  // elements 0..15
    const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), low4), eight);  // 16..31
    const __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
    for (int k = 0; k < 4; ++k)
      _mm256_storeu_ps(y + 8 * k, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[k])), d));
  }
}

inline void dequantize_row_q4_1(const void *blocks, float *y, int64_t n) {
  const auto *x = static_cast<const BlockQ4_1 *>(blocks);
  const __m128i low4 = _mm_set1_epi8(0x0f);
  for (int64_t b = 0; b < n / kQK; ++b, y += kQK) {
    const __m256 d = _mm256_set1_ps(f16_to_f32(x[b].d)), m = _mm256_set1_ps(f16_to_f32(x[b].m));
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i *>(x[b].qs));
    const __m128i lo = _mm_and_si128(q, low4);                     // elements 0..15
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(q, 4), low4);  // 16..31
    const __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
    for (int k = 0; k < 4; ++k) {
      const __m256 qd = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(parts[k])), d);
      _mm256_storeu_ps(y + 8 * k, _mm256_add_ps(rounded8(qd), m));
    }
  }
}

// Row of any float-like dtype (f32, f16, bf16, q8_0, q4_0, q4_1) -> f32; false for integer
// dtypes, which have no fast path here.
inline bool any_row_to_f32(DType t, const void *src, float *dst, int64_t n) {
  switch (t) {
    case DType::f32: std::memcpy(dst, src, size_t(n) * sizeof(float)); return true;
    case DType::f16: f16_to_f32_row(static_cast<const uint16_t *>(src), dst, n); return true;
    case DType::bf16: bf16_to_f32_row(static_cast<const uint16_t *>(src), dst, n); return true;
    case DType::q8_0: dequantize_row_q8_0(src, dst, n); return true;
    case DType::q4_0: dequantize_row_q4_0(src, dst, n); return true;
    case DType::q4_1: dequantize_row_q4_1(src, dst, n); return true;
    default: return false;
  }
}

}  // namespace aigc::cpu::simd
