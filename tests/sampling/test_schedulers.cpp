// Diffusion schedulers against diffusers, step by step. tests/data/schedulers/<case>.safetensors
// (tests/reference/make_scheduler_goldens.py) holds, for one configured diffusers scheduler,
// the timesteps, the initial sample, the scaled model input, the drawn noise and the sample
// after every model evaluation of a loop driven by the fake model
// tanh(model_input * gain + t / 1000). Each case is replayed on OUR trajectory (errors
// would accumulate, nothing is reset to the golden), comparing every intermediate.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/safetensors.hpp"
#include "ops/harness.hpp"
#include "sampling/scheduler.hpp"

using namespace aigc;
using namespace aigc::sampling;

namespace {

const std::string kDir = std::string(AIGC_TEST_DATA_DIR) + "/schedulers";

// Max |a - b| over the elements, divided by max(1, max |b|): errors relative to the
// magnitude of the golden (Euler-family samples start at sigma_max ~ 15).
double scaled_error(const Tensor &a, const Tensor &b) {
  REQUIRE(a.shape() == b.shape());
  const auto x = a.to_f32_vector(), y = b.to_f32_vector();
  double err = 0, mag = 1;
  for (size_t i = 0; i < x.size(); ++i) {
    err = std::max(err, std::abs(double(x[i]) - double(y[i])));
    mag = std::max(mag, std::abs(double(y[i])));
  }
  return err / mag;
}

SchedulerConfig config_from_json(const nlohmann::json &j) {
  SchedulerConfig c;
  c.num_train_timesteps = j.value("num_train_timesteps", int64_t(1000));
  const std::string bs = j.value("beta_schedule", std::string("linear"));
  c.beta_schedule = bs == "scaled_linear"       ? BetaSchedule::scaled_linear
                    : bs == "squaredcos_cap_v2" ? BetaSchedule::squaredcos_cap_v2
                                                : BetaSchedule::linear;
  c.beta_start = j.value("beta_start", 0.0001);
  c.beta_end = j.value("beta_end", 0.02);
  const std::string p = j.value("prediction", std::string("epsilon"));
  c.prediction = p == "v_prediction" ? PredictionType::v_prediction
                 : p == "sample"     ? PredictionType::sample
                                     : PredictionType::epsilon;
  const std::string sp = j.value("spacing", std::string("leading"));
  c.spacing = sp == "trailing"   ? TimestepSpacing::trailing
              : sp == "linspace" ? TimestepSpacing::linspace
                                 : TimestepSpacing::leading;
  c.steps_offset = j.value("steps_offset", int64_t(0));
  // diffusers' DDPM/DDIM default clip_sample to true; every case sets it explicitly where
  // the scheduler reads it.
  c.clip_sample = j.value("clip_sample", false);
  c.clip_sample_range = j.value("clip_sample_range", 1.0);
  c.set_alpha_to_one = j.value("set_alpha_to_one", true);
  c.variance_type = j.value("variance_type", std::string("fixed_small"));
  c.eta = j.value("eta", 0.0);
  c.use_karras_sigmas = j.value("use_karras_sigmas", false);
  c.original_inference_steps = j.value("original_inference_steps", int64_t(50));
  c.timestep_scaling = j.value("timestep_scaling", 10.0);
  return c;
}

Tensor fake_model(const Tensor &model_in, double t, double gain) {
  auto v = model_in.to_f32_vector();
  for (float &x : v) x = std::tanh(x * float(gain) + float(t / 1000.0));
  return Tensor::from_vector(v, model_in.shape());
}

std::vector<std::string> case_names() {
  std::ifstream f(kDir + "/cases.json");
  REQUIRE(f.good());
  return nlohmann::json::parse(f).get<std::vector<std::string>>();
}

// Tolerance on every intermediate (scaled_error): diffusers computes in float32, we in
// double, and a trajectory of up to 25 steps accumulates the float32 rounding.
constexpr double kTol = 1e-5;
// DDPM over all 25 training steps ends at t = 2, 1, 0 where diffusers' float32
// beta_t = 1 - abar_t / abar_prev (~1e-3) cancels: diffusers run in float64 differs from
// its own float32 golden by 6.9e-5 there; we (double) are 2.0e-5 from it.
double tolerance_for(const std::string &name) {
  return name == "ddpm_eps_linear_large_full" ? 5e-5 : kTol;
}

}  // namespace

TEST_CASE("schedulers: every diffusers golden replays step by step") {
  const auto names = case_names();
  CHECK(names.size() >= 20);
  double worst = 0;
  std::string worst_case;
  for (const auto &name : names) {
    CAPTURE(name);
    const auto f = io::SafetensorsFile::open(kDir + "/" + name + ".safetensors");
    const auto meta = nlohmann::json::parse(f->metadata().at("case"));
    const auto config = config_from_json(meta.at("config"));
    auto s = make_scheduler(meta.at("scheduler").get<std::string>(), config);
    s->set_timesteps(meta.at("steps").get<int64_t>());

    const auto want_ts = meta.at("timesteps").get<std::vector<double>>();
    REQUIRE(s->timesteps().size() == want_ts.size());
    for (size_t i = 0; i < want_ts.size(); ++i)
      CHECK(std::abs(s->timesteps()[i] - want_ts[i]) <= 1e-5 * std::max(1.0, std::abs(want_ts[i])));
    const double sigma0 = meta.at("init_noise_sigma").get<double>();
    CHECK(std::abs(s->init_noise_sigma() - sigma0) <= 1e-5 * std::max(1.0, sigma0));

    const double gain = meta.at("model_gain").get<double>();
    double case_worst = 0;
    Tensor x = f->tensor("x_init");
    for (size_t i = 0; i < want_ts.size(); ++i) {
      CAPTURE(i);
      const Tensor model_in = s->scale_model_input(x, i);
      case_worst = std::max(case_worst, scaled_error(model_in, f->tensor("model_in." + std::to_string(i))));
      const Tensor out = fake_model(model_in, s->timesteps()[i], gain);
      const bool has_noise = f->find_tensor("noise." + std::to_string(i)) != nullptr;
      CHECK(s->needs_noise(i) == has_noise);
      const Tensor noise = has_noise ? f->tensor("noise." + std::to_string(i)) : Tensor();
      x = s->step(out, i, x, noise);
      const double e = scaled_error(x, f->tensor("sample." + std::to_string(i)));
      case_worst = std::max(case_worst, e);
      CHECK(e <= tolerance_for(name));
    }
    MESSAGE(name << ": worst scaled error " << case_worst);
    if (case_worst > worst) worst = case_worst, worst_case = name;

    // img2img: first evaluation for a strength, and the noised image at its timestep.
    for (const auto &[strength, start] : meta.at("strength_start").items()) {
      CAPTURE(strength);
      const size_t idx = s->start_index_for_strength(std::stod(strength));
      CHECK(idx == start.get<size_t>());
      const Tensor noised = s->add_noise(f->tensor("img2img_x0"), f->tensor("img2img_noise"),
                                         s->timesteps().at(idx));
      CHECK(scaled_error(noised, f->tensor("add_noise." + strength)) <= kTol);
    }
  }
  MESSAGE("worst scaled error over all cases: " << worst << " (" << worst_case << ")");
}

TEST_CASE("schedulers: DDPM fixed_large with all steps is Prince's sampler") {
  // z -= b/sqrt(1-abar) eps; z /= sqrt(1-b); z += sqrt(b) noise (t > 0), with trained betas.
  SchedulerConfig c;
  c.num_train_timesteps = 50;
  for (int t = 0; t < 50; ++t) c.trained_betas.push_back(1e-3 + 0.3 * t / 49.0);
  c.variance_type = "fixed_large";
  auto s = make_scheduler("ddpm", c);
  s->set_timesteps(50);
  // The same schedule given as alphas_cumprod must sample identically.
  SchedulerConfig c2 = c;
  c2.trained_betas.clear();
  c2.trained_alphas_cumprod = make_alphas_cumprod(c);
  auto s2 = make_scheduler("ddpm", c2);
  s2->set_timesteps(50);

  const auto betas = make_betas(c);
  const auto abar = make_alphas_cumprod(c);
  const Shape shape{1, 2, 3, 3};
  Tensor x = test::random_tensor(shape, DType::f32, 7), x2 = x;
  const auto x_init = x.to_f32_vector();
  std::vector<double> z(x_init.begin(), x_init.end());
  for (size_t i = 0; i < 50; ++i) {
    const auto t = size_t(s->timesteps()[i]);
    CHECK(t == 49 - i);
    const Tensor eps = test::random_tensor(shape, DType::f32, 100 + i);
    const Tensor noise = test::random_tensor(shape, DType::f32, 200 + i);
    const auto e = eps.to_f32_vector(), n = noise.to_f32_vector();
    for (size_t k = 0; k < z.size(); ++k) {
      z[k] -= betas[t] / std::sqrt(1 - abar[t]) * e[k];
      z[k] /= std::sqrt(1 - betas[t]);
      if (t > 0) z[k] += std::sqrt(betas[t]) * n[k];
    }
    CHECK(s->needs_noise(i) == (t > 0));
    x = s->step(eps, i, x, noise);
    x2 = s2->step(eps, i, x2, noise);
  }
  const auto got = x.to_f32_vector(), got2 = x2.to_f32_vector();
  for (size_t k = 0; k < z.size(); ++k) {
    CHECK(std::abs(got[k] - z[k]) <= 1e-4 * std::max(1.0, std::abs(z[k])));
    CHECK(std::abs(got2[k] - got[k]) <= 1e-5 * std::max(1.0, std::abs(z[k])));
  }
}

TEST_CASE("schedulers: beta schedules") {
  SchedulerConfig c;
  c.num_train_timesteps = 1000;
  auto b = make_betas(c);
  CHECK(b.front() == doctest::Approx(1e-4));
  CHECK(b.back() == doctest::Approx(0.02));
  c.beta_schedule = BetaSchedule::scaled_linear;
  c.beta_start = 0.00085, c.beta_end = 0.012;
  b = make_betas(c);
  CHECK(b.front() == doctest::Approx(0.00085));
  CHECK(b[500] == doctest::Approx(std::pow(std::sqrt(0.00085) + (std::sqrt(0.012) - std::sqrt(0.00085)) * 500 / 999, 2)));
  c.beta_schedule = BetaSchedule::squaredcos_cap_v2;
  b = make_betas(c);
  CHECK(b.back() == doctest::Approx(0.999));  // capped
  const auto abar = make_alphas_cumprod(c);
  CHECK(abar.front() == doctest::Approx(1 - b.front()));
  CHECK(abar[1] == doctest::Approx((1 - b[0]) * (1 - b[1])));
}

TEST_CASE("schedulers: bad input") {
  const SchedulerConfig c;
  test::check_error(Status::invalid_argument, "unknown scheduler", [&] { make_scheduler("plms", c); });
  try {
    make_scheduler("nope", c);
    FAIL("no error");
  } catch (const Error &e) {
    for (const auto &n : scheduler_names()) CHECK(std::string(e.what()).find(n) != std::string::npos);
  }
  test::check_error(Status::invalid_argument, "unknown scheduler", [&] { make_scheduler("ddim_karras", c); });
  CHECK(make_scheduler("dpmpp_2m_karras", c)->name() == "dpmpp_2m");
  for (const auto &name : scheduler_names()) {
    CAPTURE(name);
    auto s = make_scheduler(name, c);
    test::check_error(Status::invalid_argument, "steps", [&] { s->set_timesteps(0); });
    test::check_error(Status::invalid_argument, "steps", [&] { s->set_timesteps(2000); });
    test::check_error(Status::invalid_argument, "set_timesteps", [&] { s->start_index_for_strength(0.5); });
    s->set_timesteps(name == "lcm" ? 4 : 10);
    test::check_error(Status::invalid_argument, "strength", [&] { s->start_index_for_strength(0); });
    test::check_error(Status::invalid_argument, "strength", [&] { s->start_index_for_strength(1.5); });
    test::check_error(Status::invalid_argument, "strength", [&] { s->start_index_for_strength(std::nan("")); });
    CHECK(s->start_index_for_strength(1.0) == 0);
    const Tensor x = Tensor::zeros({1, 4, 2, 2}, DType::f32);
    const Tensor wrong = Tensor::zeros({1, 4, 2, 3}, DType::f32);
    test::check_error(Status::shape_mismatch, "model_output", [&] { s->step(wrong, 0, x, x); });
    test::check_error(Status::invalid_argument, "index", [&] { s->step(x, 999, x, x); });
    test::check_error(Status::invalid_argument, "i32", [&] {
      s->step(Tensor::zeros({1, 4, 2, 2}, DType::i32), 0, x, x);
    });
  }
  SchedulerConfig bad = c;
  bad.variance_type = "learned";
  test::check_error(Status::invalid_argument, "variance_type", [&] { make_scheduler("ddpm", bad); });
  bad = c;
  bad.trained_betas = {0.1, 0.2};
  test::check_error(Status::invalid_argument, "trained_betas", [&] { make_scheduler("ddim", bad); });
  bad = c;
  bad.prediction = PredictionType::sample;
  test::check_error(Status::invalid_argument, "sample", [&] { make_scheduler("euler_a", bad); });
  bad = c;
  bad.original_inference_steps = 50;
  auto lcm = make_scheduler("lcm", bad);
  test::check_error(Status::invalid_argument, "original_inference_steps", [&] { lcm->set_timesteps(60); });
}
