// Stable Diffusion pipeline folder loader (src/models/sd/sd_pipeline.hpp) on the tiny
// random diffusers pipeline of tests/reference/make_sd_tiny_goldens.py: components, the
// scheduler config, tokenizer ids and text embeddings against the diffusers golden
// (max |ours - torch| <= 1e-4 * max |torch|), cross-component checks and bad folders.
// The end-to-end generation golden is tested in tests/runtime.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <unistd.h>

#include "io/safetensors.hpp"
#include "models/sd/sd_pipeline.hpp"
#include "ops/harness.hpp"

using namespace aigc;
using namespace aigc::models;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kSd = std::string(AIGC_TEST_DATA_DIR) + "/sd/";

double max_rel_err(const Tensor &expected, const Tensor &actual) {
  REQUIRE(expected.shape() == actual.shape());
  const std::vector<float> e = expected.to_f32_vector(), a = actual.to_f32_vector();
  double err = 0, scale = 1e-12;
  for (size_t i = 0; i < e.size(); ++i) {
    err = std::max(err, double(std::abs(e[i] - a[i])));
    scale = std::max(scale, double(std::abs(e[i])));
  }
  return err / scale;
}

std::vector<int32_t> ints(const Tensor &t) {
  const int32_t *p = t.data_as<int32_t>();
  return std::vector<int32_t>(p, p + t.numel());
}

// A copy of tiny-sd to break in one place.
struct TempPipeline {
  fs::path dir;
  TempPipeline() {
    dir = fs::temp_directory_path() / ("aigc-tiny-sd-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::copy(kSd + "tiny-sd", dir, fs::copy_options::recursive);
  }
  ~TempPipeline() { fs::remove_all(dir); }
  void edit_json(const std::string &rel, const std::function<void(json &)> &f) const {
    json j;
    {
      std::ifstream in(dir / rel);
      j = json::parse(in);
    }
    f(j);
    std::ofstream(dir / rel) << j.dump(1);
  }
};

struct StubDenoiser final : Denoiser {
  ImageModelInfo info_;
  DiffusionTraining training_;
  int64_t channels, context;
  StubDenoiser(int64_t c, int64_t ctx) : channels(c), context(ctx) {}
  const ImageModelInfo &info() const override { return info_; }
  const DiffusionTraining &training() const override { return training_; }
  Shape sample_shape() const override { return Shape({channels, 0, 0}); }
  int64_t context_dim() const override { return context; }
  Tensor predict(const ExecContext &, const Tensor &x, const Tensor &, const DenoiserCondition &) const override {
    return x;
  }
};

struct StubVae final : Autoencoder {
  ImageModelInfo info_;
  int64_t channels;
  explicit StubVae(int64_t c) : channels(c) {}
  const ImageModelInfo &info() const override { return info_; }
  bool has_encoder() const override { return false; }
  int64_t latent_channels() const override { return channels; }
  int64_t downscale_factor() const override { return 8; }
  Shape image_shape() const override { return Shape({3, 0, 0}); }
  PixelRange pixel_range() const override { return PixelRange::minus_one_one(); }
  LatentDistribution encode(const ExecContext &, const Tensor &) const override { return {}; }
  Tensor decode(const ExecContext &, const Tensor &x, const Tensor &) const override { return x; }
};

}  // namespace

TEST_CASE("sd pipeline loader: tiny diffusers pipeline") {
  const auto sd = sd::load_stable_diffusion(kSd + "tiny-sd");
  CHECK(sd->name == "tiny-sd");
  CHECK(sd->weights_sha256.size() == 64);
  CHECK(sd->scheduler_class == "DDIMScheduler");
  CHECK(sd->scheduler_name == "ddim");
  const sampling::SchedulerConfig &s = sd->scheduler;
  CHECK(s.num_train_timesteps == 1000);
  CHECK(s.beta_schedule == sampling::BetaSchedule::scaled_linear);
  CHECK(s.beta_start == doctest::Approx(0.00085));
  CHECK(s.beta_end == doctest::Approx(0.012));
  CHECK(s.steps_offset == 1);
  CHECK_FALSE(s.set_alpha_to_one);
  CHECK_FALSE(s.clip_sample);
  CHECK(s.spacing == sampling::TimestepSpacing::leading);
  CHECK(s.prediction == sampling::PredictionType::epsilon);
  CHECK(sd->unet->training().num_train_timesteps == 1000);
  CHECK(sd->unet->training().betas.size() == 1000);
  CHECK(sd->unet->context_dim() == 32);
  CHECK(sd->unet->sample_shape()[0] == 4);
  CHECK(sd->vae->latent_channels() == 4);
  CHECK(sd->vae->downscale_factor() == 2);
  CHECK(sd->vae->scaling_factor() == doctest::Approx(0.18215f));
  CHECK(sd->text_encoder->hidden_size() == 32);

  // Prompt -> ids -> embeddings as the diffusers pipeline computed them.
  const auto golden = io::SafetensorsFile::open(kSd + "tiny-sd-golden.safetensors");
  const std::string prompt = golden->metadata().at("prompt");
  const std::string negative = golden->metadata().at("negative_prompt");
  const auto ids = sd->tokenizer->tokenize_prompt(prompt);
  const auto neg_ids = sd->tokenizer->tokenize_prompt(negative);
  CHECK(ids.ids == ints(golden->tensor("prompt_ids")));
  CHECK(neg_ids.ids == ints(golden->tensor("negative_prompt_ids")));
  const ExecContext ctx = test::context("cpu", 2);
  const Tensor embeds = sd->text_encoder->encode(ctx, Tensor::from_vector(ids.ids, Shape({1, 77})));
  CHECK(max_rel_err(golden->tensor("prompt_embeds"), embeds) <= 1e-4);
  const Tensor neg_embeds = sd->text_encoder->encode(ctx, Tensor::from_vector(neg_ids.ids, Shape({1, 77})));
  CHECK(max_rel_err(golden->tensor("negative_prompt_embeds"), neg_embeds) <= 1e-4);
}

TEST_CASE("sd pipeline loader: components that do not fit together") {
  const auto loaded = sd::load_stable_diffusion(kSd + "tiny-sd");
  sd::StableDiffusionModel m = *loaded;
  CHECK_NOTHROW(sd::check_stable_diffusion(m));
  m.vae = std::make_shared<StubVae>(8);
  test::check_error(Status::invalid_format, "latent channels", [&] { sd::check_stable_diffusion(m); });
  m = *loaded;
  m.unet = std::make_shared<StubDenoiser>(4, 64);
  test::check_error(Status::invalid_format, "context dim", [&] { sd::check_stable_diffusion(m); });
  m.unet = nullptr;
  test::check_error(Status::invalid_format, "missing", [&] { sd::check_stable_diffusion(m); });
}

TEST_CASE("sd pipeline loader: bad folders") {
  test::check_error(Status::io_error, "model_index.json", [] { sd::load_stable_diffusion(kSd + "nope"); });
  {
    TempPipeline t;
    t.edit_json("model_index.json", [](json &j) { j["unet"] = {"diffusers", "UNet2DModel"}; });
    test::check_error(Status::unsupported, "UNet2DModel", [&] { sd::load_stable_diffusion(t.dir.string()); });
  }
  {
    TempPipeline t;
    t.edit_json("scheduler/scheduler_config.json", [](json &j) { j["beta_schedule"] = "sigmoid"; });
    test::check_error(Status::unsupported, "sigmoid", [&] { sd::load_stable_diffusion(t.dir.string()); });
  }
  {
    TempPipeline t;
    fs::remove(t.dir / "vae" / "diffusion_pytorch_model.safetensors");
    test::check_error(Status::io_error, "vae", [&] { sd::load_stable_diffusion(t.dir.string()); });
  }
  {
    TempPipeline t;  // a text encoder config that disagrees with its tensors
    t.edit_json("text_encoder/config.json", [](json &j) { j["hidden_size"] = 64; });
    test::check_error(Status::shape_mismatch, "token_embedding", [&] { sd::load_stable_diffusion(t.dir.string()); });
  }
}

TEST_CASE("sd pipeline loader: scheduler configs of other classes") {
  std::string name;
  sampling::SchedulerConfig c =
      sd::scheduler_config_from_json(json{{"_class_name", "EulerDiscreteScheduler"}}, &name);
  CHECK(name == "euler");
  CHECK(c.spacing == sampling::TimestepSpacing::linspace);  // Euler's default
  CHECK_FALSE(c.clip_sample);
  c = sd::scheduler_config_from_json(json{{"_class_name", "DDIMScheduler"}}, &name);
  CHECK(name == "ddim");
  CHECK(c.clip_sample);  // DDIM's default
  // SD 1.5's saved scheduler: we have no PNDM; the config still loads.
  c = sd::scheduler_config_from_json(json{{"_class_name", "PNDMScheduler"}, {"skip_prk_steps", true},
                                          {"beta_schedule", "scaled_linear"}, {"steps_offset", 1}},
                                     &name);
  CHECK(name.empty());
  CHECK(c.beta_schedule == sampling::BetaSchedule::scaled_linear);
  c = sd::scheduler_config_from_json(
      json{{"_class_name", "DPMSolverMultistepScheduler"}, {"prediction_type", "v_prediction"}}, &name);
  CHECK(name == "dpmpp_2m");
  CHECK(c.prediction == sampling::PredictionType::v_prediction);
  test::check_error(Status::unsupported, "rescale_betas_zero_snr", [] {
    sd::scheduler_config_from_json(json{{"rescale_betas_zero_snr", true}}, nullptr);
  });
  test::check_error(Status::unsupported, "prediction_type", [] {
    sd::scheduler_config_from_json(json{{"prediction_type", "flow"}}, nullptr);
  });
}
