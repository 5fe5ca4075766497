// A fully specified random generator, so a seed gives the same tokens on every platform and
// language binding (std:: distributions differ between standard libraries).
// xoshiro256** 1.0 (Blackman & Vigna), its four state words filled by SplitMix64 from the
// seed; docs/SAMPLING.md spells out the algorithm for re-implementation.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace aigc::sampling {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { seed_with(seed); }

  void seed_with(uint64_t seed) {
    uint64_t sm = seed;
    for (uint64_t &word : s_) word = splitmix64(sm);
  }

  // Next 64-bit output of xoshiro256**.
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform double in [0, 1): the top 53 bits of one output times 2^-53.
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }

  // One SplitMix64 step: advances `state` and returns the mixed output.
  static uint64_t splitmix64(uint64_t &state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Standard normal values for latents and diffusion noise: Box-Muller on pairs of
// uniforms, u1 = uniform(), u2 = uniform(), r = sqrt(-2 ln(1 - u1)),
// out[2k] = r cos(2 pi u2), out[2k+1] = r sin(2 pi u2) (computed in double, stored as
// float; an odd count drops the last sine). Same seed, same values on every platform
// (docs/SAMPLING.md).
inline void fill_normal(Rng &rng, float *out, size_t count) {
  constexpr double two_pi = 6.283185307179586476925286766559;
  for (size_t i = 0; i < count; i += 2) {
    const double u1 = rng.uniform(), u2 = rng.uniform();
    const double r = std::sqrt(-2.0 * std::log(1.0 - u1));
    out[i] = float(r * std::cos(two_pi * u2));
    if (i + 1 < count) out[i + 1] = float(r * std::sin(two_pi * u2));
  }
}

}  // namespace aigc::sampling
