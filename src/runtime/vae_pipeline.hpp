// VAE pipelines: prior samples, encode (posterior mean or a seeded sample), decode and
// round trips, for flat (MLP VAE, cVAE decoders) and spatial (TAESD, AutoencoderKL)
// autoencoders. Pixels are display floats (image_pipeline.hpp); latents are the model's
// raw latents (no scaling_factor).
#pragma once

#include "runtime/image_pipeline.hpp"

namespace aigc::runtime {

// One sample's latent shape: [latent_channels] for flat models, [C, H/f, W/f] for spatial
// ones (width/height must then be positive multiples of f; ignored for flat models).
Shape vae_latent_shape(const models::Autoencoder &ae, int64_t width, int64_t height);

// count latents ~ N(0, I) by the seeding rule.
Tensor vae_prior_latents(const models::Autoencoder &ae, int64_t count, uint64_t seed,
                         int64_t width = 0, int64_t height = 0);

// latents f32 [N, latent...] -> display pixels [N, C, H, W]. label: see make_labels
// (conditional decoders).
Tensor vae_decode(const ExecContext &ctx, const models::Autoencoder &ae, const Tensor &latents,
                  int64_t label = -1, const std::vector<int64_t> &labels = {});

enum class EncodeMode { mean, sample };
// display pixels [N, C, H, W] -> latents: the posterior mean, or mean + exp(logvar / 2) * eps
// with eps drawn by the seeding rule (deterministic encoders: always the mean).
Tensor vae_encode(const ExecContext &ctx, const models::Autoencoder &ae, const Tensor &display,
                  EncodeMode mode = EncodeMode::mean, uint64_t seed = 0);

// decode(encode(x)).
Tensor vae_round_trip(const ExecContext &ctx, const models::Autoencoder &ae, const Tensor &display,
                      EncodeMode mode = EncodeMode::mean, uint64_t seed = 0);

}  // namespace aigc::runtime
