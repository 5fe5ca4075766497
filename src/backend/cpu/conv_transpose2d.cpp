// conv_transpose2d on oneDNN's deconvolution_forward.
//
// PyTorch stores the weight as [Cin, Cout/g, KH, KW]; oneDNN's deconvolution indexes it
// as [g, Cout/g, Cin/g, KH, KW]. The same bytes are described with the (g)iohw tags, so
// the layout change is folded into the weight reorder the primitive needs anyway.
// output_padding becomes a smaller (possibly negative) right padding:
// pad_r = pad - output_pad, which oneDNN accepts. Layouts are left to oneDNN (tag::any)
// with per-call reorders, as for conv2d.
#include <fmt/format.h>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/cpu_kernels.hpp"
#include "backend/cpu/dnnl_util.hpp"

namespace aigc::cpu {
namespace {

using dnnl::memory;

struct DeconvPlan {
  DnnlStep deconv, x_in, w_in, y_out;  // reorders are empty when the layouts agree
  memory::desc x_plain, w_user, b_plain, y_plain;
  memory::desc x_md, w_md, y_md;  // the layouts the deconvolution wants
};

DeconvPlan make_plan(const dnnl::engine &eng, const memory::dims &xd, const memory::dims &wd,
                     const memory::dims &yd, bool has_bias, const ConvTranspose2dArgs &a) {
  using tag = memory::format_tag;
  const auto f32 = memory::data_type::f32;
  DeconvPlan p;
  p.x_plain = plain_f32_desc(xd);
  p.w_user = memory::desc(wd, f32, a.groups > 1 ? tag::giohw : tag::iohw);
  p.y_plain = plain_f32_desc(yd);
  if (has_bias) p.b_plain = plain_f32_desc({yd[1]});
  const memory::desc x_any(xd, f32, tag::any), w_any(wd, f32, tag::any), y_any(yd, f32, tag::any);
  const memory::dims strides = {a.stride_h, a.stride_w};
  const memory::dims dilates = {a.dilation_h - 1, a.dilation_w - 1};  // oneDNN counts from 0
  const memory::dims pad_l = {a.pad_h, a.pad_w};
  const memory::dims pad_r = {a.pad_h - a.output_pad_h, a.pad_w - a.output_pad_w};
  const auto prop = dnnl::prop_kind::forward_inference;
  const auto alg = dnnl::algorithm::deconvolution_direct;
  dnnl::deconvolution_forward::desc d =
      has_bias ? dnnl::deconvolution_forward::desc(prop, alg, x_any, w_any, p.b_plain, y_any,
                                                   strides, dilates, pad_l, pad_r)
               : dnnl::deconvolution_forward::desc(prop, alg, x_any, w_any, y_any, strides,
                                                   dilates, pad_l, pad_r);
  dnnl::deconvolution_forward::primitive_desc pd(d, user_scratchpad_attr(), eng);
  p.deconv = {dnnl::deconvolution_forward(pd), pd.scratchpad_desc()};
  p.x_md = pd.src_desc();
  p.w_md = pd.weights_desc();
  p.y_md = pd.dst_desc();
  p.x_in = make_reorder_step(eng, p.x_plain, p.x_md);
  p.w_in = make_reorder_step(eng, p.w_user, p.w_md);
  p.y_out = make_reorder_step(eng, p.y_md, p.y_plain);
  return p;
}

void conv_transpose2d_kernel(const ExecContext &ctx, const ConvTranspose2dArgs &a) {
  CpuBackend &backend = cpu_backend(ctx);
  const Tensor x = a.x.contiguous(), w = a.w.contiguous();
  const Tensor bias = a.bias.defined() ? a.bias.contiguous() : Tensor();
  // x: [N, Cin, H, W]; w: [Cin, Cout/g, KH, KW] described as [(g,) Cout/g, Cin/g, KH, KW]
  const memory::dims xd = dnnl_dims(x.shape()), yd = dnnl_dims(a.out.shape());
  memory::dims wd = {w.size(1), w.size(0) / a.groups, w.size(2), w.size(3)};
  if (a.groups > 1) wd.insert(wd.begin(), a.groups);
  // 2 * input elements * (Cout/g * KH * KW) multiply-adds
  const double flops = 2.0 * double(x.numel()) * double(w.numel() / w.size(0));
  const int nt = threads_for(ctx.n_threads, flops, kFlopGrain);
  OmpThreads threads(nt);
  const std::string key = fmt::format(
      "conv_transpose2d x{} w{} y{} s{},{} p{},{} d{},{} op{},{} g{} b{} t{}", dims_key(xd),
      dims_key(wd), dims_key(yd), a.stride_h, a.stride_w, a.pad_h, a.pad_w, a.dilation_h,
      a.dilation_w, a.output_pad_h, a.output_pad_w, a.groups, int(bias.defined()), nt);
  const dnnl::engine &eng = backend.engine();
  const auto plan = backend.cached<DeconvPlan>(
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
  const memory w_mem = backend.constant_weight(w, plan->w_user, plan->w_md, plan->w_in);
  const memory y_user = wrap_memory(a.out, plan->y_plain, eng);
  const memory y_mem = plan->y_out ? backend.pooled_memory(plan->y_md, y_buf) : y_user;
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, x_mem}, {DNNL_ARG_WEIGHTS, w_mem}, {DNNL_ARG_DST, y_mem}};
  if (bias.defined()) args.emplace(DNNL_ARG_BIAS, wrap_memory(bias, plan->b_plain, eng));
  if (plan->deconv.scratchpad.get_size() > 0)
    args.emplace(DNNL_ARG_SCRATCHPAD, backend.pooled_memory(plan->deconv.scratchpad, scratch_buf));
  plan->deconv.prim.execute(s, args);
  if (plan->y_out) {
    OmpThreads rt(reorder_threads);
    run_reorder(plan->y_out, eng, s, y_mem, y_user);
  }
  s.wait();
}

}  // namespace

void register_conv_transpose2d(KernelTable &t) {
  t.add<OpKind::conv_transpose2d>(conv_transpose2d_kernel, {DType::f32});
}

}  // namespace aigc::cpu
