// Latent files of `aigc vae encode/decode`: a safetensors file (huggingface/safetensors
// format: u64 little-endian header size, JSON header, raw data) holding one F32 tensor
// "latent" of shape [N, C, h, w] (spatial VAEs) or [N, D] (flat latents), plus
// __metadata__ strings (model name, image size). Files are written whole or not at all
// (temporary file beside the target, fsync, rename). Reading checks everything: a corrupt,
// truncated or foreign file is a StatusError(INVALID_FORMAT) naming the file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace aigc_cli {

struct LatentFile {
  std::vector<int64_t> shape;  // [N, C, h, w] or [N, D]
  std::vector<float> data;     // product(shape) floats
  std::map<std::string, std::string> metadata;
};

void write_latent_file(const std::string &path, const LatentFile &latent);
LatentFile read_latent_file(const std::string &path);

}  // namespace aigc_cli
