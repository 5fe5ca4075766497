#include <cmath>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

void argmax_kernel(const ExecContext &, const ArgmaxArgs &a) {
  const Tensor x = a.x.contiguous();
  const int64_t n = x.size(-1), rows = x.numel() / n;
  const float *p = x.data_as<float>();
  int32_t *out = a.out.data_as<int32_t>();
  for (int64_t r = 0; r < rows; ++r, p += n) {
    int64_t best = 0;
    for (int64_t j = 1; j < n && !std::isnan(p[best]); ++j)  // a NaN, once found, wins
      if (std::isnan(p[j]) || p[j] > p[best]) best = j;      // strict: first index on ties
    out[r] = int32_t(best);
  }
}

}  // namespace

void register_argmax(KernelTable &t) { t.add<OpKind::argmax>(argmax_kernel, {DType::f32}); }

}  // namespace aigc::ref
