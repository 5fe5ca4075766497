#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/cpu_kernels.hpp"
#include "backend/cpu/simd_math.hpp"

namespace aigc::cpu {
namespace {

// One row: y[j] = softmax_j(x[j] * scale + m[j * m_step]) over the first `visible`
// columns (m_step is 0 for a broadcast mask, 1 otherwise; m may be null); the rest are 0.
// Scores of -inf get exactly 0 (simd::exp); a row whose max is -inf is all zeros.
void softmax_row(const float *x, const float *m, int64_t m_step, float scale, int64_t n,
                 int64_t visible, float *y) {
  const __m256 vs = _mm256_set1_ps(scale);
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  float smax = -INFINITY;
  int64_t j = 0;
  // Pass 1: scores into y, and their max.
  if (m && m_step == 1) {
    for (; j + 8 <= visible; j += 8) {
      const __m256 s = _mm256_fmadd_ps(_mm256_loadu_ps(x + j), vs, _mm256_loadu_ps(m + j));
      _mm256_storeu_ps(y + j, s);
      vmax = _mm256_max_ps(vmax, s);
    }
  } else {
    const __m256 vm = _mm256_set1_ps(m ? m[0] : 0.f);
    for (; j + 8 <= visible; j += 8) {
      const __m256 s = _mm256_fmadd_ps(_mm256_loadu_ps(x + j), vs, vm);
      _mm256_storeu_ps(y + j, s);
      vmax = _mm256_max_ps(vmax, s);
    }
  }
  for (; j < visible; ++j) {
    y[j] = x[j] * scale + (m ? m[j * m_step] : 0.f);
    smax = std::max(smax, y[j]);
  }
  const float mx = std::max(smax, simd::hmax(vmax));
  if (mx == -INFINITY) {
    std::fill(y, y + n, 0.f);
    return;
  }
  // Pass 2: exponentials and their sum.
  const __m256 vmx = _mm256_set1_ps(mx);
  __m256 vsum = _mm256_setzero_ps();
  float ssum = 0;
  j = 0;
  for (; j + 8 <= visible; j += 8) {
    const __m256 e = simd::exp(_mm256_sub_ps(_mm256_loadu_ps(y + j), vmx));
    _mm256_storeu_ps(y + j, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  if (j < visible) {  // tail through the same vector exp, so every column rounds alike
    const __m256i tm = simd::tail_mask(int(visible - j));
    const __m256 e = simd::exp(_mm256_sub_ps(_mm256_maskload_ps(y + j, tm), vmx));
    const __m256 e_kept = _mm256_and_ps(e, _mm256_castsi256_ps(tm));
    _mm256_maskstore_ps(y + j, tm, e_kept);
    ssum = simd::hsum(e_kept);
  }
  const float inv = 1.f / (simd::hsum(vsum) + ssum);
  // Pass 3: normalise, and zero what causality hides.
  simd::scale_shift(y, y, visible, inv, 0.f);
  std::fill(y + visible, y + n, 0.f);
}

// x: [..., Tq, Tk] viewed as rows of n = Tk. Own kernel rather than oneDNN's softmax:
// it folds scale, mask and causality into the same three passes, gives zeros (not NaN)
// for fully hidden rows, and is memory-bound like oneDNN's on AVX2.
void softmax_kernel(const ExecContext &ctx, const SoftmaxArgs &a) {
  const Tensor x = a.x.contiguous();
  const int r = x.rank();
  const int64_t n = x.size(-1), rows = n == 0 ? 0 : x.numel() / n;
  const int64_t tq = r >= 2 ? x.size(-2) : 1;
  // The mask as a stride-0-broadcast view of x's shape; its last dim must be unit or
  // zero stride for the row loop, so other layouts are materialised once.
  Tensor mask;
  if (a.mask.defined()) {
    mask = a.mask.expand(x.shape());
    if (mask.stride(-1) != 0 && mask.stride(-1) != 1)
      mask = a.mask.contiguous().expand(x.shape());
  }
  const float *px = x.data_as<float>();
  const float *pm = mask.defined() ? mask.data_as<float>() : nullptr;
  const int64_t m_step = mask.defined() ? mask.stride(-1) : 0;
  float *py = a.out.data_as<float>();
  const int nt = threads_for(ctx.n_threads, double(rows) * double(n), kElementGrain);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    const float *m = nullptr;
    if (pm) {  // offset of this row in the broadcast mask: unravel over the leading dims
      int64_t rest = row, off = 0;
      for (int dim = r - 2; dim >= 0; --dim) {
        off += (rest % x.size(dim)) * mask.stride(dim);
        rest /= x.size(dim);
      }
      m = pm + off;
    }
    const int64_t i = row % tq;
    // j visible iff j - i <= causal_offset (written so huge offsets cannot overflow)
    const int64_t visible = !a.causal || a.causal_offset >= n
                                ? n
                                : std::clamp<int64_t>(i + a.causal_offset + 1, 0, n);
    softmax_row(px + row * n, m, m_step, a.scale, n, visible, py + row * n);
  }
}

}  // namespace

void register_softmax(KernelTable &t) { t.add<OpKind::softmax>(softmax_kernel, {DType::f32}); }

}  // namespace aigc::cpu
