// Element types. Block-quantized types (Q8_0, Q4_0, Q4_1) use the GGUF/ggml block layouts
// so tensors read from GGUF files can be used without repacking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aigc {

enum class DType : uint8_t {
  f32 = 0,
  f16,
  bf16,
  i32,
  i8,
  u8,
  q8_0,  // blocks of 32: f16 scale + 32 x int8                 (34 bytes)
  q4_0,  // blocks of 32: f16 scale + 16 bytes of 4-bit values   (18 bytes)
  q4_1,  // blocks of 32: f16 scale, f16 min + 16 bytes of nibbles (20 bytes)
  // New dtypes are appended: the numbers are stored and compared across versions.
};

inline constexpr int kDTypeCount = 9;

struct DTypeTraits {
  const char *name;
  int32_t block_size;   // elements per storage block (1 for plain types)
  int32_t block_bytes;  // bytes per storage block
  bool is_floating;     // f32/f16/bf16
  bool is_quantized;    // block-quantized float
};

inline constexpr DTypeTraits kDTypeTraits[kDTypeCount] = {
    {"f32", 1, 4, true, false}, {"f16", 1, 2, true, false},   {"bf16", 1, 2, true, false},
    {"i32", 1, 4, false, false}, {"i8", 1, 1, false, false},  {"u8", 1, 1, false, false},
    {"q8_0", 32, 34, false, true}, {"q4_0", 32, 18, false, true}, {"q4_1", 32, 20, false, true},
};

constexpr const DTypeTraits &dtype_traits(DType t) { return kDTypeTraits[static_cast<int>(t)]; }
constexpr const char *dtype_name(DType t) { return dtype_traits(t).name; }
constexpr bool is_quantized(DType t) { return dtype_traits(t).is_quantized; }
constexpr bool is_floating(DType t) { return dtype_traits(t).is_floating; }
constexpr int32_t dtype_block_size(DType t) { return dtype_traits(t).block_size; }

// Size in bytes of `n` consecutive elements; n must be a multiple of the block size
// (checked by callers that create tensors, see Tensor).
constexpr size_t dtype_bytes(DType t, int64_t n) {
  return size_t(n / dtype_traits(t).block_size) * size_t(dtype_traits(t).block_bytes);
}

// Parses "f32", "q4_0", ... ; returns false for unknown names.
bool dtype_from_name(std::string_view name, DType *out);

// Bit mask helpers for "which dtypes does this kernel accept".
constexpr uint32_t dtype_bit(DType t) { return 1u << static_cast<int>(t); }

}  // namespace aigc
