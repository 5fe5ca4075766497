#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/cpu_kernels.hpp"
#include "backend/cpu/simd_math.hpp"

namespace aigc::cpu {
namespace {

// Flash-attention style: each task owns (batch, query head, block of kQueryBlock queries)
// and streams over blocks of kKeyBlock keys with an online softmax (running max m and sum l
// per query, accumulator rescaled by e^(m_old - m_new) when the max grows). A key block is
// reused by every query of the block while it sits in L1/L2, and key blocks outside the
// causal / sliding-window range of the whole query block are never touched.
constexpr int64_t kQueryBlock = 16;
constexpr int64_t kKeyBlock = 64;

// 4-D f32 view with unit last-dim stride: element [b, h, t, c] = p[b*sb + h*sh + t*st + c].
struct View {
  const float *p;
  int64_t sb, sh, st;
  const float *row(int64_t b, int64_t h, int64_t t) const { return p + b * sb + h * sh + t * st; }
};

View view_of(const Tensor &t) {
  return {t.data_as<float>(), t.stride(0), t.stride(1), t.stride(2)};
}

// s[j] = dot(q, k_j) for `count` keys starting at k0 (rows `kstride` apart), 4 keys at a
// time so the horizontal sums are shared.
void dot_scores(const float *q, const float *k0, int64_t kstride, int64_t count, int64_t d,
                float *s) {
  const int64_t dmain = d & ~int64_t(7);
  const __m256i tm = simd::tail_mask(int(d - dmain));
  int64_t j = 0;
  for (; j + 4 <= count; j += 4) {
    const float *k = k0 + j * kstride;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t c = 0; c < dmain; c += 8) {
      const __m256 vq = _mm256_loadu_ps(q + c);
      a0 = _mm256_fmadd_ps(vq, _mm256_loadu_ps(k + c), a0);
      a1 = _mm256_fmadd_ps(vq, _mm256_loadu_ps(k + kstride + c), a1);
      a2 = _mm256_fmadd_ps(vq, _mm256_loadu_ps(k + 2 * kstride + c), a2);
      a3 = _mm256_fmadd_ps(vq, _mm256_loadu_ps(k + 3 * kstride + c), a3);
    }
    if (dmain < d) {
      const __m256 vq = _mm256_maskload_ps(q + dmain, tm);
      a0 = _mm256_fmadd_ps(vq, _mm256_maskload_ps(k + dmain, tm), a0);
      a1 = _mm256_fmadd_ps(vq, _mm256_maskload_ps(k + kstride + dmain, tm), a1);
      a2 = _mm256_fmadd_ps(vq, _mm256_maskload_ps(k + 2 * kstride + dmain, tm), a2);
      a3 = _mm256_fmadd_ps(vq, _mm256_maskload_ps(k + 3 * kstride + dmain, tm), a3);
    }
    _mm_storeu_ps(s + j, simd::hsum4(a0, a1, a2, a3));
  }
  for (; j < count; ++j) s[j] = simd::dot(q, k0 + j * kstride, d);
}

// acc[0..dv) = acc * corr (acc is padded to a multiple of 8 floats).
void rescale(float *acc, int64_t dv_pad, float corr) {
  const __m256 c = _mm256_set1_ps(corr);
  for (int64_t i = 0; i < dv_pad; i += 8) _mm256_storeu_ps(acc + i, _mm256_mul_ps(_mm256_loadu_ps(acc + i), c));
}

// acc += p * v over dv floats (v is not padded: its tail is read with a mask).
void axpy(float *acc, const float *v, int64_t dv, float p) {
  const __m256 vp = _mm256_set1_ps(p);
  int64_t i = 0;
  for (; i + 8 <= dv; i += 8)
    _mm256_storeu_ps(acc + i, _mm256_fmadd_ps(vp, _mm256_loadu_ps(v + i), _mm256_loadu_ps(acc + i)));
  if (i < dv) {
    const __m256 tail = _mm256_maskload_ps(v + i, simd::tail_mask(int(dv - i)));
    _mm256_storeu_ps(acc + i, _mm256_fmadd_ps(vp, tail, _mm256_loadu_ps(acc + i)));
  }
}

// acc[0..dv) += sum_j p[j] * v_j for n value rows `vstride` apart. Full 32-float chunks
// of acc stay in four registers across all n rows (one store per chunk instead of one
// per row); the remainder goes through axpy.
void accumulate_pv(float *acc, const float *p, int64_t n, const float *v, int64_t vstride,
                   int64_t dv) {
  int64_t c0 = 0;
  for (; c0 + 32 <= dv; c0 += 32) {
    __m256 a0 = _mm256_loadu_ps(acc + c0), a1 = _mm256_loadu_ps(acc + c0 + 8);
    __m256 a2 = _mm256_loadu_ps(acc + c0 + 16), a3 = _mm256_loadu_ps(acc + c0 + 24);
    for (int64_t j = 0; j < n; ++j) {
      const float *vj = v + j * vstride + c0;
      const __m256 pj = _mm256_set1_ps(p[j]);
      a0 = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj), a0);
      a1 = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + 8), a1);
      a2 = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + 16), a2);
      a3 = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + 24), a3);
    }
    _mm256_storeu_ps(acc + c0, a0);
    _mm256_storeu_ps(acc + c0 + 8, a1);
    _mm256_storeu_ps(acc + c0 + 16, a2);
    _mm256_storeu_ps(acc + c0 + 24, a3);
  }
  if (c0 < dv)
    for (int64_t j = 0; j < n; ++j)
      if (p[j] != 0.f) axpy(acc + c0, v + j * vstride + c0, dv - c0, p[j]);
}

// s[0..n) = e^(s - mx), returns the sum. Masked tail lanes are excluded from the sum.
float exp_sum(float *s, int64_t n, float mx) {
  const __m256 vm = _mm256_set1_ps(mx);
  __m256 sum = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 e = simd::exp(_mm256_sub_ps(_mm256_loadu_ps(s + j), vm));
    _mm256_storeu_ps(s + j, e);
    sum = _mm256_add_ps(sum, e);
  }
  if (j < n) {
    const __m256i tm = simd::tail_mask(int(n - j));
    const __m256 e = _mm256_and_ps(simd::exp(_mm256_sub_ps(_mm256_maskload_ps(s + j, tm), vm)),
                                   _mm256_castsi256_ps(tm));
    _mm256_maskstore_ps(s + j, tm, e);
    sum = _mm256_add_ps(sum, e);
  }
  return simd::hsum(sum);
}

void attention_kernel(const ExecContext &ctx, const AttentionArgs &a) {
  const int64_t nb = a.q.size(0), hq = a.q.size(1), tq = a.q.size(2), d = a.q.size(3);
  const int64_t hkv = a.k.size(1), tk = a.k.size(2), dv = a.v.size(3);
  const int64_t group = hq / hkv;
  const int64_t dv_pad = (dv + 7) & ~int64_t(7);
  const View q = view_of(a.q), k = view_of(a.k), v = view_of(a.v);
  // mask: a stride-0 broadcast view of [B, Hq, Tq, Tk] whose last stride is 0 or 1.
  Tensor mask;
  if (a.mask.defined()) {
    mask = a.mask.expand({nb, hq, tq, tk});
    if (mask.stride(3) != 0 && mask.stride(3) != 1)
      mask = a.mask.contiguous().expand({nb, hq, tq, tk});
  }
  const float *pm = mask.defined() ? mask.data_as<float>() : nullptr;
  float *po = a.out.data_as<float>();
  const int64_t n_qblocks = (tq + kQueryBlock - 1) / kQueryBlock;
  const int64_t tasks = nb * hq * n_qblocks;
  // Visible keys of the query at absolute position p: [lo(p), hi(p)); both grow with p.
  auto lo_of = [&](int64_t p) { return a.window > 0 ? std::max<int64_t>(0, p - a.window + 1) : 0; };
  auto hi_of = [&](int64_t p) { return a.causal ? std::min<int64_t>(tk, p + 1) : tk; };
  const double flops = 2.0 * double(nb * hq * tq) * double(tk) * double(d + dv);
  const int nt = threads_for(ctx.n_threads, flops, kFlopGrain);
#pragma omp parallel num_threads(nt)
  {
    // Per-thread scratch: accumulators, running max / sum and one block of scores.
    std::vector<float> acc(size_t(kQueryBlock * dv_pad)), mrow(kQueryBlock), lrow(kQueryBlock);
    std::vector<float> s(kKeyBlock);
#pragma omp for schedule(dynamic, 1)
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t qb = task % n_qblocks, h = (task / n_qblocks) % hq, b = task / (n_qblocks * hq);
      const int64_t kvh = h / group;
      const int64_t i0 = qb * kQueryBlock, rows = std::min(kQueryBlock, tq - i0);
      std::fill(acc.begin(), acc.end(), 0.f);
      std::fill(mrow.begin(), mrow.end(), -INFINITY);
      std::fill(lrow.begin(), lrow.end(), 0.f);
      const int64_t block_lo = lo_of(a.q_offset + i0);
      const int64_t block_hi = hi_of(a.q_offset + i0 + rows - 1);
      const float *kbase = k.row(b, kvh, 0), *vbase = v.row(b, kvh, 0);
      for (int64_t kb = block_lo; kb < block_hi; kb += kKeyBlock) {
        const int64_t kend = std::min(kb + kKeyBlock, block_hi);
        for (int64_t r = 0; r < rows; ++r) {
          const int64_t p = a.q_offset + i0 + r;
          const int64_t jlo = std::max(kb, lo_of(p)), jhi = std::min(kend, hi_of(p));
          if (jlo >= jhi) continue;
          const int64_t n = jhi - jlo;
          dot_scores(q.row(b, h, i0 + r), kbase + jlo * k.st, k.st, n, d, s.data());
          const float *m = pm ? pm + b * mask.stride(0) + h * mask.stride(1) +
                                    (i0 + r) * mask.stride(2) + jlo * mask.stride(3)
                              : nullptr;
          float bmax = -INFINITY;
          for (int64_t j = 0; j < n; ++j) {
            s[j] = s[j] * a.scale + (m ? m[j * mask.stride(3)] : 0.f);
            bmax = std::max(bmax, s[j]);
          }
          if (bmax == -INFINITY) continue;  // everything in this block is masked out
          float *ar = acc.data() + r * dv_pad;
          const float m_new = std::max(mrow[r], bmax);
          if (m_new > mrow[r] && lrow[r] > 0.f) {
            const float corr = std::exp(mrow[r] - m_new);
            rescale(ar, dv_pad, corr);
            lrow[r] *= corr;
          }
          mrow[r] = m_new;
          lrow[r] += exp_sum(s.data(), n, m_new);
          accumulate_pv(ar, s.data(), n, vbase + jlo * v.st, v.st, dv);
        }
      }
      for (int64_t r = 0; r < rows; ++r) {
        float *out = po + ((b * hq + h) * tq + i0 + r) * dv;
        const float inv = lrow[r] > 0.f ? 1.f / lrow[r] : 0.f;  // no visible key: zeros
        simd::scale_shift(acc.data() + r * dv_pad, out, dv, inv, 0.f);
      }
    }
  }
}

}  // namespace

void register_attention(KernelTable &t) {
  t.add<OpKind::attention>(attention_kernel, {DType::f32});
}

}  // namespace aigc::cpu
