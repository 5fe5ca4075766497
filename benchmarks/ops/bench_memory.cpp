// Memory-bound ops on the CPU backend, in GB/s of (bytes read + bytes written) / time,
// printed beside the machine's streaming-read bandwidth (the floor these ops approach)
// and a peer measured in the same run: Eigen array expressions for add / silu, plain
// scalar loops (the core reference conversions, OpenMP-parallel) for casts and gathers.
// Every op allocates its output, so the peers do too (inside the timed call): both sides
// pay the page faults of first touching a fresh buffer.
#include <Eigen/Core>
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <vector>

#include "aigc/core/half.hpp"
#include "aigc/core/quant.hpp"
#include "backend/registry.hpp"
#include "ops/bench_common.hpp"
#include "ops/binary.hpp"
#include "ops/cast.hpp"
#include "ops/embedding.hpp"
#include "ops/unary.hpp"

using namespace aigc;
using namespace aigc::bench;

namespace {

constexpr double kGB = 1e9;
constexpr int64_t kElems = (int64_t(64) << 20) / 4;  // 64 MiB of f32

Tensor filled(int64_t n, float offset) {
  Tensor t = Tensor::empty({n}, DType::f32);
  float *p = t.data_as<float>();
#pragma omp parallel for
  for (int64_t i = 0; i < n; ++i) p[i] = float((i * 7919) % 2001) / 1000.f - 1.f + offset;
  return t;
}

using ArrayMap = Eigen::Map<Eigen::ArrayXf>;

}  // namespace

int main() {
  const int threads = bench_threads();
  const ExecContext ctx{&get_backend("cpu"), threads};
  const double floor = peak_read_bandwidth(threads) / kGB;
  fmt::print("bench_memory: {} threads; floor = streaming read bandwidth; GB/s = (read + written) / time\n",
             threads);

  const Tensor a = filled(kElems, 0.f), b = filled(kElems, 0.5f);
  const double f32_bytes = double(kElems) * 4;
  ArrayMap ea(a.data_as<float>(), kElems), eb(b.data_as<float>(), kElems);

  {  // add: read 2 x 64 MiB, write 64 MiB
    Tensor out;
    const double s = time_median([&] { out = ops::add(ctx, a, b); });
    const double p = time_median([&] { Eigen::ArrayXf r = ea + eb; });
    report("add f32 64MiB + 64MiB", "GB/s", 3 * f32_bytes / s / kGB, floor, "eigen",
           3 * f32_bytes / p / kGB);
    // The same expression into a buffer that is already mapped: what page faults on a
    // fresh output cost every op above.
    Eigen::ArrayXf warm(kElems);
    const double w = time_median([&] { warm = ea + eb; });
    report("  (eigen add into a warm buffer)", "GB/s", 3 * f32_bytes / w / kGB, floor, "-", 0.0);
  }
  {  // silu: read 64 MiB, write 64 MiB
    Tensor out;
    const double s = time_median([&] { out = ops::silu(ctx, a); });
    const double p = time_median([&] { Eigen::ArrayXf r = ea / (1.f + (-ea).exp()); });
    report("silu f32 64MiB", "GB/s", 2 * f32_bytes / s / kGB, floor, "eigen",
           2 * f32_bytes / p / kGB);
    const Tensor h = a.to(DType::f16);
    const uint16_t *hp = static_cast<const uint16_t *>(h.data());
    const double sh = time_median([&] { out = ops::silu(ctx, h); });
    const double ph = time_median([&] {
      std::unique_ptr<uint16_t[]> r(new uint16_t[size_t(kElems)]);
#pragma omp parallel for num_threads(threads)
      for (int64_t i = 0; i < kElems; ++i) {
        const float v = f16_to_f32(hp[i]);
        r[size_t(i)] = f32_to_f16(v / (1.f + std::exp(-v)));
      }
    });
    report("silu f16 32MiB", "GB/s", f32_bytes / sh / kGB, floor, "loop", f32_bytes / ph / kGB);
  }
  {  // cast f32 -> f16: read 64 MiB, write 32 MiB
    Tensor out;
    const float *src = a.data_as<float>();
    const double s = time_median([&] { out = ops::cast(ctx, a, DType::f16); });
    const double p = time_median([&] {
      std::unique_ptr<uint16_t[]> peer(new uint16_t[size_t(kElems)]);
#pragma omp parallel for num_threads(threads)
      for (int64_t i = 0; i < kElems; ++i) peer[size_t(i)] = f32_to_f16(src[i]);
    });
    report("cast f32->f16 64MiB", "GB/s", 1.5 * f32_bytes / s / kGB, floor, "loop",
           1.5 * f32_bytes / p / kGB);
  }
  {  // cast f32 -> q8_0: read 64 MiB, write 64 MiB * 34/128
    Tensor out;
    const int64_t blocks = kElems / kQK, rows = 1024, per_row = kElems / rows;
    const float *src = a.data_as<float>();
    const double bytes = f32_bytes * (1.0 + 34.0 / 128.0);
    const double s = time_median([&] { out = ops::cast(ctx, a, DType::q8_0); });
    const double p = time_median([&] {
      std::unique_ptr<BlockQ8_0[]> peer(new BlockQ8_0[size_t(blocks)]);
#pragma omp parallel for num_threads(threads)
      for (int64_t r = 0; r < rows; ++r)
        quantize_row_q8_0(src + r * per_row, peer.get() + r * per_row / kQK, per_row);
    });
    report("cast f32->q8_0 64MiB", "GB/s", bytes / s / kGB, floor, "loop", bytes / p / kGB);
  }
  {  // embedding: 4096 rows of a [32000, 2048] table, written as f32
    const int64_t vocab = 32000, dim = 2048, n = 4096;
    std::vector<int32_t> idv(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) idv[size_t(i)] = int32_t((i * 7901) % vocab);
    const Tensor ids = Tensor::from_vector<int32_t>(idv, {n});
    for (DType t : {DType::f32, DType::f16, DType::q8_0}) {
      const Tensor table = filled(vocab * dim, 0.f).reshape({vocab, dim}).to(t);
      const double row_bytes = double(dtype_bytes(t, dim));
      const double bytes = double(n) * (row_bytes + double(dim) * 4);
      Tensor out;
      const char *base = static_cast<const char *>(table.data());
      const double s = time_median([&] { out = ops::embedding(ctx, table, ids); });
      const double p = time_median([&] {
        std::unique_ptr<float[]> peer(new float[size_t(n * dim)]);
#pragma omp parallel for num_threads(threads)
        for (int64_t i = 0; i < n; ++i)
          convert_row(t, base + dtype_bytes(t, int64_t(idv[size_t(i)]) * dim), DType::f32,
                      peer.get() + i * dim, dim);
      });
      report(fmt::format("embedding {} [32000,2048] x 4096 ids", dtype_name(t)), "GB/s",
             bytes / s / kGB, floor, "loop", bytes / p / kGB);
    }
  }
  return 0;
}
