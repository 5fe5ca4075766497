// Sampling from a row's top candidates (the logits stay on a device) must choose exactly the
// token the host chain chooses from the whole row. The CPU backend's topk / embedding ops
// stand in for the device here, so every path runs without a GPU.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "ops/harness.hpp"
#include "runtime/device_sampling.hpp"
#include "sampling/sampler_params.hpp"
#include "sampling/token_sampler.hpp"

using namespace aigc;
using namespace aigc::sampling;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Row `step` of a run: smooth random logits, every third row on a coarse grid so the top-k
// cut falls inside a run of equal logits (the lower ids must win), some -inf entries.
std::vector<float> make_row(int32_t n_vocab, uint64_t seed, int step) {
  const Tensor t = test::random_tensor({n_vocab}, DType::f32, seed * 1000 + uint64_t(step), -4.f,
                                       4.f);
  std::vector<float> row = t.to_f32_vector();
  if (step % 3 == 0)
    for (float &v : row) v = std::round(v * 2.f) / 2.f;
  for (int32_t j = int32_t(seed % 7); j < n_vocab; j += 211) row[size_t(j)] = -kInf;
  return row;
}

using ChainFactory = std::function<std::unique_ptr<SamplerChain>(uint64_t seed)>;

// Runs `steps` tokens through a host chain and a copy fed through the picker (CPU topk as the
// device), accepting each token in both, and checks they agree at every step.
void check_same_tokens(const std::string &what, const ChainFactory &make, int32_t n_vocab,
                       int n_seeds, int steps, bool expect_device) {
  const ExecContext ctx = test::context("cpu");
  for (uint64_t seed = 1; seed <= uint64_t(n_seeds); ++seed) {
    std::unique_ptr<SamplerChain> host = make(seed);
    std::unique_ptr<SamplerChain> dev = make(seed);
    host->reset();
    dev->reset();
    runtime::DeviceTokenPicker picker;
    for (int step = 0; step < steps; ++step) {
      const std::vector<float> row = make_row(n_vocab, seed, step);
      const int32_t want = host->sample(row.data(), n_vocab);
      const int32_t got = picker.pick(ctx, Tensor::from_vector(row, {n_vocab}), dev.get());
      if (want != got) {
        CAPTURE(what);
        CAPTURE(seed);
        CAPTURE(step);
        REQUIRE(want == got);
      }
      host->accept(want);
      dev->accept(got);
    }
    CAPTURE(what);
    if (expect_device) {
      CHECK(picker.stats().top_candidates == steps);
      CHECK(picker.stats().fallback == 0);
    } else {
      CHECK(picker.stats().fallback == steps);
    }
  }
}

std::unique_ptr<SamplerChain> from_params(const SamplerParams &p) { return build_chain(p); }

}  // namespace

TEST_CASE("top candidates: truncating chains give the host chain's tokens") {
  const int32_t n = 3000;
  check_same_tokens("top_k temp dist", [](uint64_t s) {
    auto c = std::make_unique<SamplerChain>();
    c->add(make_top_k(40)).add(make_temperature(0.7f)).add(make_dist(s));
    return c;
  }, n, 25, 30, true);
  check_same_tokens("top_k top_p min_p temp dist", [](uint64_t s) {
    auto c = std::make_unique<SamplerChain>();
    c->add(make_top_k(40)).add(make_top_p(0.9f)).add(make_min_p(0.05f));
    c->add(make_temperature(1.3f)).add(make_dist(s));
    return c;
  }, n, 25, 30, true);
  check_same_tokens("defaults (build_chain)", [](uint64_t s) {
    SamplerParams p;
    p.seed = s;
    return from_params(p);
  }, n, 25, 30, true);
  check_same_tokens("top_k typical dist, k = 1024", [](uint64_t s) {
    auto c = std::make_unique<SamplerChain>();
    c->add(make_top_k(1024)).add(make_typical(0.8f)).add(make_dist(s));
    return c;
  }, n, 10, 20, true);
  check_same_tokens("disabled top_k before the cut", [](uint64_t s) {
    auto c = std::make_unique<SamplerChain>();
    c->add(make_top_k(0)).add(make_top_k(5000)).add(make_top_k(7)).add(make_dist(s));
    return c;
  }, n, 10, 20, true);
}

TEST_CASE("top candidates: bias and penalties before top_k") {
  const int32_t n = 3000;
  // Penalties that lower and (negative presence) raise repeated tokens, a bias that lifts
  // low tokens into the top k and bans others: the extra ids are fetched and moved on the host.
  check_same_tokens("bias penalties top_k ... dist", [](uint64_t s) {
    SamplerParams p;
    p.seed = s;
    p.top_k = 20;
    p.penalty_last_n = 8;
    p.repeat_penalty = 1.5f;
    p.frequency_penalty = 0.4f;
    p.presence_penalty = -2.5f;
    p.logit_bias = {{5, 6.f}, {17, -kInf}, {2999, 3.f}, {123456, 9.f}, {5, 1.f}};
    return from_params(p);
  }, n, 20, 40, true);
  check_same_tokens("penalties (whole history) top_k dist", [](uint64_t s) {
    SamplerParams p;
    p.seed = s;
    p.top_k = 8;
    p.top_p = 1.f;
    p.min_p = 0.f;
    p.temperature = 1.f;
    p.penalty_last_n = -1;
    p.repeat_penalty = 0.5f;  // < 1 raises positive repeated logits
    return from_params(p);
  }, n, 20, 40, true);
  check_same_tokens("bias penalties greedy (temperature 0)", [](uint64_t s) {
    SamplerParams p;
    p.seed = s;
    p.temperature = 0.f;
    p.penalty_last_n = 4;
    p.repeat_penalty = 3.f;
    p.logit_bias = {{int32_t(s * 37 % 3000), 8.f}};
    return from_params(p);
  }, n, 10, 30, true);
  check_same_tokens("no selector: argmax after bias", [](uint64_t s) {
    auto c = std::make_unique<SamplerChain>();
    c->add(make_logit_bias({{int32_t(s), 2.f}}));
    return c;
  }, n, 5, 10, true);
}

TEST_CASE("top candidates: chains that need the whole row fall back") {
  const int32_t n = 2000;
  check_same_tokens("temperature before top_k", [](uint64_t s) {
    auto c = std::make_unique<SamplerChain>();
    c->add(make_temperature(0.5f)).add(make_top_k(40)).add(make_dist(s));
    return c;
  }, n, 4, 8, false);
  check_same_tokens("no top_k (temp dist)", [](uint64_t s) {
    SamplerParams p;
    p.seed = s;
    p.top_k = 0;
    return from_params(p);
  }, n, 4, 8, false);
  check_same_tokens("top_p before top_k", [](uint64_t s) {
    auto c = std::make_unique<SamplerChain>();
    c->add(make_top_p(0.9f)).add(make_top_k(40)).add(make_dist(s));
    return c;
  }, n, 4, 8, false);
  check_same_tokens("top_k over the whole vocabulary", [](uint64_t s) {
    auto c = std::make_unique<SamplerChain>();
    c->add(make_top_k(2000)).add(make_dist(s));
    return c;
  }, n, 4, 8, false);
  check_same_tokens("greedy not last", [](uint64_t s) {
    auto c = std::make_unique<SamplerChain>();
    c->add(make_greedy()).add(make_dist(s));
    return c;
  }, n, 2, 4, false);

  SamplerChain chain;
  chain.add(make_temperature(0.5f)).add(make_top_k(40)).add(make_dist(1));
  const TopCandidatesPlan plan = chain.plan_top_candidates(n);
  CHECK_FALSE(plan.supported);
  CHECK(plan.reason.find("temperature") != std::string::npos);
  test::check_error(Status::invalid_argument, "sample_top_candidates", [&] {
    const float v = 0.f;
    const int32_t id = 0;
    chain.sample_top_candidates(plan, &v, &id, nullptr);
  });
}

TEST_CASE("top candidates: plan contents") {
  SamplerParams p;
  p.top_k = 40;
  p.penalty_last_n = 3;
  p.repeat_penalty = 1.2f;
  p.logit_bias = {{9, 1.f}, {4, 0.f}, {70000, 1.f}};
  std::unique_ptr<SamplerChain> chain = build_chain(p);
  // Fresh from build_chain the penalties stage might hold history the chain never saw.
  CHECK_FALSE(chain->plan_top_candidates(1000).supported);
  chain->reset();
  TopCandidatesPlan plan = chain->plan_top_candidates(1000);
  REQUIRE(plan.supported);
  CHECK(plan.cut_k == 40);
  CHECK(plan.extra_ids == std::vector<int32_t>{9});  // a 0 bias moves nothing; 70000 is out
  CHECK(plan.n_top == 41);
  for (int32_t t : {500, 3, 500, 2, 7}) chain->accept(t);  // window 3: {500, 2, 7}
  plan = chain->plan_top_candidates(1000);
  CHECK(plan.extra_ids == std::vector<int32_t>{2, 7, 9, 500});
  CHECK(plan.n_top == 44);
  // A penalties stage with its own history makes the chain fall back until reset().
  SamplerChain c2;
  auto pen = make_penalties(-1, 2.f, 0.f, 0.f);
  pen->accept(11);
  c2.add(std::move(pen)).add(make_top_k(4)).add(make_dist(3));
  CHECK_FALSE(c2.plan_top_candidates(100).supported);
  c2.reset();
  CHECK(c2.plan_top_candidates(100).supported);
}

TEST_CASE("top candidates: NaN rows and greedy without a sampler") {
  const ExecContext ctx = test::context("cpu");
  const int32_t n = 1000;
  for (int step = 0; step < 20; ++step) {
    std::vector<float> row = make_row(n, 77, step);
    if (step % 4 == 1) row[size_t(step * 31)] = NAN;  // NaN: both paths must take the row
    runtime::DeviceTokenPicker picker;
    const Tensor t = Tensor::from_vector(row, {n});
    CHECK(picker.pick(ctx, t, nullptr) == runtime::argmax_row(row.data(), n));
    SamplerChain host, dev;
    host.add(make_top_k(10)).add(make_dist(uint64_t(step)));
    dev.add(make_top_k(10)).add(make_dist(uint64_t(step)));
    CHECK(picker.pick(ctx, t, &dev) == host.sample(row.data(), n));
    const bool nan = step % 4 == 1;
    CHECK(picker.stats().fallback == (nan ? 2 : 0));
    CHECK(picker.stats().greedy == (nan ? 0 : 1));
    CHECK(picker.stats().top_candidates == (nan ? 0 : 1));
  }
}
