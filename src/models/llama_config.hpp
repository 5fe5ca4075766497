// Hyper-parameters of the LLaMA family and where they come from: GGUF metadata
// (llama.cpp's keys), Hugging Face config.json, or a llama2.c header. Kept apart from the
// model so the file readers' fuzzers can exercise config parsing without the backends.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "backend/kernel_args.hpp"
#include "io/gguf.hpp"
#include "io/llama2c.hpp"

namespace aigc::models {

struct LlamaConfig {
  std::string arch = "llama";
  int64_t vocab_size = 0, hidden_size = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0,
          head_dim = 0, intermediate_size = 0, context_length = 0;
  float norm_eps = 1e-5f;
  float rope_theta = 10000.f;
  float rope_freq_scale = 1.f;  // linear RoPE scaling: 1 / factor
  int64_t rope_dims = 0;        // rotated dims per head (0: head_dim)
  RopeMode rope_mode = RopeMode::half_split;  // interleaved for GGUF llama / llama2.c
  int64_t sliding_window = 0;   // Mistral; 0: full causal attention
  bool qkv_bias = false;        // Qwen2
  bool tied_embeddings = false;

  void validate() const;  // invalid_format naming the bad field
  static LlamaConfig from_gguf(const io::GgufFile &file);
  static LlamaConfig from_hf_config(const nlohmann::json &config);
  static LlamaConfig from_llama2c(const io::Llama2cConfig &config);
};

}  // namespace aigc::models
