// Reference: diffusers' StableDiffusionPipeline.from_single_file
// (diffusers/loaders/single_file.py, single_file_utils.py: infer_diffusers_model_type,
// convert_ldm_unet_checkpoint / convert_ldm_vae_checkpoint / convert_ldm_clip_checkpoint).
#include "models/sd/sd_single_file.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/check.hpp"
#include "io/safetensors.hpp"
#include "io/sha256.hpp"
#include "models/config_json.hpp"
#include "models/sd/ldm_names.hpp"
#include "models/sd/unet2d_condition.hpp"
#include "models/vae/autoencoder_kl.hpp"
#include "nn/weight_source.hpp"

namespace aigc::models::sd {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// runwayml/stable-diffusion-v1-5's component configs (as listed by
// tests/reference/list_sd15_tensors.py; tests/data/sd/sd15_tensors.json).
const char *const kSd15Unet = R"({
  "_class_name": "UNet2DConditionModel", "act_fn": "silu", "attention_head_dim": 8,
  "block_out_channels": [320, 640, 1280, 1280], "center_input_sample": false, "cross_attention_dim": 768,
  "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
  "downsample_padding": 1, "flip_sin_to_cos": true, "freq_shift": 0, "in_channels": 4, "layers_per_block": 2,
  "mid_block_scale_factor": 1, "norm_eps": 1e-05, "norm_num_groups": 32, "out_channels": 4, "sample_size": 64,
  "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
})";

const char *const kSd15Vae = R"({
  "_class_name": "AutoencoderKL", "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
  "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
  "in_channels": 3, "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 3,
  "sample_size": 512, "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
  "scaling_factor": 0.18215
})";

const char *const kSd15TextEncoder = R"({
  "architectures": ["CLIPTextModel"], "attention_dropout": 0.0, "bos_token_id": 0, "eos_token_id": 2,
  "hidden_act": "quick_gelu", "hidden_size": 768, "initializer_factor": 1.0, "initializer_range": 0.02,
  "intermediate_size": 3072, "layer_norm_eps": 1e-05, "max_position_embeddings": 77, "model_type": "clip_text_model",
  "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 1, "projection_dim": 768, "vocab_size": 49408
})";

// SD 1.5's scheduler/scheduler_config.json (PNDM; we sample it with ddim by default).
const char *const kSd15Scheduler = R"({
  "_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
  "num_train_timesteps": 1000, "prediction_type": "epsilon", "set_alpha_to_one": false, "skip_prk_steps": true,
  "steps_offset": 1, "clip_sample": false, "trained_betas": null
})";

constexpr const char *kUnetPrefix = "model.diffusion_model.";

json read_json_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  AIGC_CHECK(in.good(), Status::io_error, "{}: cannot open file", path);
  std::ostringstream s;
  s << in.rdbuf();
  json j = json::parse(s.str(), nullptr, /*allow_exceptions=*/false);
  AIGC_CHECK(!j.is_discarded() && j.is_object(), Status::invalid_format, "{}: not a JSON object", path);
  return j;
}

bool starts_with(const std::string &s, const char *prefix) { return s.rfind(prefix, 0) == 0; }
bool ends_with(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shape_text(const Shape &s) {
  std::string t = "[";
  for (int i = 0; i < s.rank(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

// The tokenizer for the built-in config: CLIP's merges file, plain text first (builds
// without zlib cannot read the .gz).
std::shared_ptr<const tokenizer::ClipBpeTokenizer> find_clip_tokenizer(const std::string &checkpoint,
                                                                       const std::string &vocab_dir) {
  std::vector<fs::path> dirs;
  if (!vocab_dir.empty()) dirs.emplace_back(vocab_dir);
  const char *user = std::getenv("AIGC_USER_MODELS");
  dirs.push_back(fs::path(user && *user ? user : "../models") / "clip");
  dirs.push_back(fs::path(checkpoint).parent_path());
  std::string tried;
  for (const fs::path &dir : dirs) {
    for (const char *name : {"bpe_simple_vocab_16e6.txt", "bpe_simple_vocab_16e6.txt.gz"}) {
      const fs::path p = dir / name;
      std::error_code ec;
      if (fs::is_regular_file(p, ec)) return tokenizer::ClipBpeTokenizer::from_bpe_merges_file(p.string());
    }
    tried += (tried.empty() ? "" : ", ") + dir.string();
  }
  fail(Status::io_error,
       "{}: a single-file checkpoint has no tokenizer and no config_dir was given, so CLIP's "
       "bpe_simple_vocab_16e6.txt(.gz) is needed (looked in {}); run scripts/fetch-clip-vocab.sh "
       "or set AIGC_USER_MODELS to the folder holding clip/",
       checkpoint, tried);
}

const io::SafetensorsTensorInfo *first_ending(const io::SafetensorsSet &set, const std::vector<std::string> &names,
                                              const char *prefix, const std::string &suffix) {
  for (const std::string &n : names)
    if (starts_with(n, prefix) && ends_with(n, suffix)) return set.find_tensor(n);
  return nullptr;
}

// Names the checkpoint family before anything else, so SD 2.x / SDXL files get a clear
// `unsupported` (and files without a UNet `invalid_format`) instead of a later error.
void check_checkpoint_family(const std::string &path, const io::SafetensorsSet &set, const json &unet_config) {
  const std::vector<std::string> names = set.names();
  bool has_unet = false, sdxl = false, open_clip = false;
  for (const std::string &n : names) {
    has_unet = has_unet || starts_with(n, kUnetPrefix);
    sdxl = sdxl || starts_with(n, "conditioner.embedders.");
    open_clip = open_clip || starts_with(n, "cond_stage_model.model.");
  }
  AIGC_CHECK(has_unet, Status::invalid_format,
             "{}: not a Stable Diffusion single-file checkpoint (no model.diffusion_model.* UNet tensors)", path);
  AIGC_CHECK(!sdxl, Status::unsupported,
             "{}: an SDXL checkpoint (conditioner.embedders.* text encoders); only SD 1.x is supported", path);

  const int64_t want_context = json_int(unet_config, "cross_attention_dim", 0);
  if (const auto *k = first_ending(set, names, kUnetPrefix, ".attn2.to_k.weight"); k && k->shape.rank() == 2)
    AIGC_CHECK(!(k->shape[1] == 1024 && want_context != 1024), Status::unsupported,
               "{}: UNet context dim 1024 ({} is {}): an SD 2.x checkpoint; only SD 1.x (768) is supported",
               path, k->name, shape_text(k->shape));
  AIGC_CHECK(!open_clip, Status::unsupported,
             "{}: OpenCLIP text encoder (cond_stage_model.model.*, SD 2.x); only CLIP ViT-L (SD 1.x) is supported",
             path);
}

// Checks the main shapes against the configs, so a checkpoint of another size fails with
// one `unsupported` naming the tensor rather than a shape error inside a block.
void check_checkpoint_fits(const std::string &path, const io::SafetensorsSet &set, const json &unet_config,
                           const json &vae_config, const json &text_config) {
  const std::vector<std::string> names = set.names();
  const int64_t want_context = json_int(unet_config, "cross_attention_dim", 0);
  if (const auto *k = first_ending(set, names, kUnetPrefix, ".attn2.to_k.weight"); k && k->shape.rank() == 2)
    AIGC_CHECK(k->shape[1] == want_context, Status::unsupported,
               "{}: UNet context dim {} ({} is {}) does not fit the config's cross_attention_dim {}", path,
               k->shape[1], k->name, shape_text(k->shape), want_context);

  const json &blocks = unet_config.contains("block_out_channels") ? unet_config["block_out_channels"] : json();
  const int64_t want_c0 = blocks.is_array() && !blocks.empty() && blocks[0].is_number_integer() ? blocks[0].get<int64_t>() : -1;
  const int64_t want_in = json_int(unet_config, "in_channels", 4);
  const std::string conv_in = std::string(kUnetPrefix) + "input_blocks.0.0.weight";
  if (const auto *t = set.find_tensor(conv_in); t && t->shape.rank() == 4)
    AIGC_CHECK(t->shape[0] == want_c0 && t->shape[1] == want_in, Status::unsupported,
               "{}: UNet {} is {}, the config wants [{}, {}, ...] (block_out_channels[0], in_channels): "
               "a different UNet than the config's (inpainting/other model?)",
               path, conv_in, shape_text(t->shape), want_c0, want_in);

  const json &vblocks = vae_config.contains("block_out_channels") ? vae_config["block_out_channels"] : json();
  const int64_t want_v0 = vblocks.is_array() && !vblocks.empty() && vblocks[0].is_number_integer() ? vblocks[0].get<int64_t>() : -1;
  for (const char *name : {"first_stage_model.encoder.conv_in.weight", "vae.encoder.conv_in.weight"})
    if (const auto *t = set.find_tensor(name); t && t->shape.rank() == 4)
      AIGC_CHECK(t->shape[0] == want_v0, Status::unsupported, "{}: VAE {} is {}, the config wants {} channels", path,
                 name, shape_text(t->shape), want_v0);

  const int64_t want_hidden = json_int(text_config, "hidden_size", 0);
  if (const auto *t = first_ending(set, names, "cond_stage_model.", "embeddings.token_embedding.weight");
      t && t->shape.rank() == 2)
    AIGC_CHECK(t->shape[1] == want_hidden, Status::unsupported,
               "{}: text encoder {} is {}, the config wants hidden size {}", path, t->name, shape_text(t->shape),
               want_hidden);
}

}  // namespace

std::shared_ptr<const StableDiffusionModel> load_stable_diffusion_single_file(const std::string &path,
                                                                              const SingleFileOptions &opts) {
  const bool builtin = opts.config_dir.empty();
  const std::string &cd = opts.config_dir;
  const json unet_config = builtin ? json::parse(kSd15Unet) : read_json_file(cd + "/unet/config.json");
  const json vae_config = builtin ? json::parse(kSd15Vae) : read_json_file(cd + "/vae/config.json");
  const json text_config = builtin ? json::parse(kSd15TextEncoder) : read_json_file(cd + "/text_encoder/config.json");
  const json sched = builtin ? json::parse(kSd15Scheduler) : read_json_file(cd + "/scheduler/scheduler_config.json");
  AIGC_CHECK(json_string(unet_config, "_class_name", "UNet2DConditionModel") == "UNet2DConditionModel" &&
                 json_string(vae_config, "_class_name", "AutoencoderKL") == "AutoencoderKL",
             Status::unsupported, "{}: the config's UNet/VAE classes are not UNet2DConditionModel/AutoencoderKL", cd);

  io::SafetensorsSet set = io::SafetensorsSet::open(path);
  check_checkpoint_family(path, set, unet_config);

  auto model = std::make_shared<StableDiffusionModel>();
  model->name = fs::path(path).stem().string();
  model->scheduler = scheduler_config_from_json(sched, &model->scheduler_name);
  model->scheduler_class = json_string(sched, "_class_name", "");

  // Tokenizer: the config folder's when it has one, else CLIP's merges file.
  std::error_code ec;
  if (!builtin && fs::exists(cd + "/tokenizer/vocab.json", ec))
    model->tokenizer = tokenizer::ClipBpeTokenizer::from_folder(cd + "/tokenizer");
  else
    model->tokenizer = find_clip_tokenizer(path, opts.clip_vocab_dir);

  check_checkpoint_fits(path, set, unet_config, vae_config, text_config);
  const std::shared_ptr<const nn::WeightSource> file = nn::make_safetensors_weights(std::move(set), path);

  model->text_encoder =
      load_clip_text_encoder(*make_ldm_component_weights(file, LdmComponent::text_encoder, json::object()), text_config);

  const DiffusionTraining training = unet_training(model->scheduler, model->scheduler_name);
  ImageModelInfo unet_info;
  unet_info.architecture = "unet2d_condition";
  unet_info.name = model->name + "/unet";
  model->unet = load_unet2d_condition(*make_ldm_component_weights(file, LdmComponent::unet, unet_config), unet_config,
                                      unet_info, training);
  ImageModelInfo vae_info;
  vae_info.architecture = "autoencoder_kl";
  vae_info.name = model->name + "/vae";
  model->vae = load_autoencoder_kl(*make_ldm_component_weights(file, LdmComponent::vae, vae_config), vae_config,
                                   vae_info);
  check_stable_diffusion(*model);
  model->weights_sha256 = io::sha256_file_hex(path);
  return model;
}

}  // namespace aigc::models::sd
