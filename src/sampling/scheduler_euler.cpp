// Euler and Euler ancestral samplers on the Karras et al. (2022) sigma parameterisation
// x = x0 + sigma * eps (k-diffusion's sample_euler / sample_euler_ancestral).
// Reference: diffusers EulerDiscreteScheduler and EulerAncestralDiscreteScheduler
// (scheduling_euler_discrete.py, scheduling_euler_ancestral_discrete.py, v0.32); s_churn
// is not supported (always 0, the diffusers default).
#include <cmath>

#include "core/check.hpp"
#include "sampling/scheduler_common.hpp"

namespace aigc::sampling::detail {
namespace {

// x0 from a sigma-space model output (diffusers' Euler family conventions).
std::vector<double> sigma_x0(PredictionType p, const std::vector<double> &x,
                             const std::vector<double> &out, double sigma) {
  std::vector<double> x0(x.size());
  const double c = sigma * sigma + 1.0;
  for (size_t i = 0; i < x.size(); ++i) {
    switch (p) {
      case PredictionType::epsilon: x0[i] = x[i] - sigma * out[i]; break;
      case PredictionType::v_prediction: x0[i] = out[i] * (-sigma / std::sqrt(c)) + x[i] / c; break;
      case PredictionType::sample: x0[i] = out[i]; break;
    }
  }
  return x0;
}

class EulerScheduler final : public SigmaSchedulerBase {
 public:
  EulerScheduler(const SchedulerConfig &c, bool ancestral)
      : SigmaSchedulerBase(ancestral ? "euler_a" : "euler", c), ancestral_(ancestral) {
    AIGC_CHECK(!(ancestral && c.prediction == PredictionType::sample), Status::invalid_argument,
               "euler_a: prediction type 'sample' is not supported (as in diffusers)");
  }

  void set_timesteps(int64_t steps) override {
    check_steps(config_, steps, name_);
    SchedulerConfig c = config_;
    if (ancestral_) c.use_karras_sigmas = false;  // diffusers' Euler ancestral has no Karras option
    std::swap(c, config_);
    make_sigma_schedule(steps);
    std::swap(c, config_);
    for (double &t : timesteps_) t = f32(t);  // diffusers keeps Euler timesteps in float32
  }

  // The ancestral sampler draws noise at every step (multiplied by 0 at the last one), so
  // a seeded generator advances exactly as diffusers' does.
  bool needs_noise(size_t index) const override {
    check_index(index);
    return ancestral_;
  }

  Tensor step(const Tensor &model_output, size_t index, const Tensor &sample,
              const Tensor &noise) override {
    check_step_inputs(model_output, index, sample, noise);
    const double sigma = sigmas_[index], sigma_next = sigmas_[index + 1];
    const auto x = values(sample, "sample");
    const auto x0 = sigma_x0(config_.prediction, x, values(model_output, "model_output"), sigma);
    std::vector<double> res(x.size());
    if (!ancestral_) {
      const double dt = sigma_next - sigma;
      for (size_t i = 0; i < x.size(); ++i) res[i] = x[i] + (x[i] - x0[i]) / sigma * dt;
      return to_tensor(res, sample.shape());
    }
    // Split the move to sigma_next into a deterministic part down to sigma_down and fresh
    // noise of std sigma_up (sigma_down^2 + sigma_up^2 = sigma_next^2).
    const double sigma_up = std::sqrt(sigma_next * sigma_next * (sigma * sigma - sigma_next * sigma_next) /
                                      (sigma * sigma));
    const double sigma_down = std::sqrt(std::max(sigma_next * sigma_next - sigma_up * sigma_up, 0.0));
    const double dt = sigma_down - sigma;
    const auto n = values(noise, "noise");
    for (size_t i = 0; i < x.size(); ++i)
      res[i] = x[i] + (x[i] - x0[i]) / sigma * dt + n[i] * sigma_up;
    return to_tensor(res, sample.shape());
  }

 private:
  bool ancestral_;
};

}  // namespace

std::unique_ptr<Scheduler> make_euler(const SchedulerConfig &config) {
  return std::make_unique<EulerScheduler>(config, false);
}
std::unique_ptr<Scheduler> make_euler_ancestral(const SchedulerConfig &config) {
  return std::make_unique<EulerScheduler>(config, true);
}

}  // namespace aigc::sampling::detail
