#include "io/ggml_types.hpp"

#include <cstring>

#include "aigc/core/half.hpp"
#include "aigc/core/quant.hpp"
#include "core/check.hpp"

namespace aigc::io {
namespace {

constexpr int kQK_K = 256;  // super-block size of the k-quants

uint32_t load_u32(const uint8_t *p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
float load_f16(const uint8_t *p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return f16_to_f32(v);
}

// Q5_0 / Q5_1: 4 bytes of fifth bits (bit j for element j), then nibbles like Q4.
void dequant_q5(const uint8_t *b, float *y, bool has_min) {
  const float d = load_f16(b);
  const float m = has_min ? load_f16(b + 2) : 0.f;
  const uint8_t *p = b + (has_min ? 4 : 2);
  const uint32_t qh = load_u32(p);
  const uint8_t *qs = p + 4;
  const int offset = has_min ? 0 : 16;
  for (int j = 0; j < 16; ++j) {
    const int lo = (qs[j] & 0x0f) | int(((qh >> j) & 1u) << 4);
    const int hi = (qs[j] >> 4) | int(((qh >> (j + 16)) & 1u) << 4);
    y[j] = float(lo - offset) * d + m;
    y[j + 16] = float(hi - offset) * d + m;
  }
}

// The 12-byte packed 6-bit scales and mins of Q4_K / Q5_K (8 sub-blocks of 32).
void k_scale_min(int j, const uint8_t *q, int *scale, int *min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = (q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4);
    *min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// Q4_K: {f16 d, f16 dmin, u8 scales[12], u8 qs[128]}; Q5_K adds u8 qh[32] before qs.
void dequant_q45_k(const uint8_t *b, float *y, bool five_bit) {
  const float d = load_f16(b), dmin = load_f16(b + 2);
  const uint8_t *scales = b + 4;
  const uint8_t *qh = b + 16;
  const uint8_t *ql = five_bit ? b + 48 : b + 16;
  for (int j = 0, is = 0; j < kQK_K; j += 64, is += 2) {
    int sc, mn;
    k_scale_min(is, scales, &sc, &mn);
    const float d1 = d * float(sc), m1 = dmin * float(mn);
    k_scale_min(is + 1, scales, &sc, &mn);
    const float d2 = d * float(sc), m2 = dmin * float(mn);
    const int shift = j / 32;  // fifth-bit plane for the low nibbles of this 64-chunk
    for (int l = 0; l < 32; ++l) {
      const int hi_lo = five_bit ? ((qh[l] >> shift) & 1) << 4 : 0;
      const int hi_hi = five_bit ? ((qh[l] >> (shift + 1)) & 1) << 4 : 0;
      y[j + l] = d1 * float((ql[l] & 0x0f) + hi_lo) - m1;
      y[j + 32 + l] = d2 * float((ql[l] >> 4) + hi_hi) - m2;
    }
    ql += 32;
  }
}

// Q6_K: {u8 ql[128], u8 qh[64], i8 scales[16], f16 d}.
void dequant_q6_k(const uint8_t *b, float *y) {
  const uint8_t *ql = b;
  const uint8_t *qh = b + 128;
  const int8_t *sc = reinterpret_cast<const int8_t *>(b + 192);
  const float d = load_f16(b + 208);
  for (int n = 0; n < kQK_K; n += 128) {
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = int((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = int((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[n + l] = d * float(sc[is]) * float(q1);
      y[n + l + 32] = d * float(sc[is + 2]) * float(q2);
      y[n + l + 64] = d * float(sc[is + 4]) * float(q3);
      y[n + l + 96] = d * float(sc[is + 6]) * float(q4);
    }
    ql += 64;
    qh += 32;
    sc += 8;
  }
}

}  // namespace

const GgmlTypeInfo *ggml_type_info(uint32_t type) {
  static const GgmlTypeInfo f32{"F32", 1, 4, true}, f16{"F16", 1, 2, true},
      bf16{"BF16", 1, 2, true}, q4_0{"Q4_0", 32, 18, true}, q4_1{"Q4_1", 32, 20, true},
      q5_0{"Q5_0", 32, 22, true}, q5_1{"Q5_1", 32, 24, true}, q8_0{"Q8_0", 32, 34, true},
      q8_1{"Q8_1", 32, 36, false}, q2_k{"Q2_K", 256, 84, false}, q3_k{"Q3_K", 256, 110, false},
      q4_k{"Q4_K", 256, 144, true}, q5_k{"Q5_K", 256, 176, true}, q6_k{"Q6_K", 256, 210, true},
      q8_k{"Q8_K", 256, 292, false}, i8{"I8", 1, 1, false}, i16{"I16", 1, 2, false},
      i32{"I32", 1, 4, false}, i64{"I64", 1, 8, false}, f64{"F64", 1, 8, false};
  switch (static_cast<GgmlType>(type)) {
    case GgmlType::f32: return &f32;
    case GgmlType::f16: return &f16;
    case GgmlType::bf16: return &bf16;
    case GgmlType::q4_0: return &q4_0;
    case GgmlType::q4_1: return &q4_1;
    case GgmlType::q5_0: return &q5_0;
    case GgmlType::q5_1: return &q5_1;
    case GgmlType::q8_0: return &q8_0;
    case GgmlType::q8_1: return &q8_1;
    case GgmlType::q2_k: return &q2_k;
    case GgmlType::q3_k: return &q3_k;
    case GgmlType::q4_k: return &q4_k;
    case GgmlType::q5_k: return &q5_k;
    case GgmlType::q6_k: return &q6_k;
    case GgmlType::q8_k: return &q8_k;
    case GgmlType::i8: return &i8;
    case GgmlType::i16: return &i16;
    case GgmlType::i32: return &i32;
    case GgmlType::i64: return &i64;
    case GgmlType::f64: return &f64;
  }
  return nullptr;
}

bool ggml_to_dtype(GgmlType type, DType *out) {
  switch (type) {
    case GgmlType::f32: *out = DType::f32; return true;
    case GgmlType::f16: *out = DType::f16; return true;
    case GgmlType::bf16: *out = DType::bf16; return true;
    case GgmlType::q8_0: *out = DType::q8_0; return true;
    case GgmlType::q4_0: *out = DType::q4_0; return true;
    case GgmlType::q4_1: *out = DType::q4_1; return true;
    case GgmlType::i8: *out = DType::i8; return true;
    case GgmlType::i32: *out = DType::i32; return true;
    default: return false;
  }
}

void ggml_dequantize(GgmlType type, const void *src, float *dst, int64_t n) {
  const GgmlTypeInfo *info = ggml_type_info(static_cast<uint32_t>(type));
  AIGC_CHECK(info && info->dequantizable, Status::unsupported,
             "ggml tensor type {} cannot be dequantized", info ? info->name : "unknown");
  AIGC_CHECK(n % info->block_size == 0, Status::invalid_format,
             "{} tensor of {} elements is not whole blocks of {}", info->name, n, info->block_size);
  DType direct;
  if (ggml_to_dtype(type, &direct)) {  // f32/f16/bf16/q8_0/q4_0/q4_1: the core converts
    convert_row(direct, src, DType::f32, dst, n);
    return;
  }
  const auto *b = static_cast<const uint8_t *>(src);
  const int64_t blocks = n / info->block_size;
  for (int64_t i = 0; i < blocks; ++i, b += info->block_bytes, dst += info->block_size) {
    switch (type) {
      case GgmlType::q5_0: dequant_q5(b, dst, false); break;
      case GgmlType::q5_1: dequant_q5(b, dst, true); break;
      case GgmlType::q4_k: dequant_q45_k(b, dst, false); break;
      case GgmlType::q5_k: dequant_q45_k(b, dst, true); break;
      case GgmlType::q6_k: dequant_q6_k(b, dst); break;
      default: fail(Status::internal, "no dequantizer for {}", info->name);
    }
  }
}

}  // namespace aigc::io
