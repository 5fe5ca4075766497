// Heun's 2nd-order method on the sigma parameterisation (Karras et al. 2022, Algorithm 1
// with s_churn = 0). Every step but the last evaluates the model twice, so timesteps()
// repeats entries: [t0, t1, t1, t2, t2, ..., t_{n-1}, t_{n-1}] (2n - 1 evaluations).
// Even evaluations are Euler predictor steps, odd ones the trapezoidal corrector.
// Reference: diffusers HeunDiscreteScheduler (scheduling_heun_discrete.py, v0.32).
#include <cmath>

#include "core/check.hpp"
#include "sampling/scheduler_common.hpp"

namespace aigc::sampling::detail {
namespace {

class HeunScheduler final : public SigmaSchedulerBase {
 public:
  explicit HeunScheduler(const SchedulerConfig &c) : SigmaSchedulerBase("heun", c, /*order=*/2) {}

  void set_timesteps(int64_t steps) override {
    check_steps(config_, steps, name_);
    make_sigma_schedule(steps);
    // Interleave: sigmas [s0, s1, s1, ..., s_{n-1}, s_{n-1}, 0], timesteps [t0, t1, t1, ...].
    std::vector<double> ts{timesteps_.front()}, sig{sigmas_.front()};
    for (size_t i = 1; i < timesteps_.size(); ++i) {
      ts.insert(ts.end(), 2, timesteps_[i]);
      sig.insert(sig.end(), 2, sigmas_[i]);
    }
    sig.push_back(sigmas_.back());
    timesteps_ = ts;
    sigmas_ = sig;
    reset_state();
  }

  bool needs_noise(size_t index) const override {
    check_index(index);
    return false;
  }

  Tensor step(const Tensor &model_output, size_t index, const Tensor &sample,
              const Tensor &noise) override {
    check_step_inputs(model_output, index, sample, noise);
    const bool first_order = index % 2 == 0;
    AIGC_CHECK(first_order || state_index_ == index - 1, Status::invalid_argument,
               "heun: evaluation {} corrects evaluation {}, which was not run just before", index,
               index - 1);
    const double sigma = first_order ? sigmas_[index] : sigmas_[index - 1];
    const double sigma_next = first_order ? sigmas_[index + 1] : sigmas_[index];
    // The model saw the sample at sigma (predictor) or at sigma_next (corrector).
    const double s_in = first_order ? sigma : sigma_next;
    const auto x = values(sample, "sample");
    const auto out = values(model_output, "model_output");
    std::vector<double> x0(x.size());
    const double c = s_in * s_in + 1.0;
    for (size_t i = 0; i < x.size(); ++i) {
      switch (config_.prediction) {
        case PredictionType::epsilon: x0[i] = x[i] - s_in * out[i]; break;
        case PredictionType::v_prediction: x0[i] = out[i] * (-s_in / std::sqrt(c)) + x[i] / c; break;
        case PredictionType::sample: x0[i] = out[i]; break;
      }
    }
    clip(x0);
    std::vector<double> res(x.size());
    if (first_order) {
      derivative_.resize(x.size());
      for (size_t i = 0; i < x.size(); ++i) derivative_[i] = (x[i] - x0[i]) / sigma;
      dt_ = sigma_next - sigma;
      sample_ = x;
      state_index_ = index;
      for (size_t i = 0; i < x.size(); ++i) res[i] = x[i] + derivative_[i] * dt_;
    } else {
      AIGC_CHECK(sample_.size() == x.size(), Status::shape_mismatch,
                 "heun: the sample changed shape between predictor and corrector");
      for (size_t i = 0; i < x.size(); ++i) {
        const double d = ((x[i] - x0[i]) / sigma_next + derivative_[i]) / 2.0;
        res[i] = sample_[i] + d * dt_;
      }
      reset_state();
    }
    return to_tensor(res, sample.shape());
  }

 private:
  void reset_state() {
    derivative_.clear();
    sample_.clear();
    dt_ = 0;
    state_index_ = size_t(-1);
  }

  // Predictor state kept for the corrector evaluation.
  std::vector<double> derivative_, sample_;
  double dt_ = 0;
  size_t state_index_ = size_t(-1);
};

}  // namespace

std::unique_ptr<Scheduler> make_heun(const SchedulerConfig &config) {
  return std::make_unique<HeunScheduler>(config);
}

}  // namespace aigc::sampling::detail
