// Noise schedules, timestep spacing, shared scheduler plumbing and the factory.
// Reference: huggingface/diffusers v0.32 schedulers (betas_for_alpha_bar, set_timesteps,
// _sigma_to_t, _convert_to_karras, add_noise).
#include <algorithm>
#include <cmath>

#include "core/check.hpp"
#include "sampling/scheduler_common.hpp"

namespace aigc::sampling {

using detail::f32;

namespace {

constexpr double kPi = 3.14159265358979323846;

void check_config(const SchedulerConfig &c) {
  AIGC_CHECK(c.num_train_timesteps >= 1 && c.num_train_timesteps <= 100000,
             Status::invalid_argument, "scheduler: num_train_timesteps must be in [1, 100000], got {}",
             c.num_train_timesteps);
}

}  // namespace

std::vector<double> make_betas(const SchedulerConfig &c) {
  check_config(c);
  const int64_t T = c.num_train_timesteps;
  std::vector<double> betas(size_t(T), 0.0);
  if (!c.trained_betas.empty()) {
    AIGC_CHECK(int64_t(c.trained_betas.size()) == T, Status::invalid_argument,
               "scheduler: trained_betas has {} values, num_train_timesteps is {}",
               c.trained_betas.size(), T);
    for (double b : c.trained_betas)
      AIGC_CHECK(b >= 0.0 && b < 1.0, Status::invalid_argument,
                 "scheduler: trained_betas must be in [0, 1), got {}", b);
    for (size_t t = 0; t < betas.size(); ++t) betas[t] = f32(c.trained_betas[t]);
    return betas;
  }
  if (!c.trained_alphas_cumprod.empty()) {
    // beta_t = 1 - abar_t / abar_{t-1}, the inverse of the cumulative product.
    const auto abar = make_alphas_cumprod(c);
    for (int64_t t = 0; t < T; ++t) betas[size_t(t)] = 1.0 - abar[size_t(t)] / (t ? abar[size_t(t - 1)] : 1.0);
    return betas;
  }
  switch (c.beta_schedule) {
    case BetaSchedule::linear:
    case BetaSchedule::scaled_linear: {
      const bool scaled = c.beta_schedule == BetaSchedule::scaled_linear;
      AIGC_CHECK(c.beta_start > 0 && c.beta_end > 0 && c.beta_start < 1 && c.beta_end < 1,
                 Status::invalid_argument, "scheduler: beta_start/beta_end must be in (0, 1), got {} / {}",
                 c.beta_start, c.beta_end);
      // torch.linspace(a, b, T, dtype=float32) as ATen computes it (float arithmetic, the
      // second half counted back from the end), squared in float32 for scaled_linear.
      const float a = float(scaled ? std::sqrt(c.beta_start) : c.beta_start);
      const float b = float(scaled ? std::sqrt(c.beta_end) : c.beta_end);
      const float step = T > 1 ? (b - a) / float(T - 1) : 0.f;
      for (int64_t t = 0; t < T; ++t) {
        const float v = t < T / 2 ? a + step * float(t) : b - step * float(T - 1 - t);
        betas[size_t(t)] = scaled ? double(v * v) : double(v);
      }
      return betas;
    }
    case BetaSchedule::squaredcos_cap_v2: {
      // Nichol & Dhariwal (2021) cosine schedule, betas capped at 0.999.
      const auto alpha_bar = [](double t) {
        const double v = std::cos((t + 0.008) / 1.008 * kPi / 2.0);
        return v * v;
      };
      for (int64_t i = 0; i < T; ++i) {
        const double t1 = double(i) / double(T), t2 = double(i + 1) / double(T);
        betas[size_t(i)] = f32(std::min(1.0 - alpha_bar(t2) / alpha_bar(t1), 0.999));
      }
      return betas;
    }
  }
  fail(Status::invalid_argument, "scheduler: unknown beta schedule");
}

std::vector<double> make_alphas_cumprod(const SchedulerConfig &c) {
  check_config(c);
  if (!c.trained_alphas_cumprod.empty()) {
    AIGC_CHECK(int64_t(c.trained_alphas_cumprod.size()) == c.num_train_timesteps,
               Status::invalid_argument,
               "scheduler: trained_alphas_cumprod has {} values, num_train_timesteps is {}",
               c.trained_alphas_cumprod.size(), c.num_train_timesteps);
    for (double a : c.trained_alphas_cumprod)
      AIGC_CHECK(a > 0.0 && a <= 1.0, Status::invalid_argument,
                 "scheduler: trained_alphas_cumprod must be in (0, 1], got {}", a);
    return c.trained_alphas_cumprod;
  }
  const auto betas = make_betas(c);
  std::vector<double> abar(betas.size());
  double p = 1.0;
  // torch.cumprod of float32 alphas: the product accumulates in double, each output is
  // rounded to float32. Keeping diffusers' float32 table matters near t = 0, where
  // 1 - abar (~1e-4) carries only ~3 significant digits in float32.
  for (size_t t = 0; t < betas.size(); ++t) abar[t] = f32(p *= f32(1.0 - betas[t]));
  AIGC_CHECK(abar.back() > 0.0, Status::invalid_argument,
             "scheduler: alphas_cumprod reaches 0 (a beta of 1)");
  return abar;
}

namespace detail {

void check_steps(const SchedulerConfig &config, int64_t steps, const std::string &who) {
  AIGC_CHECK(steps >= 1 && steps <= config.num_train_timesteps, Status::invalid_argument,
             "{}: steps must be in [1, num_train_timesteps = {}], got {}", who,
             config.num_train_timesteps, steps);
}

std::vector<double> spaced_timesteps(const SchedulerConfig &c, int64_t n, bool round_linspace) {
  const int64_t T = c.num_train_timesteps;
  std::vector<double> ts;
  switch (c.spacing) {
    case TimestepSpacing::linspace: {
      // np.linspace(0, T - 1, n)[::-1]
      const double step = n > 1 ? double(T - 1) / double(n - 1) : 0.0;
      for (int64_t i = n - 1; i >= 0; --i) {
        double v = (n > 1 && i == n - 1) ? double(T - 1) : double(i) * step;
        ts.push_back(round_linspace ? std::nearbyint(v) : f32(v));
      }
      break;
    }
    case TimestepSpacing::leading: {
      const int64_t ratio = T / n;
      for (int64_t i = n - 1; i >= 0; --i) ts.push_back(double(i * ratio + c.steps_offset));
      break;
    }
    case TimestepSpacing::trailing: {
      // np.round(np.arange(T, 0, -T / n)) - 1
      const double ratio = double(T) / double(n);
      const auto len = int64_t(std::ceil(double(T) / ratio));
      for (int64_t i = 0; i < len; ++i) ts.push_back(std::nearbyint(double(T) - double(i) * ratio) - 1.0);
      break;
    }
  }
  for (double t : ts)
    AIGC_CHECK(t >= 0 && t <= double(T - 1), Status::invalid_argument,
               "scheduler: timestep {} outside [0, {}] (steps {}, steps_offset {})", t, T - 1, n,
               c.steps_offset);
  return ts;
}

double interp_table(const std::vector<double> &fp, double x) {
  if (x <= 0) return fp.front();
  const double last = double(fp.size() - 1);
  if (x >= last) return fp.back();
  const auto j = size_t(std::floor(x));
  const double slope = fp[j + 1] - fp[j];
  return slope * (x - double(j)) + fp[j];
}

std::vector<double> training_sigmas(const std::vector<double> &abar) {
  std::vector<double> s(abar.size());
  for (size_t t = 0; t < abar.size(); ++t) s[t] = std::sqrt((1.0 - abar[t]) / abar[t]);
  return s;
}

double sigma_to_t(double sigma, const std::vector<double> &log_sigmas) {
  const double log_sigma = std::log(std::max(sigma, 1e-10));
  // low = the last index whose log-sigma is <= log_sigma (0 when none), at most n - 2.
  size_t low = 0;
  for (size_t i = 0; i < log_sigmas.size(); ++i)
    if (log_sigma - log_sigmas[i] >= 0) low = i;
  low = std::min(low, log_sigmas.size() >= 2 ? log_sigmas.size() - 2 : 0);
  const size_t high = std::min(low + 1, log_sigmas.size() - 1);
  const double lo = log_sigmas[low], hi = log_sigmas[high];
  double w = lo == hi ? 0.0 : (lo - log_sigma) / (lo - hi);
  w = std::clamp(w, 0.0, 1.0);
  return (1.0 - w) * double(low) + w * double(high);
}

std::vector<double> karras_sigmas(double sigma_min, double sigma_max, int64_t n) {
  const double rho = 7.0;
  const double min_inv = std::pow(sigma_min, 1.0 / rho), max_inv = std::pow(sigma_max, 1.0 / rho);
  std::vector<double> s(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double ramp = n > 1 ? (i == n - 1 ? 1.0 : double(i) / double(n - 1)) : 0.0;
    s[size_t(i)] = std::pow(max_inv + ramp * (min_inv - max_inv), rho);
  }
  return s;
}

std::vector<double> values(const Tensor &t, const char *what) {
  AIGC_CHECK(t.defined(), Status::invalid_argument, "scheduler: {} is undefined", what);
  t.check_dtype(DType::f32, what);
  t.check_host(what);
  const auto f = t.to_f32_vector();
  return std::vector<double>(f.begin(), f.end());
}

Tensor to_tensor(const std::vector<double> &v, const Shape &shape) {
  std::vector<float> f(v.begin(), v.end());
  return Tensor::from_vector(f, shape);
}

void check_same_shape(const Tensor &t, const Shape &shape, const char *what, const std::string &who) {
  AIGC_CHECK(t.defined(), Status::invalid_argument, "{}: {} is undefined", who, what);
  AIGC_CHECK(t.shape() == shape, Status::shape_mismatch, "{}: {} is {}, the sample is {}", who,
             what, t.describe(), Tensor::zeros(shape, DType::f32).describe());
}

// --- SchedulerBase ------------------------------------------------------------------------

SchedulerBase::SchedulerBase(std::string name, const SchedulerConfig &config, int order)
    : name_(std::move(name)), config_(config), order_(order),
      alphas_cumprod_(make_alphas_cumprod(config)) {
  AIGC_CHECK(config.clip_sample_range > 0, Status::invalid_argument,
             "{}: clip_sample_range must be > 0, got {}", name_, config.clip_sample_range);
}

size_t SchedulerBase::start_index_for_strength(double strength) const {
  AIGC_CHECK(strength > 0.0 && strength <= 1.0, Status::invalid_argument,
             "{}: strength must be in (0, 1], got {}", name_, strength);
  AIGC_CHECK(num_inference_steps_ > 0, Status::invalid_argument,
             "{}: call set_timesteps before start_index_for_strength", name_);
  // diffusers' StableDiffusionImg2ImgPipeline.get_timesteps.
  const int64_t n = num_inference_steps_;
  const int64_t init = std::min(int64_t(std::floor(double(n) * strength)), n);
  AIGC_CHECK(init >= 1, Status::invalid_argument,
             "{}: strength {} with {} steps leaves no step to run", name_, strength, n);
  return size_t((n - init) * order_);
}

void SchedulerBase::check_index(size_t index) const {
  AIGC_CHECK(!timesteps_.empty(), Status::invalid_argument, "{}: call set_timesteps first", name_);
  AIGC_CHECK(index < timesteps_.size(), Status::invalid_argument,
             "{}: evaluation index {} out of range [0, {})", name_, index, timesteps_.size());
}

void SchedulerBase::check_step_inputs(const Tensor &model_output, size_t index,
                                      const Tensor &sample, const Tensor &noise) const {
  check_index(index);
  AIGC_CHECK(sample.defined(), Status::invalid_argument, "{}: sample is undefined", name_);
  check_same_shape(model_output, sample.shape(), "model_output", name_);
  if (needs_noise(index)) check_same_shape(noise, sample.shape(), "noise", name_);
}

double SchedulerBase::alpha_cumprod_at(int64_t t) const {
  AIGC_CHECK(t >= 0 && t < int64_t(alphas_cumprod_.size()), Status::invalid_argument,
             "{}: timestep {} outside [0, {})", name_, t, alphas_cumprod_.size());
  return alphas_cumprod_[size_t(t)];
}

std::vector<double> SchedulerBase::predict_x0(const std::vector<double> &x,
                                              const std::vector<double> &out,
                                              double alpha_prod_t) const {
  const double sa = std::sqrt(alpha_prod_t), sb = std::sqrt(1.0 - alpha_prod_t);
  std::vector<double> x0(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    switch (config_.prediction) {
      case PredictionType::epsilon: x0[i] = (x[i] - sb * out[i]) / sa; break;
      case PredictionType::v_prediction: x0[i] = sa * x[i] - sb * out[i]; break;
      case PredictionType::sample: x0[i] = out[i]; break;
    }
  }
  return x0;
}

void SchedulerBase::clip(std::vector<double> &x0) const {
  if (!config_.clip_sample) return;
  const double r = config_.clip_sample_range;
  for (double &v : x0) v = std::clamp(v, -r, r);
}

// --- AlphaSchedulerBase -------------------------------------------------------------------

Tensor AlphaSchedulerBase::scale_model_input(const Tensor &sample, size_t index) const {
  check_index(index);
  return sample;
}

Tensor AlphaSchedulerBase::add_noise(const Tensor &original, const Tensor &noise,
                                     double timestep) const {
  const auto x0 = values(original, "original");
  check_same_shape(noise, original.shape(), "noise", name_);
  const auto n = values(noise, "noise");
  AIGC_CHECK(std::floor(timestep) == timestep, Status::invalid_argument,
             "{}: add_noise needs an integer timestep, got {}", name_, timestep);
  const double abar = alpha_cumprod_at(int64_t(timestep));
  const double sa = std::sqrt(abar), sb = std::sqrt(1.0 - abar);
  std::vector<double> out(x0.size());
  for (size_t i = 0; i < x0.size(); ++i) out[i] = sa * x0[i] + sb * n[i];
  return to_tensor(out, original.shape());
}

// --- SigmaSchedulerBase -------------------------------------------------------------------

double SigmaSchedulerBase::init_noise_sigma() const {
  AIGC_CHECK(!sigmas_.empty(), Status::invalid_argument, "{}: call set_timesteps first", name_);
  const double mx = *std::max_element(sigmas_.begin(), sigmas_.end());
  if (config_.spacing == TimestepSpacing::leading) return std::sqrt(mx * mx + 1.0);
  return mx;
}

Tensor SigmaSchedulerBase::scale_model_input(const Tensor &sample, size_t index) const {
  check_index(index);
  const double s = sigmas_[index];
  const double k = 1.0 / std::sqrt(s * s + 1.0);
  auto x = values(sample, "sample");
  for (double &v : x) v *= k;
  return to_tensor(x, sample.shape());
}

double SigmaSchedulerBase::sigma_for_timestep(double timestep) const {
  for (size_t i = 0; i < timesteps_.size(); ++i)
    if (timesteps_[i] == timestep) return sigmas_[i];
  AIGC_CHECK(timestep >= 0 && timestep <= double(alphas_cumprod_.size() - 1),
             Status::invalid_argument, "{}: timestep {} outside [0, {}]", name_, timestep,
             alphas_cumprod_.size() - 1);
  return interp_table(training_sigmas(alphas_cumprod_), timestep);
}

Tensor SigmaSchedulerBase::add_noise(const Tensor &original, const Tensor &noise,
                                     double timestep) const {
  const auto x0 = values(original, "original");
  check_same_shape(noise, original.shape(), "noise", name_);
  const auto n = values(noise, "noise");
  const double s = sigma_for_timestep(timestep);
  std::vector<double> out(x0.size());
  for (size_t i = 0; i < x0.size(); ++i) out[i] = x0[i] + s * n[i];
  return to_tensor(out, original.shape());
}

void SigmaSchedulerBase::make_sigma_schedule(int64_t steps) {
  auto ts = spaced_timesteps(config_, steps, /*round_linspace=*/false);
  for (double &t : ts) t = f32(t);
  const auto table = training_sigmas(alphas_cumprod_);
  std::vector<double> sig;
  for (double t : ts) sig.push_back(interp_table(table, t));
  if (config_.use_karras_sigmas) {
    std::vector<double> log_sigmas(table.size());
    for (size_t i = 0; i < table.size(); ++i) log_sigmas[i] = std::log(table[i]);
    sig = karras_sigmas(sig.back(), sig.front(), steps);
    ts.clear();
    for (double s : sig) ts.push_back(sigma_to_t(s, log_sigmas));
  }
  sig.push_back(0.0);
  for (double &s : sig) s = f32(s);
  timesteps_ = ts;
  sigmas_ = sig;
  num_inference_steps_ = steps;
}

}  // namespace detail

// --- factory ------------------------------------------------------------------------------

const std::vector<std::string> &scheduler_names() {
  static const std::vector<std::string> names = {"ddpm", "ddim", "euler", "euler_a",
                                                 "heun", "dpmpp_2m", "lcm"};
  return names;
}

std::unique_ptr<Scheduler> make_scheduler(const std::string &name, const SchedulerConfig &config) {
  SchedulerConfig c = config;
  std::string base = name;
  const std::string karras = "_karras";
  if (base.size() > karras.size() && base.compare(base.size() - karras.size(), karras.size(), karras) == 0) {
    base.resize(base.size() - karras.size());
    AIGC_CHECK(base == "euler" || base == "heun" || base == "dpmpp_2m", Status::invalid_argument,
               "unknown scheduler '{}': only euler, heun and dpmpp_2m take the _karras suffix", name);
    c.use_karras_sigmas = true;
  }
  if (base == "ddpm") return detail::make_ddpm(c);
  if (base == "ddim") return detail::make_ddim(c);
  if (base == "euler") return detail::make_euler(c);
  if (base == "euler_a") return detail::make_euler_ancestral(c);
  if (base == "heun") return detail::make_heun(c);
  if (base == "dpmpp_2m") return detail::make_dpmpp_2m(c);
  if (base == "lcm") return detail::make_lcm(c);
  std::string known;
  for (const auto &n : scheduler_names()) known += (known.empty() ? "" : ", ") + n;
  fail(Status::invalid_argument, "unknown scheduler '{}' (known: {}; euler, heun and dpmpp_2m also as <name>_karras)",
       name, known);
}

}  // namespace aigc::sampling
