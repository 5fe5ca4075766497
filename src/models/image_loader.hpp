// Front door for image models: a converted model directory (config.json +
// model.safetensors written by tools/aigc-convert), a diffusers pipeline folder
// (model_index.json) or a single-file Stable Diffusion checkpoint (.safetensors with the
// original LDM key names). Dispatches on config.json "architecture".
#pragma once

#include <memory>
#include <string>

#include "models/image_model.hpp"
#include "sampling/scheduler.hpp"

namespace aigc::models {

namespace sd {
struct StableDiffusionModel;  // src/models/sd/sd_pipeline.hpp
}

enum class ImageModelKind { gan, vae, diffusion, text_to_image };

// Everything one model file brings; the parts a kind does not have stay null.
struct ImageModelBundle {
  ImageModelInfo info;
  ImageModelKind kind = ImageModelKind::gan;
  std::string weights_sha256;  // hex SHA-256 of the weights file (provenance)
  std::shared_ptr<const Generator> generator;          // gan
  std::shared_ptr<const Discriminator> discriminator;  // gan, when the file has one
  std::shared_ptr<const Autoencoder> autoencoder;      // vae; text_to_image: its VAE
  std::shared_ptr<const Denoiser> denoiser;            // diffusion, text_to_image
  sampling::SchedulerConfig scheduler;                 // diffusion, text_to_image
  std::shared_ptr<const sd::StableDiffusionModel> stable_diffusion;  // text_to_image
};

// Throws aigc::Error: io_error / invalid_format (missing or corrupt files, a config that
// disagrees with the tensors), unsupported (unknown architecture, naming the known ones).
ImageModelBundle load_image_model(const std::string &path);

// Architectures load_image_model understands (config.json "architecture").
const std::vector<std::string> &image_architectures();

}  // namespace aigc::models
