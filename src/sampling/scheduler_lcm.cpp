// Latent Consistency Model multistep sampling (Luo et al. 2023): each step maps x_t to a
// consistency-model estimate of x0 (boundary-condition scalings c_skip, c_out), then
// re-noises it to the next timestep with fresh noise; the last step returns the estimate.
// Timesteps are a subset of the distillation schedule of original_inference_steps steps.
// Reference: diffusers LCMScheduler (scheduling_lcm.py, v0.32), strength 1.
#include <cmath>

#include "core/check.hpp"
#include "sampling/scheduler_common.hpp"

namespace aigc::sampling::detail {
namespace {

class LcmScheduler final : public AlphaSchedulerBase {
 public:
  explicit LcmScheduler(const SchedulerConfig &c) : AlphaSchedulerBase("lcm", c) {
    AIGC_CHECK(c.original_inference_steps >= 1 && c.original_inference_steps <= c.num_train_timesteps,
               Status::invalid_argument,
               "lcm: original_inference_steps must be in [1, num_train_timesteps = {}], got {}",
               c.num_train_timesteps, c.original_inference_steps);
    AIGC_CHECK(std::isfinite(c.timestep_scaling) && c.timestep_scaling > 0, Status::invalid_argument,
               "lcm: timestep_scaling must be > 0, got {}", c.timestep_scaling);
  }

  void set_timesteps(int64_t n) override {
    check_steps(config_, n, name_);
    const int64_t original = config_.original_inference_steps;
    AIGC_CHECK(n <= original, Status::invalid_argument,
               "lcm: steps ({}) cannot exceed original_inference_steps ({})", n, original);
    // The distillation schedule k-1, 2k-1, ..., original*k - 1, descending.
    const int64_t k = config_.num_train_timesteps / original;
    std::vector<double> origin;
    for (int64_t j = original; j >= 1; --j) origin.push_back(double(j * k - 1));
    // np.floor(np.linspace(0, len, n, endpoint=False)) picks n of them.
    const double step = double(origin.size()) / double(n);
    timesteps_.clear();
    for (int64_t i = 0; i < n; ++i) timesteps_.push_back(origin[size_t(std::floor(double(i) * step))]);
    num_inference_steps_ = n;
  }

  bool needs_noise(size_t index) const override {
    check_index(index);
    return index + 1 != timesteps_.size();
  }

  Tensor step(const Tensor &model_output, size_t index, const Tensor &sample,
              const Tensor &noise) override {
    check_step_inputs(model_output, index, sample, noise);
    const auto t = int64_t(timesteps_[index]);
    const bool last = index + 1 == timesteps_.size();
    const int64_t prev_t = last ? t : int64_t(timesteps_[index + 1]);
    const double abar_t = alpha_cumprod_at(t), abar_prev = alpha_cumprod_at(prev_t);
    // Boundary-condition scalings (consistency models, sigma_data = 0.5).
    const double sigma_data = 0.5, st = double(t) * config_.timestep_scaling;
    const double c_skip = sigma_data * sigma_data / (st * st + sigma_data * sigma_data);
    const double c_out = st / std::sqrt(st * st + sigma_data * sigma_data);

    const auto x = values(sample, "sample");
    auto x0 = predict_x0(x, values(model_output, "model_output"), abar_t);
    clip(x0);
    std::vector<double> res(x.size());
    for (size_t i = 0; i < x.size(); ++i) res[i] = c_out * x0[i] + c_skip * x[i];
    if (!last) {
      const auto n = values(noise, "noise");
      const double a = std::sqrt(abar_prev), b = std::sqrt(1.0 - abar_prev);
      for (size_t i = 0; i < x.size(); ++i) res[i] = a * res[i] + b * n[i];
    }
    return to_tensor(res, sample.shape());
  }
};

}  // namespace

std::unique_ptr<Scheduler> make_lcm(const SchedulerConfig &config) {
  return std::make_unique<LcmScheduler>(config);
}

}  // namespace aigc::sampling::detail
