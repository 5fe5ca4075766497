// DCGAN generator for MNIST: a stack of ConvTranspose2d (no padding) + BatchNorm2d (eval,
// running statistics) + ReLU blocks, the last ConvTranspose2d followed by tanh.
// Latent [z_dim, 1, 1]; spatial size grows 1 -> 3 -> 6 -> 13 -> 28 for the MNIST model.
// Reference: Ryhan9834/DigitDCGAN-Digit-Generation-with-DCGAN, streamlit_app.py
// (class Generator, make_gen_block). Weights: gen.{i}.0.* (ConvTranspose2d),
// gen.{i}.1.* (BatchNorm2d, all blocks but the last).
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/image_model.hpp"
#include "nn/conv_layers.hpp"

namespace aigc::models {

struct DcganConfig {
  struct Layer {
    int64_t out_channels = 0, kernel = 0, stride = 1;
  };
  int64_t latent_dim = 64;
  std::vector<Layer> layers;
  float batch_norm_eps = 1e-5f;
  Shape image_shape;  // [C, H, W]
  PixelRange pixel_range;
  static DcganConfig from_json(const nlohmann::json &config);
};

class DcganGenerator final : public Generator {
 public:
  DcganGenerator(const DcganConfig &config, const nn::WeightSource &weights, ImageModelInfo info);
  const ImageModelInfo &info() const override { return info_; }
  Shape latent_shape() const override { return Shape({config_.latent_dim, 1, 1}); }
  Shape image_shape() const override { return config_.image_shape; }
  PixelRange pixel_range() const override { return config_.pixel_range; }
  // z: [N, latent_dim, 1, 1] -> [N, C, H, W] in [-1, 1]; labels must be undefined.
  Tensor generate(const ExecContext &ctx, const Tensor &z, const Tensor &labels) const override;
  // generate() that also records each hidden block's output ("block0", "block1", ...)
  // into *trace when it is not null (layer-by-layer tests).
  Tensor generate_traced(const ExecContext &ctx, const Tensor &z, std::map<std::string, Tensor> *trace) const;

 private:
  struct Block {
    nn::ConvTranspose2d conv;
    nn::BatchNorm norm;  // empty in the last block
  };
  DcganConfig config_;
  ImageModelInfo info_;
  std::vector<Block> blocks_;
};

std::shared_ptr<const Generator> load_dcgan(const nn::WeightSource &weights, const nlohmann::json &config,
                                            ImageModelInfo info);

}  // namespace aigc::models
