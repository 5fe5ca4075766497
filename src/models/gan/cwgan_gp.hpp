// Class-conditional WGAN-GP generator for MNIST: cat(z, label_embedding(y)) -> Linear ->
// view [C0, s, s] -> BatchNorm -> (nearest x2 upsample -> Conv3x3 -> BatchNorm -> ReLU)
// per upsampling stage -> Conv3x3 -> tanh.
// Reference: HayatoHongo/MNIST-Conditional-WGAN-gp, main.py (class Generator). Note its
// BatchNorm2d(C, 0.8) layers have eps = 0.8 (the second positional argument is eps).
// Weights: label_emb.weight, l1.0.*, conv_blocks.{0, 2, 3, 6, 7, 9}.* (nn.Sequential
// indices: BN, then [Upsample, Conv, BN, ReLU] per stage, then Conv, Tanh).
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/image_model.hpp"
#include "nn/conv_layers.hpp"
#include "nn/layers.hpp"

namespace aigc::models {

struct CwganGpConfig {
  int64_t latent_dim = 10;
  int64_t num_classes = 10;           // label embedding is [num_classes, num_classes]
  int64_t init_size = 7;              // spatial size after the linear layer
  std::vector<int64_t> channels;      // [C0, C1, ...]: linear output channels, then per stage
  std::vector<float> batch_norm_eps;  // one per BatchNorm (first, then one per stage)
  int64_t kernel_size = 3;            // upstream: 3x3 convolutions, padding 1
  int upsample_factor = 2;            // upstream: nn.Upsample(scale_factor=2), nearest
  Shape image_shape;                  // [C, H, W]
  PixelRange pixel_range;
  std::vector<std::string> class_names;
  static CwganGpConfig from_json(const nlohmann::json &config);
};

class CwganGpGenerator final : public Generator {
 public:
  CwganGpGenerator(const CwganGpConfig &config, const nn::WeightSource &weights, ImageModelInfo info);
  const ImageModelInfo &info() const override { return info_; }
  Shape latent_shape() const override { return Shape({config_.latent_dim}); }
  Shape image_shape() const override { return config_.image_shape; }
  PixelRange pixel_range() const override { return config_.pixel_range; }
  // z: [N, latent_dim], labels i32 [N] in [0, num_classes) -> [N, C, H, W] in [-1, 1].
  Tensor generate(const ExecContext &ctx, const Tensor &z, const Tensor &labels) const override;
  // generate() that also records "l1" (linear output [N, C0*s*s]) and "bn0" (after the
  // first BatchNorm, [N, C0, s, s]) into *trace when it is not null.
  Tensor generate_traced(const ExecContext &ctx, const Tensor &z, const Tensor &labels,
                         std::map<std::string, Tensor> *trace) const;

 private:
  struct Stage {
    nn::Conv2d conv;
    nn::BatchNorm norm;
  };
  CwganGpConfig config_;
  ImageModelInfo info_;
  nn::Embedding label_emb_;
  nn::Linear l1_;
  nn::BatchNorm bn0_;
  std::vector<Stage> stages_;
  nn::Conv2d out_conv_;
};

std::shared_ptr<const Generator> load_cwgan_gp(const nn::WeightSource &weights, const nlohmann::json &config,
                                               ImageModelInfo info);

}  // namespace aigc::models
