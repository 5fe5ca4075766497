// Samplers that drop unlikely candidates: top-k, top-p (nucleus), min-p, locally typical.
// Semantics follow llama.cpp's samplers; comparisons are done in double on the softmax
// weights so hand-computed boundaries in the tests are not at the mercy of float rounding.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/check.hpp"
#include "sampling/token_sampler.hpp"

namespace aigc::sampling {

namespace {

class TopK final : public TokenSampler {
 public:
  explicit TopK(int32_t k) : k_(k) {}
  const char *name() const override { return "top_k"; }
  void apply(Candidates &c) override {
    if (k_ <= 0 || size_t(k_) >= c.items.size()) return;
    if (!c.sorted) {
      // Same total order as Candidates::sort, so ties at the cut keep the lower ids.
      std::partial_sort(c.items.begin(), c.items.begin() + k_, c.items.end(),
                        [](const TokenCandidate &a, const TokenCandidate &b) {
                          return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
                        });
    }
    c.items.resize(size_t(k_));
    c.sorted = true;
    c.selected = -1;
  }
  std::unique_ptr<TokenSampler> clone() const override { return std::make_unique<TopK>(*this); }

 private:
  int32_t k_;
};

class TopP final : public TokenSampler {
 public:
  TopP(float p, size_t min_keep) : p_(p), min_keep_(min_keep) {}
  const char *name() const override { return "top_p"; }
  void apply(Candidates &c) override {
    if (p_ >= 1.f || c.items.empty()) return;
    c.softmax();
    const double target = double(p_) * c.weight_sum;
    double cum = 0.0;
    size_t keep = c.items.size();
    for (size_t i = 0; i < c.items.size(); ++i) {
      cum += c.weights[i];
      if (cum >= target && i + 1 >= min_keep_) {
        keep = i + 1;
        break;
      }
    }
    if (keep < c.items.size()) {
      c.items.resize(keep);
      c.weights.resize(keep);
      c.selected = -1;
    }
  }
  std::unique_ptr<TokenSampler> clone() const override { return std::make_unique<TopP>(*this); }

 private:
  float p_;
  size_t min_keep_;
};

class MinP final : public TokenSampler {
 public:
  MinP(float p, size_t min_keep) : p_(p), min_keep_(min_keep) {}
  const char *name() const override { return "min_p"; }
  void apply(Candidates &c) override {
    if (p_ <= 0.f || c.items.empty()) return;
    // p_i >= p * p_max  <=>  logit_i >= max_logit + ln(p), no softmax needed.
    const double max = c.items[size_t(c.argmax())].logit;
    const double threshold = max + std::log(double(p_));
    const size_t kept = size_t(std::count_if(c.items.begin(), c.items.end(), [&](const auto &t) {
      return double(t.logit) >= threshold;
    }));
    if (kept >= min_keep_) {
      if (kept == c.items.size()) return;
      // Order-preserving filter, so `sorted` stays as it was.
      c.items.erase(std::remove_if(c.items.begin(), c.items.end(),
                                   [&](const auto &t) { return double(t.logit) < threshold; }),
                    c.items.end());
    } else {
      c.sort();
      c.items.resize(std::min(min_keep_, c.items.size()));
    }
    c.selected = -1;
  }
  std::unique_ptr<TokenSampler> clone() const override { return std::make_unique<MinP>(*this); }

 private:
  float p_;
  size_t min_keep_;
};

// Meister et al., "Locally Typical Sampling" (2022), as in llama.cpp: keep the tokens whose
// surprisal -ln p is closest to the entropy H until their mass exceeds p.
class Typical final : public TokenSampler {
 public:
  Typical(float p, size_t min_keep) : p_(p), min_keep_(min_keep) {}
  const char *name() const override { return "typical"; }
  void apply(Candidates &c) override {
    if (p_ >= 1.f || c.items.empty()) return;
    c.softmax();
    if (c.weight_sum == 0.0) return;  // all masked: nothing to rank
    const size_t n = c.items.size();
    std::vector<double> prob(n), shifted(n);
    double entropy = 0.0;
    for (size_t i = 0; i < n; ++i) {
      prob[i] = c.weights[i] / c.weight_sum;
      if (prob[i] > 0.0) entropy -= prob[i] * std::log(prob[i]);
    }
    for (size_t i = 0; i < n; ++i)
      shifted[i] = prob[i] > 0.0 ? std::fabs(-std::log(prob[i]) - entropy) : HUGE_VAL;
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return shifted[a] < shifted[b] || (shifted[a] == shifted[b] && c.items[a].id < c.items[b].id);
    });
    double cum = 0.0;
    size_t keep = n;
    for (size_t i = 0; i < n; ++i) {
      cum += prob[order[i]];
      if (cum > double(p_) && i + 1 >= min_keep_) {
        keep = i + 1;
        break;
      }
    }
    std::vector<TokenCandidate> out(keep);
    for (size_t i = 0; i < keep; ++i) out[i] = c.items[order[i]];
    c.items.swap(out);
    c.sorted = false;  // now in typicality order
    c.selected = -1;
  }
  std::unique_ptr<TokenSampler> clone() const override {
    return std::make_unique<Typical>(*this);
  }

 private:
  float p_;
  size_t min_keep_;
};

}  // namespace

std::unique_ptr<TokenSampler> make_top_k(int32_t k) { return std::make_unique<TopK>(k); }

std::unique_ptr<TokenSampler> make_top_p(float p, size_t min_keep) {
  AIGC_CHECK(p > 0.f && p <= 1.f, Status::invalid_argument, "top_p must be in (0, 1], got {}", p);
  return std::make_unique<TopP>(p, min_keep);
}

std::unique_ptr<TokenSampler> make_min_p(float p, size_t min_keep) {
  AIGC_CHECK(p >= 0.f && p <= 1.f, Status::invalid_argument, "min_p must be in [0, 1], got {}",
             p);
  return std::make_unique<MinP>(p, min_keep);
}

std::unique_ptr<TokenSampler> make_typical(float p, size_t min_keep) {
  AIGC_CHECK(p > 0.f && p <= 1.f, Status::invalid_argument, "typical_p must be in (0, 1], got {}",
             p);
  return std::make_unique<Typical>(p, min_keep);
}

}  // namespace aigc::sampling
