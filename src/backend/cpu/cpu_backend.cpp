#include "backend/cpu/cpu_backend.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cstdlib>
#include <omp.h>

#include "backend/cpu/dnnl_util.hpp"

#include "backend/cpu/cpu_kernels.hpp"
#include "backend/factories.hpp"
#include "core/check.hpp"

namespace aigc {
namespace cpu {

CpuBackend::CpuBackend() : engine_(dnnl::engine::kind::cpu, 0) {
  for (auto reg : {register_copy, register_cast, register_concat, register_matmul,
                   register_conv2d, register_conv_transpose2d, register_avg_pool2d,
                   register_upsample, register_group_norm, register_layer_norm,
                   register_rms_norm, register_softmax, register_unary, register_binary,
                   register_embedding, register_rope, register_attention, register_argmax,
                   register_topk})
    reg(kernels_);
}

CpuBackend::~CpuBackend() {
  for (auto &kv : pool_) std::free(kv.second);
}

std::shared_ptr<void> CpuBackend::buffer(size_t bytes) {
  bytes = (std::max<size_t>(bytes, 1) + 4095) / 4096 * 4096;
  void *p = nullptr;
  size_t got = bytes;
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    // The smallest free buffer that fits, unless it is more than twice the need.
    auto it = pool_.lower_bound(bytes);
    if (it != pool_.end() && it->first <= 2 * bytes) {
      got = it->first;
      p = it->second;
      pooled_bytes_ -= got;
      pool_.erase(it);
    }
  }
  if (!p) {
    p = std::aligned_alloc(4096, got);
    AIGC_CHECK(p != nullptr, Status::out_of_memory, "out of host memory allocating {} bytes", got);
  }
  return std::shared_ptr<void>(p, [this, got](void *q) { give_back(q, got); });
}

void CpuBackend::give_back(void *p, size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (pooled_bytes_ + bytes <= kMaxPooledBytes) {
      pool_.emplace(bytes, p);
      pooled_bytes_ += bytes;
      return;
    }
  }
  std::free(p);
}

dnnl::memory CpuBackend::constant_weight(const Tensor &w, const dnnl::memory::desc &user_md,
                                         const dnnl::memory::desc &md, const DnnlStep &step) {
  dnnl::stream s(engine_);
  const auto reorder = [&] {
    dnnl::memory m = to_layout(step, wrap_memory(w, user_md, engine_), md, engine_, s);
    s.wait();
    return m;
  };
  const std::shared_ptr<Storage> &storage = w.storage();
  if (!step || !storage || !storage->read_only()) return reorder();
  const auto matches = [&](const WeightEntry &e) {
    return e.offset == w.offset_bytes() && e.user_md == user_md && e.md == md &&
           e.owner.lock() == storage;
  };
  {
    std::lock_guard<std::mutex> lock(weights_mutex_);
    const auto range = weights_.equal_range(storage.get());
    for (auto it = range.first; it != range.second; ++it)
      if (matches(it->second)) return it->second.reordered;
  }
  dnnl::memory m = reorder();  // outside the lock; a race reorders twice, harmlessly
  std::lock_guard<std::mutex> lock(weights_mutex_);
  // Drop entries whose weights are gone (a model was unloaded) before adding this one.
  for (auto it = weights_.begin(); it != weights_.end();) {
    if (!it->second.owner.expired()) {
      ++it;
      continue;
    }
    cached_weight_bytes_ -= it->second.md.get_size();
    it = weights_.erase(it);
  }
  if (cached_weight_bytes_ + md.get_size() <= kMaxCachedWeightBytes) {
    cached_weight_bytes_ += md.get_size();
    weights_.emplace(storage.get(), WeightEntry{storage, w.offset_bytes(), user_md, md, m});
  }
  return m;
}

OmpThreads::OmpThreads(int n) : previous_(omp_get_max_threads()) {
  omp_set_num_threads(n > 0 ? n : 1);
}

OmpThreads::~OmpThreads() { omp_set_num_threads(previous_); }

dnnl::memory::data_type to_dnnl(DType t) {
  switch (t) {
    case DType::f32: return dnnl::memory::data_type::f32;
    case DType::f16: return dnnl::memory::data_type::f16;
    case DType::bf16: return dnnl::memory::data_type::bf16;
    case DType::i32: return dnnl::memory::data_type::s32;
    case DType::i8: return dnnl::memory::data_type::s8;
    case DType::u8: return dnnl::memory::data_type::u8;
    default: fail(Status::unsupported, "oneDNN has no data type for {}", dtype_name(t));
  }
}

}  // namespace cpu

std::unique_ptr<Backend> create_cpu_backend() { return std::make_unique<cpu::CpuBackend>(); }

}  // namespace aigc
