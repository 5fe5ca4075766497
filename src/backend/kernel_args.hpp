// The argument record of every kernel. Op front-ends (src/ops) validate shapes and
// dtypes, allocate `out` (contiguous, on the backend's device) and pass one of these
// to the backend's kernel for that op. Inputs may be strided views unless a field says
// otherwise; kernels never need to re-validate what the front-end checked.
#pragma once

#include <cstdint>
#include <vector>

#include "aigc/core/tensor.hpp"

namespace aigc {

enum class OpKind : uint16_t {
  copy,              // strided -> contiguous copy, same dtype
  cast,              // dtype conversion (quantize / dequantize included)
  matmul,            // batched (optionally transposed) matmul + bias; linear uses it
  conv2d,
  conv_transpose2d,
  group_norm,
  layer_norm,
  rms_norm,
  softmax,
  unary,             // activations and scale
  binary,            // add/sub/mul/div with broadcasting
  concat,
  embedding,
  rope,
  attention,         // scaled dot-product attention
  upsample,          // nearest / bilinear, integer factor
  avg_pool2d,
  argmax,
  topk,
  count_,
};

const char *op_name(OpKind op);

// ---- memory -------------------------------------------------------------------------

struct CopyArgs {  // out = contiguous copy of x (same shape, same dtype)
  Tensor x, out;
};

struct CastArgs {  // out = x converted to out.dtype(); key dtype: x.dtype()
  Tensor x, out;
};

struct ConcatArgs {  // out = inputs joined along `dim`; all same dtype; key dtype: that dtype
  std::vector<Tensor> inputs;
  int dim = 0;  // non-negative
  Tensor out;
};

// ---- linear algebra -----------------------------------------------------------------

// out[..., M, N] = alpha * op(a)[..., M, K] @ op(b)[..., K, N] + bias[N]
// a: f32 [..., M, K] ([..., K, M] when trans_a). b: [..., K, N] ([..., N, K] when trans_b).
// Batch dims of a and b are broadcast (numpy rules) to out's batch dims.
// Key dtype = b.dtype(): f32, f16, bf16, or q8_0/q4_0 (then trans_b is true and b is
// a contiguous 2-D [N, K] weight, dequantized on the fly).
struct MatmulArgs {
  Tensor a, b;
  Tensor bias;  // optional f32 [N]
  bool trans_a = false, trans_b = false;
  float alpha = 1.f;
  Tensor out;  // f32 [..., M, N]
};

// ---- convolution / pooling / resampling (NCHW, f32) ---------------------------------

// x [N, Cin, H, W], w [Cout, Cin/groups, KH, KW], bias [Cout] optional. PyTorch semantics.
struct Conv2dArgs {
  Tensor x, w, bias;
  int stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dilation_h = 1, dilation_w = 1;
  int groups = 1;
  Tensor out;  // [N, Cout, OH, OW]
};

// x [N, Cin, H, W], w [Cin, Cout/groups, KH, KW] (PyTorch ConvTranspose2d layout).
// OH = (H-1)*stride - 2*pad + dilation*(KH-1) + output_pad + 1.
struct ConvTranspose2dArgs {
  Tensor x, w, bias;
  int stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dilation_h = 1, dilation_w = 1;
  int output_pad_h = 0, output_pad_w = 0;
  int groups = 1;
  Tensor out;
};

// PyTorch AvgPool2d: count_include_pad chooses the divisor at borders.
struct AvgPool2dArgs {
  Tensor x;
  int kernel_h = 2, kernel_w = 2, stride_h = 2, stride_w = 2, pad_h = 0, pad_w = 0;
  bool count_include_pad = true;
  Tensor out;
};

enum class UpsampleMode : uint8_t { nearest, bilinear };

// x [N, C, H, W] -> [N, C, H*factor, W*factor]; bilinear is align_corners=False.
struct UpsampleArgs {
  Tensor x;
  UpsampleMode mode = UpsampleMode::nearest;
  int factor = 2;
  Tensor out;
};

// ---- normalisation / softmax --------------------------------------------------------

// x [N, C, *]: statistics over each group of C/groups channels and all spatial positions;
// weight/bias [C] optional. Key dtype: x (f32).
struct GroupNormArgs {
  Tensor x, weight, bias;
  int groups = 1;
  float eps = 1e-5f;
  Tensor out;
};

// Normalises over the trailing dims whose total size is `norm_size` (x viewed as
// [rows, norm_size]; x contiguous); weight/bias optional, [norm_size] elements.
struct LayerNormArgs {
  Tensor x, weight, bias;
  int64_t norm_size = 0;
  float eps = 1e-5f;
  Tensor out;
};

// y = x / sqrt(mean(x^2) + eps) * weight over the last dim; weight [D] optional.
struct RmsNormArgs {
  Tensor x, weight;
  float eps = 1e-6f;
  Tensor out;
};

// Softmax over the last dim of (x * scale + mask). mask (optional, f32) broadcasts to x.
// causal: for x [..., Tq, Tk], row i may see columns j <= i + causal_offset (others get
// zero probability); rows with no visible column produce zeros.
struct SoftmaxArgs {
  Tensor x, mask;
  float scale = 1.f;
  bool causal = false;
  int64_t causal_offset = 0;
  Tensor out;
};

// ---- elementwise --------------------------------------------------------------------

enum class UnaryKind : uint8_t {
  gelu_erf,    // x * 0.5 * (1 + erf(x / sqrt 2))
  gelu_tanh,   // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  silu,        // x * sigmoid(x)
  relu,
  leaky_relu,  // x >= 0 ? x : alpha * x
  tanh,
  sigmoid,
  scale,       // alpha * x
};

// out = f(x), same shape and dtype as x (f32, f16, bf16; f16/bf16 computed in f32).
struct UnaryArgs {
  Tensor x;
  UnaryKind kind = UnaryKind::relu;
  float alpha = 0.f;
  Tensor out;
};

enum class BinaryKind : uint8_t { add, sub, mul, div };

// out = a (op) b with numpy broadcasting; a, b, out share a dtype (f32, f16, bf16).
struct BinaryArgs {
  Tensor a, b;
  BinaryKind kind = BinaryKind::add;
  Tensor out;
};

// ---- transformer pieces -------------------------------------------------------------

// out[..., D] (f32) = table[ids[...], :]; ids i32, all in range (checked by the front-end
// for host ids). Key dtype: table (f32, f16, bf16, q8_0, q4_0).
struct EmbeddingArgs {
  Tensor table, ids;
  Tensor out;
};

enum class RopeMode : uint8_t {
  interleaved,  // rotate pairs (2i, 2i+1)            (GPT-J, llama2.c, GGUF llama)
  half_split,   // rotate pairs (i, i + n_rot/2)      (GPT-NeoX, Hugging Face Llama)
};

// x f32 [B, T, H, D], positions i32 [T]. The first n_rot dims of each head rotate by
// angle pos * freq_scale * theta^(-2i/n_rot); the rest pass through.
struct RopeArgs {
  Tensor x, positions;
  RopeMode mode = RopeMode::half_split;
  int n_rot = 0;
  float theta = 10000.f;
  float freq_scale = 1.f;
  Tensor out;
};

// q [B, Hq, Tq, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv] (f32; last dim contiguous, other
// strides free so KV-cache views work). Hq % Hkv == 0: q head h reads kv head h/(Hq/Hkv).
// Query i sits at absolute position q_offset + i; with causal it sees keys j <= that,
// with window > 0 only keys j > position - window. mask (optional) broadcasts to
// [B, Hq, Tq, Tk] and is added to the scaled scores.
struct AttentionArgs {
  Tensor q, k, v, mask;
  float scale = 1.f;
  bool causal = false;
  int64_t q_offset = 0;
  int64_t window = 0;
  Tensor out;  // [B, Hq, Tq, Dv]
};

// ---- reductions ---------------------------------------------------------------------

// out i32 [...] = index of the largest value along the last dim (first on ties; NaN wins).
struct ArgmaxArgs {
  Tensor x;
  Tensor out;
};

// values f32 [..., k], indices i32 [..., k]: the k largest along the last dim, descending;
// equal values keep the lower index first.
struct TopkArgs {
  Tensor x;
  int k = 1;
  Tensor values, indices;
};

// Compile-time map from OpKind to its argument record.
template <OpKind K> struct OpArgs;
#define AIGC_OP_ARGS(kind, type) \
  template <> struct OpArgs<OpKind::kind> { using type_t = type; };
AIGC_OP_ARGS(copy, CopyArgs)
AIGC_OP_ARGS(cast, CastArgs)
AIGC_OP_ARGS(matmul, MatmulArgs)
AIGC_OP_ARGS(conv2d, Conv2dArgs)
AIGC_OP_ARGS(conv_transpose2d, ConvTranspose2dArgs)
AIGC_OP_ARGS(group_norm, GroupNormArgs)
AIGC_OP_ARGS(layer_norm, LayerNormArgs)
AIGC_OP_ARGS(rms_norm, RmsNormArgs)
AIGC_OP_ARGS(softmax, SoftmaxArgs)
AIGC_OP_ARGS(unary, UnaryArgs)
AIGC_OP_ARGS(binary, BinaryArgs)
AIGC_OP_ARGS(concat, ConcatArgs)
AIGC_OP_ARGS(embedding, EmbeddingArgs)
AIGC_OP_ARGS(rope, RopeArgs)
AIGC_OP_ARGS(attention, AttentionArgs)
AIGC_OP_ARGS(upsample, UpsampleArgs)
AIGC_OP_ARGS(avg_pool2d, AvgPool2dArgs)
AIGC_OP_ARGS(argmax, ArgmaxArgs)
AIGC_OP_ARGS(topk, TopkArgs)
#undef AIGC_OP_ARGS

}  // namespace aigc
