// Fully connected VAE for 28x28 MNIST (the pytorch/examples VAE):
//   encode: x [N, 784] -> fc1 -> ReLU -> fc21 (mean), fc22 (log variance)   [N, latent]
//   decode: z [N, latent] -> fc3 -> ReLU -> fc4 -> sigmoid                  [N, 784]
// Reference: csinva/gan-vae-pretrained-pytorch, mnist_vae/vae.py (class VAE).
// Images are [N, C, H, W] in [0, 1] here (flattened row-major for the MLP).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "models/image_model.hpp"
#include "nn/layers.hpp"

namespace aigc::models {

struct MlpVaeConfig {
  Shape image_shape;  // [C, H, W]
  int64_t hidden_dim = 400;
  int64_t latent_dim = 20;
  PixelRange pixel_range = PixelRange::zero_one();
  static MlpVaeConfig from_json(const nlohmann::json &config);
};

class MlpVae final : public Autoencoder {
 public:
  MlpVae(const MlpVaeConfig &config, const nn::WeightSource &weights, ImageModelInfo info);
  const ImageModelInfo &info() const override { return info_; }
  bool has_encoder() const override { return true; }
  int64_t latent_channels() const override { return config_.latent_dim; }
  int64_t downscale_factor() const override { return 0; }
  Shape image_shape() const override { return config_.image_shape; }
  PixelRange pixel_range() const override { return config_.pixel_range; }
  // images [N, C, H, W] -> mean, logvar [N, latent]
  LatentDistribution encode(const ExecContext &ctx, const Tensor &images) const override;
  // latents [N, latent] -> images [N, C, H, W] in [0, 1]; labels must be undefined.
  Tensor decode(const ExecContext &ctx, const Tensor &latents, const Tensor &labels) const override;

 private:
  MlpVaeConfig config_;
  ImageModelInfo info_;
  nn::Linear fc1_, fc21_, fc22_, fc3_, fc4_;
};

std::shared_ptr<const Autoencoder> load_mlp_vae(const nn::WeightSource &weights, const nlohmann::json &config,
                                                ImageModelInfo info);

}  // namespace aigc::models
