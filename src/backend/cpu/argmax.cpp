#include <immintrin.h>

#include <cmath>

#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {
namespace {

// First index of the maximum of one row (first NaN if any), in two vector passes:
// the maximum (and whether a NaN occurs), then the first position holding it.
int32_t argmax_row(const float *p, int64_t n) {
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  __m256 nan = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 v = _mm256_loadu_ps(p + j);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    vmax = _mm256_max_ps(vmax, v);
  }
  float m = -INFINITY;
  bool has_nan = _mm256_movemask_ps(nan) != 0;
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, vmax);
  for (float v : lanes) m = v > m ? v : m;
  for (int64_t t = j; t < n; ++t) {
    has_nan = has_nan || std::isnan(p[t]);
    m = p[t] > m ? p[t] : m;
  }
  if (has_nan) {
    for (int64_t t = 0; t < n; ++t)
      if (std::isnan(p[t])) return int32_t(t);
  }
  const __m256 vm = _mm256_set1_ps(m);
  for (j = 0; j + 8 <= n; j += 8) {
    const int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(p + j), vm, _CMP_EQ_OQ));
    if (mask != 0) return int32_t(j + __builtin_ctz(unsigned(mask)));
  }
  for (; j < n; ++j)
    if (p[j] == m) return int32_t(j);
  return 0;  // unreachable: m is one of the values (all -inf rows hit index 0 above)
}

void argmax_kernel(const ExecContext &ctx, const ArgmaxArgs &a) {
  const Tensor x = a.x.contiguous();
  const int64_t n = x.size(-1), rows = x.numel() / n;
  const float *p = x.data_as<float>();
  int32_t *out = a.out.data_as<int32_t>();
  const int threads = rows > 1 && rows * n >= (int64_t(1) << 16) ? ctx.n_threads : 1;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < rows; ++r) out[r] = argmax_row(p + r * n, n);
}

}  // namespace

void register_argmax(KernelTable &t) { t.add<OpKind::argmax>(argmax_kernel, {DType::f32}); }

}  // namespace aigc::cpu
