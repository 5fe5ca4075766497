// 64-bit keys whose unsigned order is the reference's order for argmax / top-k:
// high word = the value mapped to an order-preserving unsigned (NaN above +inf, -0 folded
// onto +0 because the reference compares with >), low word = ~index (among equal values
// the lower index has the larger key). All keys of a row are distinct, so any reduction or
// sort order gives exactly the reference's tie and NaN rules.
#pragma once

#include <cstdint>

namespace aigc::cuda {

using u64 = unsigned long long;

__device__ __forceinline__ uint32_t order_bits(float v) {
  if (isnan(v)) return 0xFFFFFFFFu;
  uint32_t b = __float_as_uint(v);
  if (b == 0x80000000u) b = 0u;
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}
// Never 0 (-inf maps to 0x007FFFFF), so 0 can mean "no element" / pad a partial tile.
__device__ __forceinline__ u64 make_key(float v, int64_t j) {
  return (u64(order_bits(v)) << 32) | u64(0xFFFFFFFFu - uint32_t(j));
}
__device__ __forceinline__ int64_t index_of(u64 key) {
  return int64_t(0xFFFFFFFFu - uint32_t(key & 0xFFFFFFFFull));
}
__device__ __forceinline__ u64 warp_max_u64(u64 v) {
  for (int o = 16; o > 0; o >>= 1) {
    const u64 other = __shfl_xor_sync(0xffffffffu, v, o);
    v = other > v ? other : v;
  }
  return v;
}

}  // namespace aigc::cuda
