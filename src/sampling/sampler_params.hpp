// The common sampling settings as one plain struct, and the chain they stand for.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "sampling/token_sampler.hpp"

namespace aigc::sampling {

// Defaults are llama.cpp's. A stage at its "off" value is left out of the chain.
struct SamplerParams {
  float temperature = 0.8f;      // >= 0, finite; <= 0 means greedy
  int32_t top_k = 40;            // <= 0 disables (negative values are accepted as "off")
  float top_p = 0.95f;           // (0, 1]; 1 disables
  float min_p = 0.05f;           // [0, 1]; 0 disables
  float typical_p = 1.0f;        // (0, 1]; 1 disables
  int32_t penalty_last_n = 64;   // >= -1; 0 disables, -1 = every token since reset
  float repeat_penalty = 1.0f;   // > 0, finite; 1 disables
  float frequency_penalty = 0.f; // finite; 0 disables
  float presence_penalty = 0.f;  // finite; 0 disables
  uint64_t seed = 0;             // used as given: no "random seed" sentinel at this level
  std::vector<std::pair<int32_t, float>> logit_bias;  // (id >= 0, bias finite or -inf)
};

// Throws Status::invalid_argument naming the first bad field and its value.
void validate(const SamplerParams &p);

// Validates, then builds (stages at their "off" value omitted):
//   temperature == 0: logit_bias -> penalties -> greedy
//   otherwise:        logit_bias -> penalties -> top_k -> typical -> top_p -> min_p
//                     -> temperature -> dist
// (llama.cpp's common_sampler order.)
std::unique_ptr<SamplerChain> build_chain(const SamplerParams &p);

}  // namespace aigc::sampling
