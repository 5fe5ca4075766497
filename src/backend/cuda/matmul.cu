// matmul (MatmulArgs) on CUDA; the key dtype is b's (f32, f16, bf16, q8_0, q4_0, q4_1).
//  - A weight in the [N, K] layout (Linear) with at most kGemvMaxRows activation rows,
//    and quantized weights at any row count, go to matmul_quant.cu (decode gemv on the
//    exact weights; decoded f16 panels for quantized prefill).
//  - Everything else runs on cuBLAS through the row-major trick (C^T = B^T A^T in
//    column-major terms). f32 b: CUBLAS_COMPUTE_32F with the handle's default math mode,
//    so no TF32 (the tests keep the CPU's tight tolerance). f16/bf16 b: a is rounded to
//    b's type once (tensor cores take no f32 x f16 product) and accumulated in f32.
//    Batch dims: the innermost dims whose strides agree on a, b and out become one
//    strided-batched call (a single GEMM over batch*M rows when b is shared); any outer
//    dims are a host loop of such calls.
#include <algorithm>
#include <climits>
#include <mutex>
#include <vector>

#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/matmul_quant.cuh"

namespace aigc::cuda {

// ---- helpers shared with matmul_quant.cu -------------------------------------------

namespace {

template <class T>
__global__ void rows_to_half_kernel(const float *a, int64_t lda, int64_t K, T *dst, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = from_f32<T>(a[(i / K) * lda + i % K]);
}

__global__ void fill_bias_kernel(float *out, int64_t n, int64_t N, const float *bias) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    out[i] = bias ? bias[i % N] : 0.f;
}

cudaDataType_t cuda_type(DType t) {
  switch (t) {
    case DType::f32: return CUDA_R_32F;
    case DType::f16: return CUDA_R_16F;
    case DType::bf16: return CUDA_R_16BF;
    default: fail(Status::unsupported, "matmul: no cuBLAS type for {}", dtype_name(t));
  }
}

int blas_int(int64_t v, const char *what) {
  AIGC_CHECK(v >= 0 && v <= INT_MAX, Status::unsupported, "matmul: {} = {} exceeds cuBLAS's int range",
             what, v);
  return int(v);
}

}  // namespace

std::shared_ptr<void> rows_to_half(const ExecContext &ctx, const float *a, int64_t lda, int64_t M,
                                   int64_t K, DType to) {
  const int64_t n = M * K;
  auto buf = backend_of(ctx).scratch(size_t(std::max<int64_t>(n, 1)) * 2);
  if (n == 0) return buf;
  if (to == DType::f16) {
    rows_to_half_kernel<<<blocks_for(n), kThreads, 0, stream_of(ctx)>>>(
        a, lda, K, static_cast<__half *>(buf.get()), n);
  } else {
    AIGC_ASSERT(to == DType::bf16);
    rows_to_half_kernel<<<blocks_for(n), kThreads, 0, stream_of(ctx)>>>(
        a, lda, K, static_cast<__nv_bfloat16 *>(buf.get()), n);
  }
  check_launch("matmul: rows_to_half");
  return buf;
}

void fill_bias_rows(const ExecContext &ctx, float *out, int64_t M, int64_t N, const float *bias) {
  const int64_t n = M * N;
  if (n == 0) return;
  fill_bias_kernel<<<blocks_for(n), kThreads, 0, stream_of(ctx)>>>(out, n, N, bias);
  check_launch("matmul: fill_bias");
}

void gemm_half_nt(const ExecContext &ctx, DType type, const void *a, int64_t M, int64_t K,
                  const void *w, int64_t ldw, int64_t N, float alpha, float beta, float *out,
                  int64_t ldo) {
  // Column-major: out^T [N, M] (ld ldo) = w [K, N]^T (ld ldw) * a^T [K, M] (ld K).
  const cudaDataType_t t = cuda_type(type);
  CudaBackend &be = backend_of(ctx);
  std::lock_guard<std::mutex> lock(be.blas_mutex());
  check_blas(cublasGemmEx(be.blas(), CUBLAS_OP_T, CUBLAS_OP_N, blas_int(N, "N"), blas_int(M, "M"),
                          blas_int(K, "K"), &alpha, w, t, blas_int(ldw, "ldw"), a, t, blas_int(K, "K"),
                          &beta, out, CUDA_R_32F, blas_int(ldo, "ldo"), CUBLAS_COMPUTE_32F,
                          CUBLAS_GEMM_DEFAULT),
             "matmul: cublasGemmEx");
}

namespace {

// ---- strided operands -----------------------------------------------------------------

// A device array as dims + element strides: a tensor (maybe with its last two dims
// swapped) or a contiguous scratch copy of one.
struct View {
  const void *data = nullptr;
  DType dtype = DType::f32;
  int rank = 0;
  int64_t shape[kMaxDims] = {}, strides[kMaxDims] = {};
  int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < rank; ++d) n *= shape[d];
    return n;
  }
};

View view_of(const Tensor &t, bool swap_last_two) {
  View v;
  v.data = t.data();
  v.dtype = t.dtype();
  v.rank = t.rank();
  for (int d = 0; d < v.rank; ++d) {
    v.shape[d] = t.size(d);
    v.strides[d] = t.stride(d);
  }
  if (swap_last_two && v.rank >= 2) {
    std::swap(v.shape[v.rank - 1], v.shape[v.rank - 2]);
    std::swap(v.strides[v.rank - 1], v.strides[v.rank - 2]);
  }
  return v;
}

// dst[i] = element i (row-major order) of a strided view, converted to D.
template <class S, class D>
__global__ void gather_kernel(const S *src, Layout l, D *dst, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = from_f32<D>(to_f32(src[offset_of(l, i)]));
}

template <class S, class D>
void launch_gather(const ExecContext &ctx, const View &v, void *dst, int64_t n) {
  Layout l;
  l.rank = v.rank;
  for (int d = 0; d < v.rank; ++d) {
    l.shape[d] = v.shape[d];
    l.strides[d] = v.strides[d];
  }
  gather_kernel<<<blocks_for(n), kThreads, 0, stream_of(ctx)>>>(static_cast<const S *>(v.data), l,
                                                                static_cast<D *>(dst), n);
  check_launch("matmul: gather");
}

// A contiguous copy of v in `to` (f32 -> f32/f16/bf16, or a half type to itself).
View gather(const ExecContext &ctx, const View &v, DType to, std::shared_ptr<void> *holder) {
  const int64_t n = v.numel();
  *holder = backend_of(ctx).scratch(std::max<size_t>(dtype_bytes(to, n), 4));
  void *dst = holder->get();
  if (n > 0) {
    if (v.dtype == DType::f32 && to == DType::f32) launch_gather<float, float>(ctx, v, dst, n);
    else if (v.dtype == DType::f32 && to == DType::f16) launch_gather<float, __half>(ctx, v, dst, n);
    else if (v.dtype == DType::f32 && to == DType::bf16) launch_gather<float, __nv_bfloat16>(ctx, v, dst, n);
    else if (v.dtype == DType::f16 && to == DType::f16) launch_gather<__half, __half>(ctx, v, dst, n);
    else if (v.dtype == DType::bf16 && to == DType::bf16)
      launch_gather<__nv_bfloat16, __nv_bfloat16>(ctx, v, dst, n);
    else fail(Status::internal, "matmul: no gather {} -> {}", dtype_name(v.dtype), dtype_name(to));
  }
  View c = v;
  c.data = dst;
  c.dtype = to;
  int64_t s = 1;
  for (int d = v.rank - 1; d >= 0; --d) {
    c.strides[d] = s;
    s *= v.shape[d];
  }
  return c;
}

// v [..., M, K] as rows [rows, K] one row stride apart (unit column stride): true and
// the row stride when its dims allow it.
bool as_rows(const View &v, int64_t *ld) {
  const int r = v.rank;
  const int64_t K = v.shape[r - 1];
  if (K > 1 && v.strides[r - 1] != 1) return false;
  *ld = K;
  int64_t expect = -1;  // the stride the next outer dim of size > 1 must have
  for (int d = r - 2; d >= 0; --d) {
    if (v.shape[d] == 1) continue;
    if (expect < 0) {
      *ld = v.strides[d];
      expect = v.strides[d] * v.shape[d];
    } else if (v.strides[d] != expect) {
      return false;
    } else {
      expect *= v.shape[d];
    }
  }
  return true;
}

// The cuBLAS operand for the column-major transpose of the matrix part (last two dims,
// rows x cols) of v: op N with ld = row stride when rows are unit-stride runs, op T with
// ld = column stride when columns are. Size-1 dims get the stride a dense layout has.
bool blas_operand(const View &v, cublasOperation_t *op, int64_t *ld) {
  const int64_t rows = v.shape[v.rank - 2], cols = v.shape[v.rank - 1];
  int64_t rs = v.strides[v.rank - 2], cs = v.strides[v.rank - 1];
  if (cols == 1) cs = 1;
  if (rows == 1) rs = cs == 1 ? cols : 1;
  if (cs == 1 && rs >= std::max<int64_t>(1, cols)) {
    *op = CUBLAS_OP_N;
    *ld = rs;
    return true;
  }
  if (rs == 1 && cs >= std::max<int64_t>(1, rows)) {
    *op = CUBLAS_OP_T;
    *ld = cs;
    return true;
  }
  return false;
}

// Element stride of v along out's batch dim d (of nb batch dims); 0 where v broadcasts.
int64_t batch_stride(const View &v, int d, int nb) {
  const int vd = d - (nb - (v.rank - 2));
  return (vd < 0 || v.shape[vd] == 1) ? 0 : v.strides[vd];
}

// ---- the cuBLAS path ----------------------------------------------------------------------

void gemm_general(const ExecContext &ctx, const MatmulArgs &args, const float *bias) {
  const Tensor &out = args.out;
  const int nb = out.rank() - 2;
  const int64_t M = out.size(-2), N = out.size(-1);
  const DType type = args.b.dtype();
  std::shared_ptr<void> a_hold, b_hold;
  View a = view_of(args.a, args.trans_a);  // [..., M, K]
  View b = view_of(args.b, args.trans_b);  // [..., K, N]
  const int64_t K = a.shape[a.rank - 1];
  // Tensor cores multiply like types: a is rounded to b's f16/bf16 (one pass over a).
  if (type != DType::f32) a = gather(ctx, a, type, &a_hold);
  cublasOperation_t op_a, op_b;
  int64_t lda = 0, ldb = 0;
  if (!blas_operand(a, &op_a, &lda)) {
    a = gather(ctx, a, a.dtype, &a_hold);
    blas_operand(a, &op_a, &lda);
  }
  if (!blas_operand(b, &op_b, &ldb)) {
    b = gather(ctx, b, b.dtype, &b_hold);
    blas_operand(b, &op_b, &ldb);
  }

  // Batch dims of size > 1, outermost first, with each operand's stride along them.
  std::vector<int64_t> sizes, sa, sb, sc;
  int64_t c_stride = M * N;
  for (int d = nb - 1; d >= 0; --d) {
    const int64_t n = out.size(d);
    if (n != 1) {
      sizes.insert(sizes.begin(), n);
      sa.insert(sa.begin(), batch_stride(a, d, nb));
      sb.insert(sb.begin(), batch_stride(b, d, nb));
      sc.insert(sc.begin(), c_stride);
    }
    c_stride *= n;
  }
  // The innermost dims that collapse into one (count, stride) per operand.
  const int nd = int(sizes.size());
  int first_inner = nd;
  int64_t count = 1, isa = 0, isb = 0;
  for (int i = nd - 1; i >= 0; --i) {
    if (count == 1) {
      count = sizes[size_t(i)];
      isa = sa[size_t(i)];
      isb = sb[size_t(i)];
    } else if (sa[size_t(i)] != isa * count || sb[size_t(i)] != isb * count ||
               sc[size_t(i)] != M * N * count) {
      break;
    } else {
      count *= sizes[size_t(i)];
    }
    first_inner = i;
  }
  // b shared by every batch and a's rows evenly spaced across them: one GEMM over
  // count * M rows (a Linear on [B, T, K] activations, a 2-D weight in any layout).
  int64_t rows = M;
  if (first_inner == 0 && count > 1 && isb == 0 && op_a == CUBLAS_OP_N && isa == M * lda &&
      count * M <= INT_MAX) {
    rows = count * M;
    count = 1;
  }

  float beta = 0.f;
  if (bias) {
    fill_bias_rows(ctx, static_cast<float *>(out.data()), out.numel() / N, N, bias);
    beta = 1.f;
  }
  int64_t outer = 1;
  for (int i = 0; i < first_inner; ++i) outer *= sizes[size_t(i)];
  const cudaDataType_t t = cuda_type(type);
  const size_t esize = dtype_bytes(type, 1);
  const int m_ = blas_int(N, "N"), n_ = blas_int(rows, "M"), k_ = blas_int(K, "K");
  const int lda_ = blas_int(lda, "lda"), ldb_ = blas_int(ldb, "ldb");
  const int count_ = blas_int(count, "batch");
  CudaBackend &be = backend_of(ctx);
  std::lock_guard<std::mutex> lock(be.blas_mutex());
  for (int64_t o = 0; o < outer; ++o) {
    int64_t oa = 0, ob = 0, oc = 0, rest = o;
    for (int i = first_inner - 1; i >= 0; --i) {
      const int64_t idx = rest % sizes[size_t(i)];
      rest /= sizes[size_t(i)];
      oa += idx * sa[size_t(i)];
      ob += idx * sb[size_t(i)];
      oc += idx * sc[size_t(i)];
    }
    const char *pa = static_cast<const char *>(a.data) + oa * int64_t(esize);
    const char *pb = static_cast<const char *>(b.data) + ob * int64_t(esize);
    float *pc = static_cast<float *>(out.data()) + oc;
    check_blas(cublasGemmStridedBatchedEx(be.blas(), op_b, op_a, m_, n_, k_, &args.alpha, pb, t,
                                          ldb_, isb, pa, t, lda_, isa, &beta, pc, CUDA_R_32F, m_,
                                          rows * N, count_, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
               "matmul: cublasGemmStridedBatchedEx");
  }
}

void matmul(const ExecContext &ctx, const MatmulArgs &args) {
  const Tensor &out = args.out;
  if (out.numel() == 0) return;
  const int64_t N = out.size(-1);
  const int64_t rows = out.numel() / N;
  const int64_t K = args.trans_a ? args.a.size(-2) : args.a.size(-1);
  std::shared_ptr<void> bias_hold, a_hold;
  const float *bias = nullptr;
  if (args.bias.defined()) {
    View bv = view_of(args.bias, false);
    if (N > 1 && bv.strides[0] != 1) bv = gather(ctx, bv, DType::f32, &bias_hold);
    bias = static_cast<const float *>(bv.data);
  }
  if (K == 0) return fill_bias_rows(ctx, static_cast<float *>(out.data()), rows, N, bias);

  const bool weight_layout = args.b.rank() == 2 && args.trans_b && args.b.is_contiguous();
  if (weight_layout && (is_quantized(args.b.dtype()) || rows <= kGemvMaxRows)) {
    // b is 2-D, so out's batch dims are a's: the product is a's rows times w^T.
    View a = view_of(args.a, args.trans_a);
    int64_t lda = 0;
    if (!as_rows(a, &lda)) {
      a = gather(ctx, a, DType::f32, &a_hold);
      lda = K;
    }
    WeightProduct p;
    p.a = static_cast<const float *>(a.data);
    p.lda = lda;
    p.M = rows;
    p.K = K;
    p.w = args.b.data();
    p.w_type = args.b.dtype();
    p.N = N;
    p.bias = bias;
    p.alpha = args.alpha;
    p.out = static_cast<float *>(out.data());
    return weight_product(ctx, p);
  }
  AIGC_CHECK(!is_quantized(args.b.dtype()), Status::unsupported,
             "matmul: {} b must be a contiguous [N, K] weight", dtype_name(args.b.dtype()));
  gemm_general(ctx, args, bias);
}

void register_matmul(KernelTable &t) {
  t.add<OpKind::matmul>(matmul, {DType::f32, DType::f16, DType::bf16, DType::q8_0, DType::q4_0,
                                 DType::q4_1});
}

}  // namespace
AIGC_CUDA_REGISTER(register_matmul);
}  // namespace aigc::cuda
