// The two ceilings a GPU benchmark is measured against, read off the device in use:
// memory bandwidth (a large device-to-device copy, bytes read + written) and dense f16
// tensor-core throughput (a large cuBLAS GEMM with f32 accumulation). Prints one JSON line.
//
//   bench_gpu_ceilings [--bytes N]
#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

void check(cudaError_t e, const char *what) {
  if (e == cudaSuccess) return;
  std::fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(e));
  std::exit(1);
}

void check(cublasStatus_t s, const char *what) {
  if (s == CUBLAS_STATUS_SUCCESS) return;
  std::fprintf(stderr, "%s: cuBLAS status %d\n", what, int(s));
  std::exit(1);
}

__global__ void fill(__half *p, size_t n, unsigned seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    unsigned x = unsigned(i) * 2654435761u ^ seed;  // random data: zeros time too fast
    x ^= x >> 13;
    x *= 0x5bd1e995u;
    p[i] = __float2half(float(x & 0xffff) / 65536.f - 0.5f);
  }
}

// Median seconds of `reps` runs of fn, timed with events after a warm-up.
template <class F> double time_median(F fn, int reps) {
  cudaEvent_t a, b;
  check(cudaEventCreate(&a), "event");
  check(cudaEventCreate(&b), "event");
  fn();
  check(cudaDeviceSynchronize(), "warm-up");
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    check(cudaEventRecord(a), "record");
    fn();
    check(cudaEventRecord(b), "record");
    check(cudaEventSynchronize(b), "sync");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, a, b), "elapsed");
    t.push_back(ms / 1e3);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char **argv) {
  size_t bytes = size_t(2) << 30;
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--bytes")) bytes = std::strtoull(argv[++i], nullptr, 10);
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, 0), "properties");

  // Bandwidth: copy `bytes` between two buffers.
  void *src = nullptr, *dst = nullptr;
  check(cudaMalloc(&src, bytes), "malloc");
  check(cudaMalloc(&dst, bytes), "malloc");
  fill<<<4096, 256>>>(static_cast<__half *>(src), bytes / 2, 1);
  check(cudaGetLastError(), "fill");
  const double copy_s = time_median([&] { check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice), "copy"); }, 20);
  const double bw = 2.0 * double(bytes) / copy_s;
  check(cudaFree(src), "free");
  check(cudaFree(dst), "free");

  // f16 GEMM 8192^3 with f32 accumulation.
  const int n = 8192;
  __half *a = nullptr, *b = nullptr, *c = nullptr;
  check(cudaMalloc(&a, size_t(n) * n * 2), "malloc");
  check(cudaMalloc(&b, size_t(n) * n * 2), "malloc");
  check(cudaMalloc(&c, size_t(n) * n * 2), "malloc");
  fill<<<4096, 256>>>(a, size_t(n) * n, 2);
  fill<<<4096, 256>>>(b, size_t(n) * n, 3);
  check(cudaGetLastError(), "fill");
  cublasHandle_t h;
  check(cublasCreate(&h), "cublasCreate");
  const float one = 1.f, zero = 0.f;
  const double gemm_s = time_median([&] {
    check(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a, CUDA_R_16F, n, b, CUDA_R_16F, n, &zero, c,
                       CUDA_R_16F, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          "gemm");
  }, 10);
  const double flops = 2.0 * double(n) * n * n / gemm_s;
  cublasDestroy(h);
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);

  std::printf("{\"device\":\"%s\",\"sms\":%d,\"copy_bytes\":%zu,\"bandwidth_bytes_s\":%.0f,"
              "\"f16_gemm_flop_s\":%.0f}\n",
              prop.name, prop.multiProcessorCount, bytes, bw, flops);
  std::printf("# %s: %.0f GB/s device copy (read + write), %.0f TFLOP/s f16 GEMM\n", prop.name, bw / 1e9,
              flops / 1e12);
  return 0;
}
