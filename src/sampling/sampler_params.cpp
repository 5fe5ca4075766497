#include "sampling/sampler_params.hpp"

#include <cmath>
#include <limits>

#include "core/check.hpp"

namespace aigc::sampling {

void validate(const SamplerParams &p) {
  constexpr auto kInvalid = Status::invalid_argument;
  AIGC_CHECK(std::isfinite(p.temperature) && p.temperature >= 0.f, kInvalid,
             "SamplerParams.temperature must be finite and >= 0, got {}", p.temperature);
  AIGC_CHECK(p.top_p > 0.f && p.top_p <= 1.f, kInvalid,
             "SamplerParams.top_p must be in (0, 1], got {}", p.top_p);
  AIGC_CHECK(p.min_p >= 0.f && p.min_p <= 1.f, kInvalid,
             "SamplerParams.min_p must be in [0, 1], got {}", p.min_p);
  AIGC_CHECK(p.typical_p > 0.f && p.typical_p <= 1.f, kInvalid,
             "SamplerParams.typical_p must be in (0, 1], got {}", p.typical_p);
  AIGC_CHECK(p.penalty_last_n >= -1, kInvalid,
             "SamplerParams.penalty_last_n must be >= -1 (0 disables, -1 = whole sequence), got {}",
             p.penalty_last_n);
  AIGC_CHECK(std::isfinite(p.repeat_penalty) && p.repeat_penalty > 0.f, kInvalid,
             "SamplerParams.repeat_penalty must be finite and > 0, got {}", p.repeat_penalty);
  AIGC_CHECK(std::isfinite(p.frequency_penalty), kInvalid,
             "SamplerParams.frequency_penalty must be finite, got {}", p.frequency_penalty);
  AIGC_CHECK(std::isfinite(p.presence_penalty), kInvalid,
             "SamplerParams.presence_penalty must be finite, got {}", p.presence_penalty);
  for (size_t i = 0; i < p.logit_bias.size(); ++i) {
    const auto &[id, b] = p.logit_bias[i];
    AIGC_CHECK(id >= 0, kInvalid, "SamplerParams.logit_bias[{}]: token id must be >= 0, got {}",
               i, id);
    AIGC_CHECK(!std::isnan(b) && b != std::numeric_limits<float>::infinity(), kInvalid,
               "SamplerParams.logit_bias[{}]: bias must be finite or -inf, got {}", i, b);
  }
}

std::unique_ptr<SamplerChain> build_chain(const SamplerParams &p) {
  validate(p);
  auto chain = std::make_unique<SamplerChain>();
  if (!p.logit_bias.empty()) chain->add(make_logit_bias(p.logit_bias));
  const bool penalties_on = p.penalty_last_n != 0 &&
                            (p.repeat_penalty != 1.f || p.frequency_penalty != 0.f ||
                             p.presence_penalty != 0.f);
  if (penalties_on)
    chain->add(make_penalties(p.penalty_last_n, p.repeat_penalty, p.frequency_penalty,
                              p.presence_penalty));
  if (p.temperature == 0.f) {
    chain->add(make_greedy());
    return chain;
  }
  if (p.top_k > 0) chain->add(make_top_k(p.top_k));
  if (p.typical_p < 1.f) chain->add(make_typical(p.typical_p));
  if (p.top_p < 1.f) chain->add(make_top_p(p.top_p));
  if (p.min_p > 0.f) chain->add(make_min_p(p.min_p));
  if (p.temperature != 1.f) chain->add(make_temperature(p.temperature));
  chain->add(make_dist(p.seed));
  return chain;
}

}  // namespace aigc::sampling
