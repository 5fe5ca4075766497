#include "backend/cpu/matmul_quant.hpp"

#include <immintrin.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <type_traits>

#include "aigc/core/half.hpp"
#include "aigc/core/quant.hpp"
#include "core/check.hpp"

namespace aigc::cpu {
namespace {

constexpr int kTile = 4;  // weight rows per gemv tile: 4 independent FMA chains

float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

float half_scale(uint16_t d) { return _cvtsh_ss(d); }

// ---- decoding weight rows to f32 (the dequant_gemm path) ----------------------------

void decode_f16_row(const uint16_t *w, float *dst, int64_t K) {
  int64_t k = 0;
  for (; k + 8 <= K; k += 8)
    _mm256_storeu_ps(dst + k,
                     _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(w + k))));
  for (; k < K; ++k) dst[k] = f16_to_f32(w[k]);
}

// bf16 is the high half of an f32: widen and shift into place.
__m256 load_bf16x8(const uint16_t *w) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(w)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

void decode_bf16_row(const uint16_t *w, float *dst, int64_t K) {
  int64_t k = 0;
  for (; k + 8 <= K; k += 8) _mm256_storeu_ps(dst + k, load_bf16x8(w + k));
  for (; k < K; ++k) dst[k] = bf16_to_f32(w[k]);
}

// float(q) * d per element, the same single rounding as the reference dequantizer.
void decode_q8_0_row(const BlockQ8_0 *w, float *dst, int64_t K) {
  for (int64_t b = 0; b < K / kQK; ++b, dst += kQK) {
    const __m256 d = _mm256_set1_ps(half_scale(w[b].d));
    for (int j = 0; j < kQK; j += 8) {
      const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(w[b].qs + j));
      _mm256_storeu_ps(dst + j, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d));
    }
  }
}

// 32 signed values (nibble - 8) of one q4_0 block: low nibbles are elements 0..15,
// high nibbles 16..31.
__m256i unpack_q4_0_signed(const uint8_t *qs) {
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i *>(qs));
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(raw, 4), raw);
  return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0f)), _mm256_set1_epi8(8));
}

void decode_q4_0_row(const BlockQ4_0 *w, float *dst, int64_t K) {
  alignas(32) int8_t q[kQK];
  for (int64_t b = 0; b < K / kQK; ++b, dst += kQK) {
    _mm256_store_si256(reinterpret_cast<__m256i *>(q), unpack_q4_0_signed(w[b].qs));
    const __m256 d = _mm256_set1_ps(half_scale(w[b].d));
    for (int j = 0; j < kQK; j += 8) {
      const __m128i qj = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(q + j));
      _mm256_storeu_ps(dst + j, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(qj)), d));
    }
  }
}

// nibble * d + m as one FMA: the sgemm path only needs the reference's value to within
// an ulp (NMSE tolerance), and the fused form is the cheaper one.
void decode_q4_1_row(const BlockQ4_1 *w, float *dst, int64_t K) {
  for (int64_t b = 0; b < K / kQK; ++b, dst += kQK) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i *>(w[b].qs));
    const __m128i low4 = _mm_set1_epi8(0x0f);
    const __m128i lo = _mm_and_si128(raw, low4), hi = _mm_and_si128(_mm_srli_epi16(raw, 4), low4);
    const __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
    const __m256 d = _mm256_set1_ps(half_scale(w[b].d)), m = _mm256_set1_ps(half_scale(w[b].m));
    for (int j = 0; j < 4; ++j)
      _mm256_storeu_ps(dst + 8 * j,
                       _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(parts[j])), d, m));
  }
}

void decode_row(DType t, const void *row, float *dst, int64_t K) {
  switch (t) {
    case DType::f16: decode_f16_row(static_cast<const uint16_t *>(row), dst, K); break;
    case DType::bf16: decode_bf16_row(static_cast<const uint16_t *>(row), dst, K); break;
    case DType::q8_0: decode_q8_0_row(static_cast<const BlockQ8_0 *>(row), dst, K); break;
    case DType::q4_0: decode_q4_0_row(static_cast<const BlockQ4_0 *>(row), dst, K); break;
    case DType::q4_1: decode_q4_1_row(static_cast<const BlockQ4_1 *>(row), dst, K); break;
    default: break;  // weight_matmul admits only the five types above
  }
}

// ---- gemv: tiles of RB activation rows x NR weight rows ------------------------------
// RB * NR independent accumulators (up to 2 x 4) keep the FMA pipes busy, and every
// weight vector, once loaded and widened, serves RB activation rows.

constexpr int kRowTile = 2;

// Calls f(integral_constant<RB>, integral_constant<NR>) for runtime rb in 1..2, nr in 1..4.
template <class F> void dispatch_tile(int rb, int nr, F &&f) {
  auto with_nr = [&](auto RB) {
    switch (nr) {
      case 4: f(RB, std::integral_constant<int, 4>{}); break;
      case 3: f(RB, std::integral_constant<int, 3>{}); break;
      case 2: f(RB, std::integral_constant<int, 2>{}); break;
      default: f(RB, std::integral_constant<int, 1>{}); break;
    }
  };
  if (rb == 2)
    with_nr(std::integral_constant<int, 2>{});
  else
    with_nr(std::integral_constant<int, 1>{});
}

// Runs tile(m, rb, n0, nr, prefetch, res[rb][kTile]) over the output in parallel over weight-row
// tiles, then applies alpha and bias. A tile's weight rows stay in L1/L2 while every
// activation row reads them, so memory sees each weight byte once.
// The first pass over a tile also prefetches the next tile's weights (contiguous
// after it): a tile's rows are short streams (a few KiB) that the hardware prefetcher
// alone does not keep ahead of, leaving decode latency-bound instead of bandwidth-bound.
template <class Tile>
void gemv_driver(const WeightMatmulParams &p, int n_threads, const Tile &tile) {
  const int64_t n_tiles = (p.N + kTile - 1) / kTile;
  const size_t tile_bytes = kTile * dtype_bytes(p.w_type, p.K);
  const char *w = static_cast<const char *>(p.w);
#pragma omp parallel for schedule(static) num_threads(n_threads)
  for (int64_t t = 0; t < n_tiles; ++t) {
    const int64_t n0 = t * kTile;
    const int nr = int(std::min<int64_t>(kTile, p.N - n0));
    const char *next = t + 1 < n_tiles ? w + size_t(t + 1) * tile_bytes : nullptr;
    for (int64_t m = 0; m < p.M; m += kRowTile) {
      const int rb = int(std::min<int64_t>(kRowTile, p.M - m));
      float res[kRowTile * kTile];
      tile(m, rb, n0, nr, m == 0 ? next : nullptr, res);
      for (int r = 0; r < rb; ++r) {
        float *o = p.out + (m + r) * p.ldo + n0;
        for (int j = 0; j < nr; ++j)
          o[j] = p.alpha * res[r * kTile + j] + (p.bias ? p.bias[n0 + j] : 0.f);
      }
    }
  }
}

// Element type of a float-like weight row: f32 as stored, f16/bf16 widened on load.
template <DType T> using WeightElem = std::conditional_t<T == DType::f32, float, uint16_t>;

template <DType T> __m256 load_half8(const WeightElem<T> *w) {
  if constexpr (T == DType::f32)
    return _mm256_loadu_ps(w);
  else if constexpr (T == DType::f16)
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(w)));
  else
    return load_bf16x8(w);
}

template <DType T> float half_to_float(WeightElem<T> h) {
  if constexpr (T == DType::f32)
    return h;
  else if constexpr (T == DType::f16)
    return f16_to_f32(h);
  else
    return bf16_to_f32(h);
}

// Prefetches the bytes of [next, next + n) this step's share of them: `step` of `steps`.
inline void prefetch_share(const char *next, size_t bytes_per_step, size_t step) {
  if (!next) return;
  const char *start = next + step * bytes_per_step;
  for (size_t o = 0; o < bytes_per_step; o += 64) _mm_prefetch(start + o, _MM_HINT_T0);
}

// res[r * kTile + j] = x[r] . w[j] for RB activation rows (stride ldx) and NR weight
// rows (stride K); `next` (or null) is prefetched along the way.
template <DType T, int RB, int NR>
void half_tile(const float *x, int64_t ldx, const WeightElem<T> *w, int64_t K, const char *next,
               float *res) {
  __m256 acc[RB][NR];
  for (int r = 0; r < RB; ++r)
    for (int j = 0; j < NR; ++j) acc[r][j] = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 8 <= K; k += 8) {
    prefetch_share(next, NR * 8 * sizeof(WeightElem<T>), size_t(k / 8));
    __m256 xv[RB];
    for (int r = 0; r < RB; ++r) xv[r] = _mm256_loadu_ps(x + r * ldx + k);
    for (int j = 0; j < NR; ++j) {
      const __m256 wv = load_half8<T>(w + j * K + k);
      for (int r = 0; r < RB; ++r) acc[r][j] = _mm256_fmadd_ps(wv, xv[r], acc[r][j]);
    }
  }
  for (int r = 0; r < RB; ++r) {
    for (int j = 0; j < NR; ++j) {
      float s = hsum(acc[r][j]);
      for (int64_t kk = k; kk < K; ++kk) s += x[r * ldx + kk] * half_to_float<T>(w[j * K + kk]);
      res[r * kTile + j] = s;
    }
  }
}

template <DType T> void gemv_half(const WeightMatmulParams &p, int n_threads) {
  const auto *w = static_cast<const WeightElem<T> *>(p.w);
  gemv_driver(p, n_threads, [&](int64_t m, int rb, int64_t n0, int nr, const char *next, float *res) {
    dispatch_tile(rb, nr, [&](auto RB, auto NR) {
      half_tile<T, decltype(RB)::value, decltype(NR)::value>(p.a + m * p.lda, p.lda, w + n0 * p.K,
                                                             p.K, next, res);
    });
  });
}

// ---- gemv for q8_0 / q4_0 / q4_1 weights: 16-bit activation blocks, int16 dots ------
// The activation is quantized per block of 32 to int16 (scale max|x| / 32767, round to
// nearest): relative error variance (1/32767)^2 / 12 * 3 ~ 2e-10 per output (measured
// NMSE 2e-10 vs f32 activations). ggml's 8-bit activation blocks (maddubs) gave 1.6e-5,
// enough to flip greedy tokens of a 30-layer model (SmolLM2-135M Q4_1), and were no
// faster: the int8 kernels were replaced by these (bench_matmul gemv, docs/PERFORMANCE.md).
// Weights are widened to int16 and multiplied with _mm256_madd_epi16 (16 MACs, int32
// sums: 32 * 127 * 32767 < 2^31), then scaled by d_w * d_x in f32.

struct ActBlock16 {
  int16_t qs[kQK];
  int32_t q4_offset[8];  // 8 * sum(qs) in lanes 0..3: q4_0's "nibble - 8", see quant_tile16
  float d;
  // d * sum(qs), for q4_1's min term: sum (d_w*nib + m) * x ~ d_w*d*sum(nib*q) + m*s. With
  // the quantized sum (ggml's Q8_1) the error is sum w_i * (xq_i - x_i); with the exact
  // sum of x it would be sum (w_i - m) * (...), larger when |m| is large.
  float s;
};

void quantize_activation_row16(const float *x, ActBlock16 *out, int64_t K) {
  const __m256 sign_mask = _mm256_set1_ps(-0.f);
  for (int64_t b = 0; b < K / kQK; ++b, x += kQK) {
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    for (int j = 0; j < 4; ++j) {
      v[j] = _mm256_loadu_ps(x + 8 * j);
      amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign_mask, v[j]));
    }
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float max_abs = _mm_cvtss_f32(m4);
    const __m256 inv = _mm256_set1_ps(max_abs > 0.f ? 32767.f / max_abs : 0.f);
    __m256i q[4];
    for (int j = 0; j < 4; ++j) q[j] = _mm256_cvtps_epi32(_mm256_mul_ps(v[j], inv));  // nearest
    // |q| <= 32767 (+1 ulp of rounding at most reaches 32767.x -> saturating pack).
    // packs interleaves 128-bit lanes: [q0lo q1lo | q0hi q1hi]; permute 64-bit quarters.
    const __m256i q01 = _mm256_permute4x64_epi64(_mm256_packs_epi32(q[0], q[1]), 0xd8);
    const __m256i q23 = _mm256_permute4x64_epi64(_mm256_packs_epi32(q[2], q[3]), 0xd8);
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(out[b].qs), q01);
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(out[b].qs + 16), q23);
    const __m256i s32 = _mm256_add_epi32(_mm256_madd_epi16(q01, _mm256_set1_epi16(1)),
                                         _mm256_madd_epi16(q23, _mm256_set1_epi16(1)));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(s32), _mm256_extracti128_si256(s32, 1));
    s = _mm_hadd_epi32(s, s);
    s = _mm_hadd_epi32(s, s);
    const int32_t q_sum = _mm_cvtsi128_si32(s);
    std::fill(out[b].q4_offset, out[b].q4_offset + 4, 8 * q_sum);
    std::fill(out[b].q4_offset + 4, out[b].q4_offset + 8, 0);
    out[b].d = max_abs / 32767.f;
    out[b].s = out[b].d * float(q_sum);
  }
}

// A weight block widened to int16: elements 0..15 and 16..31.
struct W16 {
  __m256i lo, hi;
};

inline __m256i dot16(const W16 &w, const ActBlock16 &x) {
  const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x.qs));
  const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x.qs + 16));
  return _mm256_add_epi32(_mm256_madd_epi16(w.lo, x0), _mm256_madd_epi16(w.hi, x1));
}

// q4_0 / q4_1 nibbles: byte i of qs holds element i (low nibble) and i + 16 (high);
// widened to 16 bits, the high nibble is just v >> 4.
inline W16 widen_nibbles(const uint8_t *qs) {
  const __m256i v = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(qs)));
  return {_mm256_and_si256(v, _mm256_set1_epi16(0x0f)), _mm256_srli_epi16(v, 4)};
}

struct Q8Dot16 {
  using Block = BlockQ8_0;
  static constexpr bool kHasMin = false, kOffset = false;
  static W16 weights(const Block &b) {
    return {_mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(b.qs))),
            _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(b.qs + 16)))};
  }
};

// q4_0: nibble - 8, the -8 applied once per block as 8 * sum(x_q) (kOffset).
struct Q4Dot16 {
  using Block = BlockQ4_0;
  static constexpr bool kHasMin = false, kOffset = true;
  static W16 weights(const Block &b) { return widen_nibbles(b.qs); }
};

// q4_1: d * nibble + m, the min term m * s added per block (kHasMin).
struct Q41Dot16 {
  using Block = BlockQ4_1;
  static constexpr bool kHasMin = true, kOffset = false;
  static W16 weights(const Block &b) { return widen_nibbles(b.qs); }
};

// res[r * kTile + j] = x[r] . w[j] over `blocks` blocks; x rows are ldx blocks apart.
// Per block, the NR (<= 4) int32 dot vectors of a row are folded into one vector holding
// [dot_0 .. dot_3] in each 128-bit half (two partial sums each), so the f16 scale
// conversion, the scale multiply, int->f32 conversion and the FMA are done once for
// the 4 weight rows instead of once per row: the q4 kernels are instruction bound.
// Widens NR weight blocks (row j at w[j * blocks]) and gathers their f16 scales (and
// q4_1 mins) into lanes 0..NR-1. The lane index of _mm_insert_epi16 must be a constant,
// so the rows are unrolled at compile time (a sanitizer build does not unroll loops).
template <class Dot, class W, int... J>
inline void gather_blocks(const typename Dot::Block *w, int64_t blocks, W *wq, __m128i &d16,
                          __m128i &m16, std::integer_sequence<int, J...>) {
  ((wq[J] = Dot::weights(w[J * blocks]), d16 = _mm_insert_epi16(d16, w[J * blocks].d, J)), ...);
  if constexpr (Dot::kHasMin) ((m16 = _mm_insert_epi16(m16, w[J * blocks].m, J)), ...);
}

template <class Dot, int RB, int NR>
void quant_tile16(const ActBlock16 *x, int64_t ldx, const typename Dot::Block *w, int64_t blocks,
                  const char *next, float *res) {
  __m256 acc[RB];
  __m128 min_acc[RB];  // q4_1: sum over blocks of m_j * s (lanes j)
  for (int r = 0; r < RB; ++r) {
    acc[r] = _mm256_setzero_ps();
    min_acc[r] = _mm_setzero_ps();
  }
  for (int64_t b = 0; b < blocks; ++b) {
    prefetch_share(next, NR * sizeof(typename Dot::Block), size_t(b));
    W16 wq[NR];
    __m128i d16 = _mm_setzero_si128(), m16 = _mm_setzero_si128();
    gather_blocks<Dot>(w + b, blocks, wq, d16, m16, std::make_integer_sequence<int, NR>{});
    const __m128 wd = _mm_cvtph_ps(d16);
    for (int r = 0; r < RB; ++r) {
      const ActBlock16 &xb = x[r * ldx + b];
      __m256i dot[4];
      for (int j = 0; j < 4; ++j) dot[j] = j < NR ? dot16(wq[j], xb) : _mm256_setzero_si256();
      const __m256i t0 = _mm256_add_epi32(_mm256_unpacklo_epi32(dot[0], dot[1]),
                                          _mm256_unpackhi_epi32(dot[0], dot[1]));
      const __m256i t1 = _mm256_add_epi32(_mm256_unpacklo_epi32(dot[2], dot[3]),
                                          _mm256_unpackhi_epi32(dot[2], dot[3]));
      __m256i h = _mm256_add_epi32(_mm256_unpacklo_epi64(t0, t1), _mm256_unpackhi_epi64(t0, t1));
      if constexpr (Dot::kOffset)
        h = _mm256_sub_epi32(h, _mm256_loadu_si256(reinterpret_cast<const __m256i *>(xb.q4_offset)));
      const __m128 sc = _mm_mul_ps(wd, _mm_set1_ps(xb.d));
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(h), _mm256_set_m128(sc, sc), acc[r]);
      if constexpr (Dot::kHasMin)
        min_acc[r] = _mm_fmadd_ps(_mm_cvtph_ps(m16), _mm_set1_ps(xb.s), min_acc[r]);
    }
  }
  for (int r = 0; r < RB; ++r) {
    alignas(16) float sum[4];
    _mm_store_ps(sum, _mm_add_ps(_mm_add_ps(_mm256_castps256_ps128(acc[r]),
                                            _mm256_extractf128_ps(acc[r], 1)),
                                 min_acc[r]));
    for (int j = 0; j < NR; ++j) res[r * kTile + j] = sum[j];
  }
}

template <class Dot> void gemv_quant16(const WeightMatmulParams &p, int n_threads) {
  const int64_t blocks = p.K / kQK;
  std::unique_ptr<ActBlock16[]> xq(new ActBlock16[size_t(std::max<int64_t>(1, p.M * blocks))]);
  for (int64_t m = 0; m < p.M; ++m)
    quantize_activation_row16(p.a + m * p.lda, xq.get() + m * blocks, p.K);
  const auto *w = static_cast<const typename Dot::Block *>(p.w);
  gemv_driver(p, n_threads, [&](int64_t m, int rb, int64_t n0, int nr, const char *next, float *res) {
    dispatch_tile(rb, nr, [&](auto RB, auto NR) {
      quant_tile16<Dot, decltype(RB)::value, decltype(NR)::value>(
          xq.get() + m * blocks, blocks, w + n0 * blocks, blocks, next, res);
    });
  });
}

// ---- dequant_gemm: decode panels of weight rows, multiply with oneDNN sgemm ----------

// Each thread owns a contiguous range of output features and walks it in panels: decode
// the panel into its private scratch, then a single-threaded sgemm on it. No barrier
// between decode and multiply (under oversubscription every barrier can cost a
// scheduler time slice) and the scratch stays thread-local.
void dequant_gemm(const WeightMatmulParams &p, int n_threads) {
  // ~2 MiB of f32 per panel, a multiple of 16 rows: L2/L3 resident, and wide enough
  // that sgemm's repacking of `a` per call stays a small fraction of the work.
  const int64_t target = (int64_t(2) << 20) / int64_t(sizeof(float)) / std::max<int64_t>(1, p.K);
  const int64_t panel_rows = std::max<int64_t>(16, target / 16 * 16);
  const int64_t per_thread = (p.N + n_threads - 1) / n_threads;
  const int64_t chunk = std::max<int64_t>(16, (per_thread + 15) / 16 * 16);
  const int64_t n_chunks = (p.N + chunk - 1) / chunk;
  const size_t row_bytes = dtype_bytes(p.w_type, p.K);
  const char *w = static_cast<const char *>(p.w);
  std::atomic<int> sgemm_status{dnnl_success};  // no exception may leave the region

  const int team = int(std::min<int64_t>(n_threads, n_chunks));
  const int64_t scratch_rows = std::min(panel_rows, chunk);
  std::unique_ptr<float[]> scratch(new float[size_t(team * scratch_rows * p.K)]);

#pragma omp parallel num_threads(team)
  {
    float *panel = scratch.get() + omp_get_thread_num() * scratch_rows * p.K;
#pragma omp for schedule(static)
    for (int64_t c = 0; c < n_chunks; ++c) {
      const int64_t n_end = std::min(p.N, (c + 1) * chunk);
      for (int64_t n0 = c * chunk; n0 < n_end; n0 += scratch_rows) {
        const int64_t rows = std::min(scratch_rows, n_end - n0);
        for (int64_t r = 0; r < rows; ++r)
          decode_row(p.w_type, w + size_t(n0 + r) * row_bytes, panel + r * p.K, p.K);
        float beta = 0.f;
        if (p.bias) {  // out starts as the bias; sgemm accumulates onto it
          for (int64_t m = 0; m < p.M; ++m) std::copy_n(p.bias + n0, rows, p.out + m * p.ldo + n0);
          beta = 1.f;
        }
        // out[:, n0:n0+rows] = alpha * a[M, K] @ panel[rows, K]^T + beta * out; oneDNN
        // runs it on this thread alone (called inside a parallel region).
        const dnnl_status_t st = dnnl_sgemm('N', 'T', p.M, rows, p.K, p.alpha, p.a, p.lda,
                                            panel, p.K, beta, p.out + n0, p.ldo);
        if (st != dnnl_success) sgemm_status = int(st);
      }
    }
  }
  AIGC_CHECK(sgemm_status == dnnl_success, Status::internal,
             "matmul: dnnl_sgemm failed with status {}", sgemm_status.load());
}

}  // namespace

// Single-thread CPU time, K = N = 2048 (see bench_matmul): the gemv kernels stay ahead of
// decode + sgemm up to M ~ 24 for every weight type, level at 32.
// f32 weights: our gemv streams each weight row once at ~memory speed where oneDNN's small-M
// sgemm reached ~75% of it (bench_generate, 100M f32 decode); sgemm wins from a few rows on.
int64_t weight_gemv_max_rows(DType t) { return t == DType::f32 ? 4 : 16; }

void weight_matmul(const WeightMatmulParams &p, int n_threads, WeightPath path) {
  const DType t = p.w_type;
  AIGC_CHECK(t == DType::f16 || t == DType::bf16 || t == DType::q8_0 || t == DType::q4_0 ||
                 t == DType::q4_1 || t == DType::f32,
             Status::internal, "matmul: no weight kernel for {}", dtype_name(t));
  if (path == WeightPath::automatic)
    path = p.M <= weight_gemv_max_rows(p.w_type) ? WeightPath::gemv : WeightPath::dequant_gemm;
  AIGC_CHECK(t != DType::f32 || path == WeightPath::gemv, Status::internal,
             "matmul: f32 weights use oneDNN beyond the gemv rows");
  if (path == WeightPath::dequant_gemm) return dequant_gemm(p, n_threads);
  switch (p.w_type) {
    case DType::f32: return gemv_half<DType::f32>(p, n_threads);
    case DType::f16: return gemv_half<DType::f16>(p, n_threads);
    case DType::bf16: return gemv_half<DType::bf16>(p, n_threads);
    case DType::q8_0: return gemv_quant16<Q8Dot16>(p, n_threads);
    case DType::q4_0: return gemv_quant16<Q4Dot16>(p, n_threads);
    case DType::q4_1: return gemv_quant16<Q41Dot16>(p, n_threads);
    default: fail(Status::internal, "matmul: no weight kernel for {}", dtype_name(p.w_type));
  }
}

}  // namespace aigc::cpu
