// DDPM ancestral sampling (Ho et al. 2020).
// Reference: diffusers DDPMScheduler (scheduling_ddpm.py, v0.32): posterior mean from the
// predicted x0, then sqrt(variance) * noise for t > 0, with variance
//   fixed_small: (1 - abar_prev) / (1 - abar_t) * beta_t   (the posterior variance)
//   fixed_large: beta_t = 1 - abar_t / abar_prev
// With all 1000 steps, epsilon prediction and no clipping, fixed_large is exactly
//   z = (z - beta_t / sqrt(1 - abar_t) * eps) / sqrt(1 - beta_t) + sqrt(beta_t) * noise
// (the sampler of Prince's "Understanding Deep Learning" notebooks).
#include <cmath>

#include "core/check.hpp"
#include "sampling/scheduler_common.hpp"

namespace aigc::sampling::detail {
namespace {

class DdpmScheduler final : public AlphaSchedulerBase {
 public:
  explicit DdpmScheduler(const SchedulerConfig &c) : AlphaSchedulerBase("ddpm", c) {
    AIGC_CHECK(c.variance_type == "fixed_small" || c.variance_type == "fixed_large",
               Status::invalid_argument,
               "ddpm: variance_type must be fixed_small or fixed_large, got '{}'", c.variance_type);
    // "abar before t = 0": 1 for a schedule built from betas. A model that ships its own
    // abar table may start it one step early (ddpm-cnn-mnist stores abar[0] = 1 - beta[0],
    // and its sampler's last step divides by sqrt(1 - beta[0])): abar[0] / (1 - beta[0]).
    if (!c.trained_alphas_cumprod.empty()) {
      const std::vector<double> betas = make_betas(c);
      abar_before_first_ = alphas_cumprod_.at(0) / (1.0 - betas.at(0));
    }
  }

  void set_timesteps(int64_t steps) override {
    check_steps(config_, steps, name_);
    timesteps_ = spaced_timesteps(config_, steps, /*round_linspace=*/true);
    num_inference_steps_ = steps;
  }

  bool needs_noise(size_t index) const override {
    check_index(index);
    return timesteps_[index] > 0;
  }

  Tensor step(const Tensor &model_output, size_t index, const Tensor &sample,
              const Tensor &noise) override {
    check_step_inputs(model_output, index, sample, noise);
    const auto t = int64_t(timesteps_[index]);
    const int64_t prev_t = index + 1 < timesteps_.size() ? int64_t(timesteps_[index + 1]) : -1;
    const double abar_t = alpha_cumprod_at(t);
    const double abar_prev = prev_t >= 0 ? alpha_cumprod_at(prev_t) : abar_before_first_;
    const double beta_prod_t = 1.0 - abar_t, beta_prod_prev = 1.0 - abar_prev;
    const double alpha_t = abar_t / abar_prev, beta_t = 1.0 - alpha_t;

    const auto x = values(sample, "sample");
    auto x0 = predict_x0(x, values(model_output, "model_output"), abar_t);
    clip(x0);
    // Posterior mean q(x_{t-1} | x_t, x0) (Ho et al. eq. 7).
    const double c_x0 = std::sqrt(abar_prev) * beta_t / beta_prod_t;
    const double c_xt = std::sqrt(alpha_t) * beta_prod_prev / beta_prod_t;
    std::vector<double> out(x.size());
    for (size_t i = 0; i < x.size(); ++i) out[i] = c_x0 * x0[i] + c_xt * x[i];
    if (t > 0) {
      double variance = config_.variance_type == "fixed_large"
                            ? beta_t
                            : std::max(beta_prod_prev / beta_prod_t * beta_t, 1e-20);
      const double sd = std::sqrt(variance);
      const auto n = values(noise, "noise");
      for (size_t i = 0; i < x.size(); ++i) out[i] += sd * n[i];
    }
    return to_tensor(out, sample.shape());
  }

 private:
  double abar_before_first_ = 1.0;
};

}  // namespace

std::unique_ptr<Scheduler> make_ddpm(const SchedulerConfig &config) {
  return std::make_unique<DdpmScheduler>(config);
}

}  // namespace aigc::sampling::detail
