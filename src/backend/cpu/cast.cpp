#include <algorithm>
#include <cstring>

#include "aigc/core/quant.hpp"
#include "backend/cpu/convert_simd.hpp"
#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {
namespace {

bool is_integer(DType t) { return t == DType::i32 || t == DType::i8 || t == DType::u8; }

// Fast paths to and from f32; false when the dtype has none (integers), in which
// case the scalar reference conversion runs instead.
bool to_f32_fast(DType t, const void *src, float *dst, int64_t n) {
  return simd::any_row_to_f32(t, src, dst, n);
}

bool from_f32_fast(const float *src, DType t, void *dst, int64_t n) {
  switch (t) {
    case DType::f32: std::memcpy(dst, src, size_t(n) * sizeof(float)); return true;
    case DType::f16: simd::f32_to_f16_row(src, static_cast<uint16_t *>(dst), n); return true;
    case DType::bf16: simd::f32_to_bf16_row(src, static_cast<uint16_t *>(dst), n); return true;
    case DType::q8_0: simd::quantize_row_q8_0(src, dst, n); return true;
    case DType::q4_0: simd::quantize_row_q4_0(src, dst, n); return true;
    case DType::q4_1: simd::quantize_row_q4_1(src, dst, n); return true;
    default: return false;
  }
}

// Converts one chunk (n a multiple of 32 unless it is the tensor's tail). Every path
// goes through f32 exactly as the reference does, so results are bit-identical.
void convert_chunk(DType st, const void *src, DType dt, void *dst, int64_t n) {
  if (st == dt) {
    std::memcpy(dst, src, dtype_bytes(st, n));
    return;
  }
  if (st == DType::f32 && from_f32_fast(static_cast<const float *>(src), dt, dst, n)) return;
  if (dt == DType::f32 && to_f32_fast(st, src, static_cast<float *>(dst), n)) return;
  if (is_integer(st) && is_integer(dt)) {  // exact integer path of the reference
    convert_row(st, src, dt, dst, n);
    return;
  }
  constexpr int64_t kBuf = 1024;  // a multiple of every block size
  float buf[kBuf];
  for (int64_t i = 0; i < n; i += kBuf) {
    const int64_t m = std::min(kBuf, n - i);
    const void *s = static_cast<const char *>(src) + dtype_bytes(st, i);
    void *d = static_cast<char *>(dst) + dtype_bytes(dt, i);
    if (!to_f32_fast(st, s, buf, m)) convert_row(st, s, DType::f32, buf, m);
    if (!from_f32_fast(buf, dt, d, m)) convert_row(DType::f32, buf, dt, d, m);
  }
}

void cast_kernel(const ExecContext &ctx, const CastArgs &a) {
  const Tensor x = a.x.contiguous();
  const int64_t n = x.numel();
  const DType st = x.dtype(), dt = a.out.dtype();
  constexpr int64_t kChunk = 16384;  // elements per task: a multiple of the 32-element block
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  const int threads = chunks >= 4 ? ctx.n_threads : 1;  // small tensors: one thread
  const char *src = static_cast<const char *>(x.data());
  char *dst = static_cast<char *>(a.out.data());
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t i = c * kChunk;
    convert_chunk(st, src + dtype_bytes(st, i), dt, dst + dtype_bytes(dt, i),
                  std::min(kChunk, n - i));
  }
}

}  // namespace

void register_cast(KernelTable &t) {
  t.add<OpKind::cast>(cast_kernel, {DType::f32, DType::f16, DType::bf16, DType::i32, DType::i8,
                                     DType::u8, DType::q8_0, DType::q4_0, DType::q4_1});
}

}  // namespace aigc::cpu
