#include <immintrin.h>

#include <cmath>
#include <vector>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {
namespace {

// x: [B, T, H, D], positions [T]. The cos/sin of every (token, pair) are computed once per
// call in double (exactly the reference's angles, rounded to float), laid out so both
// modes become plain 8-wide FMA loops over a head:
//   half_split:  y[i] = x[i] c_i - x[i+h] s_i,  y[i+h] = x[i] s_i + x[i+h] c_i
//   interleaved: y = x * C + swap_pairs(x) * S with C = (c0 c0 c1 c1 ..), S = (-s0 s0 -s1 s1 ..)
void rope_kernel(const ExecContext &ctx, const RopeArgs &a) {
  const Tensor x = a.x.contiguous();
  const Tensor pos = a.positions.contiguous();
  const int64_t nb = x.size(0), nt = x.size(1), nh = x.size(2), d = x.size(3);
  const int64_t n_rot = a.n_rot, half = n_rot / 2;
  const bool interleaved = a.mode == RopeMode::interleaved;
  const int32_t *pp = pos.data_as<int32_t>();
  // table: [T, 2, n_rot] (cos row then sin row); half_split uses the first `half` of each.
  std::vector<double> freq(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i)
    freq[i] = std::pow(double(a.theta), -2.0 * double(i) / double(n_rot));
  std::vector<float> table(size_t(nt * 2 * n_rot));
  for (int64_t t = 0; t < nt; ++t) {
    float *cs = table.data() + t * 2 * n_rot, *sn = cs + n_rot;
    for (int64_t i = 0; i < half; ++i) {
      const double angle = double(pp[t]) * double(a.freq_scale) * freq[i];
      const float c = float(std::cos(angle)), s = float(std::sin(angle));
      if (interleaved) {
        cs[2 * i] = cs[2 * i + 1] = c;
        sn[2 * i] = -s;
        sn[2 * i + 1] = s;
      } else {
        cs[i] = c;
        sn[i] = s;
      }
    }
  }
  const float *px = x.data_as<float>();
  float *py = a.out.data_as<float>();
  OmpThreads threads(ctx.n_threads);
#pragma omp parallel for num_threads(ctx.n_threads) schedule(static)
  for (int64_t bt = 0; bt < nb * nt; ++bt) {
    const float *cs = table.data() + (bt % nt) * 2 * n_rot, *sn = cs + n_rot;
    for (int64_t h = 0; h < nh; ++h) {
      const float *xh = px + (bt * nh + h) * d;
      float *yh = py + (bt * nh + h) * d;
      int64_t i = 0;
      if (interleaved) {
        for (; i + 8 <= n_rot; i += 8) {
          const __m256 v = _mm256_loadu_ps(xh + i);
          const __m256 swapped = _mm256_permute_ps(v, 0xB1);  // (x1 x0 x3 x2 ..)
          _mm256_storeu_ps(yh + i, _mm256_fmadd_ps(v, _mm256_loadu_ps(cs + i),
                                                   _mm256_mul_ps(swapped, _mm256_loadu_ps(sn + i))));
        }
        for (; i < n_rot; i += 2) {
          const float x0 = xh[i], x1 = xh[i + 1];
          yh[i] = x0 * cs[i] + x1 * sn[i];
          yh[i + 1] = x1 * cs[i + 1] + x0 * sn[i + 1];
        }
      } else {
        for (; i + 8 <= half; i += 8) {
          const __m256 x0 = _mm256_loadu_ps(xh + i), x1 = _mm256_loadu_ps(xh + i + half);
          const __m256 c = _mm256_loadu_ps(cs + i), s = _mm256_loadu_ps(sn + i);
          _mm256_storeu_ps(yh + i, _mm256_fmsub_ps(x0, c, _mm256_mul_ps(x1, s)));
          _mm256_storeu_ps(yh + i + half, _mm256_fmadd_ps(x0, s, _mm256_mul_ps(x1, c)));
        }
        for (; i < half; ++i) {
          const float x0 = xh[i], x1 = xh[i + half];
          yh[i] = x0 * cs[i] - x1 * sn[i];
          yh[i + half] = x0 * sn[i] + x1 * cs[i];
        }
      }
      for (int64_t j = n_rot; j < d; ++j) yh[j] = xh[j];  // unrotated tail of the head
    }
  }
}

}  // namespace

void register_rope(KernelTable &t) { t.add<OpKind::rope>(rope_kernel, {DType::f32}); }

}  // namespace aigc::cpu
