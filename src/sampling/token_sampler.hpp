// Token samplers: small objects that transform or select from a candidate list, composed into
// a chain that is itself a sampler (the design of llama.cpp's llama_sampler chain).
// docs/SAMPLING.md documents each sampler, the default order and the exact random procedure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
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

  const char *name() const override { return "chain"; }
  void apply(Candidates &c) override;
  void accept(int32_t token) override;
  void reset() override;
  std::unique_ptr<TokenSampler> clone() const override;
  std::unique_ptr<SamplerChain> clone_chain() const;

 private:
  std::vector<std::unique_ptr<TokenSampler>> stages_;
  Candidates cand_;  // reused between calls to avoid a vocabulary-sized allocation per token
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
