// GPT-2 hyper-parameters from GGUF metadata or Hugging Face config.json.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>

#include "io/gguf.hpp"

namespace aigc::models {

struct Gpt2Config {
  int64_t vocab_size = 0, hidden_size = 0, n_layers = 0, n_heads = 0, intermediate_size = 0,
          n_positions = 0;
  float norm_eps = 1e-5f;

  void validate() const;
  static Gpt2Config from_gguf(const io::GgufFile &file);
  static Gpt2Config from_hf_config(const nlohmann::json &config);
};

}  // namespace aigc::models
