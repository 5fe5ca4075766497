#include "models/sd/clip_text_encoder.hpp"

#include "core/check.hpp"
#include "models/config_json.hpp"
#include "ops/attention.hpp"
#include "ops/binary.hpp"
#include "ops/copy.hpp"
#include "ops/unary.hpp"

namespace aigc::models {

ClipTextConfig ClipTextConfig::from_json(const nlohmann::json &j) {
  AIGC_CHECK(j.is_object(), Status::invalid_format, "text encoder config.json is not an object");
  ClipTextConfig c;
  c.vocab_size = json_int(j, "vocab_size", c.vocab_size);
  c.hidden_size = json_int(j, "hidden_size", c.hidden_size);
  c.intermediate_size = json_int(j, "intermediate_size", c.intermediate_size);
  c.num_hidden_layers = json_int(j, "num_hidden_layers", c.num_hidden_layers);
  c.num_attention_heads = json_int(j, "num_attention_heads", c.num_attention_heads);
  c.max_position_embeddings = json_int(j, "max_position_embeddings", c.max_position_embeddings);
  c.hidden_act = json_string(j, "hidden_act", c.hidden_act);
  c.layer_norm_eps = json_float(j, "layer_norm_eps", c.layer_norm_eps);
  c.validate();
  return c;
}

void ClipTextConfig::validate() const {
  auto positive = [](int64_t v, const char *key) {
    AIGC_CHECK(v > 0 && v <= (int64_t(1) << 24), Status::invalid_format,
               "CLIP text config: {} = {} is not a positive size", key, v);
  };
  positive(vocab_size, "vocab_size");
  positive(hidden_size, "hidden_size");
  positive(intermediate_size, "intermediate_size");
  positive(num_hidden_layers, "num_hidden_layers");
  positive(num_attention_heads, "num_attention_heads");
  positive(max_position_embeddings, "max_position_embeddings");
  AIGC_CHECK(hidden_size % num_attention_heads == 0, Status::invalid_format,
             "CLIP text config: hidden_size {} is not a multiple of num_attention_heads {}",
             hidden_size, num_attention_heads);
  AIGC_CHECK(hidden_act == "quick_gelu" || hidden_act == "gelu", Status::unsupported,
             "CLIP text config: hidden_act '{}' is not supported (quick_gelu, gelu)", hidden_act);
  AIGC_CHECK(layer_norm_eps > 0.f, Status::invalid_format,
             "CLIP text config: layer_norm_eps {} must be positive", layer_norm_eps);
}

ClipTextEncoder::ClipTextEncoder(const ClipTextConfig &config, const nn::WeightSource &weights)
    : config_(config) {
  config_.validate();
  const ClipTextConfig &c = config_;
  const int64_t d = c.hidden_size, inter = c.intermediate_size;
  const float eps = c.layer_norm_eps;
  // CLIPTextModel saves "text_model.*"; a bare CLIPTextTransformer state dict has no prefix.
  const nn::Scope root(weights);
  const bool prefixed = weights.find("text_model.embeddings.token_embedding.weight").has_value() ||
                        !weights.find("embeddings.token_embedding.weight").has_value();
  const nn::Scope t = prefixed ? root.sub("text_model") : root;
  token_embedding_ = nn::Embedding::load(t.sub("embeddings.token_embedding"), c.vocab_size, d);
  position_embedding_ =
      nn::Embedding::load(t.sub("embeddings.position_embedding"), c.max_position_embeddings, d);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const nn::Scope s = t.sub("encoder.layers").at(i);
    Layer l;
    l.layer_norm1 = nn::LayerNorm::load(s.sub("layer_norm1"), d, eps);
    l.layer_norm2 = nn::LayerNorm::load(s.sub("layer_norm2"), d, eps);
    l.q_proj = nn::Linear::load(s.sub("self_attn.q_proj"), d, d, nn::Bias::required);
    l.k_proj = nn::Linear::load(s.sub("self_attn.k_proj"), d, d, nn::Bias::required);
    l.v_proj = nn::Linear::load(s.sub("self_attn.v_proj"), d, d, nn::Bias::required);
    l.out_proj = nn::Linear::load(s.sub("self_attn.out_proj"), d, d, nn::Bias::required);
    l.fc1 = nn::Linear::load(s.sub("mlp.fc1"), inter, d, nn::Bias::required);
    l.fc2 = nn::Linear::load(s.sub("mlp.fc2"), d, inter, nn::Bias::required);
    layers_.push_back(std::move(l));
  }
  final_layer_norm_ = nn::LayerNorm::load(t.sub("final_layer_norm"), d, eps);
}

Tensor ClipTextEncoder::activation(const ExecContext &ctx, const Tensor &x) const {
  if (config_.hidden_act == "gelu") return ops::gelu(ctx, x);
  // quick_gelu: x * sigmoid(1.702 x) (transformers' QuickGELUActivation)
  return ops::mul(ctx, x, ops::sigmoid(ctx, ops::scale(ctx, x, 1.702f)));
}

Tensor ClipTextEncoder::encode(const ExecContext &ctx, const Tensor &ids, int clip_skip) const {
  const ClipTextConfig &c = config_;
  AIGC_CHECK(ids.defined() && ids.dtype() == DType::i32 && ids.rank() == 2, Status::invalid_argument,
             "CLIP text encoder: ids must be i32 [N, T], got {}",
             ids.defined() ? ids.describe() : std::string("an undefined tensor"));
  AIGC_CHECK(ids.device().is_cpu(), Status::invalid_argument,
             "CLIP text encoder: ids must be on the host, got {}", ids.device().to_string());
  const int64_t n = ids.size(0), t = ids.size(1);
  AIGC_CHECK(n > 0 && t > 0 && t <= c.max_position_embeddings, Status::invalid_argument,
             "CLIP text encoder: {} tokens per sequence, the model takes 1 to {}", t,
             c.max_position_embeddings);
  AIGC_CHECK(clip_skip >= 1 && clip_skip <= c.num_hidden_layers, Status::invalid_argument,
             "CLIP text encoder: clip_skip {} outside [1, {}]", clip_skip, c.num_hidden_layers);
  const Tensor host_ids = ids.contiguous();
  const int32_t *p = host_ids.data_as<int32_t>();
  for (int64_t i = 0; i < n * t; ++i)
    AIGC_CHECK(p[i] >= 0 && p[i] < c.vocab_size, Status::invalid_argument,
               "CLIP text encoder: token id {} at position {} outside the vocabulary of {}", p[i],
               i, c.vocab_size);

  const int64_t d = c.hidden_size, h = c.num_attention_heads, hd = d / h;
  std::vector<int32_t> pos(static_cast<size_t>(t));
  for (int64_t i = 0; i < t; ++i) pos[size_t(i)] = int32_t(i);
  const Tensor positions = Tensor::from_vector(pos, Shape({t}));
  // x: [N, T, D]
  Tensor x = ops::add(ctx, token_embedding_(ctx, host_ids), position_embedding_(ctx, positions));
  ops::AttentionOptions causal;
  causal.causal = true;
  // hidden_states[-k] is the output of layer L - k + 1: later layers are not run.
  const size_t n_layers = layers_.size() - size_t(clip_skip - 1);
  for (size_t i = 0; i < n_layers; ++i) {
    const Layer &l = layers_[i];
    const Tensor hn = l.layer_norm1(ctx, x);
    // q, k, v: [N, T, D] -> [N, H, T, hd] views
    auto heads = [&](const nn::Linear &proj) {
      return proj(ctx, hn).reshape(Shape({n, t, h, hd})).permute({0, 2, 1, 3});
    };
    const Tensor a = ops::attention(ctx, heads(l.q_proj), heads(l.k_proj), heads(l.v_proj), causal);
    // a: [N, H, T, hd] -> [N, T, D]
    const Tensor merged = ops::contiguous(ctx, a.permute({0, 2, 1, 3})).reshape(Shape({n, t, d}));
    x = ops::add(ctx, x, l.out_proj(ctx, merged));
    x = ops::add(ctx, x, l.fc2(ctx, activation(ctx, l.fc1(ctx, l.layer_norm2(ctx, x)))));
  }
  return final_layer_norm_(ctx, x);
}

std::shared_ptr<const ClipTextEncoder> load_clip_text_encoder(const nn::WeightSource &weights,
                                                              const nlohmann::json &config) {
  return std::make_shared<const ClipTextEncoder>(ClipTextConfig::from_json(config), weights);
}

}  // namespace aigc::models
