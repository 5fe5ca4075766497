// GPT-2: learned absolute positions, pre-LayerNorm blocks, fused QKV projection,
// GELU (tanh approximation) MLP, output head tied to the token embedding.
// Reference: Hugging Face transformers' modeling_gpt2.py (GPT2LMHeadModel).
#pragma once

#include "models/gpt2_config.hpp"
#include "models/language_model.hpp"
#include "nn/layers.hpp"

namespace aigc::models {


class Gpt2Model final : public LanguageModel {
 public:
  Gpt2Model(const Gpt2Config &config, const nn::WeightSource &weights);
  const LmInfo &info() const override { return info_; }
  Tensor forward(const ExecContext &ctx, nn::KvCache &cache,
                 const std::vector<SeqSpan> &spans) const override;
  void place_weights(Backend &backend) override;

 private:
  // Calls fn on every weight tensor (undefined optional ones included).
  void for_each_weight(const std::function<void(Tensor &)> &fn);
  struct Layer {
    nn::LayerNorm ln_1, ln_2;
    nn::Linear qkv, attn_out, fc, proj;
  };
  Gpt2Config config_;
  LmInfo info_;
  nn::Embedding wte_, wpe_;
  std::vector<Layer> layers_;
  nn::LayerNorm ln_f_;
  Tensor lm_head_;
};

}  // namespace aigc::models
