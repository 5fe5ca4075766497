#include "models/llama.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/check.hpp"
#include "ops/binary.hpp"
#include "ops/embedding.hpp"
#include "ops/rope.hpp"
#include "ops/unary.hpp"

namespace aigc::models {

void LlamaConfig::validate() const {
  auto positive = [&](int64_t v, const char *name) {
    AIGC_CHECK(v > 0 && v <= (int64_t(1) << 31), Status::invalid_format,
               "{} config: {} must be positive, got {}", arch, name, v);
  };
  positive(vocab_size, "vocab_size");
  positive(hidden_size, "hidden_size");
  positive(n_layers, "n_layers");
  positive(n_heads, "n_heads");
  positive(n_kv_heads, "n_kv_heads");
  positive(head_dim, "head_dim");
  positive(intermediate_size, "intermediate_size");
  AIGC_CHECK(n_heads % n_kv_heads == 0, Status::invalid_format,
             "{} config: n_heads {} is not a multiple of n_kv_heads {}", arch, n_heads, n_kv_heads);
  AIGC_CHECK(rope_dims >= 0 && rope_dims <= head_dim && rope_dims % 2 == 0, Status::invalid_format,
             "{} config: rope dims {} must be even and at most head_dim {}", arch, rope_dims, head_dim);
  AIGC_CHECK(std::isfinite(norm_eps) && norm_eps > 0, Status::invalid_format,
             "{} config: norm epsilon must be positive", arch);
  AIGC_CHECK(std::isfinite(rope_theta) && rope_theta > 0 && std::isfinite(rope_freq_scale) &&
                 rope_freq_scale > 0,
             Status::invalid_format, "{} config: rope theta / scaling must be positive", arch);
  AIGC_CHECK(sliding_window >= 0, Status::invalid_format, "{} config: negative sliding window", arch);
}

LlamaConfig LlamaConfig::from_gguf(const io::GgufFile &f) {
  LlamaConfig c;
  c.arch = f.get_string("general.architecture");
  const std::string a = c.arch + ".";
  c.hidden_size = f.get_int(a + "embedding_length");
  c.n_layers = f.get_int(a + "block_count");
  c.intermediate_size = f.get_int(a + "feed_forward_length");
  c.n_heads = f.get_int(a + "attention.head_count");
  c.n_kv_heads = f.get_int(a + "attention.head_count_kv", c.n_heads);
  c.head_dim = c.n_heads > 0 ? f.get_int(a + "attention.key_length", c.hidden_size / c.n_heads) : 0;
  c.context_length = f.get_int(a + "context_length", 2048);
  c.norm_eps = float(f.get_float(a + "attention.layer_norm_rms_epsilon", 1e-5));
  c.rope_theta = float(f.get_float(a + "rope.freq_base", 10000.0));
  c.rope_dims = f.get_int(a + "rope.dimension_count", c.head_dim);
  c.sliding_window = f.get_int(a + "attention.sliding_window", 0);
  const std::string scaling = f.get_string(a + "rope.scaling.type", "none");
  if (scaling == "linear") {
    c.rope_freq_scale = float(1.0 / f.get_float(a + "rope.scaling.factor", 1.0));
  } else {
    AIGC_CHECK(scaling == "none", Status::unsupported,
               "{}: rope scaling type '{}' is not supported (linear only)", f.name(), scaling);
  }
  if (const auto *t = f.find_tensor("token_embd.weight")) c.vocab_size = t->shape[0];
  c.vocab_size = f.get_int(a + "vocab_size", c.vocab_size);
  // llama.cpp's converter permutes LLaMA's q/k rows for the interleaved pairing; Qwen2
  // files keep HF's layout and use the NeoX (half-split) pairing.
  c.rope_mode = c.arch == "qwen2" ? RopeMode::half_split : RopeMode::interleaved;
  c.qkv_bias = c.arch == "qwen2";
  c.tied_embeddings = f.find_tensor("output.weight") == nullptr;
  return c;
}

LlamaConfig LlamaConfig::from_hf_config(const nlohmann::json &j) {
  auto num = [&](const char *key, auto fallback) {
    using T = decltype(fallback);
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    AIGC_CHECK(it->is_number(), Status::invalid_format, "config.json: '{}' is not a number", key);
    return it->template get<T>();
  };
  LlamaConfig c;
  c.arch = j.value("model_type", std::string("llama"));
  c.vocab_size = num("vocab_size", int64_t(0));
  c.hidden_size = num("hidden_size", int64_t(0));
  c.n_layers = num("num_hidden_layers", int64_t(0));
  c.n_heads = num("num_attention_heads", int64_t(0));
  c.n_kv_heads = num("num_key_value_heads", c.n_heads);
  c.head_dim = num("head_dim", c.n_heads > 0 ? c.hidden_size / c.n_heads : int64_t(0));
  c.intermediate_size = num("intermediate_size", int64_t(0));
  c.context_length = num("max_position_embeddings", int64_t(2048));
  c.norm_eps = num("rms_norm_eps", 1e-6f);
  c.rope_theta = num("rope_theta", 10000.f);
  c.rope_dims = c.head_dim;
  c.rope_mode = RopeMode::half_split;
  c.tied_embeddings = j.value("tie_word_embeddings", false);
  c.qkv_bias = c.arch == "qwen2" || j.value("attention_bias", false);
  if (c.arch == "mistral" || j.value("use_sliding_window", false)) {
    c.sliding_window = num("sliding_window", int64_t(0));
  }
  auto rs = j.find("rope_scaling");
  if (rs != j.end() && rs->is_object()) {
    std::string type = rs->value("rope_type", rs->value("type", std::string("default")));
    if (type == "linear") {
      c.rope_freq_scale = 1.f / rs->value("factor", 1.f);
    } else {
      AIGC_CHECK(type == "default", Status::unsupported,
                 "config.json: rope_scaling type '{}' is not supported (linear only)", type);
    }
  }
  return c;
}

LlamaConfig LlamaConfig::from_llama2c(const io::Llama2cConfig &l) {
  LlamaConfig c;
  c.arch = "llama";
  c.vocab_size = l.vocab_size;
  c.hidden_size = l.dim;
  c.n_layers = l.n_layers;
  c.n_heads = l.n_heads;
  c.n_kv_heads = l.n_kv_heads;
  c.head_dim = l.head_size();
  c.intermediate_size = l.hidden_dim;
  c.context_length = l.seq_len;
  c.norm_eps = 1e-5f;  // run.c's rmsnorm
  c.rope_dims = c.head_dim;
  c.rope_mode = RopeMode::interleaved;
  c.tied_embeddings = l.shared_classifier;
  return c;
}

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
  auto count = [&](const Tensor &t) {
    if (!t.defined()) return;
    info_.n_params += t.numel();
    info_.weight_bytes += nn::stored_bytes(t);
  };
  count(embed_.table);
  for (const Layer &l : layers_) {
    for (const Tensor *t : {&l.attn_norm.weight, &l.ffn_norm.weight, &l.q.weight, &l.q.bias,
                            &l.k.weight, &l.k.bias, &l.v.weight, &l.v.bias, &l.o.weight,
                            &l.gate.weight, &l.up.weight, &l.down.weight})
      count(*t);
  }
  count(final_norm_.weight);
  if (head) count(*head);
}

Tensor LlamaModel::forward(const ExecContext &ctx, nn::KvCache &cache,
                           const std::vector<SeqSpan> &spans) const {
  const BatchPlan plan = plan_batch(info_, cache, spans);
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
