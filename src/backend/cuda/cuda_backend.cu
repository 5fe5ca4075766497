// CUDA backend: device memory and transfers. Kernels are registered per op file as
// they are written (see the CUDA backend issue); until then supports() is false for
// every op and callers fall back or skip.
#include <cuda_runtime.h>

#include "backend/factories.hpp"
#include "core/check.hpp"

namespace aigc {
namespace {

void check_cuda(cudaError_t err, const char *what) {
  AIGC_CHECK(err == cudaSuccess, Status::device_error, "{}: {}", what, cudaGetErrorString(err));
}

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int device) : device_(device) {}
  const char *name() const override { return "cuda"; }
  Device device() const override { return Device::cuda(device_); }

  Tensor empty(const Shape &shape, DType dtype) override {
    const size_t bytes = dtype_bytes(dtype, shape.numel());
    void *p = nullptr;
    check_cuda(cudaSetDevice(device_), "cudaSetDevice");
    const cudaError_t err = cudaMalloc(&p, bytes ? bytes : 1);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();  // clear the sticky-free error state
      fail(Status::out_of_memory, "out of CUDA memory allocating {} bytes", bytes);
    }
    check_cuda(err, "cudaMalloc");
    auto storage = std::make_shared<Storage>(p, bytes, Device::cuda(device_),
                                             [](void *d, size_t) { cudaFree(d); }, false);
    return Tensor(storage, 0, shape, dtype);
  }

  Tensor upload(const Tensor &host) override {
    const Tensor src = host.contiguous();
    Tensor out = empty(src.shape(), src.dtype());
    check_cuda(cudaMemcpy(out.data(), src.data(), src.nbytes(), cudaMemcpyHostToDevice),
               "upload");
    return out;
  }

  Tensor download(const Tensor &t) override {
    AIGC_CHECK(t.is_contiguous(), Status::invalid_argument,
               "download of strided device tensor {}", t.describe());
    Tensor out = Tensor::empty(t.shape(), t.dtype());
    check_cuda(cudaMemcpy(out.data(), t.data(), t.nbytes(), cudaMemcpyDeviceToHost), "download");
    return out;
  }

  void synchronize() override { check_cuda(cudaDeviceSynchronize(), "synchronize"); }

 private:
  int device_;
};

}  // namespace

std::unique_ptr<Backend> create_cuda_backend(std::string *why) {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    if (why)
      *why = std::string("no CUDA device available (") +
             (err != cudaSuccess ? cudaGetErrorString(err) : "0 devices") + ")";
    cudaGetLastError();
    return nullptr;
  }
  return std::make_unique<CudaBackend>(0);
}

}  // namespace aigc
