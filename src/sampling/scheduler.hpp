// Diffusion schedulers behind one interface (diffusers' SchedulerMixin shape):
//   set_timesteps(n) -> timesteps() -> for each step i:
//     model_in = scale_model_input(x, i); out = denoiser(model_in, timesteps()[i]);
//     x = step(out, i, x, noise)
// plus add_noise(x0, noise, t) for img2img and inpainting. Each scheduler reproduces the
// diffusers scheduler of the same name step by step (tests/sampling, goldens from
// tests/reference/make_scheduler_goldens.py). Noise is passed in by the caller (seeded
// generator or stored noise), so a trajectory is reproducible from every language.
// Tensors are host f32; a scheduler is used by one thread at a time (it keeps history).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aigc/core/tensor.hpp"

namespace aigc::sampling {

enum class PredictionType { epsilon, v_prediction, sample };

enum class BetaSchedule { linear, scaled_linear, squaredcos_cap_v2 };
enum class TimestepSpacing { leading, trailing, linspace };

// Everything a scheduler is configured with (diffusers' scheduler_config.json fields).
struct SchedulerConfig {
  int64_t num_train_timesteps = 1000;
  BetaSchedule beta_schedule = BetaSchedule::linear;
  double beta_start = 1e-4, beta_end = 0.02;
  std::vector<double> trained_betas;           // overrides the schedule when non-empty
  std::vector<double> trained_alphas_cumprod;  // overrides cumprod(1 - betas) when non-empty
  PredictionType prediction = PredictionType::epsilon;
  TimestepSpacing spacing = TimestepSpacing::leading;
  int64_t steps_offset = 0;
  bool clip_sample = false;  // clamp the predicted x0 to +-clip_sample_range (DDPM/DDIM)
  double clip_sample_range = 1.0;
  bool set_alpha_to_one = true;  // DDIM: alpha of the step "before 0" is 1
  std::string variance_type = "fixed_small";  // DDPM: fixed_small | fixed_large
  double eta = 0.0;                           // DDIM: 0 deterministic, 1 = DDPM-like
  bool use_karras_sigmas = false;             // Euler / Heun / DPM++ 2M
  // LCM
  int64_t original_inference_steps = 50;
  double timestep_scaling = 10.0;
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual std::string name() const = 0;
  // Chooses the inference timesteps; steps must be in [1, num_train_timesteps]
  // (invalid_argument otherwise). Also resets any multistep history.
  virtual void set_timesteps(int64_t num_inference_steps) = 0;
  // Timesteps fed to the model, one per model evaluation (Heun repeats some), in
  // training-timestep units (fractional for sigma-based schedulers).
  virtual const std::vector<double> &timesteps() const = 0;
  // Standard deviation of the initial noise (1 for DDPM/DDIM; sigma_max-based for Euler).
  virtual double init_noise_sigma() const = 0;
  // The model's input at evaluation `index` (Euler family divides by sqrt(sigma^2 + 1)).
  virtual Tensor scale_model_input(const Tensor &sample, size_t index) const = 0;
  // Whether step(index) consumes noise (then `noise` must have the sample's shape).
  virtual bool needs_noise(size_t index) const = 0;
  // Advances the sample by evaluation `index`; returns the new sample.
  virtual Tensor step(const Tensor &model_output, size_t index, const Tensor &sample,
                      const Tensor &noise) = 0;
  // x0 noised to training timestep t (img2img / inpainting): sqrt(abar) x0 + sqrt(1-abar) n
  // for DDPM-family, x0 + sigma(t) n for sigma-based schedulers.
  virtual Tensor add_noise(const Tensor &original, const Tensor &noise, double timestep) const = 0;
  // img2img at `strength` in (0, 1] (diffusers' get_timesteps): runs the last
  // floor(steps * strength) steps; returns the index of the first evaluation to run
  // (times 2 for Heun). invalid_argument for strength outside (0, 1] or when no step is left.
  virtual size_t start_index_for_strength(double strength) const = 0;
};

// Known names: ddpm, ddim, euler, euler_a, heun, dpmpp_2m, lcm; euler_karras, heun_karras
// and dpmpp_2m_karras set config.use_karras_sigmas (schedulers without Karras sigmas ignore
// that field, as diffusers ignores foreign config keys). Unknown name -> invalid_argument
// naming the known ones. Bad config values -> invalid_argument.
std::unique_ptr<Scheduler> make_scheduler(const std::string &name, const SchedulerConfig &config);
const std::vector<std::string> &scheduler_names();

// betas and alphas_cumprod of a config (trained_* when given). Computed schedules and
// trained_betas are rounded to float32 and accumulated as torch.cumprod does (double
// product, float32 outputs), reproducing diffusers' tables; trained_alphas_cumprod is used
// verbatim.
std::vector<double> make_betas(const SchedulerConfig &config);
std::vector<double> make_alphas_cumprod(const SchedulerConfig &config);

}  // namespace aigc::sampling
