#include <fmt/format.h>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/dnnl_util.hpp"
#include "backend/cpu/cpu_kernels.hpp"

namespace aigc::cpu {
namespace {

using dnnl::memory;

// x (contiguous) viewed as [rows, norm_size] through oneDNN's layer_normalization_forward
// (inference, no statistics output); weight and bias go in as separate scale / shift
// arrays of norm_size floats.
void layer_norm_kernel(const ExecContext &ctx, const LayerNormArgs &a) {
  const int64_t d = a.norm_size, rows = a.x.numel() / d;
  if (rows == 0) return;
  CpuBackend &be = cpu_backend(ctx);
  const Tensor w = a.weight.defined() ? a.weight.contiguous() : Tensor();
  const Tensor b = a.bias.defined() ? a.bias.contiguous() : Tensor();
  auto flags = dnnl::normalization_flags::none;
  if (w.defined()) flags |= dnnl::normalization_flags::use_scale;
  if (b.defined()) flags |= dnnl::normalization_flags::use_shift;
  const memory::desc md({rows, d}, memory::data_type::f32, memory::format_tag::ab);
  const std::string key = fmt::format("layer_norm:{}x{}:flags{}:eps{}", rows, d,
                                      static_cast<unsigned>(flags), a.eps);
  // A user scratchpad, as every cached primitive: safe on several threads at once.
  const auto step = be.cached<DnnlStep>(key, [&] {
    const dnnl::layer_normalization_forward::desc desc(dnnl::prop_kind::forward_inference, md,
                                                       a.eps, flags);
    const dnnl::layer_normalization_forward::primitive_desc pd(desc, user_scratchpad_attr(),
                                                               be.engine());
    return DnnlStep{dnnl::layer_normalization_forward(pd), pd.scratchpad_desc()};
  });
  const dnnl::engine &eng = be.engine();
  const memory::desc vec({d}, memory::data_type::f32, memory::format_tag::a);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(md, eng, a.x.data())},
                                       {DNNL_ARG_DST, memory(md, eng, a.out.data())}};
  if (w.defined()) args.emplace(DNNL_ARG_SCALE, memory(vec, eng, w.data()));
  if (b.defined()) args.emplace(DNNL_ARG_SHIFT, memory(vec, eng, b.data()));
  OmpThreads threads(threads_for(ctx.n_threads, double(a.x.numel()), kElementGrain));
  std::shared_ptr<void> scratch_buf;
  if (step->scratchpad.get_size() > 0)
    args.emplace(DNNL_ARG_SCRATCHPAD, be.pooled_memory(step->scratchpad, scratch_buf));
  dnnl::stream s(eng);
  step->prim.execute(s, args);
  s.wait();
}

}  // namespace

void register_layer_norm(KernelTable &t) {
  t.add<OpKind::layer_norm>(layer_norm_kernel, {DType::f32});
}

}  // namespace aigc::cpu
