// The CPU backend's shared state: one oneDNN engine and a cache of built primitives
// (oneDNN primitive creation costs far more than execution for small shapes).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "backend/backend.hpp"
#include "backend/cpu/dnnl_util.hpp"

namespace aigc::cpu {

class CpuBackend final : public Backend {
 public:
  CpuBackend();
  ~CpuBackend() override;
  const char *name() const override { return "cpu"; }
  Device device() const override { return Device::cpu(); }
  Tensor empty(const Shape &shape, DType dtype) override { return Tensor::empty(shape, dtype); }
  Tensor upload(const Tensor &host) override { return host.contiguous(); }
  Tensor download(const Tensor &t) override { return t.contiguous(); }

  const dnnl::engine &engine() const { return engine_; }

  // A host buffer of at least `bytes` for one call's temporary (oneDNN's blocked copy of
  // an activation, a scratchpad), handed back to a pool when the last holder lets go.
  // Large temporaries would otherwise be mapped, zero-filled page by page by the kernel
  // and unmapped again on every convolution. The pool keeps at most kMaxPooledBytes.
  std::shared_ptr<void> buffer(size_t bytes);
  // `md`'s memory in a pooled buffer; `hold` keeps the buffer until the call is done.
  dnnl::memory pooled_memory(const dnnl::memory::desc &md, std::shared_ptr<void> &hold) {
    hold = buffer(md.get_size());
    return dnnl::memory(md, engine_, hold.get());
  }

  // `w` (contiguous, seen as `user_md`) reordered by `step` into the layout `md`. When w's
  // storage is read-only (mapped model files, weights widened at load) the result is
  // cached while that storage lives: such weights never change, so a convolution
  // reorders them once instead of on every call. Writable storage is reordered per call,
  // and so is everything past kMaxCachedWeightBytes (a Stable Diffusion UNet would double
  // its conv weights; its convolutions are large enough that the reorder hardly shows).
  dnnl::memory constant_weight(const Tensor &w, const dnnl::memory::desc &user_md,
                               const dnnl::memory::desc &md, const DnnlStep &step);

  // The primitive stored under `key`, built once by `make` (thread-safe). Keys must
  // encode everything the primitive depends on (shapes, strides, dtypes, attributes).
  template <class P>
  std::shared_ptr<P> cached(const std::string &key, const std::function<P()> &make) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = cache_.find(key);
      if (it != cache_.end()) return std::static_pointer_cast<P>(it->second);
    }
    auto p = std::make_shared<P>(make());  // built outside the lock; a race builds twice
    std::lock_guard<std::mutex> lock(mutex_);
    return std::static_pointer_cast<P>(cache_.emplace(key, p).first->second);
  }

 private:
  dnnl::engine engine_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<void>> cache_;
  struct WeightEntry {  // one weight in one layout
    std::weak_ptr<Storage> owner;  // expired (or another storage) means stale
    size_t offset;
    dnnl::memory::desc user_md, md;
    dnnl::memory reordered;
  };
  std::mutex weights_mutex_;
  std::unordered_multimap<const Storage *, WeightEntry> weights_;
  size_t cached_weight_bytes_ = 0;
  void give_back(void *p, size_t bytes);
  std::mutex pool_mutex_;
  std::multimap<size_t, void *> pool_;  // free buffers by size
  size_t pooled_bytes_ = 0;
  static constexpr size_t kMaxPooledBytes = size_t(512) << 20;
  static constexpr size_t kMaxCachedWeightBytes = size_t(256) << 20;
};

inline CpuBackend &cpu_backend(const ExecContext &ctx) {
  return static_cast<CpuBackend &>(*ctx.backend);
}

// Sets the OpenMP thread count of the calling thread (which oneDNN also reads) for the
// duration of a kernel, and restores it afterwards.
class OmpThreads {
 public:
  explicit OmpThreads(int n);
  ~OmpThreads();
  OmpThreads(const OmpThreads &) = delete;
  OmpThreads &operator=(const OmpThreads &) = delete;

 private:
  int previous_;
};

// Threads worth waking for `work` units of work, `grain` units being the least that pays
// for a fork/join. A parallel region costs a few microseconds on an idle machine and up
// to a scheduler time slice on a loaded one (a worker that is not running stalls the
// join), so small ops stay on the calling thread, as PyTorch's grain sizes do.
// Typical grains: kFlopGrain for FLOP-counted ops (convolution, matmul, attention),
// kElementGrain for elementwise / normalisation passes over f32 values.
inline constexpr double kFlopGrain = 64e6;  // ~1.2 ms of one AVX2 core
inline constexpr double kElementGrain = 131072;  // 512 KiB of f32
inline int threads_for(int requested, double work, double grain) {
  const int n = requested > 0 ? requested : 1;
  const double by_work = work / grain;
  return by_work >= n ? n : by_work < 2 ? 1 : int(by_work);
}

// Wraps a contiguous f32/i32 tensor as oneDNN memory with the given format tag / dims.
dnnl::memory::data_type to_dnnl(DType t);

}  // namespace aigc::cpu
