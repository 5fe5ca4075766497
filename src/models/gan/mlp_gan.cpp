#include "models/gan/mlp_gan.hpp"

#include "core/check.hpp"
#include "models/config_json.hpp"
#include "models/image_config.hpp"
#include "ops/copy.hpp"
#include "ops/unary.hpp"

namespace aigc::models {

namespace {

// Positive integers of the array `key` (required).
std::vector<int64_t> int_list(const nlohmann::json &j, const char *key) {
  auto it = j.find(key);
  AIGC_CHECK(it != j.end() && it->is_array(), Status::invalid_format,
             "mlp_gan config: '{}' must be an array of integers", key);
  std::vector<int64_t> out;
  for (const auto &v : *it) {
    AIGC_CHECK(v.is_number_integer() && v.get<int64_t>() > 0 && v.get<int64_t>() <= (int64_t(1) << 24),
               Status::invalid_format, "mlp_gan config: '{}' holds {}, not a positive integer", key,
               v.dump());
    out.push_back(v.get<int64_t>());
  }
  return out;
}


// Flattens a batch [N, d...] to [N, prod(d)] after checking d against `expected`.
Tensor flatten_batch(const ExecContext &ctx, const Tensor &x, const Shape &expected, const char *what) {
  Shape want({x.rank() > 0 ? x.size(0) : 0});
  for (int64_t d : expected) want.push_back(d);
  AIGC_CHECK(x.rank() == want.rank() && x.shape() == want && x.size(0) > 0, Status::shape_mismatch,
             "mlp_gan {}: expected f32 [N,{} with N >= 1, got {}", what, expected.to_string().substr(1),
             x.describe());
  x.check_dtype(DType::f32, what);
  return ops::contiguous(ctx, x).reshape(Shape({x.size(0), expected.numel()}));
}

}  // namespace

MlpGanConfig MlpGanConfig::from_json(const nlohmann::json &j) {
  MlpGanConfig c;
  c.latent_dim = json_int(j, "latent_dim", 0);
  AIGC_CHECK(c.latent_dim > 0 && c.latent_dim <= (int64_t(1) << 24), Status::invalid_format,
             "mlp_gan config: latent_dim must be positive, got {}", c.latent_dim);
  c.hidden_dims = int_list(j, "hidden_dims");
  c.discriminator_hidden_dims = int_list(j, "discriminator_hidden_dims");
  c.discriminator_negative_slope = json_float(j, "discriminator_negative_slope", 0.2f);
  const auto image = int_list(j, "image_shape");
  AIGC_CHECK(image.size() == 3, Status::invalid_format, "mlp_gan config: image_shape must be [C, H, W]");
  c.image_shape = Shape(image);
  c.pixel_range = pixel_range_from_config(j, "minus_one_one");
  return c;
}

// Linear layers of an nn.Sequential that alternates Linear and activation modules
// (indices 0, 2, 4, ...): in -> hidden... -> out.
static std::vector<nn::Linear> load_mlp(const nn::Scope &scope, int64_t in,
                                        const std::vector<int64_t> &hidden, int64_t out) {
  std::vector<int64_t> dims = {in};
  dims.insert(dims.end(), hidden.begin(), hidden.end());
  dims.push_back(out);
  std::vector<nn::Linear> layers;
  for (size_t i = 0; i + 1 < dims.size(); ++i)
    layers.push_back(nn::Linear::load(scope.at(int64_t(2 * i)), dims[i + 1], dims[i], nn::Bias::required));
  return layers;
}

MlpGanGenerator::MlpGanGenerator(const MlpGanConfig &config, const nn::WeightSource &weights,
                                 ImageModelInfo info)
    : config_(config), info_(std::move(info)) {
  layers_ = load_mlp(nn::Scope(weights).sub("generator"), config_.latent_dim, config_.hidden_dims,
                     config_.image_shape.numel());
  info_.num_classes = 0;
}

Tensor MlpGanGenerator::generate(const ExecContext &ctx, const Tensor &z, const Tensor &labels) const {
  AIGC_CHECK(!labels.defined(), Status::invalid_argument,
             "mlp_gan generate: the model is unconditional, labels must be empty");
  Tensor x = flatten_batch(ctx, z, latent_shape(), "generate latent");  // [N, latent]
  for (size_t i = 0; i < layers_.size(); ++i) {
    x = layers_[i](ctx, x);
    x = i + 1 < layers_.size() ? ops::relu(ctx, x) : ops::tanh(ctx, x);
  }
  Shape out({z.size(0)});
  for (int64_t d : config_.image_shape) out.push_back(d);
  return x.reshape(out);  // [N, C, H, W]
}

MlpGanDiscriminator::MlpGanDiscriminator(const MlpGanConfig &config, const nn::WeightSource &weights)
    : config_(config) {
  layers_ = load_mlp(nn::Scope(weights).sub("discriminator"), config_.image_shape.numel(),
                     config_.discriminator_hidden_dims, 1);
}

Tensor MlpGanDiscriminator::score_logits(const ExecContext &ctx, const Tensor &images) const {
  Tensor x = flatten_batch(ctx, images, config_.image_shape, "score_logits images");  // [N, C*H*W]
  for (size_t i = 0; i < layers_.size(); ++i) {
    x = layers_[i](ctx, x);
    if (i + 1 < layers_.size()) x = ops::leaky_relu(ctx, x, config_.discriminator_negative_slope);
  }
  return x;  // [N, 1]
}

std::shared_ptr<const Generator> load_mlp_gan_generator(const nn::WeightSource &weights,
                                                        const nlohmann::json &config, ImageModelInfo info) {
  return std::make_shared<MlpGanGenerator>(MlpGanConfig::from_json(config), weights, std::move(info));
}

std::shared_ptr<const Discriminator> load_mlp_gan_discriminator(const nn::WeightSource &weights,
                                                                const nlohmann::json &config,
                                                                ImageModelInfo /*info*/) {
  return std::make_shared<MlpGanDiscriminator>(MlpGanConfig::from_json(config), weights);
}

}  // namespace aigc::models
