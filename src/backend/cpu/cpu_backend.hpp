// The CPU backend's shared state: one oneDNN engine and a cache of built primitives
// (oneDNN primitive creation costs far more than execution for small shapes).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "backend/backend.hpp"

namespace aigc::cpu {

class CpuBackend final : public Backend {
 public:
  CpuBackend();
  const char *name() const override { return "cpu"; }
  Device device() const override { return Device::cpu(); }
  Tensor empty(const Shape &shape, DType dtype) override { return Tensor::empty(shape, dtype); }
  Tensor upload(const Tensor &host) override { return host.contiguous(); }
  Tensor download(const Tensor &t) override { return t.contiguous(); }

  const dnnl::engine &engine() const { return engine_; }

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

// Wraps a contiguous f32/i32 tensor as oneDNN memory with the given format tag / dims.
dnnl::memory::data_type to_dnnl(DType t);

}  // namespace aigc::cpu
