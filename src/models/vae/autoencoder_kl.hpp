// Stable Diffusion's VAE: diffusers AutoencoderKL (diffusers/models/autoencoders/
// autoencoder_kl.py with Encoder / Decoder from autoencoders/vae.py, DownEncoderBlock2D /
// UpDecoderBlock2D / UNetMidBlock2D from unets/unet_2d_blocks.py).
//   encode: images [N, 3, H, W] in [-1, 1] -> diagonal Gaussian posterior (mean, logvar),
//           logvar clamped to [-30, 20] as diffusers' DiagonalGaussianDistribution does;
//           H and W must be multiples of downscale_factor() = 2^(number of blocks - 1).
//   decode: latents [N, latent_channels, h, w] -> images [N, 3, f*h, f*w], raw (pipelines clamp
//           to [-1, 1]). The latents are in the VAE's own space: a latent-diffusion caller
//           divides its latents by scaling_factor() (0.18215 for SD-1.x) BEFORE decode, and
//           multiplies encoder samples by it after encode; this class never scales.
// Weights use diffusers' key names (encoder.conv_in, encoder.down_blocks.N.resnets.M,
// ...downsamplers.0.conv, encoder.mid_block.{resnets,attentions}, encoder.conv_norm_out,
// encoder.conv_out, quant_conv, post_quant_conv, decoder.*, decoder.up_blocks.N.upsamplers.0.conv).
// The config is diffusers' vae/config.json.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/image_model.hpp"
#include "nn/weight_source.hpp"

namespace aigc::models {

struct AutoencoderKLConfig {
  int64_t in_channels = 3, out_channels = 3;
  std::vector<int64_t> block_out_channels = {64};  // one per down block (and up block, reversed)
  int64_t layers_per_block = 1;                    // resnets per down block (up blocks: + 1)
  int64_t latent_channels = 4;
  int norm_num_groups = 32;
  float norm_eps = 1e-6f;  // diffusers hard-codes 1e-6 for the VAE's norms
  float scaling_factor = 0.18215f;
  int64_t sample_size = 32;  // training resolution (informational)
  bool mid_block_add_attention = true;
  bool use_quant_conv = true, use_post_quant_conv = true;

  // diffusers vae/config.json; unsupported block types / activations are `unsupported`.
  static AutoencoderKLConfig from_json(const nlohmann::json &config);
  void validate() const;
  int64_t downscale_factor() const { return int64_t(1) << (block_out_channels.size() - 1); }
};

// Loads from diffusers-named weights (e.g. vae/diffusion_pytorch_model.safetensors).
std::shared_ptr<const Autoencoder> load_autoencoder_kl(const nn::WeightSource &weights,
                                                       const nlohmann::json &config, ImageModelInfo info);

}  // namespace aigc::models
