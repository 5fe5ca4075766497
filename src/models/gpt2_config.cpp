#include "models/gpt2_config.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/check.hpp"
#include "models/config_json.hpp"

namespace aigc::models {

void Gpt2Config::validate() const {
  for (auto [v, name] : {std::pair{vocab_size, "vocab_size"}, {hidden_size, "n_embd"},
                         {n_layers, "n_layer"}, {n_heads, "n_head"},
                         {intermediate_size, "n_inner"}, {n_positions, "n_positions"}}) {
    AIGC_CHECK(v > 0 && v <= (int64_t(1) << 31), Status::invalid_format,
               "gpt2 config: {} must be positive, got {}", name, v);
  }
  AIGC_CHECK(hidden_size % n_heads == 0, Status::invalid_format,
             "gpt2 config: n_embd {} is not a multiple of n_head {}", hidden_size, n_heads);
  AIGC_CHECK(std::isfinite(norm_eps) && norm_eps > 0, Status::invalid_format,
             "gpt2 config: layer_norm_epsilon must be positive");
}

Gpt2Config Gpt2Config::from_gguf(const io::GgufFile &f) {
  Gpt2Config c;
  c.hidden_size = f.get_int("gpt2.embedding_length");
  c.n_layers = f.get_int("gpt2.block_count");
  c.n_heads = f.get_int("gpt2.attention.head_count");
  c.intermediate_size = f.get_int("gpt2.feed_forward_length", c.hidden_size > 0 && c.hidden_size < (int64_t(1) << 30) ? 4 * c.hidden_size : 0);
  c.n_positions = f.get_int("gpt2.context_length");
  c.norm_eps = float(f.get_float("gpt2.attention.layer_norm_epsilon", 1e-5));
  if (const auto *t = f.find_tensor("token_embd.weight")) c.vocab_size = t->shape[0];
  c.vocab_size = f.get_int("gpt2.vocab_size", c.vocab_size);
  return c;
}

Gpt2Config Gpt2Config::from_hf_config(const nlohmann::json &j) {
  Gpt2Config c;
  c.vocab_size = json_int(j, "vocab_size", 50257);
  c.hidden_size = json_int(j, "n_embd", 768);
  c.n_layers = json_int(j, "n_layer", 12);
  c.n_heads = json_int(j, "n_head", 12);
  c.intermediate_size = json_int(j, "n_inner", c.hidden_size > 0 && c.hidden_size < (int64_t(1) << 30) ? 4 * c.hidden_size : 0);
  c.n_positions = json_int(j, "n_positions", 1024);
  c.norm_eps = json_float(j, "layer_norm_epsilon", 1e-5f);
  const std::string act = json_string(j, "activation_function", "gelu_new");
  AIGC_CHECK(act == "gelu_new" || act == "gelu_pytorch_tanh", Status::unsupported,
             "gpt2 config: activation_function '{}' is not supported (gelu_new)", act);
  return c;
}

}  // namespace aigc::models
