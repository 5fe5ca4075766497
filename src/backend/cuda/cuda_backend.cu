#include "backend/cuda/cuda_backend.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "backend/factories.hpp"
#include "core/check.hpp"

namespace aigc::cuda {
namespace {

std::vector<RegisterFn> &registrations() {
  static std::vector<RegisterFn> fns;
  return fns;
}

constexpr size_t kStagingBytes = size_t(32) << 20;    // per pinned staging buffer
constexpr size_t kWorkspaceBytes = size_t(32) << 20;  // cuBLAS workspace (Hopper wants 32 MiB)
constexpr size_t kMaxPinnedCache = size_t(256) << 20;

}  // namespace

int add_registration(RegisterFn fn) {
  registrations().push_back(fn);
  return int(registrations().size());
}

void check(cudaError_t err, const char *what) {
  if (err == cudaSuccess) return;
  cudaGetLastError();  // clear a non-sticky error so the next call starts clean
  if (err == cudaErrorMemoryAllocation)
    fail(Status::out_of_memory, "{}: out of CUDA memory", what);
  fail(Status::device_error, "{}: {}", what, cudaGetErrorString(err));
}

void check_blas(cublasStatus_t status, const char *what) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  if (status == CUBLAS_STATUS_ALLOC_FAILED) fail(Status::out_of_memory, "{}: cuBLAS out of memory", what);
  fail(Status::device_error, "{}: cuBLAS status {}", what, int(status));
}

void check_launch(const char *kernel) { check(cudaGetLastError(), kernel); }

CudaBackend::CudaBackend(int device) : device_(device) {
  check(cudaSetDevice(device_), "cudaSetDevice");
  check(cudaGetDeviceProperties(&props_, device_), "cudaGetDeviceProperties");
  check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
  check_blas(cublasCreate(&blas_), "cublasCreate");
  check_blas(cublasSetStream(blas_, stream_), "cublasSetStream");
  const int dev = device_;
  device_memory_ = std::make_unique<CachingAllocator>(
      "CUDA memory",
      [dev](size_t bytes) -> void * {
        void *p = nullptr;
        cudaSetDevice(dev);
        const cudaError_t err = cudaMalloc(&p, bytes);
        if (err == cudaErrorMemoryAllocation) {
          cudaGetLastError();
          return nullptr;
        }
        check(err, "cudaMalloc");
        return p;
      },
      [](void *p, size_t) { cudaFree(p); });
  pinned_memory_ = std::make_unique<CachingAllocator>(
      "pinned host memory",
      [](size_t bytes) -> void * {
        void *p = nullptr;
        if (cudaHostAlloc(&p, bytes, cudaHostAllocDefault) != cudaSuccess) {
          cudaGetLastError();
          return nullptr;
        }
        return p;
      },
      [](void *p, size_t) { cudaFreeHost(p); }, kMaxPinnedCache);
  workspace_bytes_ = kWorkspaceBytes;
  check(cudaMalloc(&workspace_, workspace_bytes_), "cuBLAS workspace");
  // A workspace of our own keeps cuBLAS from allocating behind the caching allocator.
  check_blas(cublasSetWorkspace(blas_, workspace_, workspace_bytes_), "cublasSetWorkspace");
  staging_bytes_ = kStagingBytes;
  for (int i = 0; i < 2; ++i) {
    check(cudaHostAlloc(&staging_[i], staging_bytes_, cudaHostAllocDefault), "pinned staging buffer");
    check(cudaEventCreateWithFlags(&staging_done_[i], cudaEventDisableTiming), "cudaEventCreate");
  }
  for (RegisterFn fn : registrations()) fn(kernels_);
}

CudaBackend::~CudaBackend() {
  // The backend lives for the process; at exit the driver may already be shutting down,
  // so failures here are ignored.
  cudaStreamSynchronize(stream_);
  for (int i = 0; i < 2; ++i) {
    if (staging_done_[i]) cudaEventDestroy(staging_done_[i]);
    if (staging_[i]) cudaFreeHost(staging_[i]);
  }
  device_memory_.reset();
  pinned_memory_.reset();
  if (workspace_) cudaFree(workspace_);
  if (blas_) cublasDestroy(blas_);
  if (stream_) cudaStreamDestroy(stream_);
}

Tensor CudaBackend::empty(const Shape &shape, DType dtype) {
  const size_t bytes = dtype_bytes(dtype, shape.numel());
  size_t granted = 0;
  void *p = device_memory_->allocate(bytes, &granted);
  CachingAllocator *pool = device_memory_.get();
  auto storage = std::make_shared<Storage>(
      p, bytes, Device::cuda(device_), [pool, granted](void *d, size_t) { pool->deallocate(d, granted); },
      false);
  return Tensor(storage, 0, shape, dtype);
}

std::shared_ptr<void> CudaBackend::scratch(size_t bytes) {
  size_t granted = 0;
  void *p = device_memory_->allocate(bytes, &granted);
  CachingAllocator *pool = device_memory_.get();
  return std::shared_ptr<void>(p, [pool, granted](void *d) { pool->deallocate(d, granted); });
}

void CudaBackend::copy_host_to_device(void *dst, const void *src, size_t bytes) {
  // Pageable memory cannot be copied asynchronously; staging it through two pinned
  // buffers overlaps our memcpy into one with the DMA out of the other.
  std::lock_guard<std::mutex> lock(staging_mutex_);
  size_t done = 0;
  for (int i = 0; done < bytes; i ^= 1) {
    const size_t n = std::min(staging_bytes_, bytes - done);
    check(cudaEventSynchronize(staging_done_[i]), "upload");
    std::memcpy(staging_[i], static_cast<const char *>(src) + done, n);
    check(cudaMemcpyAsync(static_cast<char *>(dst) + done, staging_[i], n, cudaMemcpyHostToDevice,
                          stream_),
          "upload");
    check(cudaEventRecord(staging_done_[i], stream_), "upload");
    done += n;
  }
}

Tensor CudaBackend::upload(const Tensor &host) {
  if (host.device() == device()) return host.is_contiguous() ? host : host.contiguous();
  AIGC_CHECK(host.device().is_cpu(), Status::invalid_argument, "upload: {} is on another device",
             host.describe());
  const Tensor src = host.contiguous();
  Tensor out = empty(src.shape(), src.dtype());
  if (src.nbytes()) copy_host_to_device(out.data(), src.data(), src.nbytes());
  return out;
}

Tensor CudaBackend::download(const Tensor &t) {
  if (t.device().is_cpu()) return t.contiguous();
  AIGC_CHECK(t.device() == device(), Status::invalid_argument, "download: {} is on another device",
             t.describe());
  AIGC_CHECK(t.is_contiguous(), Status::invalid_argument, "download of strided device tensor {}",
             t.describe());
  // The result lives in a pinned block, so the copy is one DMA with no bounce buffer.
  const size_t bytes = t.nbytes();
  size_t granted = 0;
  void *p = pinned_memory_->allocate(bytes, &granted);
  CachingAllocator *pool = pinned_memory_.get();
  auto storage = std::make_shared<Storage>(
      p, bytes, Device::cpu(), [pool, granted](void *d, size_t) { pool->deallocate(d, granted); }, false);
  Tensor out(storage, 0, t.shape(), t.dtype());
  if (bytes) check(cudaMemcpyAsync(p, t.data(), bytes, cudaMemcpyDeviceToHost, stream_), "download");
  check(cudaStreamSynchronize(stream_), "download");
  return out;
}

void CudaBackend::write(const Tensor &dst, const Tensor &src) {
  AIGC_CHECK(dst.device() == device() && dst.is_contiguous() && src.is_contiguous() &&
                 dst.shape() == src.shape() && dst.dtype() == src.dtype(),
             Status::invalid_argument, "write: {} <- {}", dst.describe(), src.describe());
  if (!src.nbytes()) return;
  if (src.device().is_cpu()) return copy_host_to_device(dst.data(), src.data(), src.nbytes());
  check(cudaMemcpyAsync(dst.data(), src.data(), src.nbytes(), cudaMemcpyDeviceToDevice, stream_),
        "write");
}

void CudaBackend::synchronize() { check(cudaStreamSynchronize(stream_), "synchronize"); }

}  // namespace aigc::cuda

namespace aigc {

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
  try {
    return std::make_unique<cuda::CudaBackend>(0);
  } catch (const Error &e) {
    if (why) *why = e.what();
    return nullptr;
  }
}

}  // namespace aigc
