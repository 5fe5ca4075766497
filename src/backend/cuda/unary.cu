// Elementwise activations (UnaryArgs) for f32/f16/bf16, computed in f32.
#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

__device__ __forceinline__ float apply(UnaryKind kind, float x, float alpha) {
  switch (kind) {
    case UnaryKind::gelu_erf: return 0.5f * x * (1.f + erff(x * 0.70710678118654752f));
    case UnaryKind::gelu_tanh: {
      const float inner = 0.7978845608028654f * (x + 0.044715f * x * x * x);
      return 0.5f * x * (1.f + tanhf(inner));
    }
    case UnaryKind::silu: return x / (1.f + expf(-x));
    case UnaryKind::relu: return x > 0.f ? x : 0.f;
    case UnaryKind::leaky_relu: return x >= 0.f ? x : alpha * x;
    case UnaryKind::tanh: return tanhf(x);
    case UnaryKind::sigmoid: return 1.f / (1.f + expf(-x));
    case UnaryKind::scale: return alpha * x;
  }
  return x;
}

// x may be strided (any layout); out is contiguous.
template <class T>
__global__ void unary_kernel(const T *x, Layout xl, T *out, int64_t n, UnaryKind kind, float alpha) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    out[i] = from_f32<T>(apply(kind, to_f32(x[offset_of(xl, i)]), alpha));
}

template <class T> void launch(const ExecContext &ctx, const UnaryArgs &a) {
  const int64_t n = a.out.numel();
  if (n == 0) return;
  unary_kernel<T><<<blocks_for(n), kThreads, 0, stream_of(ctx)>>>(ptr<const T>(a.x), layout_of(a.x),
                                                                   ptr<T>(a.out), n, a.kind, a.alpha);
  check_launch("unary");
}

void unary(const ExecContext &ctx, const UnaryArgs &a) {
  switch (a.x.dtype()) {
    case DType::f32: return launch<float>(ctx, a);
    case DType::f16: return launch<__half>(ctx, a);
    case DType::bf16: return launch<__nv_bfloat16>(ctx, a);
    default: fail(Status::unsupported, "unary: no CUDA kernel for {}", dtype_name(a.x.dtype()));
  }
}

void register_unary(KernelTable &t) {
  t.add<OpKind::unary>(unary, {DType::f32, DType::f16, DType::bf16});
}

}  // namespace
AIGC_CUDA_REGISTER(register_unary);
}  // namespace aigc::cuda
