// Stable Diffusion 1.5 at full size without its weights: every tensor name and shape of the
// real UNet, VAE and CLIP text encoder (tests/data/sd/sd15_tensors.json, listed by
// tests/reference/list_sd15_tensors.py from diffusers / transformers on the meta device)
// becomes a zero-stride expanded scalar, so nothing big is allocated. Our loaders must
// accept the configs, find every tensor with the expected shape and leave none unused;
// the same again through the single-file (LDM) name adapter with the LDM names and shapes
// (which the script checked against diffusers' own converters).
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "models/sd/ldm_names.hpp"
#include "models/sd/unet2d_condition.hpp"
#include "nn/weight_source.hpp"

#if __has_include("models/vae/autoencoder_kl.hpp")
#include "models/vae/autoencoder_kl.hpp"
#define AIGC_TEST_HAVE_VAE 1
#endif
#if __has_include("models/sd/clip_text_encoder.hpp")
#include "models/sd/clip_text_encoder.hpp"
#define AIGC_TEST_HAVE_CLIP 1
#endif

using namespace aigc;

namespace {

const nlohmann::json &listing() {
  static const nlohmann::json j = [] {
    std::ifstream f(std::string(AIGC_TEST_DATA_DIR) + "/sd/sd15_tensors.json");
    REQUIRE(f.good());
    return nlohmann::json::parse(f);
  }();
  return j;
}

// A scalar broadcast to `shape` with stride 0: the right shape, one float of memory.
Tensor fake(const std::vector<int64_t> &shape) {
  const Tensor one = Tensor::zeros(Shape(std::vector<int64_t>(shape.size(), 1)), DType::f32);
  return one.expand(Shape(shape));
}

// Serves the listed tensors and records which names were asked for.
class RecordingWeights final : public nn::WeightSource {
 public:
  explicit RecordingWeights(std::map<std::string, Tensor> tensors) : tensors_(std::move(tensors)) {}
  nn::WeightFormat format() const override { return nn::WeightFormat::safetensors; }
  std::string describe() const override { return "sd15 fake weights"; }
  std::optional<Tensor> find(const std::string &name) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tensors_.find(name);
    if (it == tensors_.end()) return std::nullopt;
    used_.insert(name);
    return it->second;
  }
  std::vector<std::string> unused() const {
    std::vector<std::string> out;
    for (const auto &[name, t] : tensors_)
      if (!used_.count(name)) out.push_back(name);
    return out;
  }
  size_t size() const { return tensors_.size(); }

 private:
  std::map<std::string, Tensor> tensors_;
  mutable std::mutex mu_;
  mutable std::set<std::string> used_;
};

// The component's tensors under diffusers names (ldm = false) or LDM names (ldm = true).
std::shared_ptr<RecordingWeights> fake_weights(const char *component, bool ldm) {
  std::map<std::string, Tensor> tensors;
  for (const auto &row : listing().at(component))
    tensors.emplace(row.at(ldm ? "ldm" : "name").get<std::string>(),
                    fake(row.at(ldm ? "ldm_shape" : "shape").get<std::vector<int64_t>>()));
  return std::make_shared<RecordingWeights>(std::move(tensors));
}

void check_all_used(const RecordingWeights &w, const char *component) {
  const auto unused = w.unused();
  CAPTURE(component);
  CHECK(w.size() > 0);
  CHECK_MESSAGE(unused.empty(), unused.size() << " tensors never loaded, first: "
                                              << (unused.empty() ? std::string() : unused.front()));
}

}  // namespace

TEST_CASE("SD 1.5 UNet: every tensor consumed with its shape (diffusers and LDM names)") {
  const auto &config = listing().at("unet_config");
  {
    auto w = fake_weights("unet", false);
    const auto unet = models::load_unet2d_condition(*w, config, {}, {});
    check_all_used(*w, "unet");
    CHECK(unet->spatial_factor() == 8);
    CHECK(unet->context_dim() == 768);
    CHECK(unet->sample_shape() == Shape({4, 0, 0}));
  }
  {
    auto file = fake_weights("unet", true);
    const auto w = models::make_ldm_component_weights(file, models::LdmComponent::unet, config);
    models::load_unet2d_condition(*w, config, {}, {});
    check_all_used(*file, "unet (LDM)");
  }
  CHECK(listing().at("unet").size() == 686);
}

TEST_CASE("SD 1.5 VAE: every tensor consumed with its shape (diffusers and LDM names)") {
#ifdef AIGC_TEST_HAVE_VAE
  const auto &config = listing().at("vae_config");
  {
    auto w = fake_weights("vae", false);
    const auto vae = models::load_autoencoder_kl(*w, config, {});
    check_all_used(*w, "vae");
    CHECK(vae->downscale_factor() == 8);
    CHECK(vae->latent_channels() == 4);
  }
  {
    auto file = fake_weights("vae", true);
    const auto w = models::make_ldm_component_weights(file, models::LdmComponent::vae, config);
    models::load_autoencoder_kl(*w, config, {});
    check_all_used(*file, "vae (LDM)");
  }
#else
  MESSAGE("models/vae/autoencoder_kl.hpp not present yet: VAE part skipped");
#endif
  CHECK(listing().at("vae").size() == 248);
}

TEST_CASE("SD 1.5 CLIP text encoder: every tensor consumed with its shape (transformers and LDM names)") {
#ifdef AIGC_TEST_HAVE_CLIP
  const auto &config = listing().at("text_encoder_config");
  {
    auto w = fake_weights("text_encoder", false);
    const auto clip = models::load_clip_text_encoder(*w, config);
    check_all_used(*w, "text_encoder");
    CHECK(clip->hidden_size() == 768);
    CHECK(clip->max_length() == 77);
  }
  {
    auto file = fake_weights("text_encoder", true);
    const auto w = models::make_ldm_component_weights(file, models::LdmComponent::text_encoder, {});
    models::load_clip_text_encoder(*w, config);
    check_all_used(*file, "text_encoder (LDM)");
  }
#else
  MESSAGE("models/sd/clip_text_encoder.hpp not present yet: text encoder part skipped");
#endif
  CHECK(listing().at("text_encoder").size() == 196);
}

TEST_CASE("LDM names: a few fixed points of the SD 1.x layout") {
  const auto &unet = listing().at("unet_config");
  auto first = [](const std::vector<std::string> &v) { return v.empty() ? std::string() : v.front(); };
  using models::LdmComponent;
  CHECK(first(models::ldm_names_for(LdmComponent::unet, "down_blocks.1.attentions.0.proj_in.weight", unet)) ==
        "model.diffusion_model.input_blocks.4.1.proj_in.weight");
  CHECK(first(models::ldm_names_for(LdmComponent::unet, "down_blocks.2.downsamplers.0.conv.bias", unet)) ==
        "model.diffusion_model.input_blocks.9.0.op.bias");
  CHECK(first(models::ldm_names_for(LdmComponent::unet, "up_blocks.1.upsamplers.0.conv.weight", unet)) ==
        "model.diffusion_model.output_blocks.5.2.conv.weight");
  CHECK(first(models::ldm_names_for(LdmComponent::unet, "up_blocks.0.upsamplers.0.conv.weight", unet)) ==
        "model.diffusion_model.output_blocks.2.1.conv.weight");
  CHECK(first(models::ldm_names_for(LdmComponent::unet, "mid_block.resnets.1.time_emb_proj.weight", unet)) ==
        "model.diffusion_model.middle_block.2.emb_layers.1.weight");
  CHECK(models::ldm_names_for(LdmComponent::unet, "down_blocks.9.resnets.0.conv1.weight", unet).empty());
  CHECK(models::ldm_names_for(LdmComponent::unet, "nonsense", unet).empty());
  const auto &vae = listing().at("vae_config");
  CHECK(first(models::ldm_names_for(LdmComponent::vae, "decoder.up_blocks.0.resnets.2.conv_shortcut.weight", vae)) ==
        "first_stage_model.decoder.up.3.block.2.nin_shortcut.weight");
  CHECK(first(models::ldm_names_for(LdmComponent::vae, "encoder.mid_block.attentions.0.to_out.0.bias", vae)) ==
        "first_stage_model.encoder.mid.attn_1.proj_out.bias");
  // A config without the layout keys is a clear error.
  auto file = std::make_shared<RecordingWeights>(std::map<std::string, Tensor>{});
  CHECK_THROWS_AS(models::make_ldm_component_weights(file, LdmComponent::unet, nlohmann::json::object()),
                  Error);
  CHECK_THROWS_AS(models::make_ldm_component_weights(file, LdmComponent::vae, nlohmann::json::object()), Error);
}
