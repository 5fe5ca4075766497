// MLP GAN for 28x28 MNIST digits: a fully connected generator (latent -> ReLU hidden
// layers -> tanh image) and discriminator (image -> LeakyReLU hidden layers -> logit).
// Reference: csinva/gan-vae-pretrained-pytorch, mnist_gan_mlp/gan_mnist.py (nn.Sequential
// G and D; D's final Sigmoid is left to the caller: score_logits returns the logit).
// Weights: generator.{0,2,4}.{weight,bias}, discriminator.{0,2,4}.{weight,bias}.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "models/image_model.hpp"
#include "nn/layers.hpp"

namespace aigc::models {

struct MlpGanConfig {
  int64_t latent_dim = 64;
  std::vector<int64_t> hidden_dims;                // generator, e.g. [256, 256]
  std::vector<int64_t> discriminator_hidden_dims;  // e.g. [256, 256]
  float discriminator_negative_slope = 0.2f;
  Shape image_shape;  // [C, H, W]
  PixelRange pixel_range;
  static MlpGanConfig from_json(const nlohmann::json &config);
};

class MlpGanGenerator final : public Generator {
 public:
  MlpGanGenerator(const MlpGanConfig &config, const nn::WeightSource &weights, ImageModelInfo info);
  const ImageModelInfo &info() const override { return info_; }
  Shape latent_shape() const override { return Shape({config_.latent_dim}); }
  Shape image_shape() const override { return config_.image_shape; }
  PixelRange pixel_range() const override { return config_.pixel_range; }
  // z: [N, latent_dim] -> [N, C, H, W] in [-1, 1]; labels must be undefined.
  Tensor generate(const ExecContext &ctx, const Tensor &z, const Tensor &labels) const override;

 private:
  MlpGanConfig config_;
  ImageModelInfo info_;
  std::vector<nn::Linear> layers_;  // generator.{0,2,4,...}
};

class MlpGanDiscriminator final : public Discriminator {
 public:
  MlpGanDiscriminator(const MlpGanConfig &config, const nn::WeightSource &weights);
  Shape image_shape() const override { return config_.image_shape; }
  // images: [N, C, H, W] -> logits [N, 1]
  Tensor score_logits(const ExecContext &ctx, const Tensor &images) const override;

 private:
  MlpGanConfig config_;
  std::vector<nn::Linear> layers_;  // discriminator.{0,2,4,...}
};

std::shared_ptr<const Generator> load_mlp_gan_generator(const nn::WeightSource &weights,
                                                        const nlohmann::json &config, ImageModelInfo info);
std::shared_ptr<const Discriminator> load_mlp_gan_discriminator(const nn::WeightSource &weights,
                                                                const nlohmann::json &config,
                                                                ImageModelInfo info);

}  // namespace aigc::models
