// Choosing the next token from a logits row that lives on a device without downloading it:
// greedy asks the device for the row's best (value, index); a sampler chain asks for its
// top candidates (SamplerChain::plan_top_candidates) and runs on those on the host, with
// exactly the tokens host sampling would give. Anything else downloads the row.
#pragma once

#include <cstdint>

#include "backend/backend.hpp"
#include "sampling/token_sampler.hpp"

namespace aigc::runtime {

// Greedy over a host row as TextContext always did: the first maximum by operator<
// (std::max_element).
int32_t argmax_row(const float *row, int64_t n);

class DeviceTokenPicker {
 public:
  struct Stats {
    int64_t greedy = 0;          // greedy from the device's top-1
    int64_t top_candidates = 0;  // chain sampled from the device's top candidates
    int64_t fallback = 0;        // the row was downloaded
  };

  // row: f32 [n_vocab] in the memory of ctx.backend (the host backends work too: the tests
  // use the CPU backend's topk as the "device"). sampler null: greedy. Does not accept().
  int32_t pick(const ExecContext &ctx, const Tensor &row, sampling::SamplerChain *sampler);

  const Stats &stats() const { return stats_; }

 private:
  Tensor download_row(Backend &b, const Tensor &row, const std::string &why);

  Stats stats_;
  bool logged_ = false;  // the first fallback is logged (debug), later ones only counted
};

}  // namespace aigc::runtime
