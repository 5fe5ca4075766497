// Token samplers: small objects that transform or select from a candidate list, composed into
// a chain that is itself a sampler (the design of llama.cpp's llama_sampler chain).
// docs/SAMPLING.md documents each sampler, the default order and the exact random procedure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace aigc::sampling {

struct TokenCandidate {
  int32_t id;
  float logit;
  float p;  // probability; valid only right after Candidates::softmax()
};

// The candidate list handed through a chain. Samplers may reorder or truncate `items`.
struct Candidates {
  std::vector<TokenCandidate> items;
  bool sorted = false;    // items sorted by logit descending, ties by id ascending
  int64_t selected = -1;  // index into items of the chosen token once a selector ran

  // Scratch filled by softmax(): exp(logit - max) per item in double (same order as items)
  // and their sum. dist samples from these so the draw never depends on float rounding of p.
  std::vector<double> weights;
  double weight_sum = 0.0;

  // items = (i, logits[i], 0) for i in [0, n_vocab); NaN logits become -inf.
  void reset_from_logits(const float *logits, int32_t n_vocab);
  // Sorts by (logit descending, id ascending): a total order, so every platform agrees.
  void sort();
  // Sorts if needed, then fills p and weights. Every logit -inf: all p = 0, weight_sum = 0.
  void softmax();
  // Index of the highest logit, ties (including all -inf) to the lowest id; -1 when empty.
  int64_t argmax() const;
  // Items whose id equals their index (fresh from reset_from_logits) allow O(1) lookup.
  TokenCandidate *find(int32_t id);
};

class TokenSampler {
 public:
  virtual ~TokenSampler() = default;
  virtual const char *name() const = 0;
  // Transforms and/or selects. Anything that reorders or truncates items clears `selected`.
  virtual void apply(Candidates &c) = 0;
  // A token was appended to the sequence (penalties track history).
  virtual void accept(int32_t token) { (void)token; }
  // New sequence: clears history, re-seeds the RNG with the construction seed.
  virtual void reset() {}
  // Independent copy with the same state (history, RNG position).
  virtual std::unique_ptr<TokenSampler> clone() const = 0;
};

// How SamplerChain can sample a row it does not read whole (logits kept on a device): from
// the row's `n_top` best (value, id) pairs, in the topk op's order (value descending, NaN
// first, equal values by lower id), plus the logits of `extra_ids`. See
// SamplerChain::plan_top_candidates for when and why the result equals sample()'s.
struct TopCandidatesPlan {
  bool supported = false;
  std::string reason;              // why not, when unsupported (for a debug log)
  int32_t n_vocab = 0;
  int32_t n_top = 0;               // candidates to fetch: cut_k + extra_ids.size() (< n_vocab)
  std::vector<int32_t> extra_ids;  // ascending, unique, in [0, n_vocab): logits to gather
  size_t cut_stage = 0;            // the top_k / greedy stage the list is cut at (size(): none)
  int32_t cut_k = 0;               // items the cut keeps (1 for greedy or no selector)
};

class SamplerChain final : public TokenSampler {
 public:
  SamplerChain() = default;
  SamplerChain(const SamplerChain &other);
  SamplerChain &operator=(const SamplerChain &other);
  SamplerChain(SamplerChain &&) noexcept = default;
  SamplerChain &operator=(SamplerChain &&) noexcept = default;

  // Appends a stage; stages run in the order added. Null is an invalid_argument error.
  SamplerChain &add(std::unique_ptr<TokenSampler> sampler);
  size_t size() const { return stages_.size(); }
  const TokenSampler &at(size_t i) const;
  // Stage names joined by " -> ", e.g. "top_k -> temperature -> dist" (for logs).
  std::string describe() const;

  // Builds candidates from logits[0..n_vocab), runs every stage and returns the chosen id.
  // If no stage selected, the highest remaining logit wins (ties: lowest id). Does not call
  // accept(): the caller does that once the token is really appended.
  int32_t sample(const float *logits, int32_t n_vocab);
  // The candidate list as the last sample() left it (e.g. to report probabilities).
  const Candidates &candidates() const { return cand_; }

  // Whether this chain, in its current state, can pick from the row's best candidates
  // instead of the whole row, and what to fetch. The chain is cut at its first top_k stage
  // with k < n_vocab (or a final greedy, or the end when nothing selects: cut_k = 1); the
  // stages before the cut may only be logit_bias, penalties or disabled top_k. Why the
  // token is then the one sample() would choose: the cut keeps the first cut_k items of the
  // list in (logit desc, id asc) order. Only ids in extra_ids (a superset of those the
  // bias and the penalties can change: every biased id, every id the penalties count now)
  // change logit before the cut; every other id keeps its order relative to the others.
  // The n_top = cut_k + |extra_ids| best of the raw row therefore hold at least cut_k
  // unchanged ids that precede every unchanged id outside them, so no id outside
  // (top candidates + extra_ids) can reach the first cut_k after the changes: running the
  // prefix on that list and cutting it yields exactly the host's cut list, and every later
  // stage sees the same items in the same order. Not supported (fall back to the row):
  // another stage before the cut (temperature can create ties by rounding; top_p, min_p,
  // typical and dist need the whole distribution), n_top >= n_vocab, penalties whose history
  // predates the chain (a stage added with history, until reset()). Stages are recognised
  // by name(): a custom sampler must not reuse a built-in sampler's name.
  TopCandidatesPlan plan_top_candidates(int32_t n_vocab);
  // Samples from what the plan asked for: top_values / top_ids hold plan.n_top pairs in
  // topk order, extra_logits the raw logits of plan.extra_ids. Returns the chosen id, or -1
  // when the row holds a NaN (top_values[0] is NaN: sample() maps NaN to -inf, which the
  // top candidates cannot show), in which case the caller samples the whole row.
  int32_t sample_top_candidates(const TopCandidatesPlan &plan, const float *top_values,
                                const int32_t *top_ids, const float *extra_logits);

  const char *name() const override { return "chain"; }
  void apply(Candidates &c) override;
  void accept(int32_t token) override;
  void reset() override;
  std::unique_ptr<TokenSampler> clone() const override;
  std::unique_ptr<SamplerChain> clone_chain() const;

 private:
  // The parts of a plan that depend only on the stages and n_vocab (probed once).
  struct StaticPlan {
    int32_t n_vocab = 0;  // 0: not computed
    bool supported = false;
    std::string reason;
    size_t cut_stage = 0;
    int32_t cut_k = 0;
    std::vector<size_t> penalty_stages;  // before the cut
    std::vector<int32_t> bias_ids;       // ascending, unique
  };
  const StaticPlan &static_plan(int32_t n_vocab);

  std::vector<std::unique_ptr<TokenSampler>> stages_;
  Candidates cand_;  // reused between calls to avoid a vocabulary-sized allocation per token
  // Every id accepted since reset(): a superset of what the penalty stages count, unless a
  // penalties stage came in with its own history (foreign_history_, cleared by reset()).
  std::unordered_set<int32_t> seen_;
  bool foreign_history_ = false;
  StaticPlan static_plan_;
};

// Factories validate their arguments: Status::invalid_argument, naming parameter and value.
// Selects the argmax (ties: lowest id).
std::unique_ptr<TokenSampler> make_greedy();
// logit /= t. t must be finite and >= 0; t == 0 keeps only the argmax.
std::unique_ptr<TokenSampler> make_temperature(float t);
// Keeps the k highest logits (ties: lower ids first); k <= 0 disables.
std::unique_ptr<TokenSampler> make_top_k(int32_t k);
// Nucleus: smallest prefix (by probability) whose mass is >= p, at least min_keep. 0 < p <= 1.
std::unique_ptr<TokenSampler> make_top_p(float p, size_t min_keep = 1);
// Keeps tokens with probability >= p * max probability, at least min_keep. 0 <= p <= 1.
std::unique_ptr<TokenSampler> make_min_p(float p, size_t min_keep = 1);
// Locally typical sampling (Meister et al. 2022), 0 < p <= 1 (1 disables).
std::unique_ptr<TokenSampler> make_typical(float p, size_t min_keep = 1);
// Over the last `last_n` accepted tokens (0 disables, -1 = all since reset): repetition
// penalty as in CTRL / llama.cpp (logit > 0 ? logit / repeat : logit * repeat), then
// OpenAI's logit -= count * frequency + (count > 0) * presence.
std::unique_ptr<TokenSampler> make_penalties(int32_t last_n, float repeat, float frequency,
                                             float presence);
// Adds bias to the logit of each listed id (-inf bans; duplicates add up; ids absent from
// the candidates are ignored).
std::unique_ptr<TokenSampler> make_logit_bias(std::vector<std::pair<int32_t, float>> bias);
// Samples from the softmax with the seeded xoshiro256** generator (one draw per call).
std::unique_ptr<TokenSampler> make_dist(uint64_t seed);

}  // namespace aigc::sampling
