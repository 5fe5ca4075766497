// CPU matmul: f32 through oneDNN's matmul primitive (batch broadcast, transposes as
// strides, bias, alpha as an output scale); f16/bf16/q8_0/q4_0/q4_1 [N, K] weights through
// our own kernels (matmul_quant.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "aigc/core/half.hpp"
#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/dnnl_util.hpp"
#include "backend/cpu/cpu_kernels.hpp"
#include "backend/cpu/matmul_quant.hpp"
#include "core/check.hpp"

namespace aigc::cpu {
namespace {

using dnnl::memory;

// A matmul operand as oneDNN sees it: logical [batch..., rows, cols] at out's rank.
struct OperandLayout {
  memory::dims dims, strides;
};

// Lays t out at rank `nd` (leading 1s), swapping the last two dims when `trans`.
// Batch dims of stride 0 (expanded views) become size 1, which oneDNN broadcasts.
// Size-1 dims get the stride a dense layout would have, so oneDNN recognises plain
// row- or column-major matrices. Returns false when the matrix part has no unit
// stride (then the caller makes t contiguous).
bool layout_operand(const Tensor &t, int nd, bool trans, OperandLayout *l) {
  l->dims.assign(size_t(nd), 1);
  l->strides.assign(size_t(nd), 0);
  const int pad = nd - t.rank();
  for (int d = 0; d < t.rank(); ++d) {
    l->dims[size_t(pad + d)] = t.size(d);
    l->strides[size_t(pad + d)] = t.stride(d);
  }
  if (trans) {
    std::swap(l->dims[size_t(nd - 1)], l->dims[size_t(nd - 2)]);
    std::swap(l->strides[size_t(nd - 1)], l->strides[size_t(nd - 2)]);
  }
  int64_t &rows = l->dims[size_t(nd - 2)], &cols = l->dims[size_t(nd - 1)];
  int64_t &sr = l->strides[size_t(nd - 2)], &sc = l->strides[size_t(nd - 1)];
  if (cols == 1) sc = 1;
  if (rows == 1) sr = sc == 1 ? cols : 1;
  const bool row_major = sc == 1 && sr >= cols;
  const bool col_major = sr == 1 && sc >= rows;
  if (!row_major && !col_major) return false;
  int64_t span = std::max(rows * sr, cols * sc);
  for (int d = nd - 3; d >= 0; --d) {
    if (l->strides[size_t(d)] == 0) l->dims[size_t(d)] = 1;
    if (l->dims[size_t(d)] == 1) l->strides[size_t(d)] = span;
    span = std::max(span, l->dims[size_t(d)] * l->strides[size_t(d)]);
  }
  return true;
}

void append_dims(std::string &key, const memory::dims &v) {
  for (int64_t x : v) key += fmt::format("{},", x);
  key += ';';
}

void matmul_f32(const ExecContext &ctx, const MatmulArgs &args) {
  const int nd = args.out.rank();
  Tensor a = args.a, b = args.b;
  OperandLayout la, lb;
  if (!layout_operand(a, nd, args.trans_a, &la)) {
    a = a.contiguous();
    layout_operand(a, nd, args.trans_a, &la);
  }
  if (!layout_operand(b, nd, args.trans_b, &lb)) {
    b = b.contiguous();
    layout_operand(b, nd, args.trans_b, &lb);
  }
  const Tensor bias = args.bias.defined() ? args.bias.contiguous() : Tensor();
  const int64_t N = args.out.size(-1);
  const memory::dims out_dims(args.out.shape().begin(), args.out.shape().end());
  memory::dims out_strides(static_cast<size_t>(nd), 0);
  for (int d = 0; d < nd; ++d) out_strides[size_t(d)] = args.out.stride(d);
  // bias as [1, ..., 1, N], broadcast over rows and batches
  memory::dims bias_dims(static_cast<size_t>(nd), 1), bias_strides(static_cast<size_t>(nd), N);
  bias_dims.back() = N;
  bias_strides.back() = 1;

  std::string key = "matmul_f32:";
  append_dims(key, la.dims);
  append_dims(key, la.strides);
  append_dims(key, lb.dims);
  append_dims(key, lb.strides);
  append_dims(key, out_dims);
  uint32_t alpha_bits;
  std::memcpy(&alpha_bits, &args.alpha, sizeof alpha_bits);
  key += fmt::format("bias={};alpha={:08x}", bias.defined(), alpha_bits);

  CpuBackend &cpu = cpu_backend(ctx);
  const auto f32 = memory::data_type::f32;
  const memory::desc a_md(la.dims, f32, la.strides), b_md(lb.dims, f32, lb.strides);
  const memory::desc dst_md(out_dims, f32, out_strides);
  const memory::desc bias_md =
      bias.defined() ? memory::desc(bias_dims, f32, bias_strides) : memory::desc();

  // oneDNN applies output scales after its own bias (alpha * (a @ b + bias)); with
  // alpha != 1 the bias is added by a binary post-op instead, which runs after scaling.
  const bool bias_post_op = bias.defined() && args.alpha != 1.f;
  // A user scratchpad: the library's own is shared, and contexts on other threads
  // running the same cached primitive would overwrite each other's temporaries.
  const auto step = cpu.cached<DnnlStep>(key, [&] {
    dnnl::primitive_attr attr = user_scratchpad_attr();
    if (args.alpha != 1.f) attr.set_output_scales(0, {args.alpha});
    if (bias_post_op) {
      dnnl::post_ops po;
      po.append_binary(dnnl::algorithm::binary_add, bias_md);
      attr.set_post_ops(po);
    }
    const dnnl::matmul::desc d = bias.defined() && !bias_post_op
                                     ? dnnl::matmul::desc(a_md, b_md, bias_md, dst_md)
                                     : dnnl::matmul::desc(a_md, b_md, dst_md);
    const dnnl::matmul::primitive_desc pd(d, attr, cpu.engine());
    return DnnlStep{dnnl::matmul(pd), pd.scratchpad_desc()};
  });

  const dnnl::engine &eng = cpu.engine();
  // Wrap the tensors' own memory: no copies.
  std::unordered_map<int, memory> exec_args{{DNNL_ARG_SRC, memory(a_md, eng, a.data())},
                                            {DNNL_ARG_WEIGHTS, memory(b_md, eng, b.data())},
                                            {DNNL_ARG_DST, memory(dst_md, eng, args.out.data())}};
  if (bias.defined()) {
    const int arg =
        bias_post_op ? (DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1) : DNNL_ARG_BIAS;
    exec_args.emplace(arg, memory(bias_md, eng, bias.data()));
  }
  std::shared_ptr<void> scratch_buf;
  if (step->scratchpad.get_size() > 0)
    exec_args.emplace(DNNL_ARG_SCRATCHPAD, cpu.pooled_memory(step->scratchpad, scratch_buf));
  dnnl::stream s(eng);
  step->prim.execute(s, exec_args);
  s.wait();
}

// The weight layout our own kernels take: a 2-D [N, K] weight with contiguous rows.
bool is_weight_layout(const MatmulArgs &args) {
  return args.b.rank() == 2 && args.trans_b && args.b.is_contiguous();
}

void matmul_weight(const ExecContext &ctx, const MatmulArgs &args) {
  const int64_t K = args.b.size(1), N = args.b.size(0);
  // Activation rows: out's batch dims and M flattened (b has no batch dims). A
  // row-major a is used in place; anything else is copied once.
  Tensor a = args.trans_a ? args.a.transpose(-1, -2) : args.a;
  int64_t lda = K;
  if (a.rank() == 2 && a.stride(1) == 1 && a.stride(0) >= K) {
    lda = a.stride(0);
  } else if (!a.is_contiguous()) {
    a = a.contiguous();
  }
  const Tensor bias = args.bias.defined() ? args.bias.contiguous() : Tensor();
  WeightMatmulParams p;
  p.a = a.data_as<float>();
  p.lda = lda;
  p.M = args.out.numel() / N;
  p.K = K;
  p.w = args.b.data();
  p.w_type = args.b.dtype();
  p.N = N;
  p.bias = bias.defined() ? bias.data_as<float>() : nullptr;
  p.alpha = args.alpha;
  p.out = args.out.data_as<float>();
  p.ldo = N;
  weight_matmul(p, ctx.n_threads);
}

void matmul_kernel(const ExecContext &ctx_in, const MatmulArgs &args) {
  const int64_t K = args.trans_a ? args.a.size(-2) : args.a.size(-1);
  // Small products (an MLP at batch 1, a DiT projection) run on the calling thread. The
  // streaming gemv path is bound by the weight bytes it reads, so it is gated on those
  // (kWeightGrain) as well as FLOPs: LLM decode keeps its threads for MB-sized weights.
  ExecContext ctx = ctx_in;
  const int64_t rows = args.out.numel() / std::max<int64_t>(1, args.out.size(-1));
  const bool weight_path = is_weight_layout(args) && args.a.dtype() == DType::f32 &&
                           (args.b.dtype() != DType::f32 || rows <= weight_gemv_max_rows(DType::f32));
  constexpr double kWeightGrain = 1 << 20;  // bytes of weight streamed
  const int by_flops = threads_for(ctx.n_threads, 2.0 * double(args.out.numel()) * double(K), kFlopGrain);
  ctx.n_threads = weight_path
                      ? std::max(by_flops, threads_for(ctx.n_threads, double(args.b.nbytes()), kWeightGrain))
                      : by_flops;
  OmpThreads threads(ctx.n_threads);
  if (K == 0) {  // empty sum: out is the bias (or zeros) on every row
    const std::vector<float> bias =
        args.bias.defined() ? args.bias.to_f32_vector()
                            : std::vector<float>(static_cast<size_t>(args.out.size(-1)), 0.f);
    float *o = args.out.data_as<float>();
    for (int64_t i = 0; i < args.out.numel(); i += int64_t(bias.size()))
      std::copy(bias.begin(), bias.end(), o + i);
    return;
  }
  if (args.b.dtype() == DType::f32) {
    // Decode-sized products with an f32 weight: our streaming gemv (matmul_quant.cpp).
    if (weight_path) return matmul_weight(ctx, args);
    return matmul_f32(ctx, args);
  }
  if (is_weight_layout(args)) return matmul_weight(ctx, args);
  // Half-precision b in another layout (batched, [K, N], strided): widen it to f32
  // once and use oneDNN. Quantized b always has the weight layout (front-end rule).
  MatmulArgs widened = args;
  widened.b = args.b.to(DType::f32);
  matmul_f32(ctx, widened);
}

}  // namespace

void register_matmul(KernelTable &t) {
  t.add<OpKind::matmul>(matmul_kernel,
                        {DType::f32, DType::f16, DType::bf16, DType::q8_0, DType::q4_0, DType::q4_1});
}

}  // namespace aigc::cpu
