// ddpm-cnn: the small unconditional DDPM epsilon-predictor of Yichizz/hot_vs_cold_diffusion
// (diffusion_mnist/model_ddpm.py, classes CNN / CNNBlock / DDPM; Prince, "Understanding Deep
// Learning", algorithms 18.1-18.2):
//   4 x [Conv2d k7 pad3 -> LayerNorm over (C, H, W) with per-element affine -> GELU]
//   + time embedding added (broadcast over H, W) after block 0, then Conv2d k3 to 1 channel.
// Time embedding: tau -> [sin(tau f), cos(tau f) - 1] (f = stored `gt.frequencies`) -> MLP
// 32 -> 128 -> 128 -> 128 -> C0 with GELU between.
//
// Time convention: upstream feeds tau = i / n_T for its step i in 1..n_T and keeps schedule
// buffers beta_t / alpha_t (= alpha-bar) of length n_T + 1 indexed by i. Our Denoiser uses
// the diffusers convention t = 0..n_T-1, so step i is t = i - 1: the network sees
// tau = (t + 1) / n_T and training() holds betas[t] = beta_t[t + 1],
// alphas_cumprod[t] = alpha_t[t + 1]. Note alpha_t[0] = 1 - beta_t[0] != 1: upstream's last
// step (i = 1) divides by sqrt(1 - beta_1) with alpha-bar "before" it = alpha_t[0], so a
// DDPM scheduler must take alpha-bar_prev(t = 0) = alphas_cumprod[0] / (1 - betas[0]).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "models/image_model.hpp"
#include "nn/conv_layers.hpp"

namespace aigc::models {

struct DdpmCnnConfig {
  Shape image_shape{1, 28, 28};           // [C, H, W]; LayerNorm weights fix H and W
  std::vector<int64_t> channels{16, 32, 32, 16};
  int64_t kernel_size = 7;                // hidden convs; the last conv is k3
  int64_t last_kernel_size = 3;
  int64_t time_features = 16;             // gt.frequencies length (embedding is 2x that)
  int64_t time_hidden = 128;
  int64_t num_train_timesteps = 1000;     // n_T
  double beta_start = 1e-4, beta_end = 0.02;
  PixelRange pixel_range = PixelRange::minus_half_half();

  static DdpmCnnConfig from_json(const nlohmann::json &config);
  void validate() const;  // invalid_format naming the bad value
};

class DdpmCnn final : public Denoiser {
 public:
  DdpmCnn(const nn::WeightSource &weights, const DdpmCnnConfig &config, ImageModelInfo info);

  const ImageModelInfo &info() const override { return info_; }
  const DiffusionTraining &training() const override { return training_; }
  Shape sample_shape() const override { return config_.image_shape; }
  PixelRange pixel_range() const override { return config_.pixel_range; }
  const DdpmCnnConfig &config() const { return config_; }

  // x f32 [N, C, H, W]; timesteps f32 or i32 [N], diffusers units t in [0, n_T - 1]
  // (network time (t + 1) / n_T). condition unused.
  Tensor predict(const ExecContext &ctx, const Tensor &x, const Tensor &timesteps,
                 const DenoiserCondition &condition) const override;

  // Upstream's own interface: tau f32 [N] = i / n_T directly.
  Tensor forward(const ExecContext &ctx, const Tensor &x, const Tensor &tau) const;
  // tau f32 [N] -> [N, channels[0]] (CNN.time_encoding, before the broadcast).
  Tensor time_embedding(const ExecContext &ctx, const Tensor &tau) const;

 private:
  struct Block {
    nn::Conv2d conv;
    Tensor norm_weight, norm_bias;  // [C, H, W]
  };
  DdpmCnnConfig config_;
  ImageModelInfo info_;
  DiffusionTraining training_;
  std::vector<Block> blocks_;
  nn::Conv2d out_conv_;
  std::vector<float> frequencies_;  // [time_features]
  std::vector<nn::Linear> time_mlp_;
};

// The front door's entry (weights: upstream DDPM state-dict keys, config: config.json).
std::shared_ptr<const Denoiser> load_ddpm_cnn(const nn::WeightSource &weights,
                                              const nlohmann::json &config, ImageModelInfo info);

}  // namespace aigc::models
