#include "models/sd/ldm_names.hpp"

#include <vector>

#include "core/check.hpp"
#include "models/config_json.hpp"

namespace aigc::models {

namespace {

std::vector<std::string> split_name(const std::string &name) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t dot = name.find('.', start);
    parts.push_back(name.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

std::string join_from(const std::vector<std::string> &parts, size_t first) {
  std::string out;
  for (size_t i = first; i < parts.size(); ++i) out += (out.empty() ? "" : ".") + parts[i];
  return out;
}

// A non-negative block index, or -1 when the part is not a number.
int64_t index_of(const std::string &s) {
  if (s.empty() || s.size() > 6) return -1;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// ---- UNet --------------------------------------------------------------------------------

struct UnetLayout {
  std::vector<int64_t> layers;      // layers_per_block per down block
  std::vector<bool> up_attention;   // up block i is CrossAttnUpBlock2D
};

UnetLayout unet_layout(const nlohmann::json &config) {
  AIGC_CHECK(config.is_object(), Status::invalid_format, "LDM UNet names: the UNet config is not an object");
  auto types = config.find("down_block_types");
  auto up = config.find("up_block_types");
  AIGC_CHECK(types != config.end() && types->is_array() && !types->empty() && types->size() <= 16 &&
                 up != config.end() && up->is_array() && up->size() == types->size(),
             Status::invalid_format, "LDM UNet names: the config needs down_block_types and up_block_types");
  UnetLayout l;
  const size_t n = types->size();
  auto lpb = config.find("layers_per_block");
  if (lpb != config.end() && lpb->is_array()) {
    AIGC_CHECK(lpb->size() == n, Status::invalid_format, "LDM UNet names: layers_per_block has {} entries", lpb->size());
    for (const auto &v : *lpb) {
      AIGC_CHECK(v.is_number_integer() && v.get<int64_t>() > 0 && v.get<int64_t>() < 1000, Status::invalid_format,
                 "LDM UNet names: bad layers_per_block entry {}", v.dump());
      l.layers.push_back(v.get<int64_t>());
    }
  } else {
    const int64_t v = json_int(config, "layers_per_block", 2);
    AIGC_CHECK(v > 0 && v < 1000, Status::invalid_format, "LDM UNet names: layers_per_block {} out of range", v);
    l.layers.assign(n, v);
  }
  for (const auto &t : *up) l.up_attention.push_back(t.is_string() && t.get<std::string>().find("CrossAttn") == 0);
  return l;
}

// ResnetBlock2D parts: diffusers -> LDM ResBlock.
std::string ldm_resnet_part(const std::string &part) {
  if (part == "norm1") return "in_layers.0";
  if (part == "conv1") return "in_layers.2";
  if (part == "time_emb_proj") return "emb_layers.1";
  if (part == "norm2") return "out_layers.0";
  if (part == "conv2") return "out_layers.3";
  if (part == "conv_shortcut") return "skip_connection";
  return {};
}

// diffusers UNet name -> LDM name without "model.diffusion_model."; empty if none.
std::string unet_name(const UnetLayout &l, const std::string &name) {
  const auto p = split_name(name);
  const size_t n = l.layers.size();
  auto resnet = [&](const std::string &prefix, size_t first) {
    if (first >= p.size()) return std::string();
    const std::string part = ldm_resnet_part(p[first]);
    return part.empty() || first + 1 >= p.size() ? std::string() : prefix + part + "." + join_from(p, first + 1);
  };
  if (p.size() < 2) return {};
  if (p[0] == "time_embedding" && p.size() == 3) {
    if (p[1] == "linear_1") return "time_embed.0." + p[2];
    if (p[1] == "linear_2") return "time_embed.2." + p[2];
    return {};
  }
  if (p.size() == 2) {
    if (p[0] == "conv_in") return "input_blocks.0.0." + p[1];
    if (p[0] == "conv_norm_out") return "out.0." + p[1];
    if (p[0] == "conv_out") return "out.2." + p[1];
    return {};
  }
  if (p[0] == "down_blocks" && p.size() >= 5) {
    const int64_t i = index_of(p[1]), j = index_of(p[3]);
    if (i < 0 || j < 0 || size_t(i) >= n || j >= l.layers[size_t(i)] + 1) return {};
    // input_blocks.0 is conv_in; each down block adds its layers, then its downsampler.
    int64_t base = 1;
    for (int64_t k = 0; k < i; ++k) base += l.layers[size_t(k)] + (size_t(k) + 1 < n ? 1 : 0);
    if (p[2] == "resnets") return resnet("input_blocks." + std::to_string(base + j) + ".0.", 4);
    if (p[2] == "attentions") return "input_blocks." + std::to_string(base + j) + ".1." + join_from(p, 4);
    if (p[2] == "downsamplers" && j == 0 && p[4] == "conv" && p.size() == 6)
      return "input_blocks." + std::to_string(base + l.layers[size_t(i)]) + ".0.op." + p[5];
    return {};
  }
  if (p[0] == "mid_block" && p.size() >= 4) {
    const int64_t j = index_of(p[2]);
    if (j < 0) return {};
    if (p[1] == "resnets") return resnet("middle_block." + std::to_string(2 * j) + ".", 3);
    if (p[1] == "attentions") return "middle_block." + std::to_string(2 * j + 1) + "." + join_from(p, 3);
    return {};
  }
  if (p[0] == "up_blocks" && p.size() >= 5) {
    const int64_t i = index_of(p[1]), j = index_of(p[3]);
    if (i < 0 || j < 0 || size_t(i) >= n) return {};
    // Up block i mirrors down block n-1-i with one more layer; the upsampler sits in the
    // last layer's output block, after the resnet (and the attention, when there is one).
    auto layers_up = [&](size_t k) { return l.layers[n - 1 - k] + 1; };
    int64_t base = 0;
    for (size_t k = 0; k < size_t(i); ++k) base += layers_up(k);
    const int64_t count = layers_up(size_t(i));
    if (j >= count) return {};
    if (p[2] == "resnets") return resnet("output_blocks." + std::to_string(base + j) + ".0.", 4);
    if (p[2] == "attentions") return "output_blocks." + std::to_string(base + j) + ".1." + join_from(p, 4);
    if (p[2] == "upsamplers" && j == 0 && p[4] == "conv" && p.size() == 6)
      return "output_blocks." + std::to_string(base + count - 1) + (l.up_attention[size_t(i)] ? ".2" : ".1") +
             ".conv." + p[5];
    return {};
  }
  return {};
}

// ---- VAE ---------------------------------------------------------------------------------

int64_t vae_blocks(const nlohmann::json &config) {
  AIGC_CHECK(config.is_object(), Status::invalid_format, "LDM VAE names: the VAE config is not an object");
  auto boc = config.find("block_out_channels");
  AIGC_CHECK(boc != config.end() && boc->is_array() && !boc->empty() && boc->size() <= 16, Status::invalid_format,
             "LDM VAE names: the config needs block_out_channels");
  return int64_t(boc->size());
}

std::string vae_resnet(const std::string &prefix, const std::vector<std::string> &p, size_t first) {
  if (first + 1 >= p.size()) return {};
  const std::string &part = p[first];
  if (part != "norm1" && part != "conv1" && part != "norm2" && part != "conv2" && part != "conv_shortcut") return {};
  return prefix + (part == "conv_shortcut" ? std::string("nin_shortcut") : part) + "." + join_from(p, first + 1);
}

// diffusers AutoencoderKL name -> LDM name without the "first_stage_model." prefix.
std::string vae_name(int64_t blocks, const std::string &name) {
  const auto p = split_name(name);
  if (p.size() == 2 && (p[0] == "quant_conv" || p[0] == "post_quant_conv")) return name;
  if (p.size() < 3 || (p[0] != "encoder" && p[0] != "decoder")) return {};
  const std::string side = p[0] + ".";
  if (p.size() == 3) {
    if (p[1] == "conv_in" || p[1] == "conv_out") return name;
    if (p[1] == "conv_norm_out") return side + "norm_out." + p[2];
    return {};
  }
  if (p[1] == "mid_block" && p.size() >= 5) {
    const int64_t j = index_of(p[3]);
    if (p[2] == "resnets" && (j == 0 || j == 1))
      return vae_resnet(side + "mid.block_" + std::to_string(j + 1) + ".", p, 4);
    if (p[2] == "attentions" && j == 0) {
      const std::string rest = join_from(p, 5);
      const std::string attn = side + "mid.attn_1.";
      if (p[4] == "group_norm") return attn + "norm." + rest;
      if (p[4] == "to_q") return attn + "q." + rest;
      if (p[4] == "to_k") return attn + "k." + rest;
      if (p[4] == "to_v") return attn + "v." + rest;
      if (p[4] == "to_out" && p.size() == 7 && p[5] == "0") return attn + "proj_out." + p[6];
    }
    return {};
  }
  const bool down = p[0] == "encoder" && p[1] == "down_blocks";
  const bool up = p[0] == "decoder" && p[1] == "up_blocks";
  if ((down || up) && p.size() >= 6) {
    const int64_t i = index_of(p[2]), j = index_of(p[4]);
    if (i < 0 || i >= blocks || j < 0) return {};
    // LDM numbers decoder levels from the lowest resolution up: diffusers up_blocks.i is up.(n-1-i).
    const std::string level = down ? side + "down." + p[2] + "." : side + "up." + std::to_string(blocks - 1 - i) + ".";
    if (p[3] == "resnets") return vae_resnet(level + "block." + p[4] + ".", p, 5);
    const char *sampler = down ? "downsamplers" : "upsamplers";
    if (p[3] == sampler && j == 0 && p[5] == "conv" && p.size() == 7)
      return level + (down ? "downsample" : "upsample") + ".conv." + p[6];
  }
  return {};
}

bool is_vae_attention_matrix(const std::string &diffusers_name) {
  const auto p = split_name(diffusers_name);
  return p.size() >= 6 && p[1] == "mid_block" && p[2] == "attentions" && p.back() == "weight" &&
         (p[4] == "to_q" || p[4] == "to_k" || p[4] == "to_v" || p[4] == "to_out");
}

// ---- the adapter -------------------------------------------------------------------------

class LdmComponentWeights final : public nn::WeightSource {
 public:
  LdmComponentWeights(std::shared_ptr<const nn::WeightSource> file, LdmComponent component, nlohmann::json config)
      : file_(std::move(file)), component_(component), config_(std::move(config)) {
    AIGC_CHECK(file_ != nullptr, Status::invalid_argument, "make_ldm_component_weights: no single-file weights");
    // Validate the layout once so lookups cannot fail on a bad config later.
    if (component_ == LdmComponent::unet) unet_layout(config_);
    if (component_ == LdmComponent::vae) vae_blocks(config_);
  }
  nn::WeightFormat format() const override { return file_->format(); }
  std::string describe() const override {
    const char *what = component_ == LdmComponent::unet ? "UNet" : component_ == LdmComponent::vae ? "VAE" : "text encoder";
    return file_->describe() + " (LDM single file, " + what + ")";
  }
  std::optional<Tensor> find(const std::string &name) const override {
    for (const auto &ldm : ldm_names_for(component_, name, config_)) {
      auto t = file_->find(ldm);
      if (!t) continue;
      // LDM VAE attention projections are 1x1 convolutions; diffusers uses Linear.
      if (component_ == LdmComponent::vae && is_vae_attention_matrix(name) && t->rank() == 4 && t->size(2) == 1 &&
          t->size(3) == 1)
        return t->select(3, 0).select(2, 0);  // [C, C, 1, 1] -> [C, C], a view whatever the strides
      return t;
    }
    return std::nullopt;
  }

 private:
  std::shared_ptr<const nn::WeightSource> file_;
  LdmComponent component_;
  nlohmann::json config_;
};

}  // namespace

std::vector<std::string> ldm_names_for(LdmComponent component, const std::string &diffusers_name,
                                       const nlohmann::json &component_config) {
  switch (component) {
    case LdmComponent::unet: {
      const std::string n = unet_name(unet_layout(component_config), diffusers_name);
      if (n.empty()) return {};
      return {"model.diffusion_model." + n};
    }
    case LdmComponent::vae: {
      const std::string n = vae_name(vae_blocks(component_config), diffusers_name);
      if (n.empty()) return {};
      return {"first_stage_model." + n, "vae." + n};
    }
    case LdmComponent::text_encoder:
      // transformers CLIPTextModel names ("text_model.encoder.layers.0...") under the LDM
      // FrozenCLIPEmbedder's "transformer"; SDXL files use "conditioner.embedders.0.".
      if (diffusers_name.rfind("text_model.", 0) != 0) return {};
      return {"cond_stage_model.transformer." + diffusers_name,
              "conditioner.embedders.0.transformer." + diffusers_name,
              // checkpoints saved with transformers < 4.x have no "text_model." level
              "cond_stage_model.transformer." + diffusers_name.substr(11)};
  }
  return {};
}

std::unique_ptr<nn::WeightSource> make_ldm_component_weights(std::shared_ptr<const nn::WeightSource> single_file,
                                                             LdmComponent component,
                                                             const nlohmann::json &component_config) {
  return std::make_unique<LdmComponentWeights>(std::move(single_file), component, component_config);
}

}  // namespace aigc::models
