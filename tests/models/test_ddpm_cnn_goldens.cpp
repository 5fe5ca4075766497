// ddpm-cnn-mnist (converted by tools/aigc-convert) against the goldens computed by the
// upstream PyTorch code (../shared/models/goldens/ddpm-cnn-mnist.safetensors, README there):
// the epsilon prediction at five times, per-sample times in one batch, the time embedding,
// the schedule, and the full 1000-step upstream sampling trajectory with the stored noise.
// Upstream step i (1..1000) is our diffusers timestep t = i - 1.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <fstream>

#include "io/safetensors.hpp"
#include "model_paths.hpp"
#include "models/diffusion/ddpm_cnn.hpp"
#include "ops/harness.hpp"
#include "sampling/scheduler.hpp"

using namespace aigc;

namespace {

constexpr float kPassTol = 1e-4f;  // single forward pass (goldens README: f32 vs f64 within 2e-5)

double max_abs_err(const Tensor &actual, const Tensor &expected) {
  const std::vector<float> a = actual.to_f32_vector(), e = expected.to_f32_vector();
  REQUIRE(a.size() == e.size());
  double err = 0;
  for (size_t i = 0; i < a.size(); ++i) err = std::max(err, double(std::abs(a[i] - e[i])));
  return err;
}

nlohmann::json read_config(const std::string &dir) {
  std::ifstream f(dir + "/config.json");
  REQUIRE_MESSAGE(f.good(), dir << "/config.json missing: " << test::kConvertedModelsHint);
  return nlohmann::json::parse(f);
}

std::shared_ptr<const models::DdpmCnn> load(const nlohmann::json &config) {
  const std::string dir = test::converted_model_dir("ddpm-cnn-mnist");
  const auto weights =
      nn::make_safetensors_weights(io::SafetensorsSet::open(dir + "/model.safetensors"), "ddpm-cnn-mnist");
  models::ImageModelInfo info;
  info.name = "ddpm-cnn-mnist";
  auto m = std::dynamic_pointer_cast<const models::DdpmCnn>(models::load_ddpm_cnn(*weights, config, info));
  REQUIRE(m);
  return m;
}

std::shared_ptr<const models::DdpmCnn> model() {
  static const auto m = load(read_config(test::converted_model_dir("ddpm-cnn-mnist")));
  return m;
}

const io::SafetensorsFile &golden() {
  static const auto g = io::SafetensorsFile::open(test::golden_path("ddpm-cnn-mnist"));
  return *g;
}

// Upstream steps (stored as I64, read as f32) -> diffusers timesteps t = i - 1.
Tensor steps_to_timesteps(const Tensor &steps) {
  std::vector<float> t = steps.to_f32_vector();
  for (float &v : t) v -= 1.f;
  return Tensor::from_vector(t, Shape({int64_t(t.size())}));
}

}  // namespace

TEST_CASE("ddpm-cnn: config, schedule and pixel range") {
  const auto m = model();
  CHECK(m->info().architecture == "ddpm_cnn");
  CHECK(m->info().num_classes == 0);
  CHECK(m->sample_shape() == Shape({1, 28, 28}));
  CHECK(m->pixel_range().scale == 1.f);
  CHECK(m->pixel_range().shift == 0.5f);
  const models::DiffusionTraining &tr = m->training();
  CHECK(tr.num_train_timesteps == 1000);
  CHECK(tr.prediction == models::PredictionType::epsilon);
  CHECK_FALSE(tr.clamp_sample);
  CHECK(tr.default_sampler == "ddpm");
  // betas[t] / alphas_cumprod[t] are the stored buffers at upstream step i = t + 1.
  const std::vector<float> beta = golden().tensor("schedule_beta_t").to_f32_vector();
  const std::vector<float> abar = golden().tensor("schedule_alpha_bar_t").to_f32_vector();
  REQUIRE(tr.betas.size() == 1000);
  REQUIRE(tr.alphas_cumprod.size() == 1000);
  for (size_t t = 0; t < 1000; ++t) {
    CHECK(tr.betas[t] == double(beta[t + 1]));
    CHECK(tr.alphas_cumprod[t] == double(abar[t + 1]));
  }
}

TEST_CASE("ddpm-cnn: epsilon at five times and the time embedding match upstream") {
  const auto m = model();
  const ExecContext ctx = test::context("cpu", 2);
  const Tensor x = golden().tensor("eps_x");  // [4, 1, 28, 28]
  const Tensor timesteps = steps_to_timesteps(golden().tensor("eps_steps"));
  const Tensor eps_t = golden().tensor("eps_t");
  const Tensor eps_out = golden().tensor("eps_out");  // [5, 4, 1, 28, 28]
  const std::vector<float> ts = timesteps.to_f32_vector();
  REQUIRE(ts.size() == 5);
  for (size_t k = 0; k < ts.size(); ++k) {
    CAPTURE(ts[k]);
    const Tensor t = Tensor::from_vector(std::vector<float>(4, ts[k]), Shape({4}));
    const Tensor eps = m->predict(ctx, x, t, {});
    CHECK(eps.shape() == Shape({4, 1, 28, 28}));
    CHECK(max_abs_err(eps, eps_out.select(0, int64_t(k))) < kPassTol);
  }
  // The embedding fed the stored float times directly (upstream's own convention).
  CHECK(max_abs_err(m->time_embedding(ctx, eps_t), golden().tensor("time_embed_out")) < kPassTol);
  // forward() with upstream times equals predict() with diffusers timesteps.
  const Tensor tau = Tensor::from_vector(std::vector<float>(4, eps_t.to_f32_vector()[2]), Shape({4}));
  CHECK(max_abs_err(m->forward(ctx, x, tau), eps_out.select(0, 2)) < kPassTol);
}

TEST_CASE("ddpm-cnn: a different time per sample in one batch") {
  const auto m = model();
  const ExecContext ctx = test::context("cpu", 2);
  const Tensor t = steps_to_timesteps(golden().tensor("eps_mixed_steps"));
  // i32 timesteps are accepted as well as f32.
  std::vector<int32_t> ti;
  for (float v : t.to_f32_vector()) ti.push_back(int32_t(v));
  const Tensor expected = golden().tensor("eps_mixed_out");
  CHECK(max_abs_err(m->predict(ctx, golden().tensor("eps_x"), t, {}), expected) < kPassTol);
  CHECK(max_abs_err(m->predict(ctx, golden().tensor("eps_x"), Tensor::from_vector(ti, Shape({4})), {}),
                    expected) < kPassTol);
}

TEST_CASE("ddpm-cnn: bad inputs and configs are clean errors") {
  const auto m = model();
  const ExecContext ctx = test::context("cpu", 1);
  const Tensor x = Tensor::zeros(Shape({2, 1, 28, 28}), DType::f32);
  const Tensor t2 = Tensor::from_vector(std::vector<float>{0.f, 999.f}, Shape({2}));
  test::check_error(Status::shape_mismatch, "ddpm_cnn", [&] {
    m->predict(ctx, Tensor::zeros(Shape({2, 1, 27, 28}), DType::f32), t2, {});
  });
  test::check_error(Status::shape_mismatch, "ddpm_cnn", [&] {
    m->predict(ctx, Tensor::zeros(Shape({2, 3, 28, 28}), DType::f32), t2, {});
  });
  test::check_error(Status::shape_mismatch, "ddpm_cnn", [&] {
    m->predict(ctx, Tensor::zeros(Shape({1, 28, 28}), DType::f32), t2, {});
  });
  test::check_error(Status::shape_mismatch, "ddpm_cnn", [&] {
    m->predict(ctx, x, Tensor::from_vector(std::vector<float>{5.f}, Shape({1})), {});
  });
  test::check_error(Status::shape_mismatch, "ddpm_cnn", [&] { m->predict(ctx, x, Tensor(), {}); });
  test::check_error(Status::invalid_argument, "ddpm_cnn", [&] {
    m->predict(ctx, x, Tensor::from_vector(std::vector<float>{0.f, 1000.f}, Shape({2})), {});
  });
  test::check_error(Status::invalid_argument, "ddpm_cnn", [&] {
    m->predict(ctx, x, Tensor::from_vector(std::vector<float>{-1.f, NAN}, Shape({2})), {});
  });

  // Config values are checked against the tensors.
  nlohmann::json config = read_config(test::converted_model_dir("ddpm-cnn-mnist"));
  nlohmann::json bad = config;
  bad["channels"] = {16, 32, 32, 8};
  test::check_error(Status::shape_mismatch, "blocks.3", [&] { load(bad); });
  bad = config;
  bad["image_shape"] = {1, 32, 32};
  test::check_error(Status::shape_mismatch, "blocks.0", [&] { load(bad); });
  bad = config;
  bad["num_train_timesteps"] = 50;  // the .ini's value; the stored buffers say 1000
  test::check_error(Status::shape_mismatch, "beta_t", [&] { load(bad); });
  bad = config;
  bad["kernel_size"] = 4;
  test::check_error(Status::invalid_format, "kernel", [&] { load(bad); });
  bad = config;
  bad["beta_end"] = 0.04;
  test::check_error(Status::invalid_format, "beta", [&] { load(bad); });
  bad = config;
  bad["pixel_range"] = "0_255";
  test::check_error(Status::invalid_format, "pixel_range", [&] { load(bad); });
}

TEST_CASE("ddpm-cnn: 1000-step trajectory with the DDPM scheduler matches upstream's sampler") {
  if (test::skip_slow_tests()) {
    MESSAGE("AIGC_SKIP_SLOW_TESTS is set: the 1000-step trajectory runs in the Release tests");
    return;
  }
  // Upstream (Prince alg. 18.2): for i = 1000..1: z -= beta_i / sqrt(1 - abar_i) * eps(z, i / 1000);
  // z /= sqrt(1 - beta_i); i > 1: z += sqrt(beta_i) * noise. That is diffusers' DDPM step with
  // variance fixed_large, driven here by make_scheduler("ddpm") over the model's training().
  const auto m = model();
  const ExecContext ctx = test::context("cpu", 2);
  const models::DiffusionTraining &tr = m->training();
  sampling::SchedulerConfig sc;
  sc.num_train_timesteps = tr.num_train_timesteps;
  sc.trained_betas = tr.betas;
  sc.trained_alphas_cumprod = tr.alphas_cumprod;
  sc.prediction = tr.prediction;
  sc.variance_type = tr.variance_type;
  CHECK(sc.variance_type == "fixed_large");
  auto scheduler = sampling::make_scheduler(tr.default_sampler, sc);
  scheduler->set_timesteps(tr.default_steps);
  const std::vector<double> &timesteps = scheduler->timesteps();
  REQUIRE(timesteps.size() == 1000);
  CHECK(timesteps.front() == 999.0);
  CHECK(timesteps.back() == 0.0);

  const Tensor noise = golden().tensor("traj_noise");  // row k: step i = 1000 - k (t = 999 - k)
  const std::vector<float> ckpt_steps = golden().tensor("traj_ckpt_steps").to_f32_vector();
  const Tensor ckpt_z = golden().tensor("traj_ckpt_z"), ckpt_eps = golden().tensor("traj_ckpt_eps");
  Tensor x = golden().tensor("traj_z_init").clone();
  CHECK(scheduler->init_noise_sigma() == 1.0);
  size_t next_ckpt = 0;
  const auto start = std::chrono::steady_clock::now();
  for (size_t k = 0; k < timesteps.size(); ++k) {
    const float t = float(timesteps[k]);
    const Tensor eps = m->predict(ctx, scheduler->scale_model_input(x, k),
                                  Tensor::from_vector(std::vector<float>(2, t), Shape({2})), {});
    if (next_ckpt < ckpt_steps.size() && ckpt_steps[next_ckpt] == t + 1.f) {
      CAPTURE(t);
      const int64_t c = int64_t(next_ckpt++);
      CHECK(max_abs_err(x, ckpt_z.select(0, c)) < 1e-3);
      // eps is compared on the stored state: near t = 0 it amplifies any difference in x by
      // 1 / sqrt(1 - abar_t) (~70 at t = 0), so our own state's eps is not a fair check.
      const Tensor eps_ref = m->predict(ctx, ckpt_z.select(0, c).contiguous(),
                                        Tensor::from_vector(std::vector<float>(2, t), Shape({2})), {});
      CHECK(max_abs_err(eps_ref, ckpt_eps.select(0, c)) < kPassTol);
    }
    if (k + 1 == timesteps.size()) {
      // Upstream's own last update (i = 1, no noise), to tell model drift from scheduler
      // differences: z = (z - beta_1 / sqrt(1 - abar_1) eps) / sqrt(1 - beta_1).
      const double beta = tr.betas[0], abar = tr.alphas_cumprod[0];
      std::vector<float> z = x.to_f32_vector();
      const std::vector<float> e = eps.to_f32_vector();
      for (size_t j = 0; j < z.size(); ++j)
        z[j] = float((z[j] - beta / std::sqrt(1 - abar) * e[j]) / std::sqrt(1 - beta));
      CHECK(max_abs_err(Tensor::from_vector(z, x.shape()), golden().tensor("traj_final")) < 1e-3);
    }
    x = scheduler->step(eps, k, x, scheduler->needs_noise(k) ? noise.select(0, int64_t(k)) : Tensor());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("ddpm-cnn 1000-step trajectory (batch 2, 2 threads): " << seconds << " s");
  CHECK(next_ckpt == ckpt_steps.size());
  // Upstream's last step (i = 1) uses alpha-bar before it = alpha_t[0] = 1 - beta_t[0] = 0.9999,
  // not 1: a scheduler that assumes 1 there misses traj_final by ~0.03.
  CHECK(max_abs_err(x, golden().tensor("traj_final")) < 1e-3);
}
