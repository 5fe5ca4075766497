// dit-mnist-cond (converted by tools/aigc-convert) against the goldens computed by the
// upstream PyTorch code (../shared/models/goldens/dit-mnist-cond.safetensors, README there):
// epsilon for ten (x, t, y), every intermediate of one forward pass layer by layer, and the
// 1000-step upstream sampling trajectory (posterior variance, x clamped to [-1, 1] after
// every step) driven by the DDPM scheduler with the stored noise.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>

#include "io/safetensors.hpp"
#include "model_paths.hpp"
#include "models/diffusion/dit.hpp"
#include "ops/harness.hpp"
#include "sampling/scheduler.hpp"

using namespace aigc;

namespace {

constexpr float kPassTol = 1e-4f;  // single forward pass (goldens README: f32 vs f64 within 2e-5)

double max_abs_err(const Tensor &actual, const Tensor &expected) {
  REQUIRE(actual.numel() == expected.numel());
  const std::vector<float> a = actual.to_f32_vector(), e = expected.to_f32_vector();
  double err = 0;
  for (size_t i = 0; i < a.size(); ++i) err = std::max(err, double(std::abs(a[i] - e[i])));
  return err;
}

nlohmann::json read_config() {
  const std::string dir = test::converted_model_dir("dit-mnist-cond");
  std::ifstream f(dir + "/config.json");
  REQUIRE_MESSAGE(f.good(), dir << "/config.json missing: " << test::kConvertedModelsHint);
  return nlohmann::json::parse(f);
}

std::shared_ptr<const models::Dit> load(const nlohmann::json &config) {
  const std::string dir = test::converted_model_dir("dit-mnist-cond");
  const auto weights =
      nn::make_safetensors_weights(io::SafetensorsSet::open(dir + "/model.safetensors"), "dit-mnist-cond");
  models::ImageModelInfo info;
  info.name = "dit-mnist-cond";
  auto m = std::dynamic_pointer_cast<const models::Dit>(models::load_dit(*weights, config, info));
  REQUIRE(m);
  return m;
}

std::shared_ptr<const models::Dit> model() {
  static const auto m = load(read_config());
  return m;
}

const io::SafetensorsFile &golden() {
  static const auto g = io::SafetensorsFile::open(test::golden_path("dit-mnist-cond"));
  return *g;
}

// Stored I64 labels come back as f32; the model takes i32 (or integral f32).
Tensor as_i32(const Tensor &t) {
  std::vector<int32_t> v;
  for (float f : t.to_f32_vector()) v.push_back(int32_t(f));
  return Tensor::from_vector(v, Shape({int64_t(v.size())}));
}

}  // namespace

TEST_CASE("dit: config, schedule and classes") {
  const auto m = model();
  CHECK(m->info().architecture == "dit");
  CHECK(m->info().num_classes == 10);
  REQUIRE(m->info().class_names.size() == 10);
  CHECK(m->info().class_names[3] == "3");
  CHECK(m->sample_shape() == Shape({1, 28, 28}));
  CHECK(m->pixel_range().scale == 0.5f);
  CHECK(m->pixel_range().shift == 0.5f);
  const models::DiffusionTraining &tr = m->training();
  CHECK(tr.num_train_timesteps == 1000);
  CHECK(tr.clamp_sample);
  CHECK(tr.variance_type == "fixed_small");
  REQUIRE(tr.betas.size() == 1000);
  REQUIRE(tr.alphas_cumprod.size() == 1000);
  // torch.linspace(1e-4, 0.02, 1000) and its cumulative product (float32).
  CHECK(tr.betas.front() == doctest::Approx(1e-4).epsilon(1e-6));
  CHECK(tr.betas.back() == doctest::Approx(0.02).epsilon(1e-6));
  double acp = 1;
  for (size_t t = 0; t < 1000; ++t) {
    CHECK(tr.betas[t] == doctest::Approx(1e-4 + (0.02 - 1e-4) * double(t) / 999).epsilon(1e-6));
    acp *= 1 - tr.betas[t];
    CHECK(tr.alphas_cumprod[t] == doctest::Approx(acp).epsilon(1e-6));
  }
}

TEST_CASE("dit: epsilon for ten (x, t, y) matches upstream") {
  const auto m = model();
  const ExecContext ctx = test::context("cpu", 2);
  const Tensor x = golden().tensor("x");  // [10, 1, 28, 28]
  models::DenoiserCondition cond;
  cond.labels = as_i32(golden().tensor("y"));
  const Tensor eps = m->predict(ctx, x, golden().tensor("t"), cond);  // t: integral f32
  CHECK(eps.shape() == Shape({10, 1, 28, 28}));
  CHECK(max_abs_err(eps, golden().tensor("eps")) < kPassTol);
  // Integral f32 labels (how the golden stores I64) and i32 timesteps work the same.
  cond.labels = golden().tensor("y");
  const Tensor eps_i32 = m->predict(ctx, x, as_i32(golden().tensor("t")), cond);
  CHECK(max_abs_err(eps_i32, golden().tensor("eps")) < kPassTol);
}

TEST_CASE("dit: every intermediate of one forward pass matches upstream") {
  const auto m = model();
  const ExecContext ctx = test::context("cpu", 2);
  models::DitTrace trace;
  const Tensor eps = m->forward(ctx, golden().tensor("dbg_x"), golden().tensor("dbg_t"),
                                as_i32(golden().tensor("dbg_y")), &trace);
  const std::pair<const char *, Tensor> stages[] = {
      {"dbg_time_sinusoid", trace.time_sinusoid}, {"dbg_time_emb", trace.time_emb},
      {"dbg_label_emb", trace.label_emb},         {"dbg_cond", trace.cond},
      {"dbg_patch_conv", trace.patch_conv},       {"dbg_patch_linear", trace.patch_linear},
      {"dbg_patch_embed", trace.patch_embed},     {"dbg_final_ln", trace.final_ln},
      {"dbg_final_linear", trace.final_linear},   {"dbg_eps", trace.eps},
  };
  for (const auto &[name, actual] : stages) {
    CAPTURE(name);
    const Tensor expected = golden().tensor(name);
    REQUIRE(actual.defined());
    CHECK(actual.shape() == expected.shape());
    CHECK(max_abs_err(actual, expected) < kPassTol);
  }
  REQUIRE(trace.blocks.size() == 3);
  for (int b = 0; b < 3; ++b) {
    CAPTURE(b);
    CHECK(max_abs_err(trace.blocks[size_t(b)], golden().tensor("dbg_block" + std::to_string(b))) < kPassTol);
  }
  CHECK(max_abs_err(eps, golden().tensor("dbg_eps")) < kPassTol);
}

TEST_CASE("dit: bad inputs and configs are clean errors") {
  const auto m = model();
  const ExecContext ctx = test::context("cpu", 1);
  const Tensor x = Tensor::zeros(Shape({2, 1, 28, 28}), DType::f32);
  const Tensor t = Tensor::from_vector(std::vector<int32_t>{0, 999}, Shape({2}));
  models::DenoiserCondition ok;
  ok.labels = Tensor::from_vector(std::vector<int32_t>{0, 9}, Shape({2}));
  CHECK(m->predict(ctx, x, t, ok).shape() == Shape({2, 1, 28, 28}));

  auto with_labels = [](std::vector<int32_t> v) {
    models::DenoiserCondition c;
    const int64_t n = int64_t(v.size());
    c.labels = Tensor::from_vector(v, Shape({n}));
    return c;
  };
  test::check_error(Status::invalid_argument, "dit", [&] { m->predict(ctx, x, t, with_labels({0, 10})); });
  test::check_error(Status::invalid_argument, "dit", [&] { m->predict(ctx, x, t, with_labels({-1, 3})); });
  test::check_error(Status::invalid_argument, "dit", [&] { m->predict(ctx, x, t, {}); });
  test::check_error(Status::invalid_argument, "dit", [&] {
    models::DenoiserCondition c;
    c.labels = Tensor::from_vector(std::vector<float>{1.5f, 2.f}, Shape({2}));
    m->predict(ctx, x, t, c);
  });
  test::check_error(Status::shape_mismatch, "dit", [&] { m->predict(ctx, x, t, with_labels({1})); });
  test::check_error(Status::shape_mismatch, "dit", [&] {
    m->predict(ctx, Tensor::zeros(Shape({2, 1, 32, 32}), DType::f32), t, ok);
  });
  test::check_error(Status::shape_mismatch, "dit", [&] {
    m->predict(ctx, Tensor::zeros(Shape({2, 3, 28, 28}), DType::f32), t, ok);
  });
  test::check_error(Status::shape_mismatch, "dit", [&] {
    m->predict(ctx, x, Tensor::from_vector(std::vector<int32_t>{5}, Shape({1})), ok);
  });
  test::check_error(Status::invalid_argument, "dit", [&] {
    m->predict(ctx, x, Tensor::from_vector(std::vector<int32_t>{0, 1000}, Shape({2})), ok);
  });

  const nlohmann::json config = read_config();
  nlohmann::json bad = config;
  bad["hidden_size"] = 32;
  test::check_error(Status::shape_mismatch, "half_emb", [&] { load(bad); });
  bad = config;
  bad["depth"] = 2;
  test::check_error(Status::shape_mismatch, "depth", [&] { load(bad); });
  bad = config;
  bad["depth"] = 4;
  test::check_error(Status::invalid_format, "dits.3", [&] { load(bad); });
  bad = config;
  bad["num_heads"] = 2;
  test::check_error(Status::shape_mismatch, "wq", [&] { load(bad); });
  bad = config;
  bad["patch_size"] = 5;
  test::check_error(Status::invalid_format, "patch_size", [&] { load(bad); });
  bad = config;
  bad["num_classes"] = 12;
  test::check_error(Status::shape_mismatch, "label_emb", [&] { load(bad); });
  bad = config;
  bad["attention_scale"] = "sqrt";
  test::check_error(Status::invalid_format, "attention_scale", [&] { load(bad); });
}

TEST_CASE("dit: 1000-step trajectory with the DDPM scheduler matches upstream's sampler") {
  if (test::skip_slow_tests()) {
    MESSAGE("AIGC_SKIP_SLOW_TESTS is set: the 1000-step trajectory runs in the Release tests");
    return;
  }
  // Upstream: for t = 999..0: eps = DiT(x, t, y); x = (x - (1 - a_t) / sqrt(1 - abar_t) eps) /
  // sqrt(a_t) (+ sqrt(posterior var) noise for t > 0); x = clamp(x, -1, 1). That is diffusers'
  // DDPM step with fixed_small variance, plus the model's clamp_sample.
  const auto m = model();
  const ExecContext ctx = test::context("cpu", 2);
  const models::DiffusionTraining &tr = m->training();
  sampling::SchedulerConfig sc;
  sc.num_train_timesteps = tr.num_train_timesteps;
  sc.trained_betas = tr.betas;
  sc.trained_alphas_cumprod = tr.alphas_cumprod;
  sc.prediction = tr.prediction;
  sc.variance_type = tr.variance_type;
  auto scheduler = sampling::make_scheduler(tr.default_sampler, sc);
  scheduler->set_timesteps(tr.default_steps);
  const std::vector<double> &timesteps = scheduler->timesteps();
  REQUIRE(timesteps.size() == 1000);

  models::DenoiserCondition cond;
  cond.labels = as_i32(golden().tensor("traj_y"));
  const Tensor noise = golden().tensor("traj_noise");  // row k: timestep 999 - k
  const std::vector<float> ckpt_time = golden().tensor("traj_ckpt_time").to_f32_vector();
  const Tensor ckpt_x = golden().tensor("traj_ckpt_x");
  Tensor x = golden().tensor("traj_x_init").clone();
  size_t next_ckpt = 0;
  const auto start = std::chrono::steady_clock::now();
  for (size_t k = 0; k < timesteps.size(); ++k) {
    const float t = float(timesteps[k]);
    if (next_ckpt < ckpt_time.size() && ckpt_time[next_ckpt] == t) {
      CAPTURE(t);
      CHECK(max_abs_err(x, ckpt_x.select(0, int64_t(next_ckpt++))) < 1e-3);
    }
    const Tensor eps = m->predict(ctx, scheduler->scale_model_input(x, k),
                                  Tensor::from_vector(std::vector<float>(2, t), Shape({2})), cond);
    x = scheduler->step(eps, k, x, scheduler->needs_noise(k) ? noise.select(0, int64_t(k)) : Tensor());
    if (tr.clamp_sample) {
      std::vector<float> v = x.to_f32_vector();
      for (float &e : v) e = std::clamp(e, -1.f, 1.f);
      x = Tensor::from_vector(v, x.shape());
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("dit 1000-step trajectory (batch 2, 2 threads): " << seconds << " s");
  CHECK(next_ckpt == ckpt_time.size());
  CHECK(max_abs_err(x, golden().tensor("traj_final")) < 1e-3);
}
