#include "nn/resnet_block.hpp"

#include "core/check.hpp"
#include "ops/binary.hpp"
#include "ops/unary.hpp"

namespace aigc::nn {

ResnetBlock2D ResnetBlock2D::load(const Scope &scope, int64_t in_channels, int64_t out_channels,
                                  int64_t temb_channels, int groups, float eps) {
  AIGC_CHECK(in_channels > 0 && out_channels > 0 && temb_channels >= 0, Status::invalid_argument,
             "ResnetBlock2D: bad channel counts in {} out {} temb {}", in_channels, out_channels,
             temb_channels);
  ResnetBlock2D b;
  b.in_channels = in_channels;
  b.out_channels = out_channels;
  b.temb_channels = temb_channels;
  const auto same = ops::Conv2dOptions::square(1, 1);
  b.norm1 = GroupNorm::load(scope.sub("norm1"), groups, in_channels, eps);
  b.conv1 = Conv2d::load(scope.sub("conv1"), in_channels, out_channels, 3, same);
  if (temb_channels > 0)
    b.time_emb_proj = Linear::load(scope.sub("time_emb_proj"), out_channels, temb_channels, Bias::required);
  b.norm2 = GroupNorm::load(scope.sub("norm2"), groups, out_channels, eps);
  b.conv2 = Conv2d::load(scope.sub("conv2"), out_channels, out_channels, 3, same);
  if (in_channels != out_channels)
    b.conv_shortcut = Conv2d::load(scope.sub("conv_shortcut"), in_channels, out_channels, 1,
                                   ops::Conv2dOptions::square(1, 0));
  return b;
}

Tensor ResnetBlock2D::operator()(const ExecContext &ctx, const Tensor &x, const Tensor &temb) const {
  AIGC_CHECK(x.rank() == 4 && x.size(1) == in_channels, Status::shape_mismatch,
             "ResnetBlock2D: input {} is not [N, {}, H, W]", x.describe(), in_channels);
  Tensor h = conv1(ctx, ops::silu(ctx, norm1(ctx, x)));  // [N, out, H, W]
  if (temb_channels > 0) {
    AIGC_CHECK(temb.defined() && temb.rank() == 2 && temb.size(0) == x.size(0) &&
                   temb.size(1) == temb_channels,
               Status::shape_mismatch, "ResnetBlock2D: time embedding {} is not [{}, {}]",
               temb.defined() ? temb.describe() : std::string("(none)"), x.size(0), temb_channels);
    const Tensor t = time_emb_proj(ctx, ops::silu(ctx, temb));  // [N, out]
    h = ops::add(ctx, h, t.reshape(Shape({t.size(0), out_channels, 1, 1})));
  }
  h = conv2(ctx, ops::silu(ctx, norm2(ctx, h)));
  const Tensor shortcut = conv_shortcut.weight.defined() ? conv_shortcut(ctx, x) : x;
  return ops::add(ctx, shortcut, h);
}

}  // namespace aigc::nn
