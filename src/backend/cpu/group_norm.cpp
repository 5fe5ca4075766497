#include <cmath>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/cpu_kernels.hpp"
#include "backend/cpu/simd_math.hpp"

namespace aigc::cpu {
namespace {

// x: [N, C, *]. oneDNN 2.6 has no group norm. One task per (n, group): a two-pass mean /
// variance (AVX2 partial sums accumulated in double), then y = (x - mean) * a_c + bias_c
// per channel with a_c = rstd * w_c.
void group_norm_kernel(const ExecContext &ctx, const GroupNormArgs &a) {
  const Tensor x = a.x.contiguous();
  const Tensor w = a.weight.defined() ? a.weight.contiguous() : Tensor();
  const Tensor bias = a.bias.defined() ? a.bias.contiguous() : Tensor();
  const int64_t n = x.size(0), c = x.size(1);
  const int64_t spatial = c == 0 || n == 0 ? 0 : x.numel() / (n * c);
  const int64_t groups = a.groups, cpg = c / groups, count = cpg * spatial;
  if (count == 0) return;
  const float *px = x.data_as<float>();
  const float *pw = w.defined() ? w.data_as<float>() : nullptr;
  const float *pb = bias.defined() ? bias.data_as<float>() : nullptr;
  float *py = a.out.data_as<float>();
  const int64_t tasks = n * groups;
  const int nt = threads_for(ctx.n_threads, double(x.numel()), kElementGrain);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t task = 0; task < tasks; ++task) {
    const int64_t base = task * count;  // groups are contiguous blocks of cpg channels
    const int64_t g = task % groups;
    const double mean = simd::reduce_sum<false>(px + base, count) / double(count);
    const double var = simd::reduce_sum<true>(px + base, count, float(mean)) / double(count);
    const double rstd = 1.0 / std::sqrt(var + double(a.eps));
    for (int64_t ch = 0; ch < cpg; ++ch) {
      const int64_t channel = g * cpg + ch;
      const float scale = float(rstd * (pw ? pw[channel] : 1.f));
      const float shift = pb ? pb[channel] : 0.f;
      const int64_t off = base + ch * spatial;
      simd::scale_shift(px + off, py + off, spatial, scale, shift, float(mean));
    }
  }
}

}  // namespace

void register_group_norm(KernelTable &t) {
  t.add<OpKind::group_norm>(group_norm_kernel, {DType::f32});
}

}  // namespace aigc::cpu
