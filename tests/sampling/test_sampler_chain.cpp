// SamplerChain and SamplerParams: composition, order, determinism, validation.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/check.hpp"
#include "ops/harness.hpp"
#include "sampling/sampler_params.hpp"
#include "sampling/token_sampler.hpp"

using namespace aigc;
using namespace aigc::sampling;

namespace {

std::vector<float> four() {
  return {std::log(0.5f), std::log(0.25f), std::log(0.15f), std::log(0.1f)};
}

// A 1000-token vocabulary with a smooth, deterministic spread of logits.
std::vector<float> wide() {
  std::vector<float> l(1000);
  for (size_t i = 0; i < l.size(); ++i) l[i] = float(std::sin(double(i) * 0.37) * 3.0);
  return l;
}

std::vector<int32_t> draw(SamplerChain &chain, const std::vector<float> &logits, int n) {
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    const int32_t t = chain.sample(logits.data(), int32_t(logits.size()));
    chain.accept(t);
    out.push_back(t);
  }
  return out;
}

// Expects aigc::Error(invalid_argument) whose message contains `word` (the shared harness).
template <class F>
void expect_invalid(F f, const std::string &word) {
  test::check_error(Status::invalid_argument, word.c_str(), f);
}

}  // namespace

TEST_CASE("chain: without a selector the highest logit wins") {
  SamplerChain chain;
  CHECK(chain.sample(four().data(), 4) == 0);
  chain.add(make_logit_bias({{2, 10.f}}));
  CHECK(chain.size() == 1);
  CHECK(chain.sample(four().data(), 4) == 2);
  CHECK(chain.candidates().items.size() == 4);
  expect_invalid([&] { chain.add(nullptr); }, "null");
  expect_invalid([&] { chain.sample(nullptr, 4); }, "logits");
}

TEST_CASE("chain: stages compose in order") {
  // top_k 2 then top_p .5: of the two left (.5, .25 -> masses 2/3, 1/3) only id 0 survives
  // the nucleus, so dist must pick it every time whatever it draws.
  SamplerChain chain;
  chain.add(make_top_k(2)).add(make_top_p(0.5f)).add(make_dist(5));
  CHECK(chain.describe() == "top_k -> top_p -> dist");
  for (int i = 0; i < 50; ++i) CHECK(chain.sample(four().data(), 4) == 0);
  // top_p .7 first keeps {0, 1}; temperature 0 then leaves only id 0.
  SamplerChain c2;
  c2.add(make_top_p(0.7f)).add(make_temperature(0.f)).add(make_dist(5));
  CHECK(c2.sample(four().data(), 4) == 0);
}

TEST_CASE("chain: accept reaches the penalties (greedy alternates)") {
  // Logits 2, 1.5: a repeat penalty of 2 on the last token makes greedy alternate:
  // after 0: [1, 1.5] -> 1; after 1 (window 1): [2, .75] -> 0.
  SamplerChain chain;
  chain.add(make_penalties(1, 2.f, 0.f, 0.f)).add(make_greedy());
  std::vector<float> logits(100, -5.f);  // large vocabulary: the by-index fast path
  logits[0] = 2.f;
  logits[1] = 1.5f;
  CHECK(draw(chain, logits, 5) == std::vector<int32_t>{0, 1, 0, 1, 0});
  chain.reset();
  CHECK(chain.sample(logits.data(), 100) == 0);
}

TEST_CASE("build_chain: default order and greedy path") {
  SamplerParams p;
  CHECK(build_chain(p)->describe() == "top_k -> top_p -> min_p -> temperature -> dist");
  p.typical_p = 0.9f;
  p.repeat_penalty = 1.1f;
  p.logit_bias = {{3, -1.f}};
  CHECK(build_chain(p)->describe() ==
        "logit_bias -> penalties -> top_k -> typical -> top_p -> min_p -> temperature -> dist");
  p.temperature = 0.f;
  CHECK(build_chain(p)->describe() == "logit_bias -> penalties -> greedy");
  SamplerParams off;
  off.temperature = 1.f;
  off.top_k = 0;
  off.top_p = 1.f;
  off.min_p = 0.f;
  CHECK(build_chain(off)->describe() == "dist");
}

TEST_CASE("build_chain: greedy with a ban") {
  SamplerParams p;
  p.temperature = 0.f;
  p.logit_bias = {{0, -std::numeric_limits<float>::infinity()}};
  auto chain = build_chain(p);
  CHECK(chain->sample(four().data(), 4) == 1);
}

TEST_CASE("seeded determinism: same seed same tokens, other seed other tokens") {
  SamplerParams p;
  p.temperature = 1.5f;
  p.top_k = 0;
  p.top_p = 1.f;
  p.min_p = 0.f;
  p.seed = 1;
  const auto logits = wide();
  auto a = build_chain(p), b = build_chain(p);
  const auto sa = draw(*a, logits, 64);
  CHECK(sa == draw(*b, logits, 64));
  p.seed = 2;
  auto c = build_chain(p);
  CHECK(sa != draw(*c, logits, 64));
  // reset() replays the same sequence.
  a->reset();
  CHECK(sa == draw(*a, logits, 64));
}

TEST_CASE("chain clone: same state, independent afterwards") {
  SamplerParams p;
  p.repeat_penalty = 1.3f;
  p.seed = 99;
  const auto logits = wide();
  auto a = build_chain(p);
  draw(*a, logits, 10);
  auto b = a->clone_chain();
  const auto from_a = draw(*a, logits, 20);
  CHECK(from_a == draw(*b, logits, 20));
  // Advancing b further leaves a untouched: a copy made now agrees with a.
  auto c = a->clone_chain();
  draw(*b, logits, 7);
  CHECK(draw(*a, logits, 5) == draw(*c, logits, 5));
  // The generic clone() is a chain too.
  auto d = a->clone();
  CHECK(std::string(d->name()) == "chain");
}

TEST_CASE("validate: each bad field is named") {
  auto bad = [](auto edit, const std::string &field) {
    SamplerParams p;
    edit(p);
    expect_invalid([&] { validate(p); }, field);
    expect_invalid([&] { build_chain(p); }, field);
  };
  bad([](SamplerParams &p) { p.top_p = 2.0f; }, "top_p");
  bad([](SamplerParams &p) { p.temperature = NAN; }, "temperature");
  bad([](SamplerParams &p) { p.temperature = -1.f; }, "temperature");
  bad([](SamplerParams &p) { p.min_p = -0.01f; }, "min_p");
  bad([](SamplerParams &p) { p.typical_p = 0.f; }, "typical_p");
  bad([](SamplerParams &p) { p.penalty_last_n = -2; }, "penalty_last_n");
  bad([](SamplerParams &p) { p.repeat_penalty = 0.f; }, "repeat_penalty");
  bad([](SamplerParams &p) { p.frequency_penalty = INFINITY; }, "frequency_penalty");
  bad([](SamplerParams &p) { p.presence_penalty = NAN; }, "presence_penalty");
  bad([](SamplerParams &p) { p.logit_bias = {{1, 0.f}, {-3, 1.f}}; }, "logit_bias[1]");
  bad([](SamplerParams &p) { p.logit_bias = {{1, NAN}}; }, "logit_bias[0]");
  // Accepted edge values: negative top_k means "off", -1 last_n, -inf bias, temperature 0.
  SamplerParams ok;
  ok.top_k = -1;
  ok.penalty_last_n = -1;
  ok.temperature = 0.f;
  ok.logit_bias = {{0, -INFINITY}};
  CHECK_NOTHROW(validate(ok));
}
