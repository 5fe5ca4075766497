// Re-implementation of madebyollin/taesd taesd.py (Encoder, Decoder, Block, Clamp) at commit
// 5cccb12d; layer indices below are the nn.Sequential indices that name the weights.
#include "models/vae/taesd.hpp"

#include <optional>

#include "core/check.hpp"
#include "models/config_json.hpp"
#include "models/image_config.hpp"
#include "nn/conv_layers.hpp"
#include "ops/binary.hpp"
#include "ops/unary.hpp"
#include "ops/upsample.hpp"

namespace aigc::models {

namespace {

// taesd.py conv(): 3x3, padding 1.
nn::Conv2d load_conv3(const nn::Scope &scope, int64_t in, int64_t out, int stride, nn::Bias bias) {
  return nn::Conv2d::load(scope, in, out, 3, ops::Conv2dOptions::square(stride, 1), bias);
}

}  // namespace

// taesd.py Block(n, n, use_midblock_gn): every released TAESD has n_in == n_out, so `skip`
// is the identity.
//   pool (optional): x += conv1x1(relu(GroupNorm(4, 4n)(conv1x1(x))))   (no conv biases)
//   out = relu(conv(relu(conv(relu(conv(x))))) + x)
struct TaesdBlock {
  nn::Conv2d conv0, conv2, conv4;               // conv.0 / conv.2 / conv.4: [n, n, 3, 3]
  std::optional<nn::Conv2d> pool_in, pool_out;  // pool.0 [4n, n, 1, 1], pool.3 [n, 4n, 1, 1]
  std::optional<nn::GroupNorm> pool_norm;       // pool.1 [4n]

  static TaesdBlock load(const nn::Scope &scope, int64_t n, bool with_gn, int gn_groups) {
    TaesdBlock b;
    const nn::Scope conv = scope.sub("conv");
    b.conv0 = load_conv3(conv.at(0), n, n, 1, nn::Bias::required);
    b.conv2 = load_conv3(conv.at(2), n, n, 1, nn::Bias::required);
    b.conv4 = load_conv3(conv.at(4), n, n, 1, nn::Bias::required);
    const nn::Scope pool = scope.sub("pool");
    if (with_gn) {
      const int64_t wide = 4 * n;
      b.pool_in = nn::Conv2d::load(pool.at(0), n, wide, 1, {}, nn::Bias::none);
      // nn.GroupNorm default eps 1e-5.
      b.pool_norm = nn::GroupNorm::load(pool.at(1), gn_groups, wide, 1e-5f);
      b.pool_out = nn::Conv2d::load(pool.at(3), wide, n, 1, {}, nn::Bias::none);
    } else {
      // A file with the branch loaded under a config without it would silently compute
      // something else: reject it.
      AIGC_CHECK(!scope.find("pool.0.weight", Shape({4 * n, n, 1, 1})).has_value(), Status::invalid_format,
                 "taesd: weights have a GroupNorm branch but config.json says use_midblock_gn false");
    }
    return b;
  }

  // x: [N, n, H, W] -> [N, n, H, W]
  Tensor operator()(const ExecContext &ctx, Tensor x) const {
    if (pool_in)
      x = ops::add(ctx, x, (*pool_out)(ctx, ops::relu(ctx, (*pool_norm)(ctx, (*pool_in)(ctx, x)))));
    Tensor y = ops::relu(ctx, conv0(ctx, x));
    y = ops::relu(ctx, conv2(ctx, y));
    y = conv4(ctx, y);
    return ops::relu(ctx, ops::add(ctx, y, x));
  }
};

struct Taesd::Layer {
  enum class Kind { conv, block, relu, clamp, upsample } kind;
  std::optional<nn::Conv2d> conv;
  std::optional<TaesdBlock> block;
};

namespace {

using Layer = Taesd::Layer;
using Kind = Taesd::Layer::Kind;

Layer conv_layer(nn::Conv2d c) { return Layer{Kind::conv, std::move(c), std::nullopt}; }
Layer block_layer(TaesdBlock b) { return Layer{Kind::block, std::nullopt, std::move(b)}; }
Layer plain_layer(Kind kind) { return Layer{kind, std::nullopt, std::nullopt}; }

// taesd.py Encoder: conv(3, n), Block, then 3 x [conv stride 2 no bias, 3 x Block]
// (the GroupNorm branch in the last, lowest-resolution group), conv(n, latent).
std::vector<Layer> load_encoder(const nn::Scope &s, const TaesdConfig &c) {
  const int64_t n = c.channels;
  std::vector<Layer> layers;
  layers.push_back(conv_layer(load_conv3(s.at(0), 3, n, 1, nn::Bias::required)));
  layers.push_back(block_layer(TaesdBlock::load(s.at(1), n, false, c.gn_groups)));
  for (int group = 0; group < 3; ++group) {
    const int base = 2 + 4 * group;  // 2, 6, 10
    const bool gn = c.use_midblock_gn && group == 2;
    layers.push_back(conv_layer(load_conv3(s.at(base), n, n, 2, nn::Bias::none)));
    for (int i = 1; i <= 3; ++i)
      layers.push_back(block_layer(TaesdBlock::load(s.at(base + i), n, gn, c.gn_groups)));
  }
  layers.push_back(conv_layer(load_conv3(s.at(14), n, c.latent_channels, 1, nn::Bias::required)));
  return layers;
}

// taesd.py Decoder: Clamp (tanh(x/3)*3), conv(latent, n), ReLU, then 3 x [3 x Block
// (GroupNorm branch in the first, lowest-resolution group), nearest x2, conv no bias],
// Block, conv(n, 3). `offset` = -1 for diffusers AutoencoderTiny, whose Sequential has no
// Clamp (it applies tanh in forward) so every index is one lower.
std::vector<Layer> load_decoder(const nn::Scope &s, const TaesdConfig &c, int offset) {
  const int64_t n = c.channels;
  std::vector<Layer> layers;
  layers.push_back(plain_layer(Kind::clamp));
  layers.push_back(conv_layer(load_conv3(s.at(1 + offset), c.latent_channels, n, 1, nn::Bias::required)));
  layers.push_back(plain_layer(Kind::relu));
  for (int group = 0; group < 3; ++group) {
    const int base = 3 + 5 * group;  // 3, 8, 13
    const bool gn = c.use_midblock_gn && group == 0;
    for (int i = 0; i < 3; ++i)
      layers.push_back(block_layer(TaesdBlock::load(s.at(base + i + offset), n, gn, c.gn_groups)));
    layers.push_back(plain_layer(Kind::upsample));
    layers.push_back(conv_layer(load_conv3(s.at(base + 4 + offset), n, n, 1, nn::Bias::none)));
  }
  layers.push_back(block_layer(TaesdBlock::load(s.at(18 + offset), n, false, c.gn_groups)));
  layers.push_back(conv_layer(load_conv3(s.at(19 + offset), n, 3, 1, nn::Bias::required)));
  return layers;
}

Tensor run_layers(const ExecContext &ctx, const std::vector<Layer> &layers, Tensor x,
                  const TaesdLayerObserver &observer) {
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer &l = layers[i];
    switch (l.kind) {
      case Kind::conv:
        x = (*l.conv)(ctx, x);
        break;
      case Kind::block:
        x = (*l.block)(ctx, x);
        break;
      case Kind::relu:
        x = ops::relu(ctx, x);
        break;
      // Soft clamp of the latent to (-3, 3) (taesd.py Clamp).
      case Kind::clamp:
        x = ops::scale(ctx, ops::tanh(ctx, ops::scale(ctx, x, 1.f / 3.f)), 3.f);
        break;
      case Kind::upsample:
        x = ops::upsample(ctx, x, UpsampleMode::nearest, 2);
        break;
    }
    if (observer) observer(int(i), x);
  }
  return x;
}


}  // namespace

TaesdConfig TaesdConfig::from_json(const nlohmann::json &j) {
  AIGC_CHECK(j.is_object(), Status::invalid_format, "taesd: config.json is not an object");
  TaesdConfig c;
  c.latent_channels = json_int(j, "latent_channels", c.latent_channels);
  c.channels = json_int(j, "channels", c.channels);
  c.use_midblock_gn = json_bool(j, "use_midblock_gn", c.use_midblock_gn);
  c.pixel_range = pixel_range_from_config(j, "zero_one");
  c.validate();
  return c;
}

void TaesdConfig::validate() const {
  AIGC_CHECK(latent_channels > 0 && latent_channels <= 4096, Status::invalid_format,
             "taesd: latent_channels = {} is out of range", latent_channels);
  AIGC_CHECK(channels > 0 && channels <= 4096, Status::invalid_format, "taesd: channels = {} is out of range",
             channels);
  AIGC_CHECK(gn_groups > 0 && (4 * channels) % gn_groups == 0, Status::invalid_format,
             "taesd: {} GroupNorm groups do not divide {} channels", gn_groups, 4 * channels);
}

Taesd::~Taesd() = default;

std::shared_ptr<const Taesd> Taesd::load(const nn::WeightSource &weights, const TaesdConfig &config,
                                         ImageModelInfo info) {
  config.validate();
  std::shared_ptr<Taesd> m(new Taesd());
  m->info_ = std::move(info);
  if (m->info_.architecture.empty()) m->info_.architecture = "taesd";
  m->config_ = config;
  const nn::Scope root(weights);
  // Upstream layout ("decoder.1.weight") or diffusers AutoencoderTiny ("decoder.layers.0.weight").
  const bool diffusers = weights.find("decoder.layers.0.weight").has_value();
  const nn::Scope enc = diffusers ? root.sub("encoder").sub("layers") : root.sub("encoder");
  const nn::Scope dec = diffusers ? root.sub("decoder").sub("layers") : root.sub("decoder");
  if (weights.find(diffusers ? "encoder.layers.0.weight" : "encoder.0.weight").has_value())
    m->encoder_ = load_encoder(enc, config);
  m->decoder_ = load_decoder(dec, config, diffusers ? -1 : 0);
  return m;
}

bool Taesd::has_encoder() const { return !encoder_.empty(); }

Tensor Taesd::encode_traced(const ExecContext &ctx, const Tensor &images,
                            const TaesdLayerObserver &observer) const {
  AIGC_CHECK(has_encoder(), Status::invalid_argument, "taesd encode: model '{}' has no encoder", info_.name);
  AIGC_CHECK(images.rank() == 4 && images.size(1) == 3, Status::shape_mismatch,
             "taesd encode: images {} are not [N, 3, H, W]", images.describe());
  AIGC_CHECK(images.dtype() == DType::f32, Status::invalid_argument, "taesd encode: images {} are not f32",
             images.describe());
  AIGC_CHECK(images.size(0) > 0 && images.size(2) > 0 && images.size(3) > 0 && images.size(2) % 8 == 0 &&
                 images.size(3) % 8 == 0,
             Status::invalid_argument, "taesd encode: image size {}x{} is not a positive multiple of 8",
             images.size(2), images.size(3));
  return run_layers(ctx, encoder_, images, observer);
}

Tensor Taesd::decode_traced(const ExecContext &ctx, const Tensor &latents,
                            const TaesdLayerObserver &observer) const {
  AIGC_CHECK(latents.rank() == 4 && latents.size(1) == config_.latent_channels, Status::shape_mismatch,
             "taesd decode: latents {} are not [N, {}, h, w]", latents.describe(), config_.latent_channels);
  AIGC_CHECK(latents.dtype() == DType::f32, Status::invalid_argument, "taesd decode: latents {} are not f32",
             latents.describe());
  AIGC_CHECK(latents.size(0) > 0 && latents.size(2) > 0 && latents.size(3) > 0, Status::invalid_argument,
             "taesd decode: latents {} are empty", latents.describe());
  return run_layers(ctx, decoder_, latents, observer);
}

LatentDistribution Taesd::encode(const ExecContext &ctx, const Tensor &images) const {
  return LatentDistribution{encode_traced(ctx, images, nullptr), Tensor()};
}

Tensor Taesd::decode(const ExecContext &ctx, const Tensor &latents, const Tensor &labels) const {
  AIGC_CHECK(!labels.defined(), Status::invalid_argument, "taesd decode: the model takes no labels");
  return decode_traced(ctx, latents, nullptr);
}

std::shared_ptr<const Autoencoder> load_taesd(const nn::WeightSource &weights, const nlohmann::json &config,
                                              ImageModelInfo info) {
  return Taesd::load(weights, TaesdConfig::from_json(config), std::move(info));
}

}  // namespace aigc::models
