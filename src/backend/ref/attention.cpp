#include <cmath>
#include <vector>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// out[b, h, i] = sum_j softmax_j(scale * q.k_j + mask) v_j over the visible keys, in
// double. Query i sits at position q_offset + i; causal hides keys after it, window > 0
// hides keys at or before position - window; -inf scores count as hidden too. A query
// with no visible key outputs zeros.
void attention_kernel(const ExecContext &, const AttentionArgs &a) {
  const Tensor q = a.q.contiguous(), k = a.k.contiguous(), v = a.v.contiguous();
  const int64_t nb = q.size(0), hq = q.size(1), tq = q.size(2), d = q.size(3);
  const int64_t hkv = k.size(1), tk = k.size(2), dv = v.size(3);
  const Tensor mask = a.mask.defined() ? a.mask.expand({nb, hq, tq, tk}).contiguous() : Tensor();
  const float *pq = q.data_as<float>(), *pk = k.data_as<float>(), *pv = v.data_as<float>();
  const float *pm = mask.defined() ? mask.data_as<float>() : nullptr;
  float *po = a.out.data_as<float>();
  std::vector<double> s(static_cast<size_t>(tk));
  for (int64_t b = 0; b < nb; ++b)
    for (int64_t h = 0; h < hq; ++h) {
      const int64_t kvh = h / (hq / hkv);
      for (int64_t i = 0; i < tq; ++i) {
        const int64_t pos = a.q_offset + i;
        const float *qi = pq + ((b * hq + h) * tq + i) * d;
        double mx = -INFINITY;
        for (int64_t j = 0; j < tk; ++j) {
          const bool visible = (!a.causal || j <= pos) && (a.window <= 0 || j > pos - a.window);
          if (!visible) {
            s[j] = -INFINITY;
            continue;
          }
          const float *kj = pk + ((b * hkv + kvh) * tk + j) * d;
          double dot = 0;
          for (int64_t c = 0; c < d; ++c) dot += double(qi[c]) * kj[c];
          s[j] = dot * a.scale + (pm ? pm[((b * hq + h) * tq + i) * tk + j] : 0.0);
          mx = std::max(mx, s[j]);
        }
        float *oi = po + ((b * hq + h) * tq + i) * dv;
        if (mx == -INFINITY) {
          for (int64_t c = 0; c < dv; ++c) oi[c] = 0.f;
          continue;
        }
        double sum = 0;
        for (int64_t j = 0; j < tk; ++j) sum += s[j] = std::exp(s[j] - mx);
        for (int64_t c = 0; c < dv; ++c) {
          double acc = 0;
          for (int64_t j = 0; j < tk; ++j)
            if (s[j] != 0) acc += s[j] * pv[((b * hkv + kvh) * tk + j) * dv + c];
          oi[c] = float(acc / sum);
        }
      }
    }
}

}  // namespace

void register_attention(KernelTable &t) {
  t.add<OpKind::attention>(attention_kernel, {DType::f32});
}

}  // namespace aigc::ref
