// add/sub/mul/div with numpy broadcasting (BinaryArgs) for f32/f16/bf16: one f32
// operation per element and one rounding on store, as the reference does.
//   flat: a and b each the output's shape and contiguous, or a single element; 4-wide
//         vector loads when every pointer allows it, scalar tail;
//   rows: out viewed as [rows, D] (D >= 32), a and b each a full contiguous operand or a
//         contiguous row of D broadcast down the rows (bias); each thread keeps its
//         column of the row operand in a register while it walks the rows;
//   generic: both operands through broadcast layouts (strides, stride-0 dims).
#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

// Explicitly rounded ops: never fused with a neighbour, IEEE division whatever the flags.
__device__ __forceinline__ float apply(BinaryKind kind, float x, float y) {
  switch (kind) {
    case BinaryKind::add: return __fadd_rn(x, y);
    case BinaryKind::sub: return __fsub_rn(x, y);
    case BinaryKind::mul: return __fmul_rn(x, y);
    case BinaryKind::div: return __fdiv_rn(x, y);
  }
  return 0.f;
}

template <class T> __device__ __forceinline__ T op(BinaryKind kind, T x, T y) {
  return from_f32<T>(apply(kind, to_f32(x), to_f32(y)));
}

// 4 elements in one aligned load/store.
template <class T> struct alignas(4 * sizeof(T)) Vec4 {
  T v[4];
};

// sa, sb: 1 for a full operand, 0 for a single element. With vec, elements [0, n4 * 4)
// go 4 at a time (both operands full, every pointer 4-element aligned), the rest singly.
template <class T>
__global__ void flat_kernel(const T *a, int64_t sa, const T *b, int64_t sb, T *out, int64_t n,
                            bool vec, BinaryKind kind) {
  const int64_t tid = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  int64_t start = 0;
  if (vec) {
    const int64_t n4 = n / 4;
    const auto *a4 = reinterpret_cast<const Vec4<T> *>(a);
    const auto *b4 = reinterpret_cast<const Vec4<T> *>(b);
    auto *o4 = reinterpret_cast<Vec4<T> *>(out);
    for (int64_t i = tid; i < n4; i += step) {
      const Vec4<T> x = a4[i], y = b4[i];
      Vec4<T> r;
#pragma unroll
      for (int k = 0; k < 4; ++k) r.v[k] = op(kind, x.v[k], y.v[k]);
      o4[i] = r;
    }
    start = n4 * 4;
  }
  for (int64_t i = start + tid; i < n; i += step) out[i] = op(kind, a[i * sa], b[i * sb]);
}

// out [rows, D]; operand x at x[r * rs + c] with rs = D (full) or 0 (broadcast row).
// Threads run along D; blocks stride over the rows.
template <class T>
__global__ void rows_kernel(const T *a, int64_t ars, const T *b, int64_t brs, T *out,
                            int64_t rows, int64_t d, BinaryKind kind) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= d) return;
  const bool a_row = ars == 0, b_row = brs == 0;
  const T a0 = a_row ? a[c] : T{}, b0 = b_row ? b[c] : T{};
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    const T x = a_row ? a0 : a[r * ars + c];
    const T y = b_row ? b0 : b[r * brs + c];
    out[r * d + c] = op(kind, x, y);
  }
}

template <class T>
__global__ void generic_kernel(const T *a, Layout al, const T *b, Layout bl, T *out, int64_t n,
                               BinaryKind kind) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t j = i, ao = 0, bo = 0;
    for (int d = al.rank - 1; d >= 0; --d) {  // one index walk for both layouts
      const int64_t s = al.shape[d], k = j % s;
      ao += k * al.strides[d];
      bo += k * bl.strides[d];
      j /= s;
    }
    out[i] = op(kind, a[ao], b[bo]);
  }
}

// Broadcast layouts of a and b at the output shape, size-1 dims dropped and adjacent
// dims merged where both operands allow it (fewer divisions per element).
void joint_layouts(const BinaryArgs &p, Layout *al, Layout *bl) {
  const Layout fa = broadcast_layout(p.a, p.out.shape()), fb = broadcast_layout(p.b, p.out.shape());
  Layout ra, rb;
  for (int d = 0; d < fa.rank; ++d) {
    const int64_t n = fa.shape[d];
    if (n == 1) continue;
    const int k = ra.rank - 1;
    if (k >= 0 && ra.strides[k] == fa.strides[d] * n && rb.strides[k] == fb.strides[d] * n) {
      ra.shape[k] = rb.shape[k] = ra.shape[k] * n;
      ra.strides[k] = fa.strides[d];
      rb.strides[k] = fb.strides[d];
    } else {
      ra.shape[ra.rank] = rb.shape[rb.rank] = n;
      ra.strides[ra.rank++] = fa.strides[d];
      rb.strides[rb.rank++] = fb.strides[d];
    }
  }
  if (ra.rank == 0) {  // a single element
    ra.rank = rb.rank = 1;
    ra.shape[0] = rb.shape[0] = 1;
  }
  *al = ra;
  *bl = rb;
}

bool aligned(const void *p, size_t bytes) { return reinterpret_cast<uintptr_t>(p) % bytes == 0; }

// How an operand sits in the output for the fast paths.
enum class Fit { full, single, row, other };
Fit fit_of(const Tensor &x, const Shape &out) {
  if (x.numel() == 1) return Fit::single;
  if (!x.is_contiguous()) return Fit::other;
  if (x.shape() == out) return Fit::full;
  // A row: the output's last dim, every other dim 1 (a bias [D] or [1, .., 1, D]).
  if (x.rank() >= 1 && out.rank() >= 1 && x.numel() == out[out.rank() - 1] &&
      x.shape()[x.rank() - 1] == out[out.rank() - 1])
    return Fit::row;
  return Fit::other;
}

template <class T> void launch(const ExecContext &ctx, const BinaryArgs &p) {
  const int64_t n = p.out.numel();
  if (n == 0) return;
  cudaStream_t s = stream_of(ctx);
  const T *a = ptr<const T>(p.a), *b = ptr<const T>(p.b);
  T *out = ptr<T>(p.out);
  const Shape &shape = p.out.shape();
  const Fit fa = fit_of(p.a, shape), fb = fit_of(p.b, shape);
  const bool flat_a = fa == Fit::full || fa == Fit::single;
  const bool flat_b = fb == Fit::full || fb == Fit::single;
  if (flat_a && flat_b) {
    const bool vec = fa == Fit::full && fb == Fit::full && n >= 4 &&
                     aligned(a, 4 * sizeof(T)) && aligned(b, 4 * sizeof(T)) &&
                     aligned(out, 4 * sizeof(T));
    flat_kernel<T><<<blocks_for(vec ? n / 4 : n), kThreads, 0, s>>>(
        a, fa == Fit::full ? 1 : 0, b, fb == Fit::full ? 1 : 0, out, n, vec, p.kind);
    check_launch("binary");
    return;
  }
  const int64_t d = shape.rank() > 0 ? shape[shape.rank() - 1] : 1;
  if (d >= 32 && (fa == Fit::full || fa == Fit::row) && (fb == Fit::full || fb == Fit::row)) {
    const int64_t rows = n / d;
    const dim3 grid(unsigned((d + kThreads - 1) / kThreads),
                    unsigned(rows < 65535 ? rows : 65535));
    rows_kernel<T><<<grid, kThreads, 0, s>>>(a, fa == Fit::full ? d : 0, b,
                                             fb == Fit::full ? d : 0, out, rows, d, p.kind);
    check_launch("binary");
    return;
  }
  Layout al, bl;
  joint_layouts(p, &al, &bl);
  generic_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(a, al, b, bl, out, n, p.kind);
  check_launch("binary");
}

void binary(const ExecContext &ctx, const BinaryArgs &p) {
  switch (p.out.dtype()) {
    case DType::f32: return launch<float>(ctx, p);
    case DType::f16: return launch<__half>(ctx, p);
    case DType::bf16: return launch<__nv_bfloat16>(ctx, p);
    default: fail(Status::unsupported, "binary: no CUDA kernel for {}", dtype_name(p.out.dtype()));
  }
}

void register_binary(KernelTable &t) {
  t.add<OpKind::binary>(binary, {DType::f32, DType::f16, DType::bf16});
}

}  // namespace
AIGC_CUDA_REGISTER(register_binary);
}  // namespace aigc::cuda
