#include <immintrin.h>

#include <algorithm>

#include "backend/cpu/convert_simd.hpp"
#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {
namespace {

// Element access for the three float dtypes: 8 lanes or one value through f32.
struct F32 {
  using T = float;
  static __m256 load8(const T *p) { return _mm256_loadu_ps(p); }
  static void store8(T *p, __m256 v) { _mm256_storeu_ps(p, v); }
  static float load1(const T *p) { return *p; }
  static void store1(T *p, float v) { *p = v; }
};
struct F16 {
  using T = uint16_t;
  static __m256 load8(const T *p) { return simd::load_f16x8(p); }
  static void store8(T *p, __m256 v) { simd::store_f16x8(p, v); }
  static float load1(const T *p) { return f16_to_f32(*p); }
  static void store1(T *p, float v) { *p = f32_to_f16(v); }
};
struct BF16 {
  using T = uint16_t;
  static __m256 load8(const T *p) { return simd::load_bf16x8(p); }
  static void store8(T *p, __m256 v) { simd::store_bf16x8(p, v); }
  static float load1(const T *p) { return bf16_to_f32(*p); }
  static void store1(T *p, float v) { *p = f32_to_bf16(v); }
};

// The same IEEE f32 operation in vector and scalar form, so results match the reference
// bit for bit.
template <BinaryKind K> struct Op;
template <> struct Op<BinaryKind::add> {
  static __m256 v(__m256 x, __m256 y) { return _mm256_add_ps(x, y); }
  static float s(float x, float y) { return x + y; }
};
template <> struct Op<BinaryKind::sub> {
  static __m256 v(__m256 x, __m256 y) { return _mm256_sub_ps(x, y); }
  static float s(float x, float y) { return x - y; }
};
template <> struct Op<BinaryKind::mul> {
  static __m256 v(__m256 x, __m256 y) { return _mm256_mul_ps(x, y); }
  static float s(float x, float y) { return x * y; }
};
template <> struct Op<BinaryKind::div> {
  static __m256 v(__m256 x, __m256 y) { return _mm256_div_ps(x, y); }
  static float s(float x, float y) { return x / y; }
};

// One output run of n elements; a and b advance by sa / sb elements (0 = broadcast).
template <class E, class O>
void run_row(const typename E::T *a, int64_t sa, const typename E::T *b, int64_t sb,
             typename E::T *y, int64_t n) {
  int64_t i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + 8 <= n; i += 8) E::store8(y + i, O::v(E::load8(a + i), E::load8(b + i)));
  } else if (sa == 1 && sb == 0) {
    const __m256 vb = _mm256_set1_ps(E::load1(b));
    for (; i + 8 <= n; i += 8) E::store8(y + i, O::v(E::load8(a + i), vb));
  } else if (sa == 0 && sb == 1) {
    const __m256 va = _mm256_set1_ps(E::load1(a));
    for (; i + 8 <= n; i += 8) E::store8(y + i, O::v(va, E::load8(b + i)));
  }
  for (; i < n; ++i) E::store1(y + i, O::s(E::load1(a + i * sa), E::load1(b + i * sb)));
}

// Output dims with size-1 dims dropped and neighbours merged wherever both operands stay
// linear across them; the last dim is the run handed to run_row.
struct Layout {
  int rank = 0;
  int64_t dims[kMaxDims], sa[kMaxDims], sb[kMaxDims];
};

Layout collapse(const Tensor &a, const Tensor &b) {  // a, b already expanded to out's shape
  Layout l;
  for (int i = 0; i < a.rank(); ++i) {
    if (a.shape()[i] == 1) continue;
    const int64_t d = a.shape()[i], xa = a.strides()[i], xb = b.strides()[i];
    if (l.rank > 0) {
      const int j = l.rank - 1;  // previous kept dim merges with this one
      if (l.sa[j] == xa * d && l.sb[j] == xb * d) {
        l.dims[j] *= d;
        l.sa[j] = xa;
        l.sb[j] = xb;
        continue;
      }
    }
    l.dims[l.rank] = d;
    l.sa[l.rank] = xa;
    l.sb[l.rank] = xb;
    ++l.rank;
  }
  if (l.rank == 0) {  // a single element
    l.dims[0] = 1;
    l.sa[0] = l.sb[0] = 0;
    l.rank = 1;
  }
  return l;
}

template <class E, class O>
void binary_typed(const ExecContext &ctx, const BinaryArgs &p) {
  using T = typename E::T;
  const Shape &shape = p.out.shape();
  const int64_t total = p.out.numel();
  if (total == 0) return;
  const Tensor ea = p.a.expand(shape), eb = p.b.expand(shape);
  const Layout l = collapse(ea, eb);
  const T *a0 = static_cast<const T *>(ea.data());
  const T *b0 = static_cast<const T *>(eb.data());
  T *y0 = static_cast<T *>(p.out.data());

  // Work items are (row, segment) pairs: long rows are cut into segments so that a
  // single large elementwise op still spreads over the threads.
  const int64_t row_len = l.dims[l.rank - 1], rows = total / row_len;
  const int threads = total >= (int64_t(1) << 15) ? ctx.n_threads : 1;
  const int64_t want = int64_t(threads) * 4;
  const int64_t segs = rows >= want ? 1 : std::min<int64_t>((want + rows - 1) / rows,
                                                          (row_len + 1023) / 1024);
  const int64_t seg_len = ((row_len + segs - 1) / segs + 7) / 8 * 8;
  const int64_t items = rows * segs;
  const int64_t ia = l.sa[l.rank - 1], ib = l.sb[l.rank - 1];
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t w = 0; w < items; ++w) {
    const int64_t row = w / segs, start = (w % segs) * seg_len;
    if (start >= row_len) continue;
    int64_t oa = 0, ob = 0, rem = row;  // offsets of this row from its outer indices
    for (int i = l.rank - 2; i >= 0; --i) {
      const int64_t idx = rem % l.dims[i];
      rem /= l.dims[i];
      oa += idx * l.sa[i];
      ob += idx * l.sb[i];
    }
    const int64_t n = std::min(seg_len, row_len - start);
    run_row<E, O>(a0 + oa + start * ia, ia, b0 + ob + start * ib, ib, y0 + row * row_len + start,
                  n);
  }
}

template <class E>
void binary_dispatch(const ExecContext &ctx, const BinaryArgs &p) {
  switch (p.kind) {
    case BinaryKind::add: return binary_typed<E, Op<BinaryKind::add>>(ctx, p);
    case BinaryKind::sub: return binary_typed<E, Op<BinaryKind::sub>>(ctx, p);
    case BinaryKind::mul: return binary_typed<E, Op<BinaryKind::mul>>(ctx, p);
    case BinaryKind::div: return binary_typed<E, Op<BinaryKind::div>>(ctx, p);
  }
}

void binary_kernel(const ExecContext &ctx, const BinaryArgs &p) {
  switch (p.out.dtype()) {
    case DType::f16: return binary_dispatch<F16>(ctx, p);
    case DType::bf16: return binary_dispatch<BF16>(ctx, p);
    default: return binary_dispatch<F32>(ctx, p);
  }
}

}  // namespace

void register_binary(KernelTable &t) {
  t.add<OpKind::binary>(binary_kernel, {DType::f32, DType::f16, DType::bf16});
}

}  // namespace aigc::cpu
