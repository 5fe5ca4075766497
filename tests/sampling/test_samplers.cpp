// Each token sampler on small distributions whose results are computed by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/check.hpp"
#include "ops/harness.hpp"
#include "sampling/rng.hpp"
#include "sampling/token_sampler.hpp"

using namespace aigc;
using namespace aigc::sampling;

namespace {

const float kInf = std::numeric_limits<float>::infinity();

// logits = ln([0.5, 0.25, 0.15, 0.1]): softmax gives those probabilities back.
std::vector<float> four() {
  return {std::log(0.5f), std::log(0.25f), std::log(0.15f), std::log(0.1f)};
}

Candidates from(const std::vector<float> &logits) {
  Candidates c;
  c.reset_from_logits(logits.data(), int32_t(logits.size()));
  return c;
}

std::vector<int32_t> ids(const Candidates &c) {
  std::vector<int32_t> out;
  for (const auto &t : c.items) out.push_back(t.id);
  return out;
}

Candidates run(TokenSampler &s, const std::vector<float> &logits) {
  Candidates c = from(logits);
  s.apply(c);
  return c;
}

// Expects aigc::Error(invalid_argument) whose message contains `word` (the shared harness).
template <class F>
void expect_invalid(F f, const std::string &word) {
  test::check_error(Status::invalid_argument, word.c_str(), f);
}

}  // namespace

TEST_CASE("Candidates: softmax, NaN as -inf, all masked") {
  Candidates c = from({std::log(0.1f), std::log(0.5f), std::log(0.15f), std::log(0.25f)});
  c.softmax();
  CHECK(c.sorted);
  CHECK(ids(c) == std::vector<int32_t>{1, 3, 2, 0});
  CHECK(c.items[0].p == doctest::Approx(0.5).epsilon(1e-6));
  CHECK(c.items[1].p == doctest::Approx(0.25).epsilon(1e-6));
  CHECK(c.items[3].p == doctest::Approx(0.1).epsilon(1e-6));

  Candidates n = from({0.f, NAN, 0.f});
  CHECK(n.items[1].logit == -kInf);
  n.softmax();
  CHECK(ids(n) == std::vector<int32_t>{0, 2, 1});  // ties by lower id; NaN last
  CHECK(n.items[0].p == doctest::Approx(0.5));
  CHECK(n.items[2].p == 0.f);

  Candidates m = from({-kInf, -kInf, -kInf});
  m.softmax();
  CHECK(m.weight_sum == 0.0);
  CHECK(m.items[0].p == 0.f);
  CHECK(m.argmax() == 0);

  // +inf logits share the mass instead of producing NaN.
  Candidates inf = from({kInf, 1.f, kInf});
  inf.softmax();
  CHECK(inf.items[0].p == 0.5f);
  CHECK(inf.items[1].p == 0.5f);
  CHECK(inf.items[2].p == 0.f);

  Candidates e;
  float x = 0.f;
  expect_invalid([&] { e.reset_from_logits(&x, 0); }, "n_vocab");
  expect_invalid([&] { e.reset_from_logits(nullptr, 3); }, "logits");
}

TEST_CASE("greedy: argmax, ties to the lowest id, all -inf") {
  auto g = make_greedy();
  Candidates c = run(*g, {1.f, 3.f, 3.f, 2.f});
  REQUIRE(c.selected == 1);
  CHECK(c.items[size_t(c.selected)].id == 1);
  c = run(*g, {-kInf, -kInf, -kInf});
  CHECK(c.items[size_t(c.selected)].id == 0);
  // Ties resolve by id, not by position, after a reorder.
  Candidates r = from({0.f, 0.f, 0.f});
  std::swap(r.items[0], r.items[2]);
  g->apply(r);
  CHECK(r.items[size_t(r.selected)].id == 0);
}

TEST_CASE("temperature: scaled probabilities computed by hand") {
  // t = 2: p ~ sqrt(p) = [.70711, .5, .38730, .31623] / 1.91063
  auto t2 = make_temperature(2.f);
  Candidates c = run(*t2, four());
  c.softmax();
  CHECK(c.items[0].p == doctest::Approx(0.3700903).epsilon(1e-5));
  CHECK(c.items[1].p == doctest::Approx(0.2616934).epsilon(1e-5));
  CHECK(c.items[2].p == doctest::Approx(0.2027068).epsilon(1e-5));
  CHECK(c.items[3].p == doctest::Approx(0.1655094).epsilon(1e-5));
  // t = 0.5: p ~ p^2 = [.25, .0625, .0225, .01] / .345
  auto th = make_temperature(0.5f);
  c = run(*th, four());
  c.softmax();
  CHECK(c.items[0].p == doctest::Approx(0.7246377).epsilon(1e-5));
  CHECK(c.items[1].p == doctest::Approx(0.1811594).epsilon(1e-5));
  CHECK(c.items[3].p == doctest::Approx(0.0289855).epsilon(1e-5));
  // t = 0 keeps only the argmax (lowest id among ties).
  auto t0 = make_temperature(0.f);
  c = run(*t0, {1.f, 4.f, 4.f, -kInf});
  CHECK(ids(c) == std::vector<int32_t>{1});

  expect_invalid([] { make_temperature(NAN); }, "temperature");
  expect_invalid([] { make_temperature(-0.5f); }, "temperature");
  expect_invalid([] { make_temperature(kInf); }, "temperature");
}

TEST_CASE("top_k: keeps k best, ties at the cut to lower ids, k <= 0 disables") {
  auto k2 = make_top_k(2);
  Candidates c = run(*k2, {0.1f, 0.7f, 0.2f, 0.9f});
  CHECK(ids(c) == std::vector<int32_t>{3, 1});
  CHECK(c.sorted);
  c = run(*k2, {1.f, 2.f, 2.f, 2.f});
  CHECK(ids(c) == std::vector<int32_t>{1, 2});
  auto k0 = make_top_k(0), kneg = make_top_k(-5), kbig = make_top_k(10);
  CHECK(run(*k0, four()).items.size() == 4);
  CHECK(run(*kneg, four()).items.size() == 4);
  CHECK(run(*kbig, four()).items.size() == 4);
}

TEST_CASE("top_p: smallest prefix with mass >= p") {
  // Sorted masses .5, .75, .90, 1.0.
  auto p07 = make_top_p(0.7f);
  CHECK(ids(run(*p07, four())) == std::vector<int32_t>{0, 1});
  auto p076 = make_top_p(0.76f);
  CHECK(ids(run(*p076, four())) == std::vector<int32_t>{0, 1, 2});
  auto p04 = make_top_p(0.4f);
  CHECK(ids(run(*p04, four())) == std::vector<int32_t>{0});
  auto p095 = make_top_p(0.95f);
  CHECK(run(*p095, four()).items.size() == 4);
  auto keep3 = make_top_p(0.1f, 3);
  CHECK(ids(run(*keep3, four())) == std::vector<int32_t>{0, 1, 2});
  auto p1 = make_top_p(1.f);
  CHECK(run(*p1, four()).items.size() == 4);

  expect_invalid([] { make_top_p(2.0f); }, "top_p");
  expect_invalid([] { make_top_p(0.f); }, "top_p");
  expect_invalid([] { make_top_p(NAN); }, "top_p");
}

TEST_CASE("min_p: keeps p_i >= p * p_max") {
  // p_max = .5: min_p .35 -> threshold .175 keeps .5, .25; min_p .25 -> .125 keeps three.
  auto m35 = make_min_p(0.35f);
  Candidates c = run(*m35, four());
  CHECK(ids(c) == std::vector<int32_t>{0, 1});
  CHECK_FALSE(c.sorted);  // an order-preserving filter does not sort
  auto m25 = make_min_p(0.25f);
  CHECK(ids(run(*m25, four())) == std::vector<int32_t>{0, 1, 2});
  // Unsorted input keeps its order.
  auto m5 = make_min_p(0.5f);
  CHECK(ids(run(*m5, {std::log(0.1f), std::log(0.45f), std::log(0.45f)})) ==
        std::vector<int32_t>{1, 2});
  // Too few above the threshold: the min_keep best survive.
  auto m9 = make_min_p(0.9f, 2);
  CHECK(ids(run(*m9, {std::log(0.1f), std::log(0.5f), std::log(0.15f), std::log(0.25f)})) ==
        std::vector<int32_t>{1, 3});
  auto m0 = make_min_p(0.f);
  CHECK(run(*m0, four()).items.size() == 4);

  expect_invalid([] { make_min_p(1.5f); }, "min_p");
  expect_invalid([] { make_min_p(-0.1f); }, "min_p");
}

TEST_CASE("typical: worked example") {
  // p = [.5, .25, .15, .1]; H = -sum p ln p = 1.2079737.
  // |-ln p - H| = [.51483, .17832, .68915, 1.09461] -> typicality order ids 1, 0, 2, 3
  // with cumulative mass .25, .75, .90, 1.0; kept until the mass exceeds p.
  auto t5 = make_typical(0.5f);
  Candidates c = run(*t5, four());
  CHECK(ids(c) == std::vector<int32_t>{1, 0});
  CHECK_FALSE(c.sorted);
  auto t2 = make_typical(0.2f);
  CHECK(ids(run(*t2, four())) == std::vector<int32_t>{1});  // drops the most likely token
  auto t8 = make_typical(0.8f);
  CHECK(ids(run(*t8, four())) == std::vector<int32_t>{1, 0, 2});
  auto t2k3 = make_typical(0.2f, 3);
  CHECK(ids(run(*t2k3, four())) == std::vector<int32_t>{1, 0, 2});
  auto t1 = make_typical(1.f);
  CHECK(ids(run(*t1, four())) == std::vector<int32_t>{0, 1, 2, 3});

  expect_invalid([] { make_typical(0.f); }, "typical_p");
  expect_invalid([] { make_typical(1.01f); }, "typical_p");
}

TEST_CASE("penalties: repetition, frequency and presence over the last n tokens") {
  // last_n 4; history 0 3 0 2 0 1 -> window [0 2 0 1]: counts {0: 2, 2: 1, 1: 1}.
  // repeat 2, frequency .5, presence .25:
  //   id 0:  2 / 2 = 1,    - (2 * .5 + .25) = -0.25
  //   id 1: -1 * 2 = -2,   - (1 * .5 + .25) = -2.75
  //   id 2: .5 / 2 = .25,  - .75            = -0.5
  //   id 3: not in the window (evicted)     =  3
  auto pen = make_penalties(4, 2.f, 0.5f, 0.25f);
  for (int32_t t : {0, 3, 0, 2, 0, 1}) pen->accept(t);
  const std::vector<float> logits = {2.f, -1.f, 0.5f, 3.f};
  Candidates c = run(*pen, logits);
  CHECK(c.items[0].logit == doctest::Approx(-0.25f));
  CHECK(c.items[1].logit == doctest::Approx(-2.75f));
  CHECK(c.items[2].logit == doctest::Approx(-0.5f));
  CHECK(c.items[3].logit == 3.f);

  // The same on a reordered, truncated list (the lookup that is not by index).
  Candidates r = from(logits);
  r.sort();  // ids 3 0 2 1
  r.items.resize(3);
  pen->apply(r);
  CHECK(ids(r) == std::vector<int32_t>{3, 0, 2});
  CHECK(r.items[1].logit == doctest::Approx(-0.25f));
  CHECK(r.items[2].logit == doctest::Approx(-0.5f));

  // A clone carries the history; accepting on the clone leaves the original alone.
  auto copy = pen->clone();
  copy->accept(3);
  CHECK(run(*copy, logits).items[3].logit == doctest::Approx(3.f / 2 - 0.75f));
  CHECK(run(*pen, logits).items[3].logit == 3.f);

  pen->reset();
  CHECK(run(*pen, logits).items[0].logit == 2.f);

  // -1: the whole sequence since reset. counts {0: 3, 3: 1, 2: 1, 1: 1}.
  auto all = make_penalties(-1, 2.f, 0.5f, 0.25f);
  for (int32_t t : {0, 3, 0, 2, 0, 1}) all->accept(t);
  c = run(*all, logits);
  CHECK(c.items[0].logit == doctest::Approx(1.f - 1.75f));
  CHECK(c.items[3].logit == doctest::Approx(1.5f - 0.75f));
  // 0 disables.
  auto off = make_penalties(0, 2.f, 0.5f, 0.25f);
  off->accept(0);
  CHECK(run(*off, logits).items[0].logit == 2.f);

  expect_invalid([] { make_penalties(-2, 1.f, 0.f, 0.f); }, "penalty_last_n");
  expect_invalid([] { make_penalties(8, 0.f, 0.f, 0.f); }, "repeat_penalty");
  expect_invalid([] { make_penalties(8, 1.f, NAN, 0.f); }, "frequency_penalty");
  expect_invalid([] { make_penalties(8, 1.f, 0.f, kInf); }, "presence_penalty");
}

TEST_CASE("logit_bias: adds, bans with -inf, duplicates add up") {
  auto b = make_logit_bias({{1, 5.f}, {3, -kInf}, {1, 1.f}, {99, 3.f}});
  Candidates c = run(*b, {0.f, 0.f, 0.f, 0.f});
  CHECK(c.items[0].logit == 0.f);
  CHECK(c.items[1].logit == 6.f);
  CHECK(c.items[3].logit == -kInf);
  // A ban on a +inf logit still bans.
  c = run(*b, {0.f, 0.f, 0.f, kInf});
  CHECK(c.items[3].logit == -kInf);
  // Lookup by id on a reordered list.
  Candidates r = from({0.f, 1.f, 2.f, 3.f});
  r.sort();
  b->apply(r);
  CHECK(ids(r) == std::vector<int32_t>{3, 2, 1, 0});
  CHECK(r.items[2].logit == 7.f);
  CHECK(r.items[0].logit == -kInf);
  // Fast path on a large fresh list.
  std::vector<float> big(100, 0.f);
  auto b2 = make_logit_bias({{7, -2.f}});
  CHECK(run(*b2, big).items[7].logit == -2.f);

  expect_invalid([] { make_logit_bias({{-1, 1.f}}); }, "token id");
  expect_invalid([] { make_logit_bias({{2, NAN}}); }, "bias");
  expect_invalid([] { make_logit_bias({{2, kInf}}); }, "bias");
}

TEST_CASE("rng: xoshiro256** seeded by SplitMix64 matches the reference") {
  // Values from an independent Python implementation of docs/SAMPLING.md.
  Rng r0(0);
  CHECK(r0.next() == 0x99ec5f36cb75f2b4ull);
  CHECK(r0.next() == 0xbf6e1f784956452aull);
  CHECK(r0.next() == 0x1a5f849d4933e6e0ull);
  Rng r42(42);
  CHECK(r42.next() == 0x15780b2e0c2ec716ull);
  Rng u0(0);
  CHECK(u0.uniform() == 0.6012629994179048);
  CHECK(u0.uniform() == 0.7477740925472398);
  CHECK(u0.uniform() == 0.10301998939503632);
}

TEST_CASE("dist: draws by cumulative weight") {
  // Seed 0 draws u = .60126, .74777, .10302; masses .5, .75, .9, 1 -> ids 1, 1, 0.
  // Seed 42 draws u = .08386, .37898, .68004                    -> ids 0, 0, 1.
  auto pick = [](TokenSampler &s) {
    Candidates c = run(s, four());
    REQUIRE(c.selected >= 0);
    return c.items[size_t(c.selected)].id;
  };
  auto d0 = make_dist(0);
  CHECK(pick(*d0) == 1);
  CHECK(pick(*d0) == 1);
  CHECK(pick(*d0) == 0);
  auto d42 = make_dist(42);
  CHECK(pick(*d42) == 0);
  CHECK(pick(*d42) == 0);
  CHECK(pick(*d42) == 1);

  // reset() re-seeds; clone() continues from the same position, independently.
  d0->reset();
  CHECK(pick(*d0) == 1);
  auto copy = d0->clone();
  CHECK(pick(*copy) == 1);
  CHECK(pick(*copy) == 0);
  CHECK(pick(*d0) == 1);  // the original still at its second draw
  CHECK(pick(*d0) == 0);

  // All masked: lowest id, still one draw consumed (the stream stays aligned).
  auto dm = make_dist(0);
  Candidates m = run(*dm, {-kInf, -kInf, NAN});
  CHECK(m.items[size_t(m.selected)].id == 0);
  CHECK(pick(*dm) == 1);  // second draw of seed 0
  // A masked token is never drawn.
  auto dz = make_dist(7);
  for (int i = 0; i < 200; ++i) {
    Candidates z = run(*dz, {0.f, -kInf, 0.f});
    CHECK(z.items[size_t(z.selected)].id != 1);
  }
}

TEST_CASE("dist: frequencies over 20000 draws (chi-square)") {
  auto d = make_dist(1234);
  const double expected[4] = {0.5, 0.25, 0.15, 0.1};
  int counts[4] = {0, 0, 0, 0};
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    Candidates c = run(*d, four());
    ++counts[c.items[size_t(c.selected)].id];
  }
  double chi2 = 0.0;
  for (int k = 0; k < 4; ++k) {
    const double e = expected[k] * n;
    chi2 += (counts[k] - e) * (counts[k] - e) / e;
  }
  // 3 degrees of freedom: P(chi2 > 16.27) = 0.001. Deterministic for this seed.
  CHECK(chi2 < 16.27);
  // Exact counts from the Python re-implementation in docs/SAMPLING.md (same seed).
  CHECK(counts[0] == 10123);
  CHECK(counts[1] == 4960);
  CHECK(counts[2] == 2983);
  CHECK(counts[3] == 1934);
}
