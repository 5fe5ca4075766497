// Rotary position embedding (RoPE), both pairing conventions.
#pragma once

#include "backend/backend.hpp"

namespace aigc::ops {

struct RopeOptions {
  RopeMode mode = RopeMode::half_split;  // half_split: NeoX / HF; interleaved: GPT-J / GGUF
  int n_rot = 0;             // rotated dims per head: even, 2..D; 0 means all D dims
  float theta = 10000.f;     // frequency base, > 0
  float freq_scale = 1.f;    // linear position scaling (1 / factor), > 0
};

// x: f32 [B, T, H, D], positions: i32 [T] (absolute position of each token; any values).
// Returns f32 [B, T, H, D] with the first n_rot dims of every head rotated.
Tensor rope(const ExecContext &ctx, const Tensor &x, const Tensor &positions,
            const RopeOptions &options = {});

}  // namespace aigc::ops
