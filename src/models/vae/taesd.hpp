// TAESD: the "tiny autoencoder" family for latent diffusion (madebyollin/taesd, taesd.py:
// Encoder / Decoder / Block / Clamp). Two configurations:
//   classic (SD-1.x / SDXL TAESD): latent_channels 4, use_midblock_gn false
//   FLUX.2 (taef2):                latent_channels 32, use_midblock_gn true (a GroupNorm
//                                  "pool" branch in the three lowest-resolution blocks)
// Images are RGB in [0, 1]; latents are raw (the latent space of the big VAE it mimics,
// unscaled). The encoder is deterministic (LatentDistribution::logvar undefined). decode()
// returns raw values, NOT clamped: pipelines clamp to [0, 1] for display.
//
// Weights: `encoder.<upstream key>` and `decoder.<upstream key>`, where the upstream keys are
// the nn.Sequential indices of taesd.py ("1.conv.0.weight", "11.pool.1.bias", ...); the
// tensors may be f16 (widened to f32 at load). diffusers AutoencoderTiny files
// ("encoder.layers.N...", "decoder.layers.N..." with the Clamp not counted) load too.
// The encoder is optional (decoder-only TAESD files are common): has_encoder() says.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "models/image_model.hpp"
#include "nn/weight_source.hpp"

namespace aigc::models {

struct TaesdConfig {
  int64_t latent_channels = 4;
  int64_t channels = 64;         // width of every block (64 in every released TAESD)
  bool use_midblock_gn = false;  // GroupNorm branch in the 3 lowest-resolution blocks
  int gn_groups = 4;             // GroupNorm(4, 4 * channels) in that branch
  PixelRange pixel_range = PixelRange::zero_one();

  static TaesdConfig from_json(const nlohmann::json &config);
  void validate() const;
};

// Called with (upstream Sequential index, that layer's output) after every layer; lets tests
// compare intermediates with the reference layer by layer.
using TaesdLayerObserver = std::function<void(int layer, const Tensor &output)>;

class Taesd : public Autoencoder {
 public:
  // The concrete model (tests use the observers); load_taesd returns it as an Autoencoder.
  static std::shared_ptr<const Taesd> load(const nn::WeightSource &weights, const TaesdConfig &config,
                                           ImageModelInfo info);
  ~Taesd() override;

  const ImageModelInfo &info() const override { return info_; }
  bool has_encoder() const override;
  int64_t latent_channels() const override { return config_.latent_channels; }
  int64_t downscale_factor() const override { return 8; }
  Shape image_shape() const override { return Shape({3, 0, 0}); }
  PixelRange pixel_range() const override { return config_.pixel_range; }
  // images f32 [N, 3, H, W] in [0, 1], H and W multiples of 8 -> mean [N, latent, H/8, W/8].
  LatentDistribution encode(const ExecContext &ctx, const Tensor &images) const override;
  // latents f32 [N, latent, h, w] -> raw images [N, 3, 8h, 8w] (clamp to [0, 1] for display);
  // labels must be undefined (TAESD is unconditional).
  Tensor decode(const ExecContext &ctx, const Tensor &latents, const Tensor &labels) const override;

  Tensor encode_traced(const ExecContext &ctx, const Tensor &images,
                       const TaesdLayerObserver &observer) const;
  Tensor decode_traced(const ExecContext &ctx, const Tensor &latents,
                       const TaesdLayerObserver &observer) const;

  struct Layer;  // one entry of the upstream nn.Sequential (taesd.cpp)

 private:
  Taesd() = default;
  ImageModelInfo info_;
  TaesdConfig config_;
  std::vector<Layer> encoder_, decoder_;
};

// Front-door loader: config.json keys latent_channels (default 4), use_midblock_gn (false),
// pixel_range ("zero_one"; only [0, 1] is what TAESD was trained on).
std::shared_ptr<const Autoencoder> load_taesd(const nn::WeightSource &weights, const nlohmann::json &config,
                                              ImageModelInfo info);

}  // namespace aigc::models
