#include "models/gpt2.hpp"

#include "core/check.hpp"
#include "ops/binary.hpp"
#include "ops/copy.hpp"
#include "ops/embedding.hpp"
#include "ops/matmul.hpp"
#include "ops/unary.hpp"

namespace aigc::models {

// HF GPT-2 stores Conv1D weights as [in, out]; GGUF files hold them transposed already.
static nn::Linear load_conv1d(const nn::Scope &s, int64_t out, int64_t in) {
  if (s.source().format() == nn::WeightFormat::gguf) return nn::Linear::load(s, out, in, nn::Bias::required);
  nn::Linear l;
  l.weight = s.get("weight", Shape({in, out})).transpose(0, 1).contiguous();
  l.bias = s.get("bias", Shape({out}));
  if (l.bias.dtype() != DType::f32) l.bias = l.bias.to(DType::f32);
  return l;
}

Gpt2Model::Gpt2Model(const Gpt2Config &config, const nn::WeightSource &weights) : config_(config) {
  config_.validate();
  const Gpt2Config &c = config_;
  const int64_t d = c.hidden_size;
  // Checkpoints saved from GPT2LMHeadModel prefix names with "transformer.", the original
  // OpenAI conversion does not.
  const bool prefixed = weights.find("transformer.wte.weight").has_value();
  const nn::Scope root(weights);
  const nn::Scope t = prefixed ? root.sub("transformer") : root;
  wte_ = nn::Embedding::load(t.sub("wte"), c.vocab_size, d);
  wpe_ = nn::Embedding::load(t.sub("wpe"), c.n_positions, d);
  for (int64_t i = 0; i < c.n_layers; ++i) {
    const nn::Scope s = t.sub("h").at(i);
    Layer l;
    l.ln_1 = nn::LayerNorm::load(s.sub("ln_1"), d, c.norm_eps);
    l.ln_2 = nn::LayerNorm::load(s.sub("ln_2"), d, c.norm_eps);
    l.qkv = load_conv1d(s.sub("attn.c_attn"), 3 * d, d);
    l.attn_out = load_conv1d(s.sub("attn.c_proj"), d, d);
    l.fc = load_conv1d(s.sub("mlp.c_fc"), c.intermediate_size, d);
    l.proj = load_conv1d(s.sub("mlp.c_proj"), d, c.intermediate_size);
    layers_.push_back(std::move(l));
  }
  ln_f_ = nn::LayerNorm::load(t.sub("ln_f"), d, c.norm_eps);
  auto head = root.sub("lm_head").find("weight", Shape({c.vocab_size, d}));
  lm_head_ = head ? *head : wte_.table;

  info_.arch = "gpt2";
  info_.vocab_size = c.vocab_size;
  info_.context_length = c.n_positions;
  info_.max_positions = c.n_positions;
  info_.hidden_size = d;
  info_.n_layers = c.n_layers;
  info_.n_heads = info_.n_kv_heads = c.n_heads;
  info_.head_dim = d / c.n_heads;
  for_each_weight([&](Tensor &x) {
    if (!x.defined()) return;
    info_.n_params += x.numel();
    info_.weight_bytes += nn::stored_bytes(x);
  });
  if (!head) {  // the tied head was counted with the embedding
    info_.n_params -= lm_head_.numel();
    info_.weight_bytes -= nn::stored_bytes(lm_head_);
  }
}

void Gpt2Model::for_each_weight(const std::function<void(Tensor &)> &fn) {
  fn(wte_.table);
  fn(wpe_.table);
  for (Layer &l : layers_) {
    for (nn::LayerNorm *n : {&l.ln_1, &l.ln_2}) {
      fn(n->weight);
      fn(n->bias);
    }
    for (nn::Linear *lin : {&l.qkv, &l.attn_out, &l.fc, &l.proj}) {
      fn(lin->weight);
      fn(lin->bias);
    }
  }
  fn(ln_f_.weight);
  fn(ln_f_.bias);
  fn(lm_head_);
}

void Gpt2Model::place_weights(Backend &backend) {
  nn::WeightUploader upload(backend);
  for_each_weight(std::ref(upload));
}

Tensor Gpt2Model::forward(const ExecContext &ctx, nn::KvCache &cache,
                          const std::vector<SeqSpan> &spans) const {
  const BatchPlan plan = plan_batch(ctx, info_, cache, spans);
  const int64_t n = plan.n_rows, h = info_.n_heads, hd = info_.head_dim;
  Tensor x = ops::add(ctx, wte_(ctx, plan.ids), wpe_(ctx, plan.positions));  // [N, d]
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer &l = layers_[i];
    const Tensor qkv = l.qkv(ctx, l.ln_1(ctx, x)).reshape(Shape({n, 3, h, hd}));
    const Tensor q = qkv.select(1, 0);
    const Tensor k = ops::contiguous(ctx, qkv.select(1, 1));
    const Tensor v = ops::contiguous(ctx, qkv.select(1, 2));
    const Tensor a = nn::cached_attention(ctx, q, k, v, cache, int64_t(i), plan.spans, {});
    x = ops::add(ctx, x, l.attn_out(ctx, a));
    x = ops::add(ctx, x, l.proj(ctx, ops::gelu(ctx, l.fc(ctx, l.ln_2(ctx, x)), /*approximate_tanh=*/true)));
  }
  if (!plan.all_rows) x = ops::embedding(ctx, x, plan.logit_rows);
  const Tensor logits = ops::linear(ctx, ln_f_(ctx, x), lm_head_);
  commit_batch(cache, plan);
  return logits;
}

}  // namespace aigc::models
