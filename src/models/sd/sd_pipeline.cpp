#include "models/sd/sd_pipeline.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/check.hpp"
#include "io/safetensors.hpp"
#include "io/sha256.hpp"
#include "models/config_json.hpp"
#include "models/sd/unet2d_condition.hpp"
#include "models/vae/autoencoder_kl.hpp"
#include "nn/weight_source.hpp"

namespace aigc::models::sd {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

json read_json_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  AIGC_CHECK(in.good(), Status::io_error, "{}: cannot open file", path);
  std::ostringstream s;
  s << in.rdbuf();
  json j = json::parse(s.str(), nullptr, /*allow_exceptions=*/false);
  AIGC_CHECK(!j.is_discarded() && j.is_object(), Status::invalid_format, "{}: not a JSON object", path);
  return j;
}

// model_index.json entries are ["library", "ClassName"] (or [null, null] when absent).
std::string component_class(const json &index, const char *key, const std::string &path) {
  const auto it = index.find(key);
  AIGC_CHECK(it != index.end() && it->is_array() && it->size() == 2 && (*it)[1].is_string(),
             Status::invalid_format, "{}: no '{}' component", path, key);
  return (*it)[1].get<std::string>();
}

// A component's safetensors weights: diffusers' file name, transformers' file name, or a
// sharded set's index.
std::string component_weights_path(const std::string &dir) {
  for (const char *name : {"diffusion_pytorch_model.safetensors", "model.safetensors",
                           "diffusion_pytorch_model.safetensors.index.json", "model.safetensors.index.json"}) {
    const std::string path = dir + "/" + name;
    if (fs::exists(path)) return path;
  }
  for (const char *name : {"diffusion_pytorch_model.bin", "pytorch_model.bin"})
    AIGC_CHECK(!fs::exists(dir + "/" + name), Status::invalid_format,
               "{}/{}: PyTorch pickles are not read; save the pipeline with safe_serialization=True",
               dir, name);
  fail(Status::io_error, "{}: no .safetensors weights found", dir);
}

std::unique_ptr<nn::WeightSource> component_weights(const std::string &dir, const std::string &what) {
  return nn::make_safetensors_weights(io::SafetensorsSet::open(component_weights_path(dir)), what);
}

sampling::PredictionType prediction_of(const std::string &s) {
  if (s == "epsilon") return sampling::PredictionType::epsilon;
  if (s == "v_prediction") return sampling::PredictionType::v_prediction;
  if (s == "sample") return sampling::PredictionType::sample;
  fail(Status::unsupported, "scheduler_config.json: prediction_type '{}' is not supported", s);
}

}  // namespace

sampling::SchedulerConfig scheduler_config_from_json(const json &j, std::string *name) {
  using sampling::BetaSchedule;
  using sampling::TimestepSpacing;
  const std::string cls = json_string(j, "_class_name", "");
  std::string ours;
  if (cls == "DDIMScheduler") ours = "ddim";
  else if (cls == "DDPMScheduler") ours = "ddpm";
  else if (cls == "EulerDiscreteScheduler") ours = "euler";
  else if (cls == "EulerAncestralDiscreteScheduler") ours = "euler_a";
  else if (cls == "HeunDiscreteScheduler") ours = "heun";
  else if (cls == "LCMScheduler") ours = "lcm";
  else if (cls == "DPMSolverMultistepScheduler" &&
           json_string(j, "algorithm_type", "dpmsolver++") == "dpmsolver++" && json_int(j, "solver_order", 2) == 2)
    ours = "dpmpp_2m";
  if (name) *name = ours;

  sampling::SchedulerConfig c;
  c.num_train_timesteps = json_int(j, "num_train_timesteps", 1000);
  AIGC_CHECK(c.num_train_timesteps > 0 && c.num_train_timesteps <= 100000, Status::invalid_format,
             "scheduler_config.json: num_train_timesteps {} out of range", c.num_train_timesteps);
  const std::string schedule = json_string(j, "beta_schedule", "linear");
  if (schedule == "linear") c.beta_schedule = BetaSchedule::linear;
  else if (schedule == "scaled_linear") c.beta_schedule = BetaSchedule::scaled_linear;
  else if (schedule == "squaredcos_cap_v2") c.beta_schedule = BetaSchedule::squaredcos_cap_v2;
  else fail(Status::unsupported, "scheduler_config.json: beta_schedule '{}' is not supported", schedule);
  c.beta_start = json_float(j, "beta_start", 1e-4f);
  c.beta_end = json_float(j, "beta_end", 0.02f);
  // json_float goes through float; keep the file's double precision for the betas.
  if (j.contains("beta_start") && j["beta_start"].is_number()) c.beta_start = j["beta_start"].get<double>();
  if (j.contains("beta_end") && j["beta_end"].is_number()) c.beta_end = j["beta_end"].get<double>();
  if (j.contains("trained_betas") && !j["trained_betas"].is_null()) {
    const json &tb = j["trained_betas"];
    AIGC_CHECK(tb.is_array() && int64_t(tb.size()) == c.num_train_timesteps, Status::invalid_format,
               "scheduler_config.json: trained_betas must list num_train_timesteps numbers");
    for (const json &b : tb) {
      AIGC_CHECK(b.is_number(), Status::invalid_format, "scheduler_config.json: trained_betas holds a non-number");
      c.trained_betas.push_back(b.get<double>());
    }
  }
  c.prediction = prediction_of(json_string(j, "prediction_type", "epsilon"));
  // diffusers' per-class defaults for absent keys.
  const bool sigma_based = cls == "EulerDiscreteScheduler" || cls == "EulerAncestralDiscreteScheduler" ||
                           cls == "HeunDiscreteScheduler" || cls == "DPMSolverMultistepScheduler";
  const std::string spacing = json_string(j, "timestep_spacing", sigma_based ? "linspace" : "leading");
  if (spacing == "leading") c.spacing = TimestepSpacing::leading;
  else if (spacing == "trailing") c.spacing = TimestepSpacing::trailing;
  else if (spacing == "linspace") c.spacing = TimestepSpacing::linspace;
  else fail(Status::unsupported, "scheduler_config.json: timestep_spacing '{}' is not supported", spacing);
  c.steps_offset = json_int(j, "steps_offset", 0);
  const bool ddpm_family = cls == "DDIMScheduler" || cls == "DDPMScheduler";
  c.clip_sample = json_bool(j, "clip_sample", ddpm_family);
  c.clip_sample_range = json_float(j, "clip_sample_range", 1.f);
  c.set_alpha_to_one = json_bool(j, "set_alpha_to_one", true);
  c.variance_type = json_string(j, "variance_type", "fixed_small");
  c.use_karras_sigmas = json_bool(j, "use_karras_sigmas", false);
  c.original_inference_steps = json_int(j, "original_inference_steps", 50);
  c.timestep_scaling = json_float(j, "timestep_scaling", 10.f);
  AIGC_CHECK(!json_bool(j, "rescale_betas_zero_snr", false), Status::unsupported,
             "scheduler_config.json: rescale_betas_zero_snr is not supported");
  AIGC_CHECK(!json_bool(j, "thresholding", false), Status::unsupported,
             "scheduler_config.json: thresholding is not supported");
  return c;
}

void check_stable_diffusion(const StableDiffusionModel &m) {
  AIGC_CHECK(m.tokenizer && m.text_encoder && m.unet && m.vae, Status::invalid_format,
             "stable diffusion '{}': a component is missing", m.name);
  const ClipTextConfig &tc = m.text_encoder->config();
  const int64_t unet_channels = m.unet->sample_shape()[0];
  AIGC_CHECK(m.vae->latent_channels() == unet_channels, Status::invalid_format,
             "stable diffusion '{}': the VAE has {} latent channels but the UNet takes {}", m.name,
             m.vae->latent_channels(), unet_channels);
  AIGC_CHECK(m.text_encoder->hidden_size() == m.unet->context_dim(), Status::invalid_format,
             "stable diffusion '{}': the text encoder's hidden size {} is not the UNet's context dim "
             "(cross_attention_dim) {}",
             m.name, m.text_encoder->hidden_size(), m.unet->context_dim());
  AIGC_CHECK(m.tokenizer->vocab_size() <= tc.vocab_size, Status::invalid_format,
             "stable diffusion '{}': the tokenizer has {} tokens, the text encoder's vocabulary {}", m.name,
             m.tokenizer->vocab_size(), tc.vocab_size);
  AIGC_CHECK(m.tokenizer->model_max_length() <= tc.max_position_embeddings, Status::invalid_format,
             "stable diffusion '{}': prompts of {} tokens exceed the text encoder's {} positions", m.name,
             m.tokenizer->model_max_length(), tc.max_position_embeddings);
}

std::shared_ptr<const StableDiffusionModel> load_stable_diffusion(const std::string &dir) {
  const std::string index_path = dir + "/model_index.json";
  const json index = read_json_file(index_path);
  const std::string pipeline = json_string(index, "_class_name", "");
  AIGC_CHECK(pipeline == "StableDiffusionPipeline" || pipeline == "StableDiffusionImg2ImgPipeline" ||
                 pipeline == "StableDiffusionInpaintPipeline",
             Status::unsupported, "{}: pipeline class '{}' is not a Stable Diffusion 1.x/2.x pipeline",
             index_path, pipeline);
  auto expect_class = [&](const char *key, std::initializer_list<const char *> ok) {
    const std::string cls = component_class(index, key, index_path);
    for (const char *c : ok)
      if (cls == c) return;
    fail(Status::unsupported, "{}: {} class '{}' is not supported", index_path, key, cls);
  };
  expect_class("tokenizer", {"CLIPTokenizer", "CLIPTokenizerFast"});
  expect_class("text_encoder", {"CLIPTextModel"});
  expect_class("unet", {"UNet2DConditionModel"});
  expect_class("vae", {"AutoencoderKL"});
  component_class(index, "scheduler", index_path);

  auto model = std::make_shared<StableDiffusionModel>();
  model->name = fs::path(dir).lexically_normal().filename().string();
  if (model->name.empty()) model->name = fs::path(dir).lexically_normal().parent_path().filename().string();

  const json sched = read_json_file(dir + "/scheduler/scheduler_config.json");
  model->scheduler = scheduler_config_from_json(sched, &model->scheduler_name);
  model->scheduler_class = json_string(sched, "_class_name", "");

  model->tokenizer = tokenizer::ClipBpeTokenizer::from_folder(dir + "/tokenizer");
  model->text_encoder = load_clip_text_encoder(*component_weights(dir + "/text_encoder", "text_encoder"),
                                               read_json_file(dir + "/text_encoder/config.json"));

  const DiffusionTraining training = unet_training(model->scheduler, model->scheduler_name);
  ImageModelInfo unet_info;
  unet_info.architecture = "unet2d_condition";
  unet_info.name = model->name + "/unet";
  model->unet = load_unet2d_condition(*component_weights(dir + "/unet", "unet"),
                                      read_json_file(dir + "/unet/config.json"), unet_info, training);
  ImageModelInfo vae_info;
  vae_info.architecture = "autoencoder_kl";
  vae_info.name = model->name + "/vae";
  model->vae = load_autoencoder_kl(*component_weights(dir + "/vae", "vae"),
                                   read_json_file(dir + "/vae/config.json"), vae_info);
  check_stable_diffusion(*model);
  model->weights_sha256 = io::sha256_file_hex(component_weights_path(dir + "/unet"));
  return model;
}

DiffusionTraining unet_training(const sampling::SchedulerConfig &scheduler, const std::string &scheduler_name) {
  DiffusionTraining training;
  training.num_train_timesteps = scheduler.num_train_timesteps;
  training.betas = sampling::make_betas(scheduler);
  training.alphas_cumprod = sampling::make_alphas_cumprod(scheduler);
  training.prediction = scheduler.prediction;
  training.default_sampler = scheduler_name.empty() ? "ddim" : scheduler_name;
  training.default_steps = 50;
  return training;
}

}  // namespace aigc::models::sd
