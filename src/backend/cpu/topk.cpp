#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {
namespace {

// A strict total order (value descending, NaN largest, then index ascending), so any
// selection algorithm yields exactly the reference's answer.
struct Before {
  const float *p;
  bool operator()(int32_t i, int32_t j) const {
    const float a = p[i], b = p[j];
    const bool na = std::isnan(a), nb = std::isnan(b);
    if (na || nb) return na != nb ? na : i < j;
    if (a != b) return a > b;
    return i < j;
  }
};

// Per row: select the k first in O(n) with nth_element, then sort just those k.
void topk_kernel(const ExecContext &ctx, const TopkArgs &a) {
  const Tensor x = a.x.contiguous();
  const int64_t n = x.size(-1), rows = x.numel() / n;
  const int k = a.k;
  const float *base = x.data_as<float>();
  float *values = a.values.data_as<float>();
  int32_t *indices = a.indices.data_as<int32_t>();
  const int threads = rows > 1 && rows * n >= (int64_t(1) << 16) ? ctx.n_threads : 1;
#pragma omp parallel num_threads(threads)
  {
    std::vector<int32_t> order(static_cast<size_t>(n));  // per-thread scratch
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const Before before{base + r * n};
      std::iota(order.begin(), order.end(), 0);
      if (k < n) std::nth_element(order.begin(), order.begin() + (k - 1), order.end(), before);
      std::sort(order.begin(), order.begin() + k, before);
      for (int j = 0; j < k; ++j) {
        values[r * k + j] = before.p[order[j]];
        indices[r * k + j] = order[j];
      }
    }
  }
}

}  // namespace

void register_topk(KernelTable &t) { t.add<OpKind::topk>(topk_kernel, {DType::f32}); }

}  // namespace aigc::cpu
