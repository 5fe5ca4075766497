#include "aigc/core/quant.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "aigc/core/half.hpp"
#include "core/check.hpp"

namespace aigc {
namespace {

// GCC contracts a * b + c into one FMA even in ISO C++ mode (-ffp-contract=fast is its
// C++ default), but ggml's reference rounding and gguf-py round the product first.
// Passing the product through an empty asm makes it opaque, so it is rounded to float.
inline float rounded(float v) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __asm__("" : "+x"(v));
#elif defined(__GNUC__) && defined(__aarch64__)
  __asm__("" : "+w"(v));
#elif defined(__GNUC__)
  __asm__("" : "+m"(v));
#endif
  return v;
}

}  // namespace

void quantize_row_q8_0(const float *x, void *blocks, int64_t n) {
  auto *y = static_cast<BlockQ8_0 *>(blocks);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    float amax = 0.f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    y[b].d = f32_to_f16(d);
    for (int j = 0; j < kQK; ++j) y[b].qs[j] = int8_t(std::roundf(x[j] * id));
  }
}

void quantize_row_q4_0(const float *x, void *blocks, int64_t n) {
  auto *y = static_cast<BlockQ4_0 *>(blocks);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    // ggml keeps the sign of the largest-magnitude value so that it maps to -8 exactly.
    float amax = 0.f, max = 0.f;
    for (int j = 0; j < kQK; ++j) {
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -8.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    y[b].d = f32_to_f16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = std::min(15, int(int8_t(rounded(x[j] * id) + 8.5f)));
      const int hi = std::min(15, int(int8_t(rounded(x[j + kQK / 2] * id) + 8.5f)));
      y[b].qs[j] = uint8_t(lo | (hi << 4));
    }
  }
}

void quantize_row_q4_1(const float *x, void *blocks, int64_t n) {
  auto *y = static_cast<BlockQ4_1 *>(blocks);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    // ggml's quantize_row_q4_1_ref: min/max of the block, 15 steps between them; the
    // nibbles use the unrounded f32 d and min, only the stored fields are f16.
    float min = std::numeric_limits<float>::max(), max = -std::numeric_limits<float>::max();
    for (int j = 0; j < kQK; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / 15.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    y[b].d = f32_to_f16(d);
    y[b].m = f32_to_f16(min);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = std::min(15, int(int8_t(rounded((x[j] - min) * id) + 0.5f)));
      const int hi = std::min(15, int(int8_t(rounded((x[j + kQK / 2] - min) * id) + 0.5f)));
      y[b].qs[j] = uint8_t(lo | (hi << 4));
    }
  }
}

void dequantize_row_q8_0(const void *blocks, float *y, int64_t n) {
  const auto *x = static_cast<const BlockQ8_0 *>(blocks);
  for (int64_t b = 0; b < n / kQK; ++b, y += kQK) {
    const float d = f16_to_f32(x[b].d);
    for (int j = 0; j < kQK; ++j) y[j] = float(x[b].qs[j]) * d;
  }
}

void dequantize_row_q4_0(const void *blocks, float *y, int64_t n) {
  const auto *x = static_cast<const BlockQ4_0 *>(blocks);
  for (int64_t b = 0; b < n / kQK; ++b, y += kQK) {
    const float d = f16_to_f32(x[b].d);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = float((x[b].qs[j] & 0x0f) - 8) * d;
      y[j + kQK / 2] = float((x[b].qs[j] >> 4) - 8) * d;
    }
  }
}

void dequantize_row_q4_1(const void *blocks, float *y, int64_t n) {
  const auto *x = static_cast<const BlockQ4_1 *>(blocks);
  for (int64_t b = 0; b < n / kQK; ++b, y += kQK) {
    const float d = f16_to_f32(x[b].d), m = f16_to_f32(x[b].m);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = rounded(float(x[b].qs[j] & 0x0f) * d) + m;
      y[j + kQK / 2] = rounded(float(x[b].qs[j] >> 4) * d) + m;
    }
  }
}

namespace {

template <class I>
I saturate_round(float v) {
  if (std::isnan(v)) return 0;
  const float r = std::nearbyint(v);
  if (r <= float(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  if (r >= float(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return I(r);
}

template <class I>
I saturate_int(int64_t v) {
  return I(std::clamp<int64_t>(v, std::numeric_limits<I>::min(), std::numeric_limits<I>::max()));
}

bool is_integer(DType t) { return t == DType::i32 || t == DType::i8 || t == DType::u8; }

int64_t load_int(DType t, const void *p, int64_t i) {
  switch (t) {
    case DType::i32: return static_cast<const int32_t *>(p)[i];
    case DType::i8: return static_cast<const int8_t *>(p)[i];
    default: return static_cast<const uint8_t *>(p)[i];
  }
}

void store_int(DType t, void *p, int64_t i, int64_t v) {
  switch (t) {
    case DType::i32: static_cast<int32_t *>(p)[i] = saturate_int<int32_t>(v); break;
    case DType::i8: static_cast<int8_t *>(p)[i] = saturate_int<int8_t>(v); break;
    default: static_cast<uint8_t *>(p)[i] = saturate_int<uint8_t>(v); break;
  }
}

// Any dtype -> f32.
void to_f32(DType t, const void *src, float *dst, int64_t n) {
  switch (t) {
    case DType::f32: std::copy_n(static_cast<const float *>(src), n, dst); break;
    case DType::f16:
      for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(static_cast<const uint16_t *>(src)[i]);
      break;
    case DType::bf16:
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(static_cast<const uint16_t *>(src)[i]);
      break;
    case DType::q8_0: dequantize_row_q8_0(src, dst, n); break;
    case DType::q4_0: dequantize_row_q4_0(src, dst, n); break;
    case DType::q4_1: dequantize_row_q4_1(src, dst, n); break;
    default:
      for (int64_t i = 0; i < n; ++i) dst[i] = float(load_int(t, src, i));
      break;
  }
}

// f32 -> any dtype.
void from_f32(const float *src, DType t, void *dst, int64_t n) {
  switch (t) {
    case DType::f32: std::copy_n(src, n, static_cast<float *>(dst)); break;
    case DType::f16:
      for (int64_t i = 0; i < n; ++i) static_cast<uint16_t *>(dst)[i] = f32_to_f16(src[i]);
      break;
    case DType::bf16:
      for (int64_t i = 0; i < n; ++i) static_cast<uint16_t *>(dst)[i] = f32_to_bf16(src[i]);
      break;
    case DType::q8_0: quantize_row_q8_0(src, dst, n); break;
    case DType::q4_0: quantize_row_q4_0(src, dst, n); break;
    case DType::q4_1: quantize_row_q4_1(src, dst, n); break;
    case DType::i32:
      for (int64_t i = 0; i < n; ++i) static_cast<int32_t *>(dst)[i] = saturate_round<int32_t>(src[i]);
      break;
    case DType::i8:
      for (int64_t i = 0; i < n; ++i) static_cast<int8_t *>(dst)[i] = saturate_round<int8_t>(src[i]);
      break;
    case DType::u8:
      for (int64_t i = 0; i < n; ++i) static_cast<uint8_t *>(dst)[i] = saturate_round<uint8_t>(src[i]);
      break;
  }
}

}  // namespace

void convert_row(DType src_type, const void *src, DType dst_type, void *dst, int64_t n) {
  for (DType t : {src_type, dst_type}) {
    AIGC_CHECK(n % dtype_block_size(t) == 0, Status::invalid_argument,
               "convert {} -> {}: {} elements is not a multiple of the {}-element block",
               dtype_name(src_type), dtype_name(dst_type), n, dtype_block_size(t));
  }
  if (src_type == dst_type) {
    std::copy_n(static_cast<const char *>(src), dtype_bytes(src_type, n), static_cast<char *>(dst));
    return;
  }
  if (is_integer(src_type) && is_integer(dst_type)) {  // exact, no float round trip
    for (int64_t i = 0; i < n; ++i) store_int(dst_type, dst, i, load_int(src_type, src, i));
    return;
  }
  // Chunked through a small f32 buffer (a multiple of every block size).
  constexpr int64_t kChunk = 1024;
  float buf[kChunk];
  for (int64_t i = 0; i < n; i += kChunk) {
    const int64_t m = std::min(kChunk, n - i);
    to_f32(src_type, static_cast<const char *>(src) + dtype_bytes(src_type, i), buf, m);
    from_f32(buf, dst_type, static_cast<char *>(dst) + dtype_bytes(dst_type, i), m);
  }
}

}  // namespace aigc
