// GAN pipelines: seeded generation, latent interpolation, discriminator scores.
// Latents follow the seeding rule of image_pipeline.hpp: sample k's latent is one
// fill_normal call of latent_shape().numel() values from Rng(seed + k).
#pragma once

#include "runtime/image_pipeline.hpp"

namespace aigc::runtime {

struct GanOptions {
  int64_t count = 1;
  uint64_t seed = 0;
  int64_t label = -1;  // see make_labels
  std::vector<int64_t> labels;  // optional, one per sample (overrides label)
  Tensor latents;      // optional explicit f32 [count, latent_shape...]; replaces the seeded draw
};

// f32 [count, latent_shape...] by the seeding rule.
Tensor gan_latents(const models::Generator &g, int64_t count, uint64_t seed);

// Display pixels f32 [count, C, H, W].
Tensor gan_generate(const ExecContext &ctx, const models::Generator &g, const GanOptions &o);

enum class Interpolation { lerp, slerp };

// Latents from seed_a to seed_b (each as sample 0 of its seed) in `frames` >= 2 evenly
// spaced steps t = i / (frames - 1), both ends included. slerp follows the great circle
// between the two latents (Shoemake 1985; falls back to lerp when they are parallel).
Tensor interpolate_latents(const Tensor &a, const Tensor &b, int64_t frames, Interpolation how);
Tensor gan_interpolate(const ExecContext &ctx, const models::Generator &g, uint64_t seed_a,
                       uint64_t seed_b, int64_t frames, Interpolation how, int64_t label);

// Discriminator logits f32 [N, 1] for display pixels [N, C, H, W] (converted to the
// generator's pixel range `range`); probability = sigmoid(logit).
Tensor gan_score(const ExecContext &ctx, const models::Discriminator &d, const Tensor &display,
                 const models::PixelRange &range);

}  // namespace aigc::runtime
