// Internal pieces shared by the diffusion schedulers (scheduler_*.cpp): timestep spacing,
// sigma tables, elementwise helpers on host f32 tensors and two base classes.
// The numerics follow huggingface/diffusers (src/diffusers/schedulers/scheduling_*.py,
// v0.32) line by line, in double precision.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sampling/scheduler.hpp"

namespace aigc::sampling::detail {

// --- schedules ---------------------------------------------------------------------------

// Throws invalid_argument unless 1 <= steps <= num_train_timesteps.
void check_steps(const SchedulerConfig &config, int64_t steps, const std::string &who);

// The DDPM/DDIM/Euler family's timesteps for `steps` inference steps (descending), per
// config.spacing: leading (+ steps_offset), trailing, linspace. Integer-valued except
// linspace with round_linspace == false (Euler/Heun keep fractional linspace timesteps).
std::vector<double> spaced_timesteps(const SchedulerConfig &config, int64_t steps,
                                     bool round_linspace);

// numpy.interp(x, arange(len(fp)), fp).
double interp_table(const std::vector<double> &fp, double x);

// sigma(t) = sqrt((1 - abar_t) / abar_t) for every training timestep (ascending in t).
std::vector<double> training_sigmas(const std::vector<double> &alphas_cumprod);

// diffusers' _sigma_to_t: the fractional training timestep of `sigma` by linear
// interpolation in log-sigma.
double sigma_to_t(double sigma, const std::vector<double> &log_sigmas);

// Karras et al. (2022) rho=7 spacing between sigma_max and sigma_min, `steps` values.
std::vector<double> karras_sigmas(double sigma_min, double sigma_max, int64_t steps);

// Rounds through float32, as diffusers stores its sigma/timestep tables.
inline double f32(double v) { return double(float(v)); }

// --- elementwise helpers ------------------------------------------------------------------

// The elements of a host f32 tensor (any strides) as doubles; `what` names it in errors.
std::vector<double> values(const Tensor &t, const char *what);
// A new contiguous f32 tensor of `shape` holding `v`.
Tensor to_tensor(const std::vector<double> &v, const Shape &shape);
// Throws shape_mismatch unless `t` has `shape`.
void check_same_shape(const Tensor &t, const Shape &shape, const char *what, const std::string &who);

// --- base classes -------------------------------------------------------------------------

// State every scheduler shares: config, alphas_cumprod, the current timesteps.
class SchedulerBase : public Scheduler {
 public:
  SchedulerBase(std::string name, const SchedulerConfig &config, int order = 1);
  std::string name() const override { return name_; }
  const std::vector<double> &timesteps() const override { return timesteps_; }
  size_t start_index_for_strength(double strength) const override;

 protected:
  // Throws unless set_timesteps ran and index < timesteps().size().
  void check_index(size_t index) const;
  // Validates model_output/sample (and noise when needed) for step(index).
  void check_step_inputs(const Tensor &model_output, size_t index, const Tensor &sample,
                         const Tensor &noise) const;
  // abar at an integer training timestep (with a range check).
  double alpha_cumprod_at(int64_t t) const;
  // x0 predicted from (sample, model output) with abar_t (DDPM/DDIM/LCM parameterisation).
  std::vector<double> predict_x0(const std::vector<double> &x, const std::vector<double> &out,
                                 double alpha_prod_t) const;
  void clip(std::vector<double> &x0) const;

  std::string name_;
  SchedulerConfig config_;
  int order_;  // model evaluations per step (Heun: 2)
  std::vector<double> alphas_cumprod_;
  std::vector<double> timesteps_;
  int64_t num_inference_steps_ = 0;
};

// DDPM/DDIM/LCM-style schedulers: integer timesteps, no input scaling, unit initial noise,
// add_noise = sqrt(abar) x0 + sqrt(1 - abar) noise.
class AlphaSchedulerBase : public SchedulerBase {
 public:
  using SchedulerBase::SchedulerBase;
  double init_noise_sigma() const override { return 1.0; }
  Tensor scale_model_input(const Tensor &sample, size_t index) const override;
  Tensor add_noise(const Tensor &original, const Tensor &noise, double timestep) const override;
};

// Karras-style sigma schedulers (Euler, Euler ancestral, Heun): x_t = x0 + sigma * noise,
// model input x / sqrt(sigma^2 + 1). sigmas_[i] is the sigma of evaluation i; sigmas_ has
// one more entry (the final sigma, 0).
class SigmaSchedulerBase : public SchedulerBase {
 public:
  using SchedulerBase::SchedulerBase;
  double init_noise_sigma() const override;
  Tensor scale_model_input(const Tensor &sample, size_t index) const override;
  Tensor add_noise(const Tensor &original, const Tensor &noise, double timestep) const override;

 protected:
  // The sigma that belongs to `timestep`: that of the evaluation with this timestep, else
  // interpolated from the training table.
  double sigma_for_timestep(double timestep) const;
  // Fills timesteps_/sigmas_ (one entry per step, then 0) as Euler/Heun do, with Karras
  // sigmas when config.use_karras_sigmas.
  void make_sigma_schedule(int64_t steps);
  std::vector<double> sigmas_;
};

// --- factories (one per scheduler file) ---------------------------------------------------
std::unique_ptr<Scheduler> make_ddpm(const SchedulerConfig &config);
std::unique_ptr<Scheduler> make_ddim(const SchedulerConfig &config);
std::unique_ptr<Scheduler> make_euler(const SchedulerConfig &config);
std::unique_ptr<Scheduler> make_euler_ancestral(const SchedulerConfig &config);
std::unique_ptr<Scheduler> make_heun(const SchedulerConfig &config);
std::unique_ptr<Scheduler> make_dpmpp_2m(const SchedulerConfig &config);
std::unique_ptr<Scheduler> make_lcm(const SchedulerConfig &config);

}  // namespace aigc::sampling::detail
