#include "nn/timestep_embedding.hpp"

#include <cmath>
#include <vector>

#include "backend/backend.hpp"
#include "core/check.hpp"
#include "ops/unary.hpp"

namespace aigc::nn {

Tensor timestep_sinusoid(const ExecContext &ctx, const Tensor &timesteps, int64_t dim,
                         bool flip_sin_to_cos, float freq_shift, float max_period) {
  AIGC_CHECK(timesteps.defined() && timesteps.rank() == 1 && timesteps.size(0) > 0, Status::shape_mismatch,
             "timestep embedding: timesteps must be f32 [N] with N >= 1, got {}",
             timesteps.defined() ? timesteps.describe() : std::string("(none)"));
  const int64_t half = dim / 2;
  AIGC_CHECK(dim >= 2 && float(half) - freq_shift != 0.f, Status::invalid_argument,
             "timestep embedding: dim {} with freq_shift {} gives no frequencies", dim, freq_shift);
  Tensor host_t = timesteps;
  if (!host_t.device().is_cpu()) host_t = ctx.backend->download(host_t);
  const std::vector<float> t = host_t.to(DType::f32).to_f32_vector();
  for (float v : t)
    AIGC_CHECK(std::isfinite(v), Status::invalid_argument, "timestep embedding: timestep {} is not finite", v);

  // Same f32 steps as torch: exponent = -ln(P) * arange(half) / (half - shift); exp; t * freq.
  const float neg_log_p = -std::log(max_period);
  const float denom = float(half) - freq_shift;
  std::vector<float> freq(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i) freq[size_t(i)] = std::exp(neg_log_p * float(i) / denom);

  const int64_t n = int64_t(t.size());
  std::vector<float> out(static_cast<size_t>(n * dim), 0.f);
  for (int64_t b = 0; b < n; ++b) {
    float *row = out.data() + b * dim;
    for (int64_t i = 0; i < half; ++i) {
      const float arg = t[size_t(b)] * freq[size_t(i)];
      const float s = float(std::sin(double(arg))), c = float(std::cos(double(arg)));
      row[flip_sin_to_cos ? half + i : i] = s;
      row[flip_sin_to_cos ? i : half + i] = c;
    }
  }
  Tensor host = Tensor::from_vector(out, Shape({n, dim}));
  return ctx.backend ? ctx.backend->upload(host) : host;
}

TimestepEmbedding TimestepEmbedding::load(const Scope &scope, int64_t in_channels, int64_t time_embed_dim) {
  return TimestepEmbedding{Linear::load(scope.sub("linear_1"), time_embed_dim, in_channels, Bias::required),
                           Linear::load(scope.sub("linear_2"), time_embed_dim, time_embed_dim, Bias::required)};
}

Tensor TimestepEmbedding::operator()(const ExecContext &ctx, const Tensor &x) const {
  return linear_2(ctx, ops::silu(ctx, linear_1(ctx, x)));
}

}  // namespace aigc::nn
