// Stable Diffusion 1.x / 2.x denoiser: diffusers UNet2DConditionModel
// (diffusers/models/unets/unet_2d_condition.py) from its config.json and state dict:
//   temb = time_embedding(Timesteps(block_out_channels[0], flip_sin_to_cos, freq_shift)(t))
//   h = conv_in(x); down blocks (skips pushed); mid block; up blocks (skips concatenated);
//   out = conv_out(SiLU(conv_norm_out(h)))
// Only the features SD 1.x/2.x checkpoints use are implemented; other config values
// (class embeddings, added conditions, dual cross-attention, ...) are rejected as unsupported.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/image_model.hpp"
#include "nn/weight_source.hpp"

namespace aigc::models {

struct UNet2DConditionConfig {
  int64_t in_channels = 4, out_channels = 4;
  std::vector<int64_t> block_out_channels;            // one per down block
  std::vector<int64_t> layers_per_block;              // per down block (an int in config.json: repeated)
  std::vector<int64_t> transformer_layers_per_block;  // per down block
  std::vector<int64_t> attention_heads;               // per down block: num_attention_heads, else
                                                      // attention_head_dim (diffusers: it is the head COUNT)
  std::vector<int64_t> cross_attention_dim;           // per down block (all equal for SD)
  std::vector<bool> only_cross_attention;             // per down block
  std::vector<std::string> down_block_types, up_block_types;
  int norm_num_groups = 32;
  float norm_eps = 1e-5f;
  bool flip_sin_to_cos = true;
  float freq_shift = 0.f;
  int64_t sample_size = 64;  // latent size the model was trained at (SD 1.5: 64 -> 512 px)
  int64_t time_embed_dim = 0;  // time_embedding_dim, else 4 * block_out_channels[0]
  bool use_linear_projection = false;
  bool mid_block_only_cross_attention = false;

  // Checks every field; unknown block types and unsupported features -> unsupported,
  // malformed values -> invalid_format.
  static UNet2DConditionConfig from_json(const nlohmann::json &j);
  int64_t spatial_factor() const { return int64_t(1) << (block_out_channels.size() - 1); }
};

// The UNet as a Denoiser. `training` comes from the pipeline's scheduler config
// (num_train_timesteps, betas, prediction type); info.architecture is set to
// "unet2d_condition" when empty. Tensors must be named as diffusers saves them; single-file
// LDM checkpoints go through make_ldm_component_weights (models/sd/ldm_names.hpp) first.
std::shared_ptr<const Denoiser> load_unet2d_condition(const nn::WeightSource &weights,
                                                      const nlohmann::json &config, ImageModelInfo info,
                                                      DiffusionTraining training);

}  // namespace aigc::models
