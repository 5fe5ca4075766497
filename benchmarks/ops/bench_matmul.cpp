// ops::linear on the CPU backend at LLM and convolution-like GEMM shapes.
// Compute-bound shapes print GFLOP/s beside the machine's measured sgemm peak; M=1
// decode shapes print GB/s of weight bytes beside the measured read bandwidth. The
// peer is Eigen's float matmul on the same shape (f32 weights), and for quantized
// M=1 also the dequantize-then-oneDNN-sgemm alternative to our integer kernels
// (reached through the CPU backend's internal header: a benchmark may look inside).
// Decode shapes rotate through weight copies larger than L3, so weights come from DRAM.
// `bench_matmul gemv` (also run at the end) measures the quantized GEMV's speed and NMSE
// at small-model decode shapes with best-of-many timing.
#include <fmt/format.h>
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "backend/cpu/cpu_backend.hpp"
#include "backend/cpu/matmul_quant.hpp"
#include "backend/registry.hpp"
#include "ops/bench_common.hpp"
#include "ops/matmul.hpp"

using namespace aigc;
using namespace aigc::bench;

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Enough copies of a weight to stream past the 32 MiB L3 each round, so decode
// shapes read their weights from DRAM as a real model's layers do.
std::vector<Tensor> weight_copies(const Tensor &w, bool stream) {
  const size_t target = size_t(96) << 20;
  const size_t n = stream ? std::max<size_t>(1, (target + w.nbytes() - 1) / w.nbytes()) : 1;
  std::vector<Tensor> copies{w};
  while (copies.size() < n) copies.push_back(w.clone());
  return copies;
}

void bench_linear(const ExecContext &ctx, int64_t M, int64_t K, int64_t N,
                  const std::vector<DType> &types, double peak, double bw) {
  const Tensor x = random_f32({M, K}, uint32_t(M + K));
  const bool decode = M == 1;
  const double budget = M >= 512 ? 1.0 : 0.4;
  const double flops = 2.0 * double(M) * double(K) * double(N);

  // Peer: Eigen f32, out[M, N] = x[M, K] @ w[N, K]^T.
  const std::vector<Tensor> w32 = weight_copies(random_f32({N, K}, uint32_t(N + 3 * K)), decode);
  RowMajor Y(M, N);
  size_t next = 0;
  Eigen::Map<const RowMajor> X(x.data_as<float>(), M, K);
  const double eigen_s = time_median(
      [&] {
        Eigen::Map<const RowMajor> W(w32[next++ % w32.size()].data_as<float>(), N, K);
        Y.noalias() = X * W.transpose();
      },
      budget);

  for (DType t : types) {
    const std::vector<Tensor> ws = weight_copies(t == DType::f32 ? w32[0] : w32[0].to(t), decode);
    next = 0;
    const double s = time_median([&] { ops::linear(ctx, x, ws[next++ % ws.size()]); }, budget);
    const std::string name = fmt::format("linear {} M={} K={} N={}", dtype_name(t), M, K, N);
    if (!decode) {
      report(name, "GFLOP/s", flops / s / 1e9, peak / 1e9, "eigen-f32", flops / eigen_s / 1e9);
      continue;
    }
    // Decode: bandwidth bound; GB/s of the weight bytes each call must read.
    const double bytes = double(ws[0].nbytes());
    if (!is_quantized(t)) {
      report(name, "GB/s", bytes / s / 1e9, bw / 1e9, "eigen-f32",
             double(w32[0].nbytes()) / eigen_s / 1e9);
      continue;
    }
    // The alternative to our integer kernels: decode to f32 panels, oneDNN sgemm.
    std::vector<float> out(static_cast<size_t>(N), 0.f);
    cpu::WeightMatmulParams p;
    p.a = x.data_as<float>();
    p.lda = K;
    p.M = 1;
    p.K = K;
    p.w_type = t;
    p.N = N;
    p.out = out.data();
    p.ldo = N;
    next = 0;
    const double alt = time_median(
        [&] {
          p.w = ws[next++ % ws.size()].data();
          cpu::OmpThreads threads(ctx.n_threads);
          cpu::weight_matmul(p, ctx.n_threads, cpu::WeightPath::dequant_gemm);
        },
        budget);
    report(name, "GB/s", bytes / s / 1e9, bw / 1e9, "deq+onednn", bytes / alt / 1e9);
    fmt::print("{:<44} {:>10.1f} us   (eigen-f32 {:.1f} us, deq+onednn {:.1f} us)\n", "", s * 1e6,
               eigen_s * 1e6, alt * 1e6);
  }
}

// Small-M quantized GEMV (int16 activation blocks) against the exact dequantize + sgemm
// path, M = 1, 1 and 2 threads, at SmolLM2-135M (K=576, N=1536) and 1B-class (K=2048,
// N=5632) shapes: GB/s of weight bytes (best of 600 calls: robust on a shared machine,
// where `bench_linear`'s medians are scheduler noise; both paths interleaved so they see
// the same load) and NMSE against f32 activations times the same dequantized weights,
// accumulated in double.
void bench_gemv_precision(bool from_dram = true) {
  struct Shape2 {
    int64_t K, N;
  };
  fmt::print("\nquantized gemv, M=1, vs dequantize + sgemm (best of {} calls, {})\n",
             600, from_dram ? "weights from DRAM" : "weights cache-resident");
  fmt::print("{:<28} {:>3} {:>12} {:>12} {:>8} {:>10} {:>10}\n", "case", "thr", "gemv GB/s",
             "deq+sgemm", "ratio", "gemv NMSE", "deq NMSE");
  for (const Shape2 sh : {Shape2{576, 1536}, Shape2{2048, 5632}}) {
    const Tensor x = random_f32({1, sh.K}, uint32_t(sh.K + 1));
    const Tensor w32 = random_f32({sh.N, sh.K}, uint32_t(sh.N + 3 * sh.K));
    for (DType t : {DType::q8_0, DType::q4_0, DType::q4_1}) {
      const std::vector<Tensor> ws = weight_copies(w32.to(t), from_dram);
      const double bytes = double(ws[0].nbytes());
      // Reference in double: x . dequantized w.
      const std::vector<float> wf = ws[0].to(DType::f32).to_f32_vector();
      const float *xf = x.data_as<float>();
      std::vector<double> want(size_t(sh.N), 0.0);
      for (int64_t n = 0; n < sh.N; ++n)
        for (int64_t k = 0; k < sh.K; ++k) want[n] += double(xf[k]) * double(wf[n * sh.K + k]);
      std::vector<float> out(size_t(sh.N));
      cpu::WeightMatmulParams p;
      p.a = xf;
      p.lda = sh.K;
      p.M = 1;
      p.K = sh.K;
      p.w_type = t;
      p.N = sh.N;
      p.out = out.data();
      p.ldo = sh.N;
      const cpu::WeightPath paths[2] = {cpu::WeightPath::gemv, cpu::WeightPath::dequant_gemm};
      double nmse[2];
      for (int i = 0; i < 2; ++i) {
        p.w = ws[0].data();
        cpu::weight_matmul(p, 1, paths[i]);
        double err = 0, ref = 0;
        for (int64_t n = 0; n < sh.N; ++n) {
          err += (double(out[n]) - want[n]) * (double(out[n]) - want[n]);
          ref += want[n] * want[n];
        }
        nmse[i] = err / ref;
      }
      for (int threads : {1, 2}) {
        cpu::OmpThreads omp(threads);
        double best[2] = {1e9, 1e9};
        size_t next = 0;
        for (int rep = 0; rep < 600; ++rep) {
          for (int k = 0; k < 2; ++k) {  // alternate which kernel goes first
            const int i = (rep + k) % 2;
            p.w = ws[next++ % ws.size()].data();
            const auto t0 = std::chrono::steady_clock::now();
            cpu::weight_matmul(p, threads, paths[i]);
            best[i] = std::min(
                best[i], std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
          }
        }
        fmt::print("{:<28} {:>3} {:>12.1f} {:>12.1f} {:>8.2f} {:>10.1e} {:>10.1e}\n",
                   fmt::format("{} K={} N={}", dtype_name(t), sh.K, sh.N), threads,
                   bytes / best[0] / 1e9, bytes / best[1] / 1e9, best[1] / best[0], nmse[0],
                   nmse[1]);
      }
    }
  }
}

}  // namespace

int main(int argc, char **argv) {
  // `bench_matmul gemv` runs only the quantized GEMV comparison; `gemv-cached` the same
  // with one weight copy (L2/L3 resident: the kernels' instruction throughput).
  if (argc > 1 && (std::string(argv[1]) == "gemv" || std::string(argv[1]) == "gemv-cached")) {
    bench_gemv_precision(std::string(argv[1]) == "gemv");
    return 0;
  }
  const int threads = bench_threads();
  Eigen::setNbThreads(threads);
  omp_set_num_threads(threads);
  const ExecContext ctx{&get_backend("cpu"), threads};
  const double peak = peak_flops(threads);
  const double bw = peak_read_bandwidth(threads);
  fmt::print(
      "matmul benchmark: {} threads, sgemm peak {:.1f} GFLOP/s, read bandwidth {:.1f} GB/s\n",
      threads, peak / 1e9, bw / 1e9);

  const std::vector<DType> llm_types = {DType::f32, DType::f16, DType::q8_0, DType::q4_0,
                                        DType::q4_1};
  for (int64_t N : {2048, 5632})
    for (int64_t M : {1, 32, 512}) bench_linear(ctx, M, 2048, N, llm_types, peak, bw);
  // Convolution-like GEMMs (im2col of an SD UNet / VAE layer): f32 only.
  bench_linear(ctx, 4096, 2880, 320, {DType::f32}, peak, bw);
  bench_linear(ctx, 1024, 576, 64, {DType::f32}, peak, bw);
  bench_gemv_precision();
  return 0;
}
