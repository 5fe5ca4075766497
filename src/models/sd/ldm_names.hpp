// Original Stable Diffusion single-file checkpoints (CompVis / LDM .safetensors, as
// published for SD 1.x and by most fine-tunes) hold the UNet, the VAE and the CLIP text
// encoder under LDM names:
//   model.diffusion_model.input_blocks.1.0.in_layers.0.weight      (UNet)
//   first_stage_model.decoder.up.3.block.0.nin_shortcut.weight     (AutoencoderKL)
//   cond_stage_model.transformer.text_model.encoder.layers.0...    (CLIPTextModel)
// Our loaders ask for diffusers / transformers names. make_ldm_component_weights wraps
// the single file in a WeightSource that answers those names for one component, mapping
// each query to its LDM name (no copies; the LDM VAE's 1x1-conv attention weights
// [C, C, 1, 1] are reshaped to the Linear [C, C] diffusers uses). The mapping follows the
// layout rules of diffusers' convert_ldm_unet_checkpoint / convert_ldm_vae_checkpoint /
// convert_ldm_clip_checkpoint (diffusers/loaders/single_file_utils.py); it is checked
// against them by tests/reference/make_unet_goldens.py and list_sd15_tensors.py.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "nn/weight_source.hpp"

namespace aigc::models {

enum class LdmComponent { unet, vae, text_encoder };

// component_config: the component's diffusers config.json (UNet: down/up_block_types and
// layers_per_block fix the block numbering; VAE: block_out_channels fixes the reversed
// decoder numbering; text encoder: unused, pass {}). Bad configs -> invalid_format.
std::unique_ptr<nn::WeightSource> make_ldm_component_weights(std::shared_ptr<const nn::WeightSource> single_file,
                                                             LdmComponent component,
                                                             const nlohmann::json &component_config);

// The LDM names tried for one diffusers name of a component, most common first (the VAE
// has two prefixes in the wild, the text encoder three); empty when the name has no LDM
// counterpart. Exposed for tests and tools.
std::vector<std::string> ldm_names_for(LdmComponent component, const std::string &diffusers_name,
                                       const nlohmann::json &component_config);

}  // namespace aigc::models
