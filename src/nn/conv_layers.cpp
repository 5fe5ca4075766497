#include "nn/conv_layers.hpp"

#include <cmath>

#include "core/check.hpp"

#include "ops/binary.hpp"
#include "ops/group_norm.hpp"

namespace aigc::nn {

// The widened copy is handed out as read-only storage: layer weights never change after
// load, and the CPU backend caches its convolution layouts of read-only weights
// (CpuBackend::constant_weight) instead of reordering them on every call.
Tensor widen_to_f32(const Tensor &t) {
  if (!t.defined() || t.dtype() == DType::f32) return t;
  const Tensor wide = t.to(DType::f32).contiguous();
  if (!wide.device().is_cpu()) return wide;
  const std::shared_ptr<Storage> &owner = wide.storage();
  auto frozen = Storage::borrow(owner->data(), owner->size(), owner->device(), owner,
                                /*read_only=*/true);
  return Tensor(std::move(frozen), wide.offset_bytes(), wide.shape(), DType::f32);
}

static Tensor load_bias(const Scope &scope, int64_t channels, Bias bias) {
  if (bias == Bias::none) return {};
  auto b = bias == Bias::required ? std::optional<Tensor>(scope.get("bias", Shape({channels})))
                                  : scope.find("bias", Shape({channels}));
  return b ? widen_to_f32(*b) : Tensor();
}

Conv2d Conv2d::load(const Scope &scope, int64_t in_channels, int64_t out_channels, int64_t kernel,
                    const ops::Conv2dOptions &options, Bias bias) {
  AIGC_CHECK(options.groups > 0 && in_channels % options.groups == 0, Status::invalid_argument,
             "Conv2d: {} input channels do not split into {} groups", in_channels, options.groups);
  Conv2d c;
  c.weight = widen_to_f32(
      scope.get("weight", Shape({out_channels, in_channels / options.groups, kernel, kernel})));
  c.bias = load_bias(scope, out_channels, bias);
  c.options = options;
  return c;
}

Tensor Conv2d::operator()(const ExecContext &ctx, const Tensor &x) const {
  return ops::conv2d(ctx, x, weight, bias, options);
}

ConvTranspose2d ConvTranspose2d::load(const Scope &scope, int64_t in_channels, int64_t out_channels,
                                      int64_t kernel, const ops::ConvTranspose2dOptions &options,
                                      Bias bias) {
  AIGC_CHECK(options.groups > 0 && out_channels % options.groups == 0, Status::invalid_argument,
             "ConvTranspose2d: {} output channels do not split into {} groups", out_channels,
             options.groups);
  ConvTranspose2d c;
  c.weight = widen_to_f32(
      scope.get("weight", Shape({in_channels, out_channels / options.groups, kernel, kernel})));
  c.bias = load_bias(scope, out_channels, bias);
  c.options = options;
  return c;
}

Tensor ConvTranspose2d::operator()(const ExecContext &ctx, const Tensor &x) const {
  return ops::conv_transpose2d(ctx, x, weight, bias, options);
}

GroupNorm GroupNorm::load(const Scope &scope, int groups, int64_t channels, float eps) {
  AIGC_CHECK(groups > 0 && channels % groups == 0, Status::invalid_format,
             "GroupNorm: {} channels do not split into {} groups", channels, groups);
  GroupNorm g;
  g.weight = widen_to_f32(scope.get("weight", Shape({channels})));
  g.bias = widen_to_f32(scope.get("bias", Shape({channels})));
  g.groups = groups;
  g.eps = eps;
  return g;
}

Tensor GroupNorm::operator()(const ExecContext &ctx, const Tensor &x) const {
  return ops::group_norm(ctx, x, groups, weight, bias, eps);
}

BatchNorm BatchNorm::load(const Scope &scope, int64_t channels, float eps) {
  const auto weight = widen_to_f32(scope.get("weight", Shape({channels}))).contiguous().to_f32_vector();
  const auto bias = widen_to_f32(scope.get("bias", Shape({channels}))).contiguous().to_f32_vector();
  const auto mean = widen_to_f32(scope.get("running_mean", Shape({channels}))).contiguous().to_f32_vector();
  const auto var = widen_to_f32(scope.get("running_var", Shape({channels}))).contiguous().to_f32_vector();
  std::vector<float> scale(static_cast<size_t>(channels)), shift(static_cast<size_t>(channels));
  for (size_t c = 0; c < scale.size(); ++c) {
    // Folded in double: running_var can be tiny and eps large (cwgan-gp uses eps = 0.8).
    const double s = double(weight[c]) / std::sqrt(double(var[c]) + double(eps));
    scale[c] = float(s);
    shift[c] = float(double(bias[c]) - double(mean[c]) * s);
  }
  return BatchNorm{Tensor::from_vector(scale, Shape({channels})), Tensor::from_vector(shift, Shape({channels}))};
}

Tensor BatchNorm::operator()(const ExecContext &ctx, const Tensor &x) const {
  AIGC_CHECK(x.rank() >= 2 && x.shape()[1] == scale.numel(), Status::shape_mismatch,
             "BatchNorm: input {} does not have {} channels in dim 1", x.describe(), scale.numel());
  std::vector<int64_t> dims(size_t(x.rank()), 1);
  dims[1] = scale.numel();
  const Shape per_channel(dims);
  return ops::add(ctx, ops::mul(ctx, x, scale.reshape(per_channel)), shift.reshape(per_channel));
}

}  // namespace aigc::nn
