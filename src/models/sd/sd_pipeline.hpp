// A Stable Diffusion 1.x / 2.x text-to-image model loaded from a diffusers pipeline folder
// (diffusers' StableDiffusionPipeline.save_pretrained layout):
//   model_index.json                 component classes
//   tokenizer/                       CLIPTokenizer: vocab.json + merges.txt (+ configs)
//   text_encoder/                    CLIPTextModel: config.json + model.safetensors
//   unet/                            UNet2DConditionModel: config.json + diffusion_pytorch_model.safetensors
//   vae/                             AutoencoderKL: config.json + diffusion_pytorch_model.safetensors
//   scheduler/scheduler_config.json  the scheduler the pipeline was saved with
// The components are checked against each other at load (latent channels, context width,
// vocabulary, prompt length). The generation loop lives in src/runtime.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "models/image_model.hpp"
#include "models/sd/clip_text_encoder.hpp"
#include "sampling/scheduler.hpp"
#include "tokenizer/clip_bpe_tokenizer.hpp"

namespace aigc::models::sd {

struct StableDiffusionModel {
  std::string name;            // the folder's name
  std::string weights_sha256;  // hex SHA-256 of unet/'s weights file (provenance)
  std::shared_ptr<const tokenizer::ClipBpeTokenizer> tokenizer;
  std::shared_ptr<const ClipTextEncoder> text_encoder;
  std::shared_ptr<const Denoiser> unet;     // training() from the scheduler config
  std::shared_ptr<const Autoencoder> vae;   // scaling_factor() from vae/config.json
  sampling::SchedulerConfig scheduler;
  std::string scheduler_class;  // diffusers' class, e.g. "PNDMScheduler"
  std::string scheduler_name;   // our make_scheduler name for it; "" when we have none
                                // (e.g. PNDM): the caller picks one with the same config
};

// Loads and cross-checks a pipeline folder. io_error when a file is missing or
// unreadable (only .safetensors weights are read: a folder with only .bin files is
// invalid_format naming the file to convert), unsupported for component classes or
// scheduler options we do not implement, invalid_format for malformed files and
// components that do not fit together.
std::shared_ptr<const StableDiffusionModel> load_stable_diffusion(const std::string &dir);

// The cross-component checks load_stable_diffusion runs (exposed for tests and for
// pipelines assembled from separately loaded parts): VAE latent channels == UNet input
// channels, text encoder hidden size == UNet context dim, tokenizer ids < text encoder
// vocabulary, tokenizer model_max_length <= text encoder positions. invalid_format.
void check_stable_diffusion(const StableDiffusionModel &model);

// diffusers scheduler_config.json -> our SchedulerConfig, with the defaults of its
// _class_name for absent keys (e.g. timestep_spacing "linspace" for Euler, clip_sample
// true for DDIM/DDPM). `name` receives our scheduler name ("" for none).
sampling::SchedulerConfig scheduler_config_from_json(const nlohmann::json &j, std::string *name);

// What the UNet is told about its training: the noise schedule and prediction type of the
// pipeline's scheduler config; default sampler = that scheduler (DDIM when it is one we
// do not implement, e.g. PNDM), 50 steps. Shared by the folder and single-file loaders.
DiffusionTraining unet_training(const sampling::SchedulerConfig &scheduler, const std::string &scheduler_name);

}  // namespace aigc::models::sd
