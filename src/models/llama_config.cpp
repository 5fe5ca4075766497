#include "models/llama_config.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/check.hpp"
#include "models/config_json.hpp"

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
  LlamaConfig c;
  c.arch = json_string(j, "model_type", "llama");
  c.vocab_size = json_int(j, "vocab_size", 0);
  c.hidden_size = json_int(j, "hidden_size", 0);
  c.n_layers = json_int(j, "num_hidden_layers", 0);
  c.n_heads = json_int(j, "num_attention_heads", 0);
  c.n_kv_heads = json_int(j, "num_key_value_heads", c.n_heads);
  c.head_dim = json_int(j, "head_dim", c.n_heads > 0 ? c.hidden_size / c.n_heads : 0);
  c.intermediate_size = json_int(j, "intermediate_size", 0);
  c.context_length = json_int(j, "max_position_embeddings", 2048);
  c.norm_eps = json_float(j, "rms_norm_eps", 1e-6f);
  c.rope_theta = json_float(j, "rope_theta", 10000.f);
  c.rope_dims = c.head_dim;
  c.rope_mode = RopeMode::half_split;
  c.tied_embeddings = json_bool(j, "tie_word_embeddings", false);
  c.qkv_bias = c.arch == "qwen2" || json_bool(j, "attention_bias", false);
  // Qwen2 configs carry a sliding_window that only applies with use_sliding_window.
  if (c.arch == "mistral" || json_bool(j, "use_sliding_window", false)) {
    c.sliding_window = json_int(j, "sliding_window", 0);
  }
  auto rs = j.find("rope_scaling");
  if (rs != j.end() && rs->is_object()) {
    const std::string type = json_string(*rs, "rope_type", json_string(*rs, "type", "default"));
    if (type == "linear") {
      const float factor = json_float(*rs, "factor", 1.f);
      AIGC_CHECK(factor > 0, Status::invalid_format, "config.json: rope_scaling factor must be positive");
      c.rope_freq_scale = 1.f / factor;
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

}  // namespace aigc::models
