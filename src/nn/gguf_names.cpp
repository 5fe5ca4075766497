// HF state-dict names -> llama.cpp GGUF tensor names (the inverse of the renaming that
// llama.cpp's convert_hf_to_gguf.py applies; read for the facts, not copied).
#include <cstring>
#include <utility>

#include "nn/weight_source.hpp"

namespace aigc::nn {
namespace {

// Whole names outside the layer stack.
const std::pair<const char *, const char *> kGlobal[] = {
    {"model.embed_tokens", "token_embd"}, {"model.norm", "output_norm"},
    {"lm_head", "output"},                {"transformer.wte", "token_embd"},
    {"transformer.wpe", "position_embd"}, {"transformer.ln_f", "output_norm"},
};

// Per-layer module names (after the layer prefix).
const std::pair<const char *, const char *> kLayer[] = {
    // LLaMA family
    {"self_attn.q_proj", "attn_q"},
    {"self_attn.k_proj", "attn_k"},
    {"self_attn.v_proj", "attn_v"},
    {"self_attn.o_proj", "attn_output"},
    {"input_layernorm", "attn_norm"},
    {"post_attention_layernorm", "ffn_norm"},
    {"mlp.gate_proj", "ffn_gate"},
    {"mlp.up_proj", "ffn_up"},
    {"mlp.down_proj", "ffn_down"},
    // GPT-2
    {"ln_1", "attn_norm"},
    {"attn.c_attn", "attn_qkv"},
    {"attn.c_proj", "attn_output"},
    {"ln_2", "ffn_norm"},
    {"mlp.c_fc", "ffn_up"},
    {"mlp.c_proj", "ffn_down"},
};

bool starts_with(const std::string &s, const char *prefix) {
  return s.compare(0, std::strlen(prefix), prefix) == 0;
}

// Splits "module.weight" into module and the ".weight"/".bias" suffix.
std::pair<std::string, std::string> split_suffix(const std::string &name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return {name, ""};
  return {name.substr(0, dot), name.substr(dot)};
}

}  // namespace

std::string gguf_tensor_name(const std::string &hf_name) {
  const auto [module, suffix] = split_suffix(hf_name);
  for (const auto &[hf, gguf] : kGlobal) {
    if (module == hf) return gguf + suffix;
  }
  for (const char *stack : {"model.layers.", "transformer.h."}) {
    if (!starts_with(module, stack)) continue;
    const std::string rest = module.substr(std::strlen(stack));
    const size_t dot = rest.find('.');
    if (dot == std::string::npos) break;
    const std::string index = rest.substr(0, dot), inner = rest.substr(dot + 1);
    for (const auto &[hf, gguf] : kLayer) {
      if (inner == hf) return "blk." + index + "." + gguf + suffix;
    }
  }
  return hf_name;
}

}  // namespace aigc::nn
