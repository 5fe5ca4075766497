// LLaMA family decoder (LLaMA 1/2/3, Mistral, Qwen2, SmolLM, llama2.c checkpoints):
// RMSNorm, rotary embedding, grouped-query attention, SwiGLU MLP.
// Reference: Hugging Face transformers' modeling_llama.py / modeling_qwen2.py /
// modeling_mistral.py (LlamaForCausalLM and friends).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "io/gguf.hpp"
#include "io/llama2c.hpp"
#include "models/language_model.hpp"
#include "nn/layers.hpp"

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

class LlamaModel final : public LanguageModel {
 public:
  LlamaModel(const LlamaConfig &config, const nn::WeightSource &weights);
  const LmInfo &info() const override { return info_; }
  const LlamaConfig &config() const { return config_; }
  Tensor forward(const ExecContext &ctx, nn::KvCache &cache,
                 const std::vector<SeqSpan> &spans) const override;

 private:
  struct Layer {
    nn::RmsNorm attn_norm, ffn_norm;
    nn::Linear q, k, v, o, gate, up, down;
  };
  LlamaConfig config_;
  LmInfo info_;
  nn::Embedding embed_;
  std::vector<Layer> layers_;
  nn::RmsNorm final_norm_;
  nn::Linear lm_head_;
};

// llama.2c checkpoint tensors under HF names (slices of the stacked arrays, no copies).
std::unique_ptr<nn::WeightSource> llama2c_weights(const io::Llama2cCheckpoint &ckpt,
                                                  const std::string &name);

}  // namespace aigc::models
