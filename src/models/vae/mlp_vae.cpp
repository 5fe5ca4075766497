#include "models/vae/mlp_vae.hpp"

#include "core/check.hpp"
#include "models/config_json.hpp"
#include "models/image_config.hpp"
#include "ops/copy.hpp"
#include "ops/unary.hpp"

namespace aigc::models {

namespace {


int64_t positive_int(const nlohmann::json &j, const char *key) {
  const int64_t v = json_int(j, key, 0);
  AIGC_CHECK(v > 0 && v <= (int64_t(1) << 24), Status::invalid_format,
             "mlp_vae config: '{}' must be a positive integer, got {}", key, v);
  return v;
}

}  // namespace

MlpVaeConfig MlpVaeConfig::from_json(const nlohmann::json &j) {
  MlpVaeConfig c;
  c.hidden_dim = positive_int(j, "hidden_dim");
  c.latent_dim = positive_int(j, "latent_dim");
  auto it = j.find("image_shape");
  AIGC_CHECK(it != j.end() && it->is_array() && it->size() == 3, Status::invalid_format,
             "mlp_vae config: image_shape must be [C, H, W]");
  for (const auto &v : *it) {
    AIGC_CHECK(v.is_number_integer() && v.get<int64_t>() > 0 && v.get<int64_t>() <= (int64_t(1) << 16),
               Status::invalid_format, "mlp_vae config: image_shape holds {}, not a positive integer",
               v.dump());
    c.image_shape.push_back(v.get<int64_t>());
  }
  c.pixel_range = pixel_range_from_config(j, "zero_one");
  return c;
}

MlpVae::MlpVae(const MlpVaeConfig &config, const nn::WeightSource &weights, ImageModelInfo info)
    : config_(config), info_(std::move(info)) {
  const nn::Scope root(weights);
  const int64_t pixels = config_.image_shape.numel(), hidden = config_.hidden_dim,
                latent = config_.latent_dim;
  fc1_ = nn::Linear::load(root.sub("fc1"), hidden, pixels, nn::Bias::required);
  fc21_ = nn::Linear::load(root.sub("fc21"), latent, hidden, nn::Bias::required);
  fc22_ = nn::Linear::load(root.sub("fc22"), latent, hidden, nn::Bias::required);
  fc3_ = nn::Linear::load(root.sub("fc3"), hidden, latent, nn::Bias::required);
  fc4_ = nn::Linear::load(root.sub("fc4"), pixels, hidden, nn::Bias::required);
  info_.num_classes = 0;
}

LatentDistribution MlpVae::encode(const ExecContext &ctx, const Tensor &images) const {
  const Shape &s = config_.image_shape;
  AIGC_CHECK(images.rank() == 4 && images.size(0) > 0 && images.size(1) == s[0] && images.size(2) == s[1] &&
                 images.size(3) == s[2],
             Status::shape_mismatch, "mlp_vae encode: images must be f32 [N, {}, {}, {}], got {}", s[0], s[1],
             s[2], images.describe());
  images.check_dtype(DType::f32, "mlp_vae encode");
  const Tensor x = ops::contiguous(ctx, images).reshape(Shape({images.size(0), s.numel()}));  // [N, C*H*W]
  const Tensor h = ops::relu(ctx, fc1_(ctx, x));                                              // [N, hidden]
  return {fc21_(ctx, h), fc22_(ctx, h)};  // [N, latent] x2
}

Tensor MlpVae::decode(const ExecContext &ctx, const Tensor &latents, const Tensor &labels) const {
  AIGC_CHECK(!labels.defined(), Status::invalid_argument,
             "mlp_vae decode: the model is unconditional, labels must be empty");
  AIGC_CHECK(latents.rank() == 2 && latents.size(0) > 0 && latents.size(1) == config_.latent_dim,
             Status::shape_mismatch, "mlp_vae decode: latents must be f32 [N, {}], got {}",
             config_.latent_dim, latents.describe());
  latents.check_dtype(DType::f32, "mlp_vae decode");
  const Tensor h = ops::relu(ctx, fc3_(ctx, latents));  // [N, hidden]
  const Tensor x = ops::sigmoid(ctx, fc4_(ctx, h));     // [N, C*H*W]
  const Shape &s = config_.image_shape;
  return x.reshape(Shape({latents.size(0), s[0], s[1], s[2]}));  // [N, C, H, W]
}

std::shared_ptr<const Autoencoder> load_mlp_vae(const nn::WeightSource &weights, const nlohmann::json &config,
                                                ImageModelInfo info) {
  return std::make_shared<MlpVae>(MlpVaeConfig::from_json(config), weights, std::move(info));
}

}  // namespace aigc::models
