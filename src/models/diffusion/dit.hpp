// dit: the small class-conditional Diffusion Transformer of owenliang/mnist-dits as trained
// by Franfee/DM-DiT-DDPM-MNIST-class-cond-ImageGen (models/dit.py, dit_block.py,
// time_emb.py; sampler util/diffusion.py). Epsilon-predictor over [-1, 1] images:
//   patchify  Conv2d(C, C p^2, k p, s p) -> tokens [N, (S/p)^2, C p^2] (token = row * S/p + col)
//             -> Linear -> + learned position embedding
//   cond      label_emb[y] + MLP(sinusoid(t)) (Linear, ReLU, Linear)
//   blocks    adaLN: y = LN(x)(1 + gamma1) + beta1; x += alpha1 * MHA(y);
//             z = LN(x)(1 + gamma2) + beta2; x += alpha2 * FFN(z)   (six Linear(cond) maps)
//   final     LN -> Linear(D, C p^2) -> unpatchify.
// Upstream quirks kept: q/k/v are Linear(D, heads * D) (every head is D wide), and with
// attention_scale "sequence_length" the scores are divided by sqrt(number of tokens),
// not sqrt(head size). Timesteps are the integer diffusers t in 0..T-1 (fed unchanged).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/image_model.hpp"
#include "nn/conv_layers.hpp"

namespace aigc::models {

struct DitConfig {
  int64_t image_size = 28, patch_size = 4, in_channels = 1;
  int64_t hidden_size = 64, num_classes = 10, depth = 3, num_heads = 4;
  int64_t head_dim = 64;          // upstream: hidden_size (q/k/v are Linear(D, heads * D))
  int64_t mlp_hidden = 256;       // 4 * hidden_size
  bool attention_by_sequence_length = true;  // "sequence_length" | "head_dim"
  int64_t num_train_timesteps = 1000;
  double beta_start = 1e-4, beta_end = 0.02;
  bool clamp_sample = true;
  PixelRange pixel_range = PixelRange::minus_one_one();

  int64_t grid() const { return image_size / patch_size; }
  int64_t tokens() const { return grid() * grid(); }
  int64_t patch_dim() const { return in_channels * patch_size * patch_size; }
  static DitConfig from_json(const nlohmann::json &config);
  void validate() const;
};

// Intermediates of one forward pass (upstream names in the goldens' dbg_* tensors).
struct DitTrace {
  Tensor time_sinusoid;      // [N, D]
  Tensor time_emb;           // [N, D]
  Tensor label_emb;          // [N, D]
  Tensor cond;               // [N, D]
  Tensor patch_conv;         // [N, C p^2, S/p, S/p]
  Tensor patch_linear;       // [N, L, D] before the position embedding
  Tensor patch_embed;        // [N, L, D] after it
  std::vector<Tensor> blocks;  // depth x [N, L, D]
  Tensor final_ln;           // [N, L, D]
  Tensor final_linear;       // [N, L, C p^2]
  Tensor eps;                // [N, C, S, S]
};

class Dit final : public Denoiser {
 public:
  Dit(const nn::WeightSource &weights, const DitConfig &config, ImageModelInfo info);

  const ImageModelInfo &info() const override { return info_; }
  const DiffusionTraining &training() const override { return training_; }
  Shape sample_shape() const override {
    return Shape({config_.in_channels, config_.image_size, config_.image_size});
  }
  PixelRange pixel_range() const override { return config_.pixel_range; }
  const DitConfig &config() const { return config_; }

  // x f32 [N, C, S, S]; timesteps f32 or i32 [N] in 0..T-1; condition.labels i32 (or
  // integral f32) [N] in 0..num_classes-1 (required).
  Tensor predict(const ExecContext &ctx, const Tensor &x, const Tensor &timesteps,
                 const DenoiserCondition &condition) const override;
  // Same, filling `trace` with the intermediates when given.
  Tensor forward(const ExecContext &ctx, const Tensor &x, const Tensor &timesteps,
                 const Tensor &labels, DitTrace *trace = nullptr) const;

 private:
  struct Block {
    // adaLN maps of cond; the "1 +" of the scales is folded into the gamma biases at load.
    nn::Linear scale1, shift1, gate1, scale2, shift2, gate2;
    nn::LayerNorm ln1, ln2;
    nn::Linear wq, wk, wv, out;  // q/k/v: D -> heads * head_dim; out: heads * head_dim -> D
    nn::Linear ff1, ff2;
  };
  Tensor block_forward(const ExecContext &ctx, const Block &b, const Tensor &x, const Tensor &cond) const;

  DitConfig config_;
  ImageModelInfo info_;
  DiffusionTraining training_;
  std::vector<float> half_freq_;  // time_emb.0.half_emb [D/2]
  nn::Linear time1_, time2_;
  Tensor label_table_;            // [num_classes, D]
  nn::Conv2d patch_conv_;
  nn::Linear patch_linear_;
  Tensor pos_emb_;                // [1, L, D]
  std::vector<Block> blocks_;
  nn::LayerNorm final_ln_;
  nn::Linear final_linear_;
};

std::shared_ptr<const Denoiser> load_dit(const nn::WeightSource &weights, const nlohmann::json &config,
                                         ImageModelInfo info);

}  // namespace aigc::models
