#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// Full stable sort of each row's indices by descending value (NaN first); stability
// keeps equal values in index order.
void topk_kernel(const ExecContext &, const TopkArgs &a) {
  const Tensor x = a.x.contiguous();
  const int64_t n = x.size(-1), rows = x.numel() / n;
  const float *p = x.data_as<float>();
  float *values = a.values.data_as<float>();
  int32_t *indices = a.indices.data_as<int32_t>();
  std::vector<int32_t> order(static_cast<size_t>(n));
  for (int64_t r = 0; r < rows; ++r, p += n) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [p](int32_t i, int32_t j) {
      if (std::isnan(p[i]) || std::isnan(p[j])) return std::isnan(p[i]) && !std::isnan(p[j]);
      return p[i] > p[j];
    });
    for (int k = 0; k < a.k; ++k) {
      values[r * a.k + k] = p[order[k]];
      indices[r * a.k + k] = order[k];
    }
  }
}

}  // namespace

void register_topk(KernelTable &t) { t.add<OpKind::topk>(topk_kernel, {DType::f32}); }

}  // namespace aigc::ref
