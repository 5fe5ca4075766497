#include <immintrin.h>

#include <cmath>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/cpu_kernels.hpp"
#include "backend/cpu/simd_math.hpp"

namespace aigc::cpu {
namespace {

// x: [rows, D]. oneDNN 2.6 has no RMS norm. Per row: sum of squares (AVX2 partial sums
// in double), then y = x * rrms * w with FMA. Rows are split over the threads.
void rms_norm_kernel(const ExecContext &ctx, const RmsNormArgs &a) {
  const Tensor x = a.x.contiguous();
  const Tensor w = a.weight.defined() ? a.weight.contiguous() : Tensor();
  const int64_t d = x.size(-1), rows = d == 0 ? 0 : x.numel() / d;
  const float *px = x.data_as<float>();
  const float *pw = w.defined() ? w.data_as<float>() : nullptr;
  float *py = a.out.data_as<float>();
  OmpThreads threads(ctx.n_threads);
#pragma omp parallel for num_threads(ctx.n_threads) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float *xr = px + r * d;
    float *yr = py + r * d;
    const double ss = simd::reduce_sum<true>(xr, d);
    const float rrms = float(1.0 / std::sqrt(ss / double(d) + double(a.eps)));
    if (!pw) {
      simd::scale_shift(xr, yr, d, rrms, 0.f);
      continue;
    }
    const __m256 vr = _mm256_set1_ps(rrms);
    int64_t i = 0;
    for (; i + 8 <= d; i += 8)
      _mm256_storeu_ps(yr + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(xr + i), vr),
                                             _mm256_loadu_ps(pw + i)));
    for (; i < d; ++i) yr[i] = xr[i] * rrms * pw[i];
  }
}

}  // namespace

void register_rms_norm(KernelTable &t) { t.add<OpKind::rms_norm>(rms_norm_kernel, {DType::f32}); }

}  // namespace aigc::cpu
