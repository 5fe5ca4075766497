#include "ops/bench_common.hpp"

#include <fmt/format.h>
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
  std::unique_ptr<float[]> buf(new float[n]);
#pragma omp parallel for num_threads(threads)
  for (size_t i = 0; i < n; ++i) buf[i] = float(i & 7);
  volatile float sink = 0;
  const double s = time_median(
      [&] {
        float total = 0;
#pragma omp parallel for simd reduction(+ : total) num_threads(threads)
        for (size_t i = 0; i < n; ++i) total += buf[i];
        sink = total;
      },
      1.0);
  (void)sink;
  return cache[threads] = double(n * sizeof(float)) / s;
}

void report(const std::string &name, const std::string &unit, double ours, double floor,
            const std::string &peer_name, double peer) {
  fmt::print("{:<44} {:>10.2f} {:<7} floor {:>9.2f} ({:>5.1f}%)  {} {:>9.2f}\n", name, ours, unit,
             floor, 100.0 * ours / floor, peer_name, peer);
}

}  // namespace aigc::bench
