// upsample: our own kernels. oneDNN 2.6's resampling (jit:avx2 on NCHW) crashed with a
// segfault on this machine once the output passed ~2^19 floats (e.g. 32x64x64 -> 2x), so
// it is not used.
//   nearest:  each input row is expanded once (AVX2 lane duplication for factor 2) and
//             copied to its `factor` output rows; memory-bound.
//   bilinear: separable. Rows are interpolated horizontally into a scratch band, then each
//             output row is a two-row FMA blend of the band. Taps follow PyTorch's
//             align_corners=False rule: src = max((i + 0.5) / f - 0.5, 0), i1 = min(i0 + 1,
//             size - 1), the same formula as the reference.
// Work is split over (plane, block of rows) so a single large image still uses all threads.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {
namespace {

struct Tap {
  int64_t i0, i1;
  float l;  // weight of i1
};

std::vector<Tap> linear_taps(int64_t out_size, int factor, int64_t in_size) {
  std::vector<Tap> taps(static_cast<size_t>(out_size));
  for (int64_t i = 0; i < out_size; ++i) {
    const double src = std::max((double(i) + 0.5) / factor - 0.5, 0.0);
    const int64_t i0 = std::min(int64_t(std::floor(src)), in_size - 1);
    taps[size_t(i)] = {i0, std::min(i0 + 1, in_size - 1), float(src - double(i0))};
  }
  return taps;
}

// out[0 .. w*f) = each of in[0 .. w) repeated f times.
void expand_row(const float *in, int64_t w, int f, float *out) {
  int64_t i = 0;
  if (f == 2) {
    const __m256i lo = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3);
    const __m256i hi = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
    for (; i + 8 <= w; i += 8) {
      const __m256 v = _mm256_loadu_ps(in + i);
      _mm256_storeu_ps(out + 2 * i, _mm256_permutevar8x32_ps(v, lo));
      _mm256_storeu_ps(out + 2 * i + 8, _mm256_permutevar8x32_ps(v, hi));
    }
  }
  for (; i < w; ++i)
    for (int r = 0; r < f; ++r) out[i * f + r] = in[i];
}

void upsample_nearest(const ExecContext &ctx, const float *x, float *y, int64_t planes,
                      int64_t h, int64_t w, int f) {
  const int64_t ow = w * f;
#pragma omp parallel for collapse(2) schedule(static) \
    num_threads(threads_for(ctx.n_threads, double(planes * h * w * f * f), kElementGrain))
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t iy = 0; iy < h; ++iy) {
      float *first = y + (p * h * f + iy * f) * ow;  // output rows iy*f .. iy*f + f - 1
      expand_row(x + (p * h + iy) * w, w, f, first);
      for (int r = 1; r < f; ++r) std::memcpy(first + r * ow, first, size_t(ow) * sizeof(float));
    }
}

void upsample_bilinear(const ExecContext &ctx, const float *x, float *y, int64_t planes,
                       int64_t h, int64_t w, int f) {
  const int64_t oh = h * f, ow = w * f;
  const std::vector<Tap> ty = linear_taps(oh, f, h), tx = linear_taps(ow, f, w);
  // Output rows per task: enough tasks for the threads, long enough that the one or two
  // input rows each band recomputes at its edges stay cheap.
  const int64_t band = std::max<int64_t>(8, std::min<int64_t>(64, oh * planes / (8 * ctx.n_threads) + 1));
  const int64_t bands = (oh + band - 1) / band;
#pragma omp parallel num_threads(threads_for(ctx.n_threads, double(planes * oh * ow), kElementGrain))
  {
    std::vector<float> rows;  // horizontally interpolated input rows of the current band
#pragma omp for collapse(2) schedule(static)
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t b = 0; b < bands; ++b) {
        const int64_t oy0 = b * band, oy1 = std::min(oh, oy0 + band);
        const int64_t iy0 = ty[size_t(oy0)].i0, iy1 = ty[size_t(oy1 - 1)].i1;  // inclusive
        rows.resize(size_t((iy1 - iy0 + 1) * ow));
        for (int64_t iy = iy0; iy <= iy1; ++iy) {
          const float *in = x + (p * h + iy) * w;
          float *r = rows.data() + (iy - iy0) * ow;
          for (int64_t ox = 0; ox < ow; ++ox) {
            const Tap &t = tx[size_t(ox)];
            r[ox] = in[t.i0] + t.l * (in[t.i1] - in[t.i0]);
          }
        }
        for (int64_t oy = oy0; oy < oy1; ++oy) {
          const Tap &t = ty[size_t(oy)];
          const float *r0 = rows.data() + (t.i0 - iy0) * ow;
          const float *r1 = rows.data() + (t.i1 - iy0) * ow;
          float *out = y + (p * oh + oy) * ow;
          const __m256 l = _mm256_set1_ps(t.l);
          int64_t ox = 0;
          for (; ox + 8 <= ow; ox += 8) {  // r0 + l * (r1 - r0)
            const __m256 a = _mm256_loadu_ps(r0 + ox), c = _mm256_loadu_ps(r1 + ox);
            _mm256_storeu_ps(out + ox, _mm256_fmadd_ps(l, _mm256_sub_ps(c, a), a));
          }
          for (; ox < ow; ++ox) out[ox] = r0[ox] + t.l * (r1[ox] - r0[ox]);
        }
      }
  }
}

void upsample_kernel(const ExecContext &ctx, const UpsampleArgs &a) {
  const Tensor x = a.x.contiguous();
  // x: [N, C, H, W]; out: [N, C, H*f, W*f]
  const int64_t planes = x.size(0) * x.size(1), h = x.size(2), w = x.size(3);
  const float *xp = x.data_as<float>();
  float *yp = a.out.data_as<float>();
  if (a.mode == UpsampleMode::nearest)
    upsample_nearest(ctx, xp, yp, planes, h, w, a.factor);
  else
    upsample_bilinear(ctx, xp, yp, planes, h, w, a.factor);
}

}  // namespace

void register_upsample(KernelTable &t) { t.add<OpKind::upsample>(upsample_kernel, {DType::f32}); }

}  // namespace aigc::cpu
