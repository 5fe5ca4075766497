#include "ops/bench_common.hpp"

#include <fmt/format.h>
#include <immintrin.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <thread>
#include <vector>

namespace aigc::bench {

double time_median(const std::function<void()> &fn, double budget_s) {
  using clock = std::chrono::steady_clock;
  fn();  // warm-up: primitive creation, page faults
  std::vector<double> samples;
  const auto start = clock::now();
  while (samples.size() < 5 ||
         (std::chrono::duration<double>(clock::now() - start).count() < budget_s &&
          samples.size() < 1000)) {
    const auto t0 = clock::now();
    fn();
    samples.push_back(std::chrono::duration<double>(clock::now() - t0).count());
  }
  std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
  return samples[samples.size() / 2];
}

int bench_threads() {
  if (const char *s = std::getenv("AIGC_BENCH_THREADS")) return std::max(1, std::atoi(s));
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

double peak_flops(int threads) {
  static std::map<int, double> cache;
  if (cache.count(threads)) return cache[threads];
  const int64_t n = 2048;
  std::vector<float> a(n * n, 1.f), b(n * n, 0.5f), c(n * n);
  omp_set_num_threads(threads);
  const double s = time_median(
      [&] { dnnl_sgemm('N', 'N', n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n); }, 1.0);
  return cache[threads] = 2.0 * double(n) * n * n / s;
}

double peak_read_bandwidth(int threads) {
  static std::map<int, double> cache;
  if (cache.count(threads)) return cache[threads];
  const size_t n = (size_t(256) << 20) / sizeof(float);
  std::unique_ptr<float, void (*)(void *)> buf(
      static_cast<float *>(std::aligned_alloc(64, n * sizeof(float))), std::free);
#pragma omp parallel for num_threads(threads)
  for (size_t i = 0; i < n; ++i) buf.get()[i] = float(i & 7);
  // Eight independent AVX accumulators per thread so the loop is bound by memory, not
  // by the latency of one add chain.
  volatile float sink = 0;
  const double s = time_median(
      [&] {
        float total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
        {
          __m256 acc[8];
          for (auto &a : acc) a = _mm256_setzero_ps();
#pragma omp for schedule(static)
          for (size_t i = 0; i < n; i += 64)
            for (int k = 0; k < 8; ++k)
              acc[k] = _mm256_add_ps(acc[k], _mm256_load_ps(buf.get() + i + 8 * k));
          for (int k = 1; k < 8; ++k) acc[0] = _mm256_add_ps(acc[0], acc[k]);
          float lanes[8];
          _mm256_storeu_ps(lanes, acc[0]);
          for (float v : lanes) total += v;
        }
        sink = total;
      },
      1.0);
  (void)sink;
  return cache[threads] = double(n * sizeof(float)) / s;
}

Tensor random_f32(const Shape &shape, uint32_t seed) {
  Tensor t = Tensor::empty(shape, DType::f32);
  float *p = t.data_as<float>();
  uint32_t s = seed * 2654435761u + 1;
  for (int64_t i = 0; i < t.numel(); ++i) {
    s = s * 1664525u + 1013904223u;
    p[i] = float(s >> 8) / float(1u << 24) - 0.5f;
  }
  return t;
}

void report(const std::string &name, const std::string &unit, double ours, double floor,
            const std::string &peer_name, double peer) {
  fmt::print("{:<44} {:>10.2f} {:<7} floor {:>9.2f} ({:>5.1f}%)  {} {:>9.2f}\n", name, ours, unit,
             floor, 100.0 * ours / floor, peer_name, peer);
}

}  // namespace aigc::bench
