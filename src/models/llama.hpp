// LLaMA family decoder (LLaMA 1/2/3, Mistral, Qwen2, SmolLM, llama2.c checkpoints):
// RMSNorm, rotary embedding, grouped-query attention, SwiGLU MLP.
// Reference: Hugging Face transformers' modeling_llama.py / modeling_qwen2.py /
// modeling_mistral.py (LlamaForCausalLM and friends).
#pragma once

#include "io/llama2c.hpp"
#include "models/language_model.hpp"
#include "models/llama_config.hpp"
#include "nn/layers.hpp"

namespace aigc::models {


class LlamaModel final : public LanguageModel {
 public:
  LlamaModel(const LlamaConfig &config, const nn::WeightSource &weights);
  const LmInfo &info() const override { return info_; }
  const LlamaConfig &config() const { return config_; }
  Tensor forward(const ExecContext &ctx, nn::KvCache &cache,
                 const std::vector<SeqSpan> &spans) const override;
  void place_weights(Backend &backend) override;

 private:
  // Calls fn on every weight tensor (undefined optional ones included).
  void for_each_weight(const std::function<void(Tensor &)> &fn);
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
