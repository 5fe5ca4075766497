// The three image model families behind one small interface each, so pipelines
// (src/runtime), the C ABI and the CLI work with any architecture:
//   Generator      GAN generators (latent -> image), optionally class-conditional
//   Discriminator  GAN discriminators (image -> realness logit)
//   Autoencoder    VAEs and latent autoencoders (image <-> latent), optionally conditional
//   Denoiser       diffusion networks (noisy sample, timestep, conditioning -> prediction)
// Every model is immutable after load and safe to call from many threads at once.
// All tensors are f32, NCHW, on the host unless a backend says otherwise.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "sampling/scheduler.hpp"

namespace aigc::models {

// How a model's pixel values map to the displayable [0, 1]: pixel01 = value * scale + shift.
// [-1, 1] models: scale 0.5, shift 0.5; [0, 1]: 1, 0; MNIST-centred [-0.5, 0.5]: 1, 0.5.
struct PixelRange {
  float scale = 0.5f, shift = 0.5f;
  static PixelRange minus_one_one() { return {0.5f, 0.5f}; }
  static PixelRange zero_one() { return {1.f, 0.f}; }
  static PixelRange minus_half_half() { return {1.f, 0.5f}; }
};

// What every image model says about itself.
struct ImageModelInfo {
  std::string architecture;              // config.json "architecture", e.g. "dcgan"
  std::string name;                      // model name (directory or file stem)
  std::vector<std::string> class_names;  // non-empty for class-conditional models
  int64_t num_classes = 0;               // 0 = unconditional
};

// ---- GAN -------------------------------------------------------------------------------

class Generator {
 public:
  virtual ~Generator() = default;
  virtual const ImageModelInfo &info() const = 0;
  virtual Shape latent_shape() const = 0;  // one sample's latent, e.g. [64] or [64, 1, 1]
  virtual Shape image_shape() const = 0;   // one sample's image [C, H, W]
  virtual PixelRange pixel_range() const = 0;
  // z: f32 [N, latent_shape...]; labels: i32 [N] for class-conditional models
  // (undefined otherwise; out of range -> invalid_argument). Returns f32 [N, C, H, W].
  virtual Tensor generate(const ExecContext &ctx, const Tensor &z, const Tensor &labels) const = 0;
};

class Discriminator {
 public:
  virtual ~Discriminator() = default;
  virtual Shape image_shape() const = 0;  // [C, H, W] it scores
  // images: f32 [N, C, H, W] in the generator's pixel range -> logits f32 [N, 1]
  // (probability = sigmoid(logit)).
  virtual Tensor score_logits(const ExecContext &ctx, const Tensor &images) const = 0;
};

// ---- VAE / autoencoders ----------------------------------------------------------------

// Posterior q(z | x) = N(mean, exp(logvar)); logvar undefined for deterministic encoders.
struct LatentDistribution {
  Tensor mean, logvar;
};

class Autoencoder {
 public:
  virtual ~Autoencoder() = default;
  virtual const ImageModelInfo &info() const = 0;
  virtual bool has_encoder() const = 0;
  virtual int64_t latent_channels() const = 0;
  // Spatial models (TAESD, AutoencoderKL): latent [C, H/f, W/f] for an image [3, H, W],
  // f = downscale_factor(); sizes must be multiples of f. Flat models (MLP VAE,
  // cVAE decoders) have a fixed image_shape() and latent [latent_channels].
  virtual int64_t downscale_factor() const = 0;  // 0 for flat models
  virtual Shape image_shape() const = 0;          // fixed [C, H, W]; H = W = 0 when any size works
  virtual PixelRange pixel_range() const = 0;
  // Latent scaling used by latent diffusion (SD: 0.18215); 1 for plain VAEs.
  virtual float scaling_factor() const { return 1.f; }
  // images f32 [N, C, H, W] -> posterior over latents (invalid_argument when !has_encoder()).
  virtual LatentDistribution encode(const ExecContext &ctx, const Tensor &images) const = 0;
  // latents f32 [N, latent...] (+ labels [N] for conditional decoders) -> images [N, C, H, W].
  virtual Tensor decode(const ExecContext &ctx, const Tensor &latents, const Tensor &labels) const = 0;
};

// ---- Diffusion -------------------------------------------------------------------------

using sampling::PredictionType;

// What the sampler needs to know about the network's training.
struct DiffusionTraining {
  int64_t num_train_timesteps = 1000;
  std::vector<double> betas;           // [num_train_timesteps], beta of timestep t = betas[t]
  std::vector<double> alphas_cumprod;  // [num_train_timesteps]; empty = cumprod(1 - betas)
  PredictionType prediction = PredictionType::epsilon;
  // Upstream sampler quirks that a faithful reproduction needs.
  bool clamp_sample = false;          // clamp x_t to [-1, 1] after every step (dit-mnist-cond)
  std::string variance_type = "fixed_small";  // DDPM noise: fixed_small (posterior) | fixed_large (beta)
  std::string default_sampler = "ddpm";
  int default_steps = 1000;
};

// Per-sample conditioning; unused parts stay undefined.
struct DenoiserCondition {
  Tensor labels;   // i32 [N] class indices (class-conditional models)
  Tensor context;  // f32 [N, T, D] text-encoder hidden states (cross-attention)
};

class Denoiser {
 public:
  virtual ~Denoiser() = default;
  virtual const ImageModelInfo &info() const = 0;
  virtual const DiffusionTraining &training() const = 0;
  // One sample's shape [C, H, W]; H = W = 0 when any multiple of spatial_factor() works.
  virtual Shape sample_shape() const = 0;
  virtual int64_t spatial_factor() const { return 1; }
  virtual int64_t context_dim() const { return 0; }  // > 0: needs condition.context
  // Pixel range of samples in image space (pixel-space models; latent models: the VAE's).
  virtual PixelRange pixel_range() const { return PixelRange::minus_one_one(); }
  // x f32 [N, C, H, W]; timesteps f32 [N] in training-timestep units (diffusers
  // convention: 0 = least noise ... num_train_timesteps - 1; fractional values allowed
  // for Euler-family samplers). Models with another convention convert inside.
  virtual Tensor predict(const ExecContext &ctx, const Tensor &x, const Tensor &timesteps,
                         const DenoiserCondition &condition) const = 0;
};

}  // namespace aigc::models
