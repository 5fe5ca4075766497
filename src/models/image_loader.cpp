#include "models/image_loader.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "core/check.hpp"
#include "io/safetensors.hpp"
#include "io/sha256.hpp"
#include "models/config_json.hpp"
#include "models/diffusion/ddpm_cnn.hpp"
#include "models/diffusion/dit.hpp"
#include "models/gan/cwgan_gp.hpp"
#include "models/gan/dcgan.hpp"
#include "models/gan/mlp_gan.hpp"
#include "models/sd/sd_pipeline.hpp"
#include "models/sd/sd_single_file.hpp"
#include "models/vae/keras_cvae_decoder.hpp"
#include "models/vae/mlp_vae.hpp"
#include "models/vae/taesd.hpp"

namespace aigc::models {

namespace fs = std::filesystem;

namespace {

nlohmann::json read_json(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  AIGC_CHECK(in.good(), Status::io_error, "cannot open '{}'", path.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception &e) {
    throw Error(Status::invalid_format, fmt::format("'{}' is not valid JSON: {}", path.string(), e.what()));
  }
}

// The hash recorded in PNG provenance: the converter's record of the original file when
// there is one (so converted and original agree), else the SHA-256 of what we load.
std::string weights_hash(const nlohmann::json &config, const fs::path &weights) {
  auto src = config.find("source");
  if (src != config.end() && src->is_object()) {
    auto files = src->find("files");
    if (files != src->end() && files->is_array() && !files->empty() && (*files)[0].is_object()) {
      const std::string h = json_string((*files)[0], "sha256", "");
      if (h.size() == 64) return h;
    }
  }
  return io::sha256_file_hex(weights.string());
}

using Loader = std::function<void(ImageModelBundle &, const nn::WeightSource &, const nlohmann::json &)>;

sampling::SchedulerConfig scheduler_config_for(const DiffusionTraining &t) {
  sampling::SchedulerConfig c;
  c.num_train_timesteps = t.num_train_timesteps;
  c.trained_betas = t.betas;
  c.trained_alphas_cumprod = t.alphas_cumprod;
  c.prediction = t.prediction;
  c.variance_type = t.variance_type;
  c.spacing = sampling::TimestepSpacing::leading;
  return c;
}

const std::map<std::string, Loader> &loaders() {
  static const std::map<std::string, Loader> table = {
      {"mlp_gan",
       [](ImageModelBundle &b, const nn::WeightSource &w, const nlohmann::json &c) {
         b.kind = ImageModelKind::gan;
         b.generator = load_mlp_gan_generator(w, c, b.info);
         if (c.contains("discriminator_hidden_dims")) b.discriminator = load_mlp_gan_discriminator(w, c, b.info);
       }},
      {"dcgan",
       [](ImageModelBundle &b, const nn::WeightSource &w, const nlohmann::json &c) {
         b.kind = ImageModelKind::gan;
         b.generator = load_dcgan(w, c, b.info);
       }},
      {"cwgan_gp",
       [](ImageModelBundle &b, const nn::WeightSource &w, const nlohmann::json &c) {
         b.kind = ImageModelKind::gan;
         b.generator = load_cwgan_gp(w, c, b.info);
       }},
      {"mlp_vae",
       [](ImageModelBundle &b, const nn::WeightSource &w, const nlohmann::json &c) {
         b.kind = ImageModelKind::vae;
         b.autoencoder = load_mlp_vae(w, c, b.info);
       }},
      {"keras_cvae_decoder",
       [](ImageModelBundle &b, const nn::WeightSource &w, const nlohmann::json &c) {
         b.kind = ImageModelKind::vae;
         b.autoencoder = load_keras_cvae_decoder(w, c, b.info);
       }},
      {"taesd",
       [](ImageModelBundle &b, const nn::WeightSource &w, const nlohmann::json &c) {
         b.kind = ImageModelKind::vae;
         b.autoencoder = load_taesd(w, c, b.info);
       }},
      {"ddpm_cnn",
       [](ImageModelBundle &b, const nn::WeightSource &w, const nlohmann::json &c) {
         b.kind = ImageModelKind::diffusion;
         b.denoiser = load_ddpm_cnn(w, c, b.info);
         b.scheduler = scheduler_config_for(b.denoiser->training());
       }},
      {"dit",
       [](ImageModelBundle &b, const nn::WeightSource &w, const nlohmann::json &c) {
         b.kind = ImageModelKind::diffusion;
         b.denoiser = load_dit(w, c, b.info);
         b.scheduler = scheduler_config_for(b.denoiser->training());
       }},
  };
  return table;
}

std::string known_list() {
  std::string s;
  for (const auto &name : image_architectures()) s += (s.empty() ? "" : ", ") + name;
  return s;
}

ImageModelBundle load_converted(const fs::path &dir) {
  const nlohmann::json config = read_json(dir / "config.json");
  AIGC_CHECK(config.is_object(), Status::invalid_format, "'{}' is not a JSON object", (dir / "config.json").string());
  const std::string arch = json_string(config, "architecture", "");
  AIGC_CHECK(!arch.empty(), Status::invalid_format, "'{}' names no \"architecture\"", (dir / "config.json").string());
  auto it = loaders().find(arch);
  AIGC_CHECK(it != loaders().end(), Status::unsupported,
             "unknown image architecture '{}' in '{}' (known: {})", arch, (dir / "config.json").string(),
             known_list());
  const fs::path weights_path = dir / "model.safetensors";
  AIGC_CHECK(fs::exists(weights_path), Status::io_error,
             "'{}' is missing (convert the original with tools/aigc-convert)", weights_path.string());
  auto weights = nn::make_safetensors_weights(io::SafetensorsSet::open(weights_path.string()),
                                              weights_path.string());
  ImageModelBundle bundle;
  bundle.info.architecture = arch;
  bundle.info.name = json_string(config, "name", dir.filename().string());
  it->second(bundle, *weights, config);
  const ImageModelInfo *component_info = nullptr;
  if (bundle.generator) component_info = &bundle.generator->info();
  if (bundle.autoencoder) component_info = &bundle.autoencoder->info();
  if (bundle.denoiser) component_info = &bundle.denoiser->info();
  if (component_info) bundle.info = *component_info;
  bundle.weights_sha256 = weights_hash(config, weights_path);
  return bundle;
}

ImageModelBundle load_stable_diffusion(const fs::path &path) {
  ImageModelBundle bundle;
  bundle.kind = ImageModelKind::text_to_image;
  // A file is a single-file (LDM-named) checkpoint; its component configs come from
  // $AIGC_SD_CONFIG_DIR (a diffusers-layout folder) when set, else the built-in SD 1.5 ones.
  std::shared_ptr<const sd::StableDiffusionModel> sd;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    sd::SingleFileOptions opts;
    if (const char *dir = std::getenv("AIGC_SD_CONFIG_DIR")) opts.config_dir = dir;
    sd = sd::load_stable_diffusion_single_file(path.string(), opts);
  } else {
    sd = sd::load_stable_diffusion(path.string());
  }
  bundle.info = sd->unet->info();
  bundle.info.architecture = "stable_diffusion";
  bundle.info.name = path.filename().string();
  if (bundle.info.name.empty()) bundle.info.name = path.parent_path().filename().string();
  bundle.denoiser = sd->unet;
  bundle.autoencoder = sd->vae;
  bundle.scheduler = sd->scheduler;
  bundle.weights_sha256 = sd->weights_sha256;
  bundle.stable_diffusion = std::move(sd);
  return bundle;
}

}  // namespace

const std::vector<std::string> &image_architectures() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto &kv : loaders()) v.push_back(kv.first);
    v.push_back("stable_diffusion");
    return v;
  }();
  return names;
}

ImageModelBundle load_image_model(const std::string &path_string) {
  const fs::path path(path_string);
  std::error_code ec;
  AIGC_CHECK(fs::exists(path, ec), Status::io_error, "image model '{}' does not exist", path_string);
  if (fs::is_directory(path, ec)) {
    if (fs::exists(path / "model_index.json", ec)) return load_stable_diffusion(path);
    AIGC_CHECK(fs::exists(path / "config.json", ec), Status::invalid_format,
               "'{}' has neither config.json (a converted model) nor model_index.json (a diffusers "
               "pipeline)",
               path_string);
    return load_converted(path);
  }
  const std::string ext = path.extension().string();
  AIGC_CHECK(ext != ".pth" && ext != ".ckpt" && ext != ".pt" && ext != ".bin", Status::unsupported,
             "'{}' is a PyTorch pickle, which aigc does not load (it can run code): convert it with "
             "tools/aigc-convert",
             path_string);
  if (ext == ".json") return load_converted(path.parent_path());
  AIGC_CHECK(ext == ".safetensors", Status::unsupported,
             "'{}': expected a model directory or a Stable Diffusion .safetensors checkpoint", path_string);
  // A model.safetensors beside its config.json is a converted model; any other
  // .safetensors file is read as a single-file Stable Diffusion checkpoint.
  if (fs::exists(path.parent_path() / "config.json", ec) && path.filename() == "model.safetensors")
    return load_converted(path.parent_path());
  return load_stable_diffusion(path);
}

}  // namespace aigc::models
