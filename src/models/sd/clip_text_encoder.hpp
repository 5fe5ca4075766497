// CLIP's text transformer, the prompt encoder of Stable Diffusion 1.x / 2.x: transformers'
// CLIPTextModel (transformers/models/clip/modeling_clip.py), read, not copied:
//   x = token_embedding(ids) + position_embedding(0..T-1)
//   per layer: x += out_proj(causal_attention(layer_norm1(x)));
//              x += fc2(act(fc1(layer_norm2(x))))          act: quick_gelu or gelu
//   last_hidden_state = final_layer_norm(x)
// Weights under transformers' names (text_model.embeddings.token_embedding.weight, ...,
// text_model.encoder.layers.N.self_attn.q_proj.weight, text_model.final_layer_norm.*);
// config from text_encoder/config.json. Immutable after load, callable from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "nn/layers.hpp"
#include "nn/weight_source.hpp"

namespace aigc::models {

struct ClipTextConfig {
  int64_t vocab_size = 49408;
  int64_t hidden_size = 768;
  int64_t intermediate_size = 3072;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t max_position_embeddings = 77;
  std::string hidden_act = "quick_gelu";  // "quick_gelu" (SD 1.x) or "gelu" (SD 2.x)
  float layer_norm_eps = 1e-5f;

  // transformers' CLIPTextConfig defaults for absent keys; bad values -> invalid_format,
  // another hidden_act -> unsupported.
  static ClipTextConfig from_json(const nlohmann::json &j);
  void validate() const;
};

class ClipTextEncoder {
 public:
  ClipTextEncoder(const ClipTextConfig &config, const nn::WeightSource &weights);

  const ClipTextConfig &config() const { return config_; }
  int64_t hidden_size() const { return config_.hidden_size; }  // the UNet's context dim
  int64_t max_length() const { return config_.max_position_embeddings; }

  // ids: i32 [N, T] on the host, 1 <= T <= max_position_embeddings, each id in
  // [0, vocab_size) (otherwise invalid_argument). Returns f32 [N, T, hidden_size]:
  // clip_skip = 1: last_hidden_state; clip_skip = k (SD UIs' convention): the output of
  // layer num_hidden_layers - k + 1 (transformers' hidden_states[-k]) through
  // final_layer_norm, e.g. 2 = the penultimate layer. 1 <= clip_skip <= num_hidden_layers.
  Tensor encode(const ExecContext &ctx, const Tensor &ids, int clip_skip = 1) const;

 private:
  struct Layer {
    nn::LayerNorm layer_norm1, layer_norm2;
    nn::Linear q_proj, k_proj, v_proj, out_proj;  // [D, D]
    nn::Linear fc1, fc2;                          // [I, D], [D, I]
  };
  Tensor activation(const ExecContext &ctx, const Tensor &x) const;

  ClipTextConfig config_;
  nn::Embedding token_embedding_;     // [vocab, D]
  nn::Embedding position_embedding_;  // [max_positions, D]
  std::vector<Layer> layers_;
  nn::LayerNorm final_layer_norm_;
};

// text_encoder/ of a diffusers pipeline: its model.safetensors as a WeightSource and its
// parsed config.json. Also accepts state dicts without the "text_model." prefix.
std::shared_ptr<const ClipTextEncoder> load_clip_text_encoder(const nn::WeightSource &weights,
                                                              const nlohmann::json &config);

}  // namespace aigc::models
