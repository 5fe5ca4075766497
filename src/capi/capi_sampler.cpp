// aigc.h: sampler chains.
#include "capi/capi_error.hpp"
#include "capi/capi_handles.hpp"
#include "capi/capi_params.hpp"
#include "sampling/sampler_params.hpp"

using namespace aigc;
using capi::guard;

namespace {

aigc_sampler_params sampler_defaults() {
  const sampling::SamplerParams d;
  return {sizeof(aigc_sampler_params), d.temperature, d.top_k, d.top_p, d.min_p, d.typical_p,
          d.penalty_last_n, d.repeat_penalty, d.frequency_penalty, d.presence_penalty, d.seed};
}

// One stage wrapped as a chain of one.
aigc_status make_stage(aigc_sampler **out, const char *what,
                       const std::function<std::unique_ptr<sampling::TokenSampler>()> &make) {
  if (out) *out = nullptr;
  return guard([&] {
    AIGC_CHECK(out != nullptr, Status::invalid_argument, "{}: sampler is NULL", what);
    auto s = std::make_unique<aigc_sampler>();
    s->chain.add(make());
    *out = s.release();
  });
}

sampling::SamplerChain &chain_of(aigc_sampler *s, const char *what) {
  AIGC_CHECK(s != nullptr, Status::invalid_argument, "{}: sampler is NULL", what);
  return s->chain;
}

}  // namespace

extern "C" {

aigc_status aigc_sampler_params_init(aigc_sampler_params *params, uint32_t struct_size) {
  return guard([&] { capi::init_params(params, struct_size, sampler_defaults(), "aigc_sampler_params_init"); });
}

aigc_status aigc_sampler_new(const aigc_sampler_params *params, aigc_sampler **sampler) {
  if (sampler) *sampler = nullptr;
  return guard([&] {
    AIGC_CAPI_NOT_NULL(sampler, "aigc_sampler_new");
    const aigc_sampler_params p = capi::read_params(params, sampler_defaults(), "aigc_sampler_new");
    sampling::SamplerParams sp;
    sp.temperature = p.temperature;
    sp.top_k = p.top_k;
    sp.top_p = p.top_p;
    sp.min_p = p.min_p;
    sp.typical_p = p.typical_p;
    sp.penalty_last_n = p.penalty_last_n;
    sp.repeat_penalty = p.repeat_penalty;
    sp.frequency_penalty = p.frequency_penalty;
    sp.presence_penalty = p.presence_penalty;
    sp.seed = p.seed;
    auto s = std::make_unique<aigc_sampler>();
    s->chain = std::move(*sampling::build_chain(sp));
    *sampler = s.release();
  });
}

aigc_status aigc_sampler_new_chain(aigc_sampler **sampler) {
  if (sampler) *sampler = nullptr;
  return guard([&] {
    AIGC_CAPI_NOT_NULL(sampler, "aigc_sampler_new_chain");
    *sampler = new aigc_sampler();
  });
}

aigc_status aigc_sampler_new_greedy(aigc_sampler **s) {
  return make_stage(s, "aigc_sampler_new_greedy", [] { return sampling::make_greedy(); });
}
aigc_status aigc_sampler_new_temperature(float t, aigc_sampler **s) {
  return make_stage(s, "aigc_sampler_new_temperature", [&] { return sampling::make_temperature(t); });
}
aigc_status aigc_sampler_new_top_k(int32_t k, aigc_sampler **s) {
  return make_stage(s, "aigc_sampler_new_top_k", [&] { return sampling::make_top_k(k); });
}
aigc_status aigc_sampler_new_top_p(float p, size_t min_keep, aigc_sampler **s) {
  return make_stage(s, "aigc_sampler_new_top_p", [&] { return sampling::make_top_p(p, min_keep); });
}
aigc_status aigc_sampler_new_min_p(float p, size_t min_keep, aigc_sampler **s) {
  return make_stage(s, "aigc_sampler_new_min_p", [&] { return sampling::make_min_p(p, min_keep); });
}
aigc_status aigc_sampler_new_typical(float p, size_t min_keep, aigc_sampler **s) {
  return make_stage(s, "aigc_sampler_new_typical", [&] { return sampling::make_typical(p, min_keep); });
}
aigc_status aigc_sampler_new_penalties(int32_t last_n, float repeat, float frequency, float presence,
                                       aigc_sampler **s) {
  return make_stage(s, "aigc_sampler_new_penalties",
                    [&] { return sampling::make_penalties(last_n, repeat, frequency, presence); });
}
aigc_status aigc_sampler_new_logit_bias(const int32_t *tokens, const float *biases, size_t n,
                                        aigc_sampler **s) {
  return make_stage(s, "aigc_sampler_new_logit_bias", [&] {
    AIGC_CHECK((tokens && biases) || n == 0, Status::invalid_argument,
               "aigc_sampler_new_logit_bias: tokens or biases is NULL");
    std::vector<std::pair<int32_t, float>> bias;
    for (size_t i = 0; i < n; ++i) bias.emplace_back(tokens[i], biases[i]);
    return sampling::make_logit_bias(std::move(bias));
  });
}
aigc_status aigc_sampler_new_dist(uint64_t seed, aigc_sampler **s) {
  return make_stage(s, "aigc_sampler_new_dist", [&] { return sampling::make_dist(seed); });
}

aigc_status aigc_sampler_chain_add(aigc_sampler *chain, aigc_sampler *stage) {
  std::unique_ptr<aigc_sampler> owned(stage);  // ours from here on, also on failure
  return guard([&] {
    sampling::SamplerChain &c = chain_of(chain, "aigc_sampler_chain_add");
    AIGC_CHECK(owned != nullptr, Status::invalid_argument, "aigc_sampler_chain_add: stage is NULL");
    AIGC_CHECK(owned.get() != chain, Status::invalid_argument, "aigc_sampler_chain_add: a chain cannot contain itself");
    c.add(owned->chain.clone());
  });
}

aigc_status aigc_sampler_sample(aigc_sampler *sampler, const float *logits, int32_t n_vocab, int32_t *token) {
  return guard([&] {
    sampling::SamplerChain &c = chain_of(sampler, "aigc_sampler_sample");
    AIGC_CAPI_NOT_NULL(logits, "aigc_sampler_sample");
    AIGC_CAPI_NOT_NULL(token, "aigc_sampler_sample");
    *token = c.sample(logits, n_vocab);
  });
}

aigc_status aigc_sampler_accept(aigc_sampler *sampler, int32_t token) {
  return guard([&] { chain_of(sampler, "aigc_sampler_accept").accept(token); });
}

aigc_status aigc_sampler_reset(aigc_sampler *sampler) {
  return guard([&] { chain_of(sampler, "aigc_sampler_reset").reset(); });
}

void aigc_sampler_free(aigc_sampler *sampler) { delete sampler; }

}  // extern "C"
