// Small helpers for running oneDNN primitives on aigc tensors: plain f32 memory
// descriptors, tensors wrapped as dnnl::memory without copying, and primitives paired
// with a user-managed scratchpad so that one cached primitive can execute on several
// threads at once (each call brings its own scratchpad).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <string>
#include <unordered_map>

#include "aigc/core/tensor.hpp"

namespace aigc::cpu {

// Row-major f32 descriptor of `dims` (rank 1..5).
inline dnnl::memory::desc plain_f32_desc(const dnnl::memory::dims &dims) {
  using tag = dnnl::memory::format_tag;
  static constexpr tag tags[] = {tag::a, tag::ab, tag::abc, tag::abcd, tag::abcde};
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, tags[dims.size() - 1]);
}

inline dnnl::memory::dims dnnl_dims(const Shape &s) { return {s.begin(), s.end()}; }

// The memory of a contiguous host tensor seen through `md` (no copy).
inline dnnl::memory wrap_memory(const Tensor &t, const dnnl::memory::desc &md,
                                const dnnl::engine &engine) {
  return dnnl::memory(md, engine, t.data());
}

// Attributes every cached primitive is built with: the caller owns the scratchpad.
inline dnnl::primitive_attr user_scratchpad_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// A built primitive and the scratchpad each execution needs.
struct DnnlStep {
  dnnl::primitive prim;
  dnnl::memory::desc scratchpad;
  explicit operator bool() const { return bool(prim); }
};

// Reorder from `from` to `to`; an empty step when the layouts already agree.
inline DnnlStep make_reorder_step(const dnnl::engine &engine, const dnnl::memory::desc &from,
                                  const dnnl::memory::desc &to) {
  if (from == to) return {};
  dnnl::reorder::primitive_desc pd(engine, from, engine, to, user_scratchpad_attr());
  return {dnnl::reorder(pd), pd.scratchpad_desc()};
}

// Runs `step` with `args` plus a scratchpad allocated for this call.
inline void run_step(const DnnlStep &step, const dnnl::engine &engine, dnnl::stream &stream,
                     std::unordered_map<int, dnnl::memory> args) {
  if (step.scratchpad.get_size() > 0)
    args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(step.scratchpad, engine));
  step.prim.execute(stream, args);
}

inline void run_reorder(const DnnlStep &step, const dnnl::engine &engine, dnnl::stream &stream,
                        const dnnl::memory &from, const dnnl::memory &to) {
  run_step(step, engine, stream, {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

// "1x2x3" for cache keys.
inline std::string dims_key(const dnnl::memory::dims &d) {
  std::string s;
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "x" : "") + std::to_string(d[i]);
  return s;
}

// The tensor's memory in the layout `md`: `user` itself when no reorder is needed, else
// a new buffer filled by `step`.
inline dnnl::memory to_layout(const DnnlStep &step, const dnnl::memory &user,
                              const dnnl::memory::desc &md, const dnnl::engine &eng,
                              dnnl::stream &s) {
  if (!step) return user;
  dnnl::memory m(md, eng);
  run_reorder(step, eng, s, user, m);
  return m;
}

}  // namespace aigc::cpu
