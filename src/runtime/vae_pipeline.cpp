// VAE pipelines (see vae_pipeline.hpp).
#include "runtime/vae_pipeline.hpp"

#include <cmath>

#include "core/check.hpp"

namespace aigc::runtime {

Shape vae_latent_shape(const models::Autoencoder &ae, int64_t width, int64_t height) {
  const int64_t f = ae.downscale_factor();
  if (f == 0) return Shape({ae.latent_channels()});
  const Shape fixed = ae.image_shape();
  if (width == 0 && fixed.rank() == 3 && fixed[2] > 0) width = fixed[2];
  if (height == 0 && fixed.rank() == 3 && fixed[1] > 0) height = fixed[1];
  AIGC_CHECK(width > 0 && height > 0 && width % f == 0 && height % f == 0, Status::invalid_argument,
             "image size {}x{}: width and height must be positive multiples of {} for this model",
             width, height, f);
  return Shape({ae.latent_channels(), height / f, width / f});
}

Tensor vae_prior_latents(const models::Autoencoder &ae, int64_t count, uint64_t seed, int64_t width,
                         int64_t height) {
  AIGC_CHECK(count >= 1, Status::invalid_argument, "image count must be >= 1, got {}", count);
  const Shape shape = vae_latent_shape(ae, width, height);
  auto rngs = sample_rngs(seed, count);
  return normal_batch(rngs, shape);
}

Tensor vae_decode(const ExecContext &ctx, const models::Autoencoder &ae, const Tensor &latents,
                  int64_t label, const std::vector<int64_t> &per_sample) {
  check_f32_host(latents, "VAE latents");
  AIGC_CHECK(latents.rank() >= 2 && latents.size(0) >= 1, Status::shape_mismatch,
             "VAE latents: expected [N, latent...], got {}", latents.shape().to_string());
  const int64_t f = ae.downscale_factor();
  if (f == 0) {
    AIGC_CHECK(latents.rank() == 2 && latents.size(1) == ae.latent_channels(), Status::shape_mismatch,
               "VAE latents: expected [N, {}], got {}", ae.latent_channels(), latents.shape().to_string());
  } else {
    AIGC_CHECK(latents.rank() == 4 && latents.size(1) == ae.latent_channels(), Status::shape_mismatch,
               "VAE latents: expected [N, {}, h, w], got {}", ae.latent_channels(), latents.shape().to_string());
  }
  const Tensor labels = make_labels(ae.info().num_classes, latents.size(0), label, per_sample);
  return to_display(ae.decode(ctx, latents.contiguous(), labels), ae.pixel_range());
}

Tensor vae_encode(const ExecContext &ctx, const models::Autoencoder &ae, const Tensor &display,
                  EncodeMode mode, uint64_t seed) {
  AIGC_CHECK(ae.has_encoder(), Status::invalid_argument, "model '{}' has no encoder (decoder only)",
             ae.info().name);
  check_f32_host(display, "VAE input images");
  AIGC_CHECK(display.rank() == 4 && display.size(0) >= 1, Status::shape_mismatch,
             "VAE input images: expected [N, C, H, W], got {}", display.shape().to_string());
  const models::LatentDistribution d = ae.encode(ctx, from_display(display, ae.pixel_range()));
  if (mode == EncodeMode::mean || !d.logvar.defined()) return d.mean;
  const Tensor mean = d.mean.contiguous(), logvar = d.logvar.contiguous();
  Shape per_sample = mean.shape();
  per_sample.erase(0);
  auto rngs = sample_rngs(seed, mean.size(0));
  Tensor z = normal_batch(rngs, per_sample);
  float *pz = z.data_as<float>();
  const float *pm = mean.data_as<float>(), *pl = logvar.data_as<float>();
  for (int64_t i = 0, n = z.numel(); i < n; ++i) pz[i] = pm[i] + std::exp(0.5f * pl[i]) * pz[i];
  return z;
}

Tensor vae_round_trip(const ExecContext &ctx, const models::Autoencoder &ae, const Tensor &display,
                      EncodeMode mode, uint64_t seed) {
  return vae_decode(ctx, ae, vae_encode(ctx, ae, display, mode, seed));
}

}  // namespace aigc::runtime
