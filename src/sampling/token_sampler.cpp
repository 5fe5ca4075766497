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

SamplerChain::SamplerChain(const SamplerChain &other)
    : cand_(other.cand_),
      seen_(other.seen_),
      foreign_history_(other.foreign_history_),
      static_plan_(other.static_plan_) {
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
  // A penalties stage may arrive with history the chain never saw (see seen_).
  if (std::string(sampler->name()) == "penalties") foreign_history_ = true;
  stages_.push_back(std::move(sampler));
  static_plan_ = StaticPlan{};
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
  seen_.insert(token);
}

void SamplerChain::reset() {
  for (auto &s : stages_) s->reset();
  seen_.clear();
  foreign_history_ = false;
}

// --- sampling from top candidates -----------------------------------------------------------
//
// The probes below call apply() of top_k, logit_bias and penalties stages on made-up lists:
// those apply() only read their parameters and history, so probing leaves no trace.

namespace {

// items = (id, logit) for each id, unsorted.
void fill(Candidates &c, const std::vector<int32_t> &ids, float logit) {
  c.items.resize(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) c.items[i] = {ids[i], logit, 0.f};
  c.sorted = false;
  c.selected = -1;
}

// Ids of `ids` whose logit `stage` changes from `logit` (value or NaN-ness differs).
void changed_ids(TokenSampler &stage, const std::vector<int32_t> &ids, float logit,
                 std::vector<int32_t> &out) {
  Candidates c;
  fill(c, ids, logit);
  stage.apply(c);
  for (const TokenCandidate &t : c.items)
    if (!(t.logit == logit)) out.push_back(t.id);
}

void sort_unique(std::vector<int32_t> &v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

const SamplerChain::StaticPlan &SamplerChain::static_plan(int32_t n_vocab) {
  if (static_plan_.n_vocab == n_vocab) return static_plan_;
  StaticPlan p;
  p.n_vocab = n_vocab;
  p.supported = true;
  p.cut_stage = stages_.size();  // no cut stage: the chain's final argmax, i.e. k = 1
  p.cut_k = 1;
  std::vector<int32_t> all(static_cast<size_t>(n_vocab));
  for (int32_t i = 0; i < n_vocab; ++i) all[size_t(i)] = i;
  for (size_t i = 0; i < stages_.size(); ++i) {
    TokenSampler &stage = *stages_[i];
    const std::string name = stage.name();
    if (name == "logit_bias") {
      // logit + b differs from 0 + b == 0 exactly when b != 0: one probe finds every id.
      changed_ids(stage, all, 0.f, p.bias_ids);
    } else if (name == "penalties") {
      p.penalty_stages.push_back(i);
    } else if (name == "top_k") {
      Candidates c;
      fill(c, all, 0.f);
      c.sorted = true;  // equal logits in id order: sorted, so top_k only truncates
      stage.apply(c);
      if (c.items.size() < all.size()) {  // k < n_vocab: the cut
        p.cut_stage = i;
        p.cut_k = int32_t(c.items.size());
        break;
      }
      // k <= 0 or k >= n_vocab: the stage keeps everything
    } else if (name == "greedy" && i + 1 == stages_.size()) {
      p.cut_stage = i;
      p.cut_k = 1;
      break;
    } else {
      p.supported = false;
      p.reason = "stage '" + name + "' comes before any top_k";
      break;
    }
  }
  sort_unique(p.bias_ids);
  static_plan_ = std::move(p);
  return static_plan_;
}

TopCandidatesPlan SamplerChain::plan_top_candidates(int32_t n_vocab) {
  AIGC_CHECK(n_vocab > 0, Status::invalid_argument, "sampling: n_vocab must be > 0, got {}",
             n_vocab);
  const StaticPlan &sp = static_plan(n_vocab);
  TopCandidatesPlan plan;
  plan.n_vocab = n_vocab;
  plan.cut_stage = sp.cut_stage;
  plan.cut_k = sp.cut_k;
  if (!sp.supported) {
    plan.reason = sp.reason;
    return plan;
  }
  plan.extra_ids = sp.bias_ids;
  if (!sp.penalty_stages.empty()) {
    if (foreign_history_) {
      plan.reason = "a penalties stage holds history from before the chain (reset() it)";
      return plan;
    }
    // A counted id's logit l becomes (l > 0 ? l / r : l * r) - d. With d != 0 the probe
    // l = 0 gives -d != 0; with d == 0 and r != 1 the probe l = -1 gives -r != -1; with
    // d == 0 and r == 1 no logit changes. So the two probes find every id that can change.
    std::vector<int32_t> seen;
    seen.reserve(seen_.size());
    for (const int32_t id : seen_)
      if (id >= 0 && id < n_vocab) seen.push_back(id);
    for (const size_t i : sp.penalty_stages) {
      changed_ids(*stages_[i], seen, 0.f, plan.extra_ids);
      changed_ids(*stages_[i], seen, -1.f, plan.extra_ids);
    }
    sort_unique(plan.extra_ids);
  }
  const int64_t n_top = int64_t(sp.cut_k) + int64_t(plan.extra_ids.size());
  if (n_top >= n_vocab) {
    plan.reason = "the cut plus the ids the bias and penalties change cover the vocabulary";
    plan.extra_ids.clear();
    return plan;
  }
  plan.n_top = int32_t(n_top);
  plan.supported = true;
  return plan;
}

int32_t SamplerChain::sample_top_candidates(const TopCandidatesPlan &plan, const float *top_values,
                                            const int32_t *top_ids, const float *extra_logits) {
  AIGC_CHECK(plan.supported && plan.n_top > 0 && plan.cut_stage <= stages_.size(),
             Status::invalid_argument, "sample_top_candidates: the plan is not usable ({})",
             plan.reason);
  AIGC_CHECK(top_values != nullptr && top_ids != nullptr &&
                 (plan.extra_ids.empty() || extra_logits != nullptr),
             Status::invalid_argument, "sample_top_candidates: candidate arrays are null");
  if (std::isnan(top_values[0])) return -1;  // NaN sorts first in topk: the row has one
  const size_t n_top = size_t(plan.n_top);
  cand_.items.resize(n_top);
  for (size_t i = 0; i < n_top; ++i) cand_.items[i] = {top_ids[i], top_values[i], 0.f};
  cand_.sorted = true;  // topk order without NaN is the candidates' order
  cand_.selected = -1;
  cand_.weight_sum = 0.0;
  if (!plan.extra_ids.empty()) {
    std::vector<int32_t> have(top_ids, top_ids + n_top);
    std::sort(have.begin(), have.end());
    for (size_t i = 0; i < plan.extra_ids.size(); ++i) {
      const int32_t id = plan.extra_ids[i];
      if (std::binary_search(have.begin(), have.end(), id)) continue;
      const float l = extra_logits[i];
      cand_.items.push_back({id, std::isnan(l) ? kNegInf : l, 0.f});
      cand_.sorted = false;
    }
  }
  for (size_t i = 0; i < plan.cut_stage; ++i) stages_[i]->apply(cand_);
  if (plan.cut_stage < stages_.size()) {
    stages_[plan.cut_stage]->apply(cand_);
    if (cand_.selected < 0) {  // top_k: on the full row it left the k first, sorted
      cand_.sort();
      AIGC_CHECK(cand_.items.size() == size_t(plan.cut_k), Status::internal,
                 "sample_top_candidates: the cut kept {} items, expected {}",
                 cand_.items.size(), plan.cut_k);
    }
    for (size_t i = plan.cut_stage + 1; i < stages_.size(); ++i) stages_[i]->apply(cand_);
  }
  AIGC_CHECK(!cand_.items.empty(), Status::internal, "sampler chain left no candidates");
  if (cand_.selected < 0) cand_.selected = cand_.argmax();
  AIGC_ASSERT(size_t(cand_.selected) < cand_.items.size());
  return cand_.items[size_t(cand_.selected)].id;
}

std::unique_ptr<TokenSampler> SamplerChain::clone() const { return clone_chain(); }

std::unique_ptr<SamplerChain> SamplerChain::clone_chain() const {
  return std::make_unique<SamplerChain>(*this);
}

}  // namespace aigc::sampling
