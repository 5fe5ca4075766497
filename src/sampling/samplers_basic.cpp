// Samplers that select (greedy, dist) or adjust logits (temperature, logit bias, penalties).
#include <cmath>
#include <deque>
#include <limits>
#include <unordered_map>

#include "core/check.hpp"
#include "sampling/rng.hpp"
#include "sampling/token_sampler.hpp"

namespace aigc::sampling {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

class Greedy final : public TokenSampler {
 public:
  const char *name() const override { return "greedy"; }
  void apply(Candidates &c) override {
    AIGC_CHECK(!c.items.empty(), Status::invalid_argument, "greedy: no candidates");
    c.selected = c.argmax();
  }
  std::unique_ptr<TokenSampler> clone() const override { return std::make_unique<Greedy>(*this); }
};

class Temperature final : public TokenSampler {
 public:
  explicit Temperature(float t) : t_(t) {}
  const char *name() const override { return "temperature"; }
  void apply(Candidates &c) override {
    if (c.items.empty()) return;
    if (t_ == 0.f) {  // the limit t -> 0: only the argmax survives
      const TokenCandidate best = c.items[size_t(c.argmax())];
      c.items.assign(1, best);
      c.sorted = true;
      c.selected = -1;
      return;
    }
    // Dividing by a positive number keeps the order, so `sorted` stays valid.
    for (auto &it : c.items) it.logit /= t_;
  }
  std::unique_ptr<TokenSampler> clone() const override {
    return std::make_unique<Temperature>(*this);
  }

 private:
  float t_;
};

class Dist final : public TokenSampler {
 public:
  explicit Dist(uint64_t seed) : seed_(seed), rng_(seed) {}
  const char *name() const override { return "dist"; }
  void apply(Candidates &c) override {
    AIGC_CHECK(!c.items.empty(), Status::invalid_argument, "dist: no candidates");
    c.softmax();
    // Exactly one draw per call, whatever the candidates, so streams stay aligned.
    const double u = rng_.uniform();
    if (c.weight_sum == 0.0) {  // every logit -inf: lowest id, deterministically
      c.selected = c.argmax();
      return;
    }
    const double target = u * c.weight_sum;
    double cum = 0.0;
    int64_t last_positive = 0;
    for (size_t i = 0; i < c.items.size(); ++i) {
      if (c.weights[i] <= 0.0) continue;
      cum += c.weights[i];
      last_positive = int64_t(i);
      if (cum > target) {
        c.selected = int64_t(i);
        return;
      }
    }
    c.selected = last_positive;  // rounding left target >= cum: take the last possible item
  }
  void reset() override { rng_.seed_with(seed_); }
  std::unique_ptr<TokenSampler> clone() const override { return std::make_unique<Dist>(*this); }

 private:
  uint64_t seed_;
  Rng rng_;
};

class LogitBias final : public TokenSampler {
 public:
  explicit LogitBias(std::vector<std::pair<int32_t, float>> bias) {
    for (const auto &[id, b] : bias) {
      auto [it, inserted] = merged_.emplace(id, b);
      if (!inserted) it->second += b;
    }
  }
  const char *name() const override { return "logit_bias"; }
  void apply(Candidates &c) override {
    if (merged_.empty()) return;
    // Few biases, each id still at its own index (fresh logits, the usual case): O(biases).
    // Ids are unique in items, so a hit at its own index is the only occurrence.
    if (merged_.size() * 8 < c.items.size()) {
      bool all_direct = true;
      for (const auto &[id, b] : merged_)
        if (size_t(id) >= c.items.size() || c.items[size_t(id)].id != id) all_direct = false;
      if (all_direct) {
        for (const auto &[id, b] : merged_) add(c.items[size_t(id)], b);
        c.sorted = false;
        c.selected = -1;
        return;
      }
    }
    for (auto &item : c.items) {
      auto it = merged_.find(item.id);
      if (it != merged_.end()) add(item, it->second);
    }
    c.sorted = false;
    c.selected = -1;
  }
  std::unique_ptr<TokenSampler> clone() const override {
    return std::make_unique<LogitBias>(*this);
  }

 private:
  static void add(TokenCandidate &t, float b) {
    t.logit += b;
    if (std::isnan(t.logit)) t.logit = kNegInf;  // +inf logit with a -inf ban: the ban wins
  }
  std::unordered_map<int32_t, float> merged_;
};

class Penalties final : public TokenSampler {
 public:
  Penalties(int32_t last_n, float repeat, float frequency, float presence)
      : last_n_(last_n), repeat_(repeat), frequency_(frequency), presence_(presence) {}
  const char *name() const override { return "penalties"; }
  void apply(Candidates &c) override {
    if (last_n_ == 0 || counts_.empty()) return;
    if (repeat_ == 1.f && frequency_ == 0.f && presence_ == 0.f) return;
    if (counts_.size() * 8 < c.items.size()) {  // as in LogitBias: O(history) fast path
      bool all_direct = true;
      for (const auto &[id, n] : counts_)
        if (id < 0 || size_t(id) >= c.items.size() || c.items[size_t(id)].id != id)
          all_direct = false;
      if (all_direct) {
        for (const auto &[id, n] : counts_) penalize(c.items[size_t(id)], n);
        c.sorted = false;
        c.selected = -1;
        return;
      }
    }
    for (auto &item : c.items) {
      auto it = counts_.find(item.id);
      if (it != counts_.end()) penalize(item, it->second);
    }
    c.sorted = false;
    c.selected = -1;
  }
  void accept(int32_t token) override {
    if (last_n_ == 0) return;
    ++counts_[token];
    if (last_n_ < 0) return;  // unbounded: counts alone are enough
    history_.push_back(token);
    if (history_.size() > size_t(last_n_)) {
      const int32_t old = history_.front();
      history_.pop_front();
      auto it = counts_.find(old);
      if (--it->second == 0) counts_.erase(it);
    }
  }
  void reset() override {
    history_.clear();
    counts_.clear();
  }
  std::unique_ptr<TokenSampler> clone() const override {
    return std::make_unique<Penalties>(*this);
  }

 private:
  void penalize(TokenCandidate &t, int32_t count) const {
    if (count <= 0) return;
    t.logit = t.logit > 0.f ? t.logit / repeat_ : t.logit * repeat_;
    t.logit -= float(count) * frequency_ + presence_;
  }
  int32_t last_n_;
  float repeat_, frequency_, presence_;
  std::deque<int32_t> history_;
  std::unordered_map<int32_t, int32_t> counts_;
};

}  // namespace

std::unique_ptr<TokenSampler> make_greedy() { return std::make_unique<Greedy>(); }

std::unique_ptr<TokenSampler> make_temperature(float t) {
  AIGC_CHECK(std::isfinite(t) && t >= 0.f, Status::invalid_argument,
             "temperature must be finite and >= 0, got {}", t);
  return std::make_unique<Temperature>(t);
}

std::unique_ptr<TokenSampler> make_dist(uint64_t seed) { return std::make_unique<Dist>(seed); }

std::unique_ptr<TokenSampler> make_logit_bias(std::vector<std::pair<int32_t, float>> bias) {
  for (const auto &[id, b] : bias) {
    AIGC_CHECK(id >= 0, Status::invalid_argument, "logit_bias: token id must be >= 0, got {}",
               id);
    AIGC_CHECK(!std::isnan(b) && b != std::numeric_limits<float>::infinity(),
               Status::invalid_argument,
               "logit_bias: bias for token {} must be finite or -inf, got {}", id, b);
  }
  return std::make_unique<LogitBias>(std::move(bias));
}

std::unique_ptr<TokenSampler> make_penalties(int32_t last_n, float repeat, float frequency,
                                             float presence) {
  AIGC_CHECK(last_n >= -1, Status::invalid_argument,
             "penalty_last_n must be >= -1 (0 disables, -1 = whole sequence), got {}", last_n);
  AIGC_CHECK(std::isfinite(repeat) && repeat > 0.f, Status::invalid_argument,
             "repeat_penalty must be finite and > 0, got {}", repeat);
  AIGC_CHECK(std::isfinite(frequency), Status::invalid_argument,
             "frequency_penalty must be finite, got {}", frequency);
  AIGC_CHECK(std::isfinite(presence), Status::invalid_argument,
             "presence_penalty must be finite, got {}", presence);
  return std::make_unique<Penalties>(last_n, repeat, frequency, presence);
}

}  // namespace aigc::sampling
