// conv2d on oneDNN's convolution_forward.
//
// Layout choice (measured on this AVX2 machine, batch 1, 2 threads, 3x3 convs): letting
// oneDNN pick every layout (format_tag::any -> jit:avx2 on nChw8c blocks) and reordering
// x, w and the output on each call is ~10-20% faster end to end than the plain
// nchw/oihw layouts (which select the im2col + sgemm "gemm:jit" implementation):
//   64ch 64x64: 2.5 ms vs 2.7 ms; 64ch 128x128: 10.2 vs 12.6 ms; 320ch 32x32: 10.4 vs
//   12.0 ms; 320ch 64x64: ~47 ms both. Weights are reordered
// once per weight and cached when they are model weights (CpuBackend::constant_weight).
#include <fmt/format.h>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/cpu_kernels.hpp"
#include "backend/cpu/dnnl_util.hpp"

namespace aigc::cpu {
namespace {

using dnnl::memory;

// A built convolution and the reorders between our plain layouts and its own.
struct ConvPlan {
  DnnlStep conv, x_in, w_in, y_out;  // reorders are empty when the layouts agree
  memory::desc x_plain, w_plain, b_plain, y_plain;
  memory::desc x_md, w_md, y_md;  // the layouts the convolution wants
};

ConvPlan make_plan(const dnnl::engine &eng, const memory::dims &xd, const memory::dims &wd,
                   const memory::dims &yd, bool has_bias, const Conv2dArgs &a) {
  using tag = memory::format_tag;
  const auto f32 = memory::data_type::f32;
  ConvPlan p;
  p.x_plain = plain_f32_desc(xd);
  p.w_plain = plain_f32_desc(wd);  // oihw, or goihw when grouped
  p.y_plain = plain_f32_desc(yd);
  const memory::dims bd = {yd[1]};
  if (has_bias) p.b_plain = plain_f32_desc(bd);
  const memory::desc x_any(xd, f32, tag::any), w_any(wd, f32, tag::any), y_any(yd, f32, tag::any);
  // oneDNN counts dilation from 0 (PyTorch's dilation 1 is its 0).
  const memory::dims strides = {a.stride_h, a.stride_w};
  const memory::dims dilates = {a.dilation_h - 1, a.dilation_w - 1};
  const memory::dims pad_l = {a.pad_h, a.pad_w};
  // Right padding that makes oneDNN's output size equal PyTorch's (floor) size.
  const memory::dims pad_r = {
      (yd[2] - 1) * a.stride_h + (wd[wd.size() - 2] - 1) * a.dilation_h + 1 - xd[2] - a.pad_h,
      (yd[3] - 1) * a.stride_w + (wd[wd.size() - 1] - 1) * a.dilation_w + 1 - xd[3] - a.pad_w};
  const auto prop = dnnl::prop_kind::forward_inference;
  const auto alg = dnnl::algorithm::convolution_direct;
  dnnl::convolution_forward::desc d =
      has_bias ? dnnl::convolution_forward::desc(prop, alg, x_any, w_any, p.b_plain, y_any,
                                                 strides, dilates, pad_l, pad_r)
               : dnnl::convolution_forward::desc(prop, alg, x_any, w_any, y_any, strides,
                                                 dilates, pad_l, pad_r);
  dnnl::convolution_forward::primitive_desc pd(d, user_scratchpad_attr(), eng);
  p.conv = {dnnl::convolution_forward(pd), pd.scratchpad_desc()};
  p.x_md = pd.src_desc();
  p.w_md = pd.weights_desc();
  p.y_md = pd.dst_desc();
  p.x_in = make_reorder_step(eng, p.x_plain, p.x_md);
  p.w_in = make_reorder_step(eng, p.w_plain, p.w_md);
  p.y_out = make_reorder_step(eng, p.y_md, p.y_plain);
  return p;
}

void conv2d_kernel(const ExecContext &ctx, const Conv2dArgs &a) {
  CpuBackend &backend = cpu_backend(ctx);
  const Tensor x = a.x.contiguous(), w = a.w.contiguous();
  const Tensor bias = a.bias.defined() ? a.bias.contiguous() : Tensor();
  // x: [N, Cin, H, W]; w: [Cout, Cin/g, KH, KW] seen as [g, Cout/g, Cin/g, KH, KW] when grouped
  const memory::dims xd = dnnl_dims(x.shape()), yd = dnnl_dims(a.out.shape());
  memory::dims wd = dnnl_dims(w.shape());
  if (a.groups > 1) {
    wd[0] /= a.groups;
    wd.insert(wd.begin(), a.groups);
  }
  // 2 * output elements * (Cin/g * KH * KW) multiply-adds
  const double flops = 2.0 * double(a.out.numel()) * double(w.numel() / w.size(0));
  const int nt = threads_for(ctx.n_threads, flops, kFlopGrain);
  OmpThreads threads(nt);
  const std::string key =
      fmt::format("conv2d x{} w{} s{},{} p{},{} d{},{} g{} b{} t{}", dims_key(xd), dims_key(wd),
                  a.stride_h, a.stride_w, a.pad_h, a.pad_w, a.dilation_h, a.dilation_w, a.groups,
                  int(bias.defined()), nt);
  const dnnl::engine &eng = backend.engine();
  const auto plan = backend.cached<ConvPlan>(
      key, [&] { return make_plan(eng, xd, wd, yd, bias.defined(), a); });

  dnnl::stream s(eng);
  // The blocked copies of x and y and the scratchpad come from the backend's pool.
  std::shared_ptr<void> x_buf, y_buf, scratch_buf;
  const memory x_user = wrap_memory(x, plan->x_plain, eng);
  const memory x_mem = plan->x_in ? backend.pooled_memory(plan->x_md, x_buf) : x_user;
  // The layout copies are memory-bound passes: threaded only when large (small ones
  // would pay a fork/join each for microseconds of work).
  const int reorder_threads = threads_for(ctx.n_threads, double(x.numel() + a.out.numel()), kElementGrain);
  if (plan->x_in) {
    OmpThreads rt(reorder_threads);
    run_reorder(plan->x_in, eng, s, x_user, x_mem);
  }
  const memory w_mem = backend.constant_weight(w, plan->w_plain, plan->w_md, plan->w_in);
  const memory y_user = wrap_memory(a.out, plan->y_plain, eng);
  const memory y_mem = plan->y_out ? backend.pooled_memory(plan->y_md, y_buf) : y_user;
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, x_mem}, {DNNL_ARG_WEIGHTS, w_mem}, {DNNL_ARG_DST, y_mem}};
  if (bias.defined()) args.emplace(DNNL_ARG_BIAS, wrap_memory(bias, plan->b_plain, eng));
  if (plan->conv.scratchpad.get_size() > 0)
    args.emplace(DNNL_ARG_SCRATCHPAD, backend.pooled_memory(plan->conv.scratchpad, scratch_buf));
  plan->conv.prim.execute(s, args);
  if (plan->y_out) {
    OmpThreads rt(reorder_threads);
    run_reorder(plan->y_out, eng, s, y_mem, y_user);
  }
  s.wait();
}

}  // namespace

void register_conv2d(KernelTable &t) { t.add<OpKind::conv2d>(conv2d_kernel, {DType::f32}); }

}  // namespace aigc::cpu
