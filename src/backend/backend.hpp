// Backend = device memory + a table of kernels indexed by (op, key dtype).
// Backends are created through the registry (registry.hpp) and live for the process;
// they are shared by every thread, so kernels and caches must be thread-safe.
#pragma once

#include <array>
#include <initializer_list>
#include <string>

#include "aigc/core/tensor.hpp"
#include "backend/kernel_args.hpp"

namespace aigc {

class Backend;

// What a kernel runs under: the backend (for its device state and caches) and the
// number of threads the caller allows.
struct ExecContext {
  Backend *backend = nullptr;
  int n_threads = 1;
};

template <OpKind K> using ArgsOf = typename OpArgs<K>::type_t;
template <OpKind K> using KernelFn = void (*)(const ExecContext &, const ArgsOf<K> &);

class KernelTable {
 public:
  template <OpKind K>
  void add(KernelFn<K> fn, std::initializer_list<DType> dtypes) {
    Entry &e = entries_[static_cast<size_t>(K)];
    e.fn = reinterpret_cast<ErasedFn>(fn);
    for (DType t : dtypes) e.dtype_mask |= dtype_bit(t);
  }
  bool supports(OpKind op, DType key) const {
    return (entries_[static_cast<size_t>(op)].dtype_mask & dtype_bit(key)) != 0;
  }
  template <OpKind K> KernelFn<K> find() const {
    return reinterpret_cast<KernelFn<K>>(entries_[static_cast<size_t>(K)].fn);
  }

 private:
  using ErasedFn = void (*)();
  struct Entry {
    ErasedFn fn = nullptr;
    uint32_t dtype_mask = 0;
  };
  std::array<Entry, static_cast<size_t>(OpKind::count_)> entries_{};
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char *name() const = 0;
  virtual Device device() const = 0;

  // Contiguous uninitialised tensor in this backend's memory; throws out_of_memory.
  virtual Tensor empty(const Shape &shape, DType dtype) = 0;
  // Copies between host and this backend (contiguous results). Host backends return
  // the input (made contiguous) unchanged.
  virtual Tensor upload(const Tensor &host) = 0;
  virtual Tensor download(const Tensor &device_tensor) = 0;
  // Waits for queued work (no-op on synchronous backends).
  virtual void synchronize() {}
  // Copies `src` (host memory or this backend's, contiguous) into `dst`, a contiguous view
  // of this backend's memory with the same shape and dtype (KV-cache rows). Queued in
  // order with the kernels; host backends copy at once.
  virtual void write(const Tensor &dst, const Tensor &src);

  bool supports(OpKind op, DType key) const { return kernels_.supports(op, key); }

  // Runs the kernel for (K, key); throws unsupported when there is none.
  template <OpKind K> void run(const ExecContext &ctx, DType key, const ArgsOf<K> &args) const {
    if (!supports(K, key)) throw_unsupported(K, key);
    kernels_.find<K>()(ctx, args);
  }

 protected:
  [[noreturn]] void throw_unsupported(OpKind op, DType key) const;
  KernelTable kernels_;
};

}  // namespace aigc
