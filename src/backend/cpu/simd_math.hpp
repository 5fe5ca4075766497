// Small AVX2/FMA helpers shared by the CPU kernels: horizontal reductions, a vectorised
// exp, tail masks and a dot product. Everything is inline and stateless.
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstdint>

namespace aigc::cpu::simd {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float hmax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Sum of the four lanes-halves of a, b, c, d: returns {sum a, sum b, sum c, sum d}.
inline __m128 hsum4(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 ab = _mm256_hadd_ps(a, b), cd = _mm256_hadd_ps(c, d);
  const __m256 abcd = _mm256_hadd_ps(ab, cd);  // per 128-bit half: a b c d partials
  return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

// Lane mask selecting the first n (0..8) lanes, for _mm256_maskload_ps/_mm256_maskstore_ps.
inline __m256i tail_mask(int n) {
  alignas(32) static constexpr int32_t kLanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                     0,  0,  0,  0,  0,  0,  0,  0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(kLanes + 8 - n));
}

// e^x for every lane. Range reduction x = n ln2 + r, |r| <= ln2/2, then a degree-6
// Taylor polynomial (relative error ~1.2e-7, about one ulp) scaled by 2^n. Inputs below
// ln(FLT_MIN) give exactly 0 (so -inf -> 0); inputs are clamped at 88 (e^88 ~ 1.65e38)
// so that n stays in [-126, 127] and 2^n is one exponent-field write.
inline __m256 exp(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-87.33654f), hi = _mm256_set1_ps(88.f);
  const __m256 underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145752f), x);  // ln2 split hi/lo
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.42860677e-6f), r);
  __m256 p = _mm256_set1_ps(1.f / 720);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
  const __m256i biased = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
  p = _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(biased, 23)));
  return _mm256_andnot_ps(underflow, p);
}

// sum a[i]*b[i] over n floats (any n), 8-wide FMA with two accumulators.
inline float dot(const float *a, const float *b, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  for (; i + 8 <= n; i += 8)
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  if (i < n) {
    const __m256i m = tail_mask(int(n - i));
    s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m), s1);
  }
  return hsum(_mm256_add_ps(s0, s1));
}

// sum (a[i] - center)^2 (square = true) or sum a[i] (square = false) over n floats.
// Partial sums of up to 1024 elements run in 8-wide float, then add in double, so long
// reductions (group norm over a whole feature map) keep ~1e-7 relative accuracy.
template <bool square>
inline double reduce_sum(const float *a, int64_t n, float center = 0.f) {
  const __m256 c = _mm256_set1_ps(center);
  double total = 0;
  for (int64_t start = 0; start < n; start += 1024) {
    const int64_t end = start + 1024 < n ? start + 1024 : n;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = start;
    for (; i + 16 <= end; i += 16) {
      const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), c);
      const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), c);
      s0 = square ? _mm256_fmadd_ps(d0, d0, s0) : _mm256_add_ps(s0, d0);
      s1 = square ? _mm256_fmadd_ps(d1, d1, s1) : _mm256_add_ps(s1, d1);
    }
    float tail = 0;
    for (; i < end; ++i) tail += square ? (a[i] - center) * (a[i] - center) : a[i] - center;
    total += double(hsum(_mm256_add_ps(s0, s1))) + double(tail);
  }
  return square ? total : total + double(center) * double(n);
}

// y[i] = (x[i] - center) * a + b over n floats (the affine step of every normalisation;
// subtracting the mean first keeps constant inputs exact instead of x*a - mean*a).
inline void scale_shift(const float *x, float *y, int64_t n, float a, float b,
                        float center = 0.f) {
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b), vc = _mm256_set1_ps(center);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vc), va, vb));
  for (; i < n; ++i) y[i] = (x[i] - center) * a + b;
}

}  // namespace aigc::cpu::simd
