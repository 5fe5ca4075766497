#include "models/llama.hpp"

#include "core/check.hpp"
#include "ops/binary.hpp"
#include "ops/embedding.hpp"
#include "ops/rope.hpp"
#include "ops/unary.hpp"

namespace aigc::models {

LlamaModel::LlamaModel(const LlamaConfig &config, const nn::WeightSource &weights)
    : config_(config) {
  config_.validate();
  const LlamaConfig &c = config_;
  const int64_t d = c.hidden_size, q_dim = c.n_heads * c.head_dim, kv_dim = c.n_kv_heads * c.head_dim;
  const nn::Scope root(weights);
  const nn::Scope model = root.sub("model");
  embed_ = nn::Embedding::load(model.sub("embed_tokens"), c.vocab_size, d);
  const nn::Bias qkv_bias = c.qkv_bias ? nn::Bias::required : nn::Bias::none;
  for (int64_t i = 0; i < c.n_layers; ++i) {
    const nn::Scope s = model.sub("layers").at(i);
    Layer l;
    l.attn_norm = nn::RmsNorm::load(s.sub("input_layernorm"), d, c.norm_eps);
    l.ffn_norm = nn::RmsNorm::load(s.sub("post_attention_layernorm"), d, c.norm_eps);
    l.q = nn::Linear::load(s.sub("self_attn.q_proj"), q_dim, d, qkv_bias);
    l.k = nn::Linear::load(s.sub("self_attn.k_proj"), kv_dim, d, qkv_bias);
    l.v = nn::Linear::load(s.sub("self_attn.v_proj"), kv_dim, d, qkv_bias);
    l.o = nn::Linear::load(s.sub("self_attn.o_proj"), d, q_dim, nn::Bias::none);
    l.gate = nn::Linear::load(s.sub("mlp.gate_proj"), c.intermediate_size, d, nn::Bias::none);
    l.up = nn::Linear::load(s.sub("mlp.up_proj"), c.intermediate_size, d, nn::Bias::none);
    l.down = nn::Linear::load(s.sub("mlp.down_proj"), d, c.intermediate_size, nn::Bias::none);
    layers_.push_back(std::move(l));
  }
  final_norm_ = nn::RmsNorm::load(model.sub("norm"), d, c.norm_eps);
  // A missing lm_head means tied embeddings, whatever the config says.
  auto head = root.sub("lm_head").find("weight", Shape({c.vocab_size, d}));
  lm_head_.weight = head ? *head : embed_.table;

  info_.arch = c.arch;
  info_.vocab_size = c.vocab_size;
  info_.context_length = c.context_length;
  info_.hidden_size = d;
  info_.n_layers = c.n_layers;
  info_.n_heads = c.n_heads;
  info_.n_kv_heads = c.n_kv_heads;
  info_.head_dim = c.head_dim;
  for_each_weight([&](Tensor &t) {
    if (!t.defined()) return;
    info_.n_params += t.numel();
    info_.weight_bytes += nn::stored_bytes(t);
  });
  if (!head) {  // the tied head was counted with the embedding
    info_.n_params -= lm_head_.weight.numel();
    info_.weight_bytes -= nn::stored_bytes(lm_head_.weight);
  }
}

void LlamaModel::for_each_weight(const std::function<void(Tensor &)> &fn) {
  fn(embed_.table);
  for (Layer &l : layers_) {
    for (Tensor *t : {&l.attn_norm.weight, &l.ffn_norm.weight, &l.q.weight, &l.q.bias, &l.k.weight,
                      &l.k.bias, &l.v.weight, &l.v.bias, &l.o.weight, &l.gate.weight, &l.up.weight,
                      &l.down.weight})
      fn(*t);
  }
  fn(final_norm_.weight);
  fn(lm_head_.weight);
}

void LlamaModel::place_weights(Backend &backend) {
  nn::WeightUploader upload(backend);
  for_each_weight(std::ref(upload));
}

Tensor LlamaModel::forward(const ExecContext &ctx, nn::KvCache &cache,
                           const std::vector<SeqSpan> &spans) const {
  const BatchPlan plan = plan_batch(ctx, info_, cache, spans);
  const LlamaConfig &c = config_;
  const int64_t n = plan.n_rows;
  ops::RopeOptions rope;
  rope.mode = c.rope_mode;
  rope.n_rot = int(c.rope_dims);
  rope.theta = c.rope_theta;
  rope.freq_scale = c.rope_freq_scale;
  nn::CachedAttentionOptions attn;
  attn.window = c.sliding_window;

  Tensor x = embed_(ctx, plan.ids);  // [N, d]
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer &l = layers_[i];
    const Tensor h = l.attn_norm(ctx, x);
    // rope takes [B, T, H, D]; the batch is one "row" of N tokens with per-token positions.
    const Tensor q = ops::rope(ctx, l.q(ctx, h).reshape(Shape({1, n, c.n_heads, c.head_dim})),
                               plan.positions, rope).reshape(Shape({n, c.n_heads, c.head_dim}));
    const Tensor k = ops::rope(ctx, l.k(ctx, h).reshape(Shape({1, n, c.n_kv_heads, c.head_dim})),
                               plan.positions, rope).reshape(Shape({n, c.n_kv_heads, c.head_dim}));
    const Tensor v = l.v(ctx, h).reshape(Shape({n, c.n_kv_heads, c.head_dim}));
    const Tensor a = nn::cached_attention(ctx, q, k, v, cache, int64_t(i), plan.spans, attn);
    x = ops::add(ctx, x, l.o(ctx, a));
    const Tensor f = l.ffn_norm(ctx, x);
    // SwiGLU: down(silu(gate(x)) * up(x))
    x = ops::add(ctx, x, l.down(ctx, ops::mul(ctx, ops::silu(ctx, l.gate(ctx, f)), l.up(ctx, f))));
  }
  if (!plan.all_rows) x = ops::embedding(ctx, x, plan.logit_rows);  // only rows that need logits
  const Tensor logits = lm_head_(ctx, final_norm_(ctx, x));
  commit_batch(cache, plan);
  return logits;
}

std::unique_ptr<nn::WeightSource> llama2c_weights(const io::Llama2cCheckpoint &w, const std::string &name) {
  std::map<std::string, Tensor> m;
  m["model.embed_tokens.weight"] = w.token_embedding;
  m["model.norm.weight"] = w.rms_final;
  if (!w.config.shared_classifier) m["lm_head.weight"] = w.classifier;
  for (int i = 0; i < w.config.n_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    m[p + "input_layernorm.weight"] = w.rms_att.select(0, i);
    m[p + "post_attention_layernorm.weight"] = w.rms_ffn.select(0, i);
    m[p + "self_attn.q_proj.weight"] = w.wq.select(0, i);
    m[p + "self_attn.k_proj.weight"] = w.wk.select(0, i);
    m[p + "self_attn.v_proj.weight"] = w.wv.select(0, i);
    m[p + "self_attn.o_proj.weight"] = w.wo.select(0, i);
    m[p + "mlp.gate_proj.weight"] = w.w1.select(0, i);
    m[p + "mlp.down_proj.weight"] = w.w2.select(0, i);
    m[p + "mlp.up_proj.weight"] = w.w3.select(0, i);
  }
  return nn::make_map_weights(std::move(m), nn::WeightFormat::llama2c, name);
}

}  // namespace aigc::models
