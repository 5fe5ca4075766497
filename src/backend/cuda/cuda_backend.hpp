// The CUDA backend instance: one device, one compute stream that every kernel of this
// backend is queued on (so cached blocks are reused in stream order), cuBLAS
// handle bound to that stream (with its own 32 MiB workspace), a caching allocator for device memory and one for
// pinned host staging buffers. Shared by every thread; launches are serialised only
// where a library handle needs it (cuBLAS calls take blas_mutex()).
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <memory>
#include <mutex>

#include "backend/backend.hpp"
#include "core/caching_allocator.hpp"

namespace aigc::cuda {

// Throws Status::device_error naming `what` unless err is cudaSuccess
// (Status::out_of_memory for cudaErrorMemoryAllocation).
void check(cudaError_t err, const char *what);
void check_blas(cublasStatus_t status, const char *what);
// After a kernel launch: turns a launch failure (bad configuration, ...) into a status.
void check_launch(const char *kernel);

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int device);
  ~CudaBackend() override;

  const char *name() const override { return "cuda"; }
  Device device() const override { return Device::cuda(device_); }
  Tensor empty(const Shape &shape, DType dtype) override;
  Tensor upload(const Tensor &host) override;
  Tensor download(const Tensor &device_tensor) override;
  void synchronize() override;

  void write(const Tensor &dst, const Tensor &src) override;

  int device_index() const { return device_; }
  cudaStream_t stream() const { return stream_; }
  cublasHandle_t blas() const { return blas_; }
  std::mutex &blas_mutex() { return blas_mutex_; }
  const cudaDeviceProp &properties() const { return props_; }

  // Device scratch for one launch sequence: returned to the cache when the holder goes,
  // which is safe because later users queue behind the current kernels on stream().
  std::shared_ptr<void> scratch(size_t bytes);
  CachingAllocatorStats memory_stats() const { return device_memory_->stats(); }

 private:
  void copy_host_to_device(void *dst, const void *src, size_t bytes);

  int device_;
  cudaDeviceProp props_{};
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  std::mutex blas_mutex_;
  void *workspace_ = nullptr;
  size_t workspace_bytes_ = 0;
  std::unique_ptr<CachingAllocator> device_memory_;
  // Two pinned staging buffers alternate so one fills while the other is in flight.
  std::mutex staging_mutex_;
  void *staging_[2] = {nullptr, nullptr};
  cudaEvent_t staging_done_[2] = {nullptr, nullptr};
  size_t staging_bytes_ = 0;
  std::unique_ptr<CachingAllocator> pinned_memory_;  // downloads land in pinned blocks
};

// The backend a kernel runs under (kernels are only registered on CudaBackend).
inline CudaBackend &backend_of(const ExecContext &ctx) {
  return *static_cast<CudaBackend *>(ctx.backend);
}
inline cudaStream_t stream_of(const ExecContext &ctx) { return backend_of(ctx).stream(); }

// Kernel files register themselves: AIGC_CUDA_REGISTER(register_softmax) at file scope
// runs register_softmax(table) when the backend is built. Object libraries keep every
// file's static registrar, so no central list has to be edited per op.
using RegisterFn = void (*)(KernelTable &);
int add_registration(RegisterFn fn);
#define AIGC_CUDA_REGISTER(fn) \
  static const int aigc_cuda_registered_##fn = ::aigc::cuda::add_registration(fn)

}  // namespace aigc::cuda
