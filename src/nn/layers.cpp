#include "nn/layers.hpp"

#include "ops/embedding.hpp"
#include "ops/layer_norm.hpp"
#include "ops/matmul.hpp"
#include "ops/rms_norm.hpp"

namespace aigc::nn {

// Norm weights and biases are small; f16/bf16 ones (some GGUF files) become f32 so the
// ops see one dtype.
static Tensor as_f32(const Tensor &t) { return t.dtype() == DType::f32 ? t : t.to(DType::f32); }

Linear Linear::load(const Scope &scope, int64_t out_features, int64_t in_features, Bias bias) {
  Linear l;
  l.weight = scope.get("weight", Shape({out_features, in_features}));
  if (bias != Bias::none) {
    auto b = bias == Bias::required ? std::optional<Tensor>(scope.get("bias", Shape({out_features})))
                                    : scope.find("bias", Shape({out_features}));
    if (b) l.bias = as_f32(*b);
  }
  return l;
}

Tensor Linear::operator()(const ExecContext &ctx, const Tensor &x) const {
  return ops::linear(ctx, x, weight, bias);
}

RmsNorm RmsNorm::load(const Scope &scope, int64_t dim, float eps) {
  return RmsNorm{as_f32(scope.get("weight", Shape({dim}))), eps};
}

Tensor RmsNorm::operator()(const ExecContext &ctx, const Tensor &x) const {
  return ops::rms_norm(ctx, x, weight, eps);
}

LayerNorm LayerNorm::load(const Scope &scope, int64_t dim, float eps) {
  return LayerNorm{as_f32(scope.get("weight", Shape({dim}))), as_f32(scope.get("bias", Shape({dim}))),
                   eps};
}

Tensor LayerNorm::operator()(const ExecContext &ctx, const Tensor &x) const {
  return ops::layer_norm(ctx, x, Shape({weight.numel()}), weight, bias, eps);
}

Embedding Embedding::load(const Scope &scope, int64_t vocab, int64_t dim) {
  return Embedding{scope.get("weight", Shape({vocab, dim}))};
}

Tensor Embedding::operator()(const ExecContext &ctx, const Tensor &ids) const {
  return ops::embedding(ctx, table, ids);
}

int64_t stored_bytes(const Tensor &t) { return t.defined() ? int64_t(t.nbytes()) : 0; }

void WeightUploader::operator()(Tensor &t) {
  if (!t.defined() || t.device() == backend_.device()) return;
  for (const Seen &s : seen_) {
    if (s.data == t.data() && s.shape == t.shape() && s.dtype == t.dtype()) {
      t = s.device;
      return;
    }
  }
  Tensor device = backend_.upload(t);
  seen_.push_back({t.data(), t.shape(), t.dtype(), device});
  t = device;
}

}  // namespace aigc::nn
