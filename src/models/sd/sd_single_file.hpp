// Stable Diffusion 1.x from one single-file checkpoint: the original CompVis / LDM
// .safetensors layout most SD 1.x models and fine-tunes are published in, with
//   model.diffusion_model.*                      UNet
//   first_stage_model.*                          AutoencoderKL
//   cond_stage_model.transformer.text_model.*    CLIP text encoder
// The file holds weights only, so the component configs come from a diffusers-layout
// folder (options.config_dir) or, when none is given, from the SD 1.5 configs built in
// here (runwayml/stable-diffusion-v1-5's, PNDM scheduler -> our ddim sampler). The CLIP
// tokenizer then comes from CLIP's bpe_simple_vocab_16e6.txt(.gz) (scripts/fetch-clip-vocab.sh).
// Names are mapped by make_ldm_component_weights (ldm_names.hpp), as diffusers'
// StableDiffusionPipeline.from_single_file does (diffusers/loaders/single_file_utils.py).
#pragma once

#include <memory>
#include <string>

#include "models/sd/sd_pipeline.hpp"

namespace aigc::models::sd {

struct SingleFileOptions {
  // A diffusers pipeline folder (or one with just the configs): unet/config.json,
  // vae/config.json, text_encoder/config.json, tokenizer/, scheduler/scheduler_config.json.
  // Empty: the built-in SD 1.5 configs, and the tokenizer from CLIP's merges file found at
  // clip_vocab_dir, else $AIGC_USER_MODELS/clip (default ../models/clip), else beside the
  // checkpoint.
  std::string config_dir;
  std::string clip_vocab_dir;
};

// invalid_format: not an LDM checkpoint (no model.diffusion_model.* tensors) or missing
// tensors; unsupported: an SD 2.x / SDXL / other checkpoint whose shapes do not fit the
// configs (the message names what was found); io_error: unreadable file, or no CLIP
// merges file for the built-in config (the message names scripts/fetch-clip-vocab.sh).
// The components are cross-checked with check_stable_diffusion; weights_sha256 is the
// checkpoint's SHA-256.
std::shared_ptr<const StableDiffusionModel> load_stable_diffusion_single_file(const std::string &path,
                                                                              const SingleFileOptions &opts = {});

}  // namespace aigc::models::sd
