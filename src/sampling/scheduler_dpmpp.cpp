// DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2): a multistep
// second-order solver in log-SNR time on data (x0) predictions, midpoint variant,
// first order on the first step and on the last one (lower_order_final; the final sigma is 0).
// Reference: diffusers DPMSolverMultistepScheduler (scheduling_dpmsolver_multistep.py,
// v0.32) with solver_order=2, algorithm_type="dpmsolver++", solver_type="midpoint",
// final_sigmas_type="zero", optionally use_karras_sigmas.
#include <algorithm>
#include <cmath>

#include "core/check.hpp"
#include "sampling/scheduler_common.hpp"

namespace aigc::sampling::detail {
namespace {

struct AlphaSigma {
  double alpha, sigma, lambda;  // lambda = log(alpha / sigma), +inf at sigma 0
};

AlphaSigma alpha_sigma(double s) {
  const double alpha = 1.0 / std::sqrt(s * s + 1.0);
  const double sigma = s * alpha;
  return {alpha, sigma, std::log(alpha) - std::log(sigma)};
}

class DpmppScheduler final : public SchedulerBase {
 public:
  explicit DpmppScheduler(const SchedulerConfig &c) : SchedulerBase("dpmpp_2m", c) {}

  void set_timesteps(int64_t n) override {
    check_steps(config_, n, name_);
    const int64_t T = config_.num_train_timesteps;
    std::vector<double> ts;
    // diffusers spaces n + 1 points and drops the last (0) for linspace and leading.
    switch (config_.spacing) {
      case TimestepSpacing::linspace: {
        const double step = double(T - 1) / double(n);
        for (int64_t j = n; j >= 1; --j) ts.push_back(j == n ? double(T - 1) : std::nearbyint(double(j) * step));
        break;
      }
      case TimestepSpacing::leading: {
        const int64_t ratio = T / (n + 1);
        for (int64_t j = n; j >= 1; --j) ts.push_back(double(j * ratio + config_.steps_offset));
        break;
      }
      case TimestepSpacing::trailing: ts = spaced_timesteps(config_, n, true); break;
    }
    for (double t : ts)
      AIGC_CHECK(t >= 0 && t <= double(T - 1), Status::invalid_argument,
                 "dpmpp_2m: timestep {} outside [0, {}] (steps {}, steps_offset {})", t, T - 1, n,
                 config_.steps_offset);
    const auto table = training_sigmas(alphas_cumprod_);
    std::vector<double> sig;
    if (config_.use_karras_sigmas) {
      std::vector<double> log_sigmas(table.size());
      for (size_t i = 0; i < table.size(); ++i) log_sigmas[i] = std::log(table[i]);
      sig = karras_sigmas(table.front(), table.back(), n);
      ts.clear();
      for (double s : sig) ts.push_back(std::nearbyint(sigma_to_t(s, log_sigmas)));
    } else {
      for (double t : ts) sig.push_back(interp_table(table, t));
    }
    sig.push_back(0.0);
    for (double &s : sig) s = f32(s);
    timesteps_ = ts;
    sigmas_ = sig;
    num_inference_steps_ = int64_t(ts.size());
    prev_x0_.clear();
    prev_index_ = size_t(-1);
  }

  double init_noise_sigma() const override { return 1.0; }

  Tensor scale_model_input(const Tensor &sample, size_t index) const override {
    check_index(index);
    return sample;
  }

  bool needs_noise(size_t index) const override {
    check_index(index);
    return false;
  }

  Tensor add_noise(const Tensor &original, const Tensor &noise, double timestep) const override {
    const auto x0 = values(original, "original");
    check_same_shape(noise, original.shape(), "noise", name_);
    const auto n = values(noise, "noise");
    double s = -1;
    for (size_t i = 0; i < timesteps_.size() && s < 0; ++i)
      if (timesteps_[i] == timestep) s = sigmas_[i];
    if (s < 0) {
      AIGC_CHECK(std::floor(timestep) == timestep, Status::invalid_argument,
                 "{}: add_noise needs an integer timestep, got {}", name_, timestep);
      const double abar = alpha_cumprod_at(int64_t(timestep));
      s = std::sqrt((1.0 - abar) / abar);
    }
    const auto as = alpha_sigma(s);
    std::vector<double> out(x0.size());
    for (size_t i = 0; i < x0.size(); ++i) out[i] = as.alpha * x0[i] + as.sigma * n[i];
    return to_tensor(out, original.shape());
  }

  Tensor step(const Tensor &model_output, size_t index, const Tensor &sample,
              const Tensor &noise) override {
    check_step_inputs(model_output, index, sample, noise);
    const auto x = values(sample, "sample");
    const auto out = values(model_output, "model_output");
    const auto s0 = alpha_sigma(sigmas_[index]);
    const auto st = alpha_sigma(sigmas_[index + 1]);
    // Data prediction x0 (convert_model_output).
    std::vector<double> x0(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      switch (config_.prediction) {
        case PredictionType::epsilon: x0[i] = (x[i] - s0.sigma * out[i]) / s0.alpha; break;
        case PredictionType::v_prediction: x0[i] = s0.alpha * x[i] - s0.sigma * out[i]; break;
        case PredictionType::sample: x0[i] = out[i]; break;
      }
    }
    const bool have_history = index > 0 && prev_index_ == index - 1 && prev_x0_.size() == x.size();
    const bool last = index + 1 == timesteps_.size();
    const double h = st.lambda - s0.lambda;
    const double ratio = sigmas_[index + 1] == 0 ? 0.0 : st.sigma / s0.sigma;
    const double em1 = std::exp(-h) - 1.0;  // -1 when sigma_next = 0 (h = +inf)
    std::vector<double> res(x.size());
    if (!have_history || last) {
      // First order (DPM-Solver++ 1, i.e. DDIM in x0 form).
      for (size_t i = 0; i < x.size(); ++i) res[i] = ratio * x[i] - st.alpha * em1 * x0[i];
    } else {
      const auto s1 = alpha_sigma(sigmas_[index - 1]);
      const double r0 = (s0.lambda - s1.lambda) / h;
      for (size_t i = 0; i < x.size(); ++i) {
        const double d1 = (x0[i] - prev_x0_[i]) / r0;
        res[i] = ratio * x[i] - st.alpha * em1 * x0[i] - 0.5 * (st.alpha * em1) * d1;
      }
    }
    prev_x0_ = std::move(x0);
    prev_index_ = index;
    return to_tensor(res, sample.shape());
  }

 private:
  std::vector<double> sigmas_;   // per evaluation, then the final 0
  std::vector<double> prev_x0_;  // data prediction of the previous evaluation
  size_t prev_index_ = size_t(-1);
};

}  // namespace

std::unique_ptr<Scheduler> make_dpmpp_2m(const SchedulerConfig &config) {
  return std::make_unique<DpmppScheduler>(config);
}

}  // namespace aigc::sampling::detail
