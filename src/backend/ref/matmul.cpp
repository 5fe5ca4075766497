#include <vector>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// Flat offset of batch element `index` (row-major over out's batch dims) inside a
// contiguous tensor t whose batch dims broadcast to out's (size-1 dims repeat).
int64_t broadcast_batch_offset(const Tensor &t, const Tensor &out, int64_t index) {
  const int out_batch = out.rank() - 2, t_batch = t.rank() - 2;
  int64_t offset = 0, t_stride = t.size(-2) * t.size(-1);
  for (int d = out_batch - 1; d >= 0; --d) {
    const int64_t i = index % out.size(d);
    index /= out.size(d);
    const int td = d - (out_batch - t_batch);
    if (td < 0) continue;
    if (t.size(td) != 1) offset += i * t_stride;
    t_stride *= t.size(td);
  }
  return offset;
}

// out[..., m, n] = alpha * sum_k op(a)[m, k] * op(b)[k, n] + bias[n], accumulated in
// double over f32 copies of the inputs (quantized / half b dequantized up front).
void matmul_kernel(const ExecContext &, const MatmulArgs &args) {
  const Tensor a = args.a.contiguous();
  const Tensor b = args.b.to(DType::f32);
  const Tensor &out = args.out;
  const float *pa = a.data_as<float>();
  const float *pb = b.data_as<float>();
  float *po = out.data_as<float>();
  std::vector<float> bias;
  if (args.bias.defined()) bias = args.bias.to_f32_vector();

  const int64_t M = out.size(-2), N = out.size(-1);
  const int64_t K = args.trans_a ? a.size(-2) : a.size(-1);
  const int64_t batches = out.numel() / (M * N);
  for (int64_t batch = 0; batch < batches; ++batch) {
    const float *ab = pa + broadcast_batch_offset(a, out, batch);
    const float *bb = pb + broadcast_batch_offset(b, out, batch);
    float *ob = po + batch * M * N;
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t n = 0; n < N; ++n) {
        double sum = 0;
        for (int64_t k = 0; k < K; ++k) {
          const float av = args.trans_a ? ab[k * M + m] : ab[m * K + k];
          const float bv = args.trans_b ? bb[n * K + k] : bb[k * N + n];
          sum += double(av) * double(bv);
        }
        sum *= args.alpha;
        if (!bias.empty()) sum += bias[size_t(n)];
        ob[m * N + n] = float(sum);
      }
    }
  }
}

}  // namespace

void register_matmul(KernelTable &t) {
  t.add<OpKind::matmul>(matmul_kernel,
                        {DType::f32, DType::f16, DType::bf16, DType::q8_0, DType::q4_0, DType::q4_1});
}

}  // namespace aigc::ref
