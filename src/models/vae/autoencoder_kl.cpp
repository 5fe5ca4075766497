// Re-implementation of diffusers AutoencoderKL (autoencoders/autoencoder_kl.py, Encoder and
// Decoder in autoencoders/vae.py, DownEncoderBlock2D / UpDecoderBlock2D / UNetMidBlock2D in
// unets/unet_2d_blocks.py, Downsample2D / Upsample2D in downsampling.py / upsampling.py).
// The residual blocks and the mid-block attention are the UNet's (nn/resnet_block.hpp,
// nn/spatial_attention.hpp).
#include "models/vae/autoencoder_kl.hpp"

#include <algorithm>
#include <optional>

#include "core/check.hpp"
#include "models/config_json.hpp"
#include "nn/conv_layers.hpp"
#include "nn/resnet_block.hpp"
#include "nn/spatial_attention.hpp"
#include "ops/concat.hpp"
#include "ops/unary.hpp"
#include "ops/upsample.hpp"

namespace aigc::models {

namespace {

const auto kSame3x3 = ops::Conv2dOptions::square(1, 1);
const auto kPointwise = ops::Conv2dOptions::square(1, 0);

// UNetMidBlock2D(num_layers=1): resnets.0, attentions.0 (optional), resnets.1; attention with
// one head (AutoencoderKL passes attention_head_dim = channels).
struct MidBlock {
  nn::ResnetBlock2D resnet0, resnet1;
  std::optional<nn::SpatialSelfAttention> attention;

  static MidBlock load(const nn::Scope &s, int64_t channels, const AutoencoderKLConfig &c) {
    MidBlock m;
    m.resnet0 =
        nn::ResnetBlock2D::load(s.sub("resnets").at(0), channels, channels, 0, c.norm_num_groups, c.norm_eps);
    if (c.mid_block_add_attention)
      m.attention = nn::SpatialSelfAttention::load(s.sub("attentions").at(0), channels, c.norm_num_groups,
                                                   c.norm_eps, 1);
    m.resnet1 =
        nn::ResnetBlock2D::load(s.sub("resnets").at(1), channels, channels, 0, c.norm_num_groups, c.norm_eps);
    return m;
  }
  Tensor operator()(const ExecContext &ctx, Tensor x) const {
    x = resnet0(ctx, x, Tensor());
    if (attention) x = (*attention)(ctx, x);
    return resnet1(ctx, x, Tensor());
  }
};

// One DownEncoderBlock2D or UpDecoderBlock2D: resnets, then an optional resampler conv.
struct Stage {
  std::vector<nn::ResnetBlock2D> resnets;
  std::optional<nn::Conv2d> resample;  // downsamplers.0.conv (3x3 s2) / upsamplers.0.conv (3x3)
};

// Downsample2D(padding=0): zero-pad one column on the right and one row at the bottom
// (F.pad (0, 1, 0, 1)), then a 3x3 stride-2 convolution without padding.
Tensor pad_right_bottom(const ExecContext &ctx, const Tensor &x) {  // [N, C, H, W] -> [N, C, H+1, W+1]
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const Tensor col = ctx.backend->upload(Tensor::zeros(Shape({n, c, h, 1}), DType::f32));
  const Tensor wide = ops::concat(ctx, {x, col}, 3);
  const Tensor row = ctx.backend->upload(Tensor::zeros(Shape({n, c, 1, w + 1}), DType::f32));
  return ops::concat(ctx, {wide, row}, 2);
}

// conv_norm_out (GroupNorm) -> SiLU -> conv_out, the tail of Encoder and Decoder.
struct Head {
  nn::GroupNorm norm;
  nn::Conv2d conv;
  Tensor operator()(const ExecContext &ctx, const Tensor &x) const {
    return conv(ctx, ops::silu(ctx, norm(ctx, x)));
  }
};

Head load_head(const nn::Scope &s, int64_t in, int64_t out, const AutoencoderKLConfig &c) {
  return Head{nn::GroupNorm::load(s.sub("conv_norm_out"), c.norm_num_groups, in, c.norm_eps),
              nn::Conv2d::load(s.sub("conv_out"), in, out, 3, kSame3x3)};
}

// Elementwise clamp on the host copy (latent-sized tensor; exact, unlike relu tricks).
Tensor clamp(const ExecContext &ctx, const Tensor &x, float lo, float hi) {
  std::vector<float> v = ctx.backend->download(x).to_f32_vector();
  for (float &e : v) e = std::min(hi, std::max(lo, e));
  return ctx.backend->upload(Tensor::from_vector(v, x.shape()));
}

class AutoencoderKL final : public Autoencoder {
 public:
  AutoencoderKL(const nn::WeightSource &weights, AutoencoderKLConfig config, ImageModelInfo info)
      : info_(std::move(info)), config_(std::move(config)) {
    const AutoencoderKLConfig &c = config_;
    const nn::Scope root(weights);
    const int64_t groups = c.norm_num_groups;
    const size_t n_blocks = c.block_out_channels.size();
    const int64_t deepest = c.block_out_channels.back();

    // Encoder: conv_in -> down blocks (downsampler on all but the last) -> mid -> head (2L).
    const nn::Scope enc = root.sub("encoder");
    enc_conv_in_ = nn::Conv2d::load(enc.sub("conv_in"), c.in_channels, c.block_out_channels[0], 3, kSame3x3);
    int64_t ch = c.block_out_channels[0];
    for (size_t i = 0; i < n_blocks; ++i) {
      const nn::Scope b = enc.sub("down_blocks").at(int64_t(i));
      const int64_t out = c.block_out_channels[i];
      Stage st;
      for (int64_t j = 0; j < c.layers_per_block; ++j)
        st.resnets.push_back(nn::ResnetBlock2D::load(b.sub("resnets").at(j), j == 0 ? ch : out, out, 0,
                                                     int(groups), c.norm_eps));
      if (i + 1 < n_blocks)
        st.resample = nn::Conv2d::load(b.sub("downsamplers").at(0).sub("conv"), out, out, 3,
                                       ops::Conv2dOptions::square(2, 0));
      down_.push_back(std::move(st));
      ch = out;
    }
    enc_mid_ = MidBlock::load(enc.sub("mid_block"), deepest, c);
    enc_head_ = load_head(enc, deepest, 2 * c.latent_channels, c);  // double_z
    if (c.use_quant_conv)
      quant_conv_ = nn::Conv2d::load(root.sub("quant_conv"), 2 * c.latent_channels, 2 * c.latent_channels, 1,
                                     kPointwise);

    // Decoder: post_quant_conv -> conv_in -> mid -> up blocks over reversed channels
    // (layers_per_block + 1 resnets, upsampler on all but the last) -> head (out_channels).
    if (c.use_post_quant_conv)
      post_quant_conv_ =
          nn::Conv2d::load(root.sub("post_quant_conv"), c.latent_channels, c.latent_channels, 1, kPointwise);
    const nn::Scope dec = root.sub("decoder");
    dec_conv_in_ = nn::Conv2d::load(dec.sub("conv_in"), c.latent_channels, deepest, 3, kSame3x3);
    dec_mid_ = MidBlock::load(dec.sub("mid_block"), deepest, c);
    ch = deepest;
    for (size_t i = 0; i < n_blocks; ++i) {
      const nn::Scope b = dec.sub("up_blocks").at(int64_t(i));
      const int64_t out = c.block_out_channels[n_blocks - 1 - i];
      Stage st;
      for (int64_t j = 0; j <= c.layers_per_block; ++j)
        st.resnets.push_back(nn::ResnetBlock2D::load(b.sub("resnets").at(j), j == 0 ? ch : out, out, 0,
                                                     int(groups), c.norm_eps));
      if (i + 1 < n_blocks)
        st.resample = nn::Conv2d::load(b.sub("upsamplers").at(0).sub("conv"), out, out, 3, kSame3x3);
      up_.push_back(std::move(st));
      ch = out;
    }
    dec_head_ = load_head(dec, c.block_out_channels[0], c.out_channels, c);
  }

  const ImageModelInfo &info() const override { return info_; }
  bool has_encoder() const override { return true; }
  int64_t latent_channels() const override { return config_.latent_channels; }
  int64_t downscale_factor() const override { return config_.downscale_factor(); }
  Shape image_shape() const override { return Shape({config_.in_channels, 0, 0}); }
  PixelRange pixel_range() const override { return PixelRange::minus_one_one(); }
  float scaling_factor() const override { return config_.scaling_factor; }

  // images: [N, in, H, W] -> mean, logvar [N, L, H/f, W/f]
  LatentDistribution encode(const ExecContext &ctx, const Tensor &images) const override {
    const int64_t f = downscale_factor();
    AIGC_CHECK(images.rank() == 4 && images.size(1) == config_.in_channels, Status::shape_mismatch,
               "autoencoder_kl encode: images {} are not [N, {}, H, W]", images.describe(),
               config_.in_channels);
    AIGC_CHECK(images.dtype() == DType::f32, Status::invalid_argument,
               "autoencoder_kl encode: images {} are not f32", images.describe());
    AIGC_CHECK(images.size(0) > 0 && images.size(2) > 0 && images.size(3) > 0 && images.size(2) % f == 0 &&
                   images.size(3) % f == 0,
               Status::invalid_argument,
               "autoencoder_kl encode: image size {}x{} is not a positive multiple of {}", images.size(2),
               images.size(3), f);
    Tensor x = enc_conv_in_(ctx, images);
    for (const Stage &st : down_) {
      for (const auto &r : st.resnets) x = r(ctx, x, Tensor());
      if (st.resample) x = (*st.resample)(ctx, pad_right_bottom(ctx, x));
    }
    x = enc_head_(ctx, enc_mid_(ctx, x));  // [N, 2L, h, w]
    if (quant_conv_) x = (*quant_conv_)(ctx, x);
    const int64_t L = config_.latent_channels;
    const auto halves = ops::split(x, 1, {L, L});
    // DiagonalGaussianDistribution: logvar = clamp(logvar, -30, 20).
    return LatentDistribution{halves[0].contiguous(), clamp(ctx, halves[1], -30.f, 20.f)};
  }

  // latents: [N, L, h, w] (already divided by scaling_factor) -> [N, out, f*h, f*w]
  Tensor decode(const ExecContext &ctx, const Tensor &latents, const Tensor &labels) const override {
    AIGC_CHECK(!labels.defined(), Status::invalid_argument,
               "autoencoder_kl decode: the model takes no labels");
    AIGC_CHECK(latents.rank() == 4 && latents.size(1) == config_.latent_channels, Status::shape_mismatch,
               "autoencoder_kl decode: latents {} are not [N, {}, h, w]", latents.describe(),
               config_.latent_channels);
    AIGC_CHECK(latents.dtype() == DType::f32, Status::invalid_argument,
               "autoencoder_kl decode: latents {} are not f32", latents.describe());
    AIGC_CHECK(latents.size(0) > 0 && latents.size(2) > 0 && latents.size(3) > 0, Status::invalid_argument,
               "autoencoder_kl decode: latents {} are empty", latents.describe());
    Tensor x = post_quant_conv_ ? (*post_quant_conv_)(ctx, latents) : latents;
    x = dec_mid_(ctx, dec_conv_in_(ctx, x));
    for (const Stage &st : up_) {
      for (const auto &r : st.resnets) x = r(ctx, x, Tensor());
      if (st.resample) x = (*st.resample)(ctx, ops::upsample(ctx, x, UpsampleMode::nearest, 2));
    }
    return dec_head_(ctx, x);
  }

 private:
  ImageModelInfo info_;
  AutoencoderKLConfig config_;
  nn::Conv2d enc_conv_in_, dec_conv_in_;
  std::vector<Stage> down_, up_;
  MidBlock enc_mid_, dec_mid_;
  Head enc_head_, dec_head_;
  std::optional<nn::Conv2d> quant_conv_, post_quant_conv_;
};

std::vector<std::string> string_list(const nlohmann::json &j, const char *key) {
  auto it = j.find(key);
  AIGC_CHECK(it != j.end() && it->is_array(), Status::invalid_format, "config.json: '{}' is not a list", key);
  std::vector<std::string> out;
  for (const auto &e : *it) {
    AIGC_CHECK(e.is_string(), Status::invalid_format, "config.json: '{}' holds a non-string", key);
    out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace

AutoencoderKLConfig AutoencoderKLConfig::from_json(const nlohmann::json &j) {
  AIGC_CHECK(j.is_object(), Status::invalid_format, "autoencoder_kl: config.json is not an object");
  AutoencoderKLConfig c;
  c.in_channels = json_int(j, "in_channels", c.in_channels);
  c.out_channels = json_int(j, "out_channels", c.out_channels);
  c.layers_per_block = json_int(j, "layers_per_block", c.layers_per_block);
  c.latent_channels = json_int(j, "latent_channels", c.latent_channels);
  const int64_t groups = json_int(j, "norm_num_groups", c.norm_num_groups);
  AIGC_CHECK(groups > 0 && groups <= 4096, Status::invalid_format,
             "autoencoder_kl: norm_num_groups = {} is out of range", groups);
  c.norm_num_groups = int(groups);
  c.scaling_factor = json_float(j, "scaling_factor", c.scaling_factor);
  c.sample_size = json_int(j, "sample_size", c.sample_size);
  c.mid_block_add_attention = json_bool(j, "mid_block_add_attention", c.mid_block_add_attention);
  c.use_quant_conv = json_bool(j, "use_quant_conv", c.use_quant_conv);
  c.use_post_quant_conv = json_bool(j, "use_post_quant_conv", c.use_post_quant_conv);
  if (j.contains("block_out_channels")) {
    const auto &b = j.at("block_out_channels");
    AIGC_CHECK(b.is_array(), Status::invalid_format, "config.json: 'block_out_channels' is not a list");
    c.block_out_channels.clear();
    for (size_t i = 0; i < b.size(); ++i) {
      const nlohmann::json one = {{"v", b[i]}};
      c.block_out_channels.push_back(json_int(one, "v", 0));
    }
  }
  const std::string act = json_string(j, "act_fn", "silu");
  AIGC_CHECK(act == "silu" || act == "swish", Status::unsupported,
             "autoencoder_kl: act_fn '{}' is not supported", act);
  const std::string norm = json_string(j, "norm_type", "group");
  AIGC_CHECK(norm == "group", Status::unsupported, "autoencoder_kl: norm_type '{}' is not supported", norm);
  const size_t n = c.block_out_channels.size();
  if (j.contains("down_block_types")) {
    const auto types = string_list(j, "down_block_types");
    AIGC_CHECK(types.size() == n, Status::invalid_format,
               "autoencoder_kl: {} down_block_types for {} block_out_channels", types.size(), n);
    for (const auto &t : types)
      AIGC_CHECK(t == "DownEncoderBlock2D", Status::unsupported,
                 "autoencoder_kl: down block '{}' is not supported", t);
  }
  if (j.contains("up_block_types")) {
    const auto types = string_list(j, "up_block_types");
    AIGC_CHECK(types.size() == n, Status::invalid_format,
               "autoencoder_kl: {} up_block_types for {} block_out_channels", types.size(), n);
    for (const auto &t : types)
      AIGC_CHECK(t == "UpDecoderBlock2D", Status::unsupported,
                 "autoencoder_kl: up block '{}' is not supported", t);
  }
  c.validate();
  return c;
}

void AutoencoderKLConfig::validate() const {
  auto in_range = [](int64_t v) { return v > 0 && v <= 65536; };
  AIGC_CHECK(in_range(in_channels) && in_range(out_channels) && in_range(latent_channels),
             Status::invalid_format, "autoencoder_kl: channel counts in {} out {} latent {} out of range",
             in_channels, out_channels, latent_channels);
  AIGC_CHECK(!block_out_channels.empty() && block_out_channels.size() <= 8, Status::invalid_format,
             "autoencoder_kl: {} blocks (1 to 8 supported)", block_out_channels.size());
  for (int64_t ch : block_out_channels)
    AIGC_CHECK(in_range(ch) && norm_num_groups > 0 && ch % norm_num_groups == 0, Status::invalid_format,
               "autoencoder_kl: block width {} does not split into {} groups", ch, norm_num_groups);
  AIGC_CHECK(layers_per_block > 0 && layers_per_block <= 64, Status::invalid_format,
             "autoencoder_kl: layers_per_block = {} is out of range", layers_per_block);
  AIGC_CHECK(scaling_factor > 0, Status::invalid_format,
             "autoencoder_kl: scaling_factor = {} is not positive", scaling_factor);
}

std::shared_ptr<const Autoencoder> load_autoencoder_kl(const nn::WeightSource &weights,
                                                       const nlohmann::json &config, ImageModelInfo info) {
  AutoencoderKLConfig c = AutoencoderKLConfig::from_json(config);
  if (info.architecture.empty()) info.architecture = "autoencoder_kl";
  return std::make_shared<const AutoencoderKL>(weights, std::move(c), std::move(info));
}

}  // namespace aigc::models
