// DDIM (Song et al. 2021): eta = 0 is deterministic, eta = 1 matches DDPM's variance.
// Reference: diffusers DDIMScheduler (scheduling_ddim.py, v0.32). As there, the previous
// timestep is t - num_train_timesteps // steps (not the next entry of timesteps()), and
// the step "before 0" uses abar = 1 (set_alpha_to_one) or abar_0.
#include <cmath>

#include "core/check.hpp"
#include "sampling/scheduler_common.hpp"

namespace aigc::sampling::detail {
namespace {

class DdimScheduler final : public AlphaSchedulerBase {
 public:
  explicit DdimScheduler(const SchedulerConfig &c) : AlphaSchedulerBase("ddim", c) {
    AIGC_CHECK(c.eta >= 0.0 && std::isfinite(c.eta), Status::invalid_argument,
               "ddim: eta must be finite and >= 0, got {}", c.eta);
    final_alpha_cumprod_ = c.set_alpha_to_one ? 1.0 : alphas_cumprod_.front();
  }

  void set_timesteps(int64_t steps) override {
    check_steps(config_, steps, name_);
    timesteps_ = spaced_timesteps(config_, steps, /*round_linspace=*/true);
    num_inference_steps_ = steps;
  }

  bool needs_noise(size_t index) const override {
    check_index(index);
    return config_.eta > 0;
  }

  Tensor step(const Tensor &model_output, size_t index, const Tensor &sample,
              const Tensor &noise) override {
    check_step_inputs(model_output, index, sample, noise);
    const auto t = int64_t(timesteps_[index]);
    const int64_t prev_t = t - config_.num_train_timesteps / num_inference_steps_;
    const double abar_t = alpha_cumprod_at(t);
    const double abar_prev = prev_t >= 0 ? alpha_cumprod_at(prev_t) : final_alpha_cumprod_;
    const double sa = std::sqrt(abar_t), sb = std::sqrt(1.0 - abar_t);

    const auto x = values(sample, "sample");
    const auto out = values(model_output, "model_output");
    auto x0 = predict_x0(x, out, abar_t);
    // The noise the model implies (before clipping x0, as diffusers does by default).
    std::vector<double> eps(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      switch (config_.prediction) {
        case PredictionType::epsilon: eps[i] = out[i]; break;
        case PredictionType::v_prediction: eps[i] = sa * out[i] + sb * x[i]; break;
        case PredictionType::sample: eps[i] = (x[i] - sa * x0[i]) / sb; break;
      }
    }
    clip(x0);
    // sigma_t (Song et al. eq. 16) scaled by eta.
    const double variance = (1.0 - abar_prev) / (1.0 - abar_t) * (1.0 - abar_t / abar_prev);
    const double std_dev = config_.eta * std::sqrt(variance);
    const double c_dir = std::sqrt(std::max(1.0 - abar_prev - std_dev * std_dev, 0.0));
    const double c_x0 = std::sqrt(abar_prev);
    std::vector<double> res(x.size());
    for (size_t i = 0; i < x.size(); ++i) res[i] = c_x0 * x0[i] + c_dir * eps[i];
    if (config_.eta > 0) {
      const auto n = values(noise, "noise");
      for (size_t i = 0; i < x.size(); ++i) res[i] += std_dev * n[i];
    }
    return to_tensor(res, sample.shape());
  }

 private:
  double final_alpha_cumprod_ = 1.0;
};

}  // namespace

std::unique_ptr<Scheduler> make_ddim(const SchedulerConfig &config) {
  return std::make_unique<DdimScheduler>(config);
}

}  // namespace aigc::sampling::detail
