#include "sampling/token_sampler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.hpp"

namespace aigc::sampling {

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

bool before(const TokenCandidate &a, const TokenCandidate &b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}
}  // namespace

void Candidates::reset_from_logits(const float *logits, int32_t n_vocab) {
  AIGC_CHECK(logits != nullptr, Status::invalid_argument, "sampling: logits is null");
  AIGC_CHECK(n_vocab > 0, Status::invalid_argument, "sampling: n_vocab must be > 0, got {}",
             n_vocab);
  items.resize(size_t(n_vocab));
  for (int32_t i = 0; i < n_vocab; ++i) {
    const float l = logits[i];
    items[size_t(i)] = {i, std::isnan(l) ? kNegInf : l, 0.f};
  }
  sorted = false;
  selected = -1;
  weight_sum = 0.0;
}

void Candidates::sort() {
  if (sorted) return;
  std::sort(items.begin(), items.end(), before);
  sorted = true;
  selected = -1;
}

void Candidates::softmax() {
  sort();
  weights.resize(items.size());
  weight_sum = 0.0;
  if (items.empty() || items[0].logit == kNegInf) {  // all masked
    for (size_t i = 0; i < items.size(); ++i) {
      weights[i] = 0.0;
      items[i].p = 0.f;
    }
    return;
  }
  const double max = items[0].logit;
  for (size_t i = 0; i < items.size(); ++i) {
    const double l = items[i].logit;
    // l == max also covers max == +inf, where l - max would be NaN.
    weights[i] = l == max ? 1.0 : std::exp(l - max);
    weight_sum += weights[i];
  }
  for (size_t i = 0; i < items.size(); ++i) items[i].p = float(weights[i] / weight_sum);
}

int64_t Candidates::argmax() const {
  if (items.empty()) return -1;
  if (sorted) return 0;
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i)
    if (before(items[i], items[best])) best = i;
  return int64_t(best);
}

TokenCandidate *Candidates::find(int32_t id) {
  if (id >= 0 && size_t(id) < items.size() && items[size_t(id)].id == id) return &items[size_t(id)];
  for (auto &it : items)
    if (it.id == id) return &it;
  return nullptr;
}

// --- SamplerChain -------------------------------------------------------------------------

SamplerChain::SamplerChain(const SamplerChain &other) : cand_(other.cand_) {
  stages_.reserve(other.stages_.size());
  for (const auto &s : other.stages_) stages_.push_back(s->clone());
}

SamplerChain &SamplerChain::operator=(const SamplerChain &other) {
  if (this != &other) {
    SamplerChain copy(other);
    *this = std::move(copy);
  }
  return *this;
}

SamplerChain &SamplerChain::add(std::unique_ptr<TokenSampler> sampler) {
  AIGC_CHECK(sampler != nullptr, Status::invalid_argument, "SamplerChain::add: sampler is null");
  stages_.push_back(std::move(sampler));
  return *this;
}

const TokenSampler &SamplerChain::at(size_t i) const {
  AIGC_CHECK(i < stages_.size(), Status::invalid_argument,
             "SamplerChain::at: index {} out of range (size {})", i, stages_.size());
  return *stages_[i];
}

std::string SamplerChain::describe() const {
  std::string out;
  for (const auto &s : stages_) {
    if (!out.empty()) out += " -> ";
    out += s->name();
  }
  return out;
}

void SamplerChain::apply(Candidates &c) {
  for (auto &s : stages_) s->apply(c);
}

int32_t SamplerChain::sample(const float *logits, int32_t n_vocab) {
  cand_.reset_from_logits(logits, n_vocab);
  apply(cand_);
  AIGC_CHECK(!cand_.items.empty(), Status::internal, "sampler chain left no candidates");
  if (cand_.selected < 0) cand_.selected = cand_.argmax();
  AIGC_ASSERT(size_t(cand_.selected) < cand_.items.size());
  return cand_.items[size_t(cand_.selected)].id;
}

void SamplerChain::accept(int32_t token) {
  for (auto &s : stages_) s->accept(token);
}

void SamplerChain::reset() {
  for (auto &s : stages_) s->reset();
}

std::unique_ptr<TokenSampler> SamplerChain::clone() const { return clone_chain(); }

std::unique_ptr<SamplerChain> SamplerChain::clone_chain() const {
  return std::make_unique<SamplerChain>(*this);
}

}  // namespace aigc::sampling
