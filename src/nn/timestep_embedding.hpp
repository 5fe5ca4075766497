// Diffusion timestep embeddings as in diffusers (diffusers/models/embeddings.py):
//   timestep_sinusoid  = get_timestep_embedding / the Timesteps module (no weights)
//   TimestepEmbedding  = linear_1 -> SiLU -> linear_2
#pragma once

#include "nn/layers.hpp"

namespace aigc::nn {

// Sinusoidal features of f32 timesteps [N] -> f32 [N, dim] on ctx's backend:
//   freq_i = exp(-ln(max_period) * i / (dim/2 - freq_shift)), i < dim/2
//   [sin(t * freq), cos(t * freq)]  (flip_sin_to_cos: [cos, sin]); odd dim: zero-padded.
// Computed in f32 the way torch does (exp of the f32 exponent, f32 product), so large
// timesteps (999) give the reference's arguments bit for bit before sin/cos.
Tensor timestep_sinusoid(const ExecContext &ctx, const Tensor &timesteps, int64_t dim,
                         bool flip_sin_to_cos, float freq_shift, float max_period = 10000.f);

// diffusers TimestepEmbedding(in_channels, time_embed_dim, act_fn="silu"): two Linears.
struct TimestepEmbedding {
  Linear linear_1;  // [time_embed_dim, in_channels]
  Linear linear_2;  // [time_embed_dim, time_embed_dim]
  static TimestepEmbedding load(const Scope &scope, int64_t in_channels, int64_t time_embed_dim);
  // x: [N, in_channels] -> [N, time_embed_dim]
  Tensor operator()(const ExecContext &ctx, const Tensor &x) const;
};

}  // namespace aigc::nn
