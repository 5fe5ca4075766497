#include <cmath>
#include <vector>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// Softmax over the last dim of x * scale + mask, in double. x viewed as [rows, n]; row r
// has causal row index r % Tq (Tq = x.size(-2)). Columns hidden by causality, and columns
// whose score is -inf, get probability 0; a row with no visible column is all zeros.
void softmax_kernel(const ExecContext &, const SoftmaxArgs &a) {
  const Tensor x = a.x.contiguous();
  // The mask broadcast to x's shape, then made a plain contiguous array of the same size.
  const Tensor mask = a.mask.defined() ? a.mask.expand(x.shape()).contiguous() : Tensor();
  const int64_t n = x.size(-1), rows = n == 0 ? 0 : x.numel() / n;
  const int64_t tq = x.rank() >= 2 ? x.size(-2) : 1;
  const float *px = x.data_as<float>();
  const float *pm = mask.defined() ? mask.data_as<float>() : nullptr;
  float *py = a.out.data_as<float>();
  std::vector<double> s(static_cast<size_t>(n), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t i = r % tq;
    double mx = -INFINITY;
    for (int64_t j = 0; j < n; ++j) {
      const bool visible = !a.causal || j - i <= a.causal_offset;
      s[j] = visible ? double(px[r * n + j]) * a.scale + (pm ? pm[r * n + j] : 0.0) : -INFINITY;
      mx = std::max(mx, s[j]);
    }
    if (mx == -INFINITY) {  // nothing visible
      for (int64_t j = 0; j < n; ++j) py[r * n + j] = 0.f;
      continue;
    }
    double sum = 0;
    for (int64_t j = 0; j < n; ++j) sum += s[j] = std::exp(s[j] - mx);
    for (int64_t j = 0; j < n; ++j) py[r * n + j] = float(s[j] / sum);
  }
}

}  // namespace

void register_softmax(KernelTable &t) { t.add<OpKind::softmax>(softmax_kernel, {DType::f32}); }

}  // namespace aigc::ref
