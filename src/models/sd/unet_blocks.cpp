#include "models/sd/unet_blocks.hpp"

#include "core/check.hpp"
#include "ops/concat.hpp"
#include "ops/upsample.hpp"

namespace aigc::models::sd {

namespace {

nn::Transformer2DModel load_attention(const nn::Scope &scope, int64_t channels, const UNetBlockOptions &o) {
  nn::Transformer2DOptions t = o.attention;
  AIGC_CHECK(t.heads > 0 && channels % t.heads == 0, Status::invalid_format,
             "unet config: {} channels do not split into {} attention heads", channels, t.heads);
  t.head_dim = channels / t.heads;  // diffusers: Transformer2DModel(heads, out_channels // heads)
  t.groups = o.groups;
  return nn::Transformer2DModel::load(scope, channels, t);
}

}  // namespace

UNetDownBlock UNetDownBlock::load(const nn::Scope &scope, int64_t in_channels, int64_t out_channels,
                                  int64_t num_layers, bool add_downsample, const UNetBlockOptions &o) {
  UNetDownBlock b;
  for (int64_t i = 0; i < num_layers; ++i) {
    b.resnets.push_back(nn::ResnetBlock2D::load(scope.sub("resnets").at(i), i == 0 ? in_channels : out_channels,
                                                out_channels, o.temb_channels, o.groups, o.eps));
    if (o.has_attention) b.attentions.push_back(load_attention(scope.sub("attentions").at(i), out_channels, o));
  }
  if (add_downsample)
    b.downsampler = nn::Conv2d::load(scope.sub("downsamplers").at(0).sub("conv"), out_channels, out_channels, 3,
                                     ops::Conv2dOptions::square(2, 1));
  return b;
}

Tensor UNetDownBlock::operator()(const ExecContext &ctx, Tensor h, const Tensor &temb, const Tensor &context,
                                 std::vector<Tensor> &skips) const {
  for (size_t i = 0; i < resnets.size(); ++i) {
    h = resnets[i](ctx, h, temb);
    if (!attentions.empty()) h = attentions[i](ctx, h, context);
    skips.push_back(h);
  }
  if (downsampler.weight.defined()) {
    h = downsampler(ctx, h);
    skips.push_back(h);
  }
  return h;
}

UNetMidBlock UNetMidBlock::load(const nn::Scope &scope, int64_t channels, int64_t num_layers,
                                const UNetBlockOptions &o) {
  UNetMidBlock b;
  for (int64_t i = 0; i <= num_layers; ++i)
    b.resnets.push_back(
        nn::ResnetBlock2D::load(scope.sub("resnets").at(i), channels, channels, o.temb_channels, o.groups, o.eps));
  for (int64_t i = 0; i < num_layers; ++i)
    b.attentions.push_back(load_attention(scope.sub("attentions").at(i), channels, o));
  return b;
}

Tensor UNetMidBlock::operator()(const ExecContext &ctx, Tensor h, const Tensor &temb, const Tensor &context) const {
  h = resnets[0](ctx, h, temb);
  for (size_t i = 0; i < attentions.size(); ++i) {
    h = attentions[i](ctx, h, context);
    h = resnets[i + 1](ctx, h, temb);
  }
  return h;
}

UNetUpBlock UNetUpBlock::load(const nn::Scope &scope, int64_t prev_output_channels, int64_t out_channels,
                              const std::vector<int64_t> &skip_channels, bool add_upsample,
                              const UNetBlockOptions &o) {
  UNetUpBlock b;
  for (size_t i = 0; i < skip_channels.size(); ++i) {
    const int64_t in = (i == 0 ? prev_output_channels : out_channels) + skip_channels[i];
    const auto layer = int64_t(i);
    b.resnets.push_back(
        nn::ResnetBlock2D::load(scope.sub("resnets").at(layer), in, out_channels, o.temb_channels, o.groups, o.eps));
    if (o.has_attention) b.attentions.push_back(load_attention(scope.sub("attentions").at(layer), out_channels, o));
  }
  if (add_upsample)
    b.upsampler = nn::Conv2d::load(scope.sub("upsamplers").at(0).sub("conv"), out_channels, out_channels, 3,
                                   ops::Conv2dOptions::square(1, 1));
  return b;
}

Tensor UNetUpBlock::operator()(const ExecContext &ctx, Tensor h, const Tensor &temb, const Tensor &context,
                               std::vector<Tensor> &skips) const {
  for (size_t i = 0; i < resnets.size(); ++i) {
    AIGC_ASSERT(!skips.empty());
    h = ops::concat(ctx, {h, skips.back()}, 1);  // [N, C_h + C_skip, H, W]
    skips.pop_back();
    h = resnets[i](ctx, h, temb);
    if (!attentions.empty()) h = attentions[i](ctx, h, context);
  }
  // Sizes are multiples of the UNet's factor, so nearest x2 lands on the skip sizes exactly.
  if (upsampler.weight.defined()) h = upsampler(ctx, ops::upsample(ctx, h, UpsampleMode::nearest, 2));
  return h;
}

}  // namespace aigc::models::sd
