#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "backend/cpu/convert_simd.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {
namespace {

// ---- f32 through oneDNN eltwise ------------------------------------------------------

struct EltwiseAlgo {
  dnnl::algorithm algo;
  float alpha;
};

EltwiseAlgo eltwise_algo(UnaryKind kind, float alpha) {
  using A = dnnl::algorithm;
  switch (kind) {
    case UnaryKind::gelu_erf: return {A::eltwise_gelu_erf, 0.f};
    case UnaryKind::gelu_tanh: return {A::eltwise_gelu_tanh, 0.f};
    case UnaryKind::silu: return {A::eltwise_swish, 1.f};  // x * sigmoid(1 * x)
    case UnaryKind::relu: return {A::eltwise_relu, 0.f};
    case UnaryKind::leaky_relu: return {A::eltwise_relu, alpha};  // negative slope
    case UnaryKind::tanh: return {A::eltwise_tanh, 0.f};
    case UnaryKind::sigmoid: return {A::eltwise_logistic, 0.f};
    case UnaryKind::scale: return {A::eltwise_linear, alpha};  // alpha * x + 0
  }
  return {A::eltwise_relu, 0.f};
}

void unary_f32_onednn(const ExecContext &ctx, const Tensor &x, const UnaryArgs &a) {
  const int64_t n = x.numel();
  const EltwiseAlgo e = eltwise_algo(a.kind, a.alpha);
  CpuBackend &be = cpu_backend(ctx);
  const dnnl::memory::desc md({n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a);
  // alpha by its bit pattern: a decimal rendering would merge nearby slopes.
  const std::string key = "unary/f32/" + std::to_string(int(a.kind)) + "/" +
                          std::to_string(n) + "/" + std::to_string(f32_to_bits(e.alpha));
  auto prim = be.cached<dnnl::eltwise_forward>(key, [&] {
    const dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, e.algo, md, e.alpha,
                                        0.f);
    return dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(d, be.engine()));
  });
  dnnl::memory src(md, be.engine(), x.data());
  dnnl::memory dst(md, be.engine(), a.out.data());
  dnnl::stream s(be.engine());
  OmpThreads threads(threads_for(ctx.n_threads, double(n), kElementGrain));
  prim->execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  s.wait();
}

// ---- own AVX2 math for f16/bf16 (values travel through f32 registers) ---------------

// e^x, Cephes-style: 2^n * p(r) with r = x - n ln2, |r| <= ln2/2; rel. error ~1e-7.
inline __m256 exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500E-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894E-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459E-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201E-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

inline __m256 sigmoid8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

// Cephes tanhf: odd polynomial below 0.625, 1 - 2 / (e^{2|x|} + 1) above.
inline __m256 tanh8(__m256 x) {
  const __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.f));
  const __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.f), x);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-5.70498872745E-3f);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954E-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531E-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036E-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422E-1f));
  const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
  const __m256 e = exp8(_mm256_add_ps(ax, ax));
  const __m256 big = _mm256_sub_ps(_mm256_set1_ps(1.f),
                                   _mm256_div_ps(_mm256_set1_ps(2.f), _mm256_add_ps(e, _mm256_set1_ps(1.f))));
  const __m256 use_small = _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ);
  return _mm256_blendv_ps(_mm256_or_ps(big, sign), small, use_small);
}

// 1 + erf(z) without cancellation for negative z: erfc by the Numerical Recipes
// Chebyshev fit (fractional error < 1.2e-7), then z < 0 ? erfc(|z|) : 2 - erfc(|z|).
inline __m256 one_plus_erf8(__m256 z) {
  const __m256 az = _mm256_andnot_ps(_mm256_set1_ps(-0.f), z);
  const __m256 t = _mm256_div_ps(_mm256_set1_ps(1.f), _mm256_fmadd_ps(_mm256_set1_ps(0.5f), az, _mm256_set1_ps(1.f)));
  __m256 p = _mm256_set1_ps(0.17087277f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.82215223f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.48851587f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.13520398f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.27886807f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.18628806f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.09678418f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.37409196f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.00002368f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.26551223f));
  const __m256 erfc = _mm256_mul_ps(t, exp8(_mm256_fnmadd_ps(az, az, p)));
  const __m256 neg = _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ);
  return _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(2.f), erfc), erfc, neg);
}

inline __m256 apply8(UnaryKind kind, __m256 alpha, __m256 x) {
  const __m256 half = _mm256_set1_ps(0.5f);
  switch (kind) {
    case UnaryKind::gelu_erf:
      return _mm256_mul_ps(_mm256_mul_ps(half, x),
                           one_plus_erf8(_mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f))));
    case UnaryKind::gelu_tanh: {
      // 0.5 (1 + tanh(u)) == sigmoid(2u): no cancellation for negative x.
      const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
      const __m256 u = _mm256_mul_ps(_mm256_set1_ps(0.79788456080286536f),
                                     _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), x3, x));
      return _mm256_mul_ps(x, sigmoid8(_mm256_add_ps(u, u)));
    }
    case UnaryKind::silu: return _mm256_mul_ps(x, sigmoid8(x));
    case UnaryKind::relu:  // x < 0 ? 0 : x (NaN passes through)
      return _mm256_blendv_ps(x, _mm256_setzero_ps(), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
    case UnaryKind::leaky_relu:
      return _mm256_blendv_ps(x, _mm256_mul_ps(alpha, x),
                              _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
    case UnaryKind::tanh: return tanh8(x);
    case UnaryKind::sigmoid: return sigmoid8(x);
    case UnaryKind::scale: return _mm256_mul_ps(alpha, x);
  }
  return x;
}

// Half types: 8 lanes at a time; the tail goes through a padded buffer so every element
// sees the same arithmetic.
template <bool kBf16>
void unary_half_range(const UnaryArgs &a, const uint16_t *x, uint16_t *y, int64_t n) {
  const __m256 alpha = _mm256_set1_ps(a.alpha);
  auto load = [](const uint16_t *p) { return kBf16 ? simd::load_bf16x8(p) : simd::load_f16x8(p); };
  auto store = [](uint16_t *p, __m256 v) { kBf16 ? simd::store_bf16x8(p, v) : simd::store_f16x8(p, v); };
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) store(y + i, apply8(a.kind, alpha, load(x + i)));
  if (i < n) {
    uint16_t in[8] = {}, out[8];
    for (int64_t j = i; j < n; ++j) in[j - i] = x[j];
    store(out, apply8(a.kind, alpha, load(in)));
    for (int64_t j = i; j < n; ++j) y[j] = out[j - i];
  }
}

void unary_kernel(const ExecContext &ctx, const UnaryArgs &a) {
  const Tensor x = a.x.contiguous();
  const int64_t n = x.numel();
  if (n == 0) return;
  if (x.dtype() == DType::f32) return unary_f32_onednn(ctx, x, a);
  const auto *px = static_cast<const uint16_t *>(x.data());
  auto *py = static_cast<uint16_t *>(a.out.data());
  constexpr int64_t kBlock = 16384;  // elements per task; small tensors stay on one thread
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  const int threads = blocks > 1 ? ctx.n_threads : 1;
  const bool bf16 = x.dtype() == DType::bf16;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t lo = b * kBlock, m = std::min(kBlock, n - lo);
    if (bf16) unary_half_range<true>(a, px + lo, py + lo, m);
    else unary_half_range<false>(a, px + lo, py + lo, m);
  }
}

}  // namespace

void register_unary(KernelTable &t) {
  t.add<OpKind::unary>(unary_kernel, {DType::f32, DType::f16, DType::bf16});
}

}  // namespace aigc::cpu
