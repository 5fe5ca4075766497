// Rotary position embedding (RopeArgs), f32, x [B, T, H, D] (any strides), positions
// i32 [T] on the device.
//
// 1. rope_table_kernel: cos / sin of every (token, pair) in double, exactly the
//    reference's expression (pow(theta, -2i/n_rot), then (pos * freq_scale) * freq), so
//    large positions keep their angle; rounded to float once, as the CPU kernel does.
// 2. rope_apply_kernel: one warp per (b, t, h) head, lanes over the head dim; rotated
//    pairs in f32, the dims past n_rot copied.
#include <algorithm>
#include <memory>

#include "backend/cuda/cuda_common.cuh"

namespace aigc::cuda {
namespace {

// table[t * half + i] = (cos, sin) of the angle of pair i at token t.
__global__ void rope_table_kernel(const int32_t *pos, int64_t pos_step, int64_t nt, int64_t half,
                                  int n_rot, double theta, double freq_scale, float2 *table) {
  const int64_t n = nt * half;
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < n;
       idx += int64_t(gridDim.x) * blockDim.x) {
    const int64_t t = idx / half, i = idx % half;
    const double freq = pow(theta, -2.0 * double(i) / double(n_rot));
    const double angle = double(pos[t * pos_step]) * freq_scale * freq;
    double s, c;
    sincos(angle, &s, &c);
    table[idx] = make_float2(float(c), float(s));
  }
}

struct RopeParams {
  const float *x;
  int64_t xs[4];  // strides of x [B, T, H, D] in elements
  float *y;       // contiguous [B, T, H, D]
  const float2 *table;
  int64_t nt, nh, d, half;
  int n_rot;
  bool interleaved;
};

// Pairs: interleaved (2i, 2i+1), half_split (i, i + half). For a pair (x0, x1) at angle
// (c, s): y0 = x0 c - x1 s, y1 = x0 s + x1 c, as in the reference.
__global__ void rope_apply_kernel(RopeParams p, int64_t rows) {
  const int lane = threadIdx.x & 31;
  const int64_t warps_per_block = blockDim.x >> 5;
  const int64_t stride = int64_t(gridDim.x) * warps_per_block;
  for (int64_t r = blockIdx.x * warps_per_block + (threadIdx.x >> 5); r < rows; r += stride) {
    const int64_t h = r % p.nh, t = (r / p.nh) % p.nt, b = r / (p.nh * p.nt);
    const float *xr = p.x + b * p.xs[0] + t * p.xs[1] + h * p.xs[2];
    const int64_t xd = p.xs[3];
    float *yr = p.y + r * p.d;
    const float2 *tab = p.table + t * p.half;
    for (int64_t j = lane; j < p.d; j += 32) {
      const float xj = xr[j * xd];
      if (j >= p.n_rot) {
        yr[j] = xj;
        continue;
      }
      int64_t i, partner;
      bool first;
      if (p.interleaved) {
        i = j >> 1;
        first = (j & 1) == 0;
        partner = j ^ 1;
      } else {
        first = j < p.half;
        i = first ? j : j - p.half;
        partner = first ? j + p.half : j - p.half;
      }
      const float2 cs = tab[i];
      const float xp = xr[partner * xd];
      yr[j] = first ? xj * cs.x - xp * cs.y   // y0 = x0 c - x1 s
                    : xp * cs.y + xj * cs.x;  // y1 = x0 s + x1 c
    }
  }
}

void rope(const ExecContext &ctx, const RopeArgs &a) {
  const int64_t nb = a.x.size(0), nt = a.x.size(1), nh = a.x.size(2), d = a.x.size(3);
  if (a.x.numel() == 0) return;
  const cudaStream_t s = stream_of(ctx);
  const int64_t half = a.n_rot / 2;
  const std::shared_ptr<void> keep = backend_of(ctx).scratch(size_t(nt * half) * sizeof(float2));
  float2 *table = static_cast<float2 *>(keep.get());
  rope_table_kernel<<<blocks_for(nt * half), kThreads, 0, s>>>(
      ptr<const int32_t>(a.positions), a.positions.stride(0), nt, half, a.n_rot, double(a.theta),
      double(a.freq_scale), table);
  check_launch("rope (table)");

  RopeParams p{};
  p.x = ptr<const float>(a.x);
  for (int k = 0; k < 4; ++k) p.xs[k] = a.x.stride(k);
  p.y = ptr<float>(a.out);
  p.table = table;
  p.nt = nt;
  p.nh = nh;
  p.d = d;
  p.half = half;
  p.n_rot = a.n_rot;
  p.interleaved = a.mode == RopeMode::interleaved;
  const int64_t rows = nb * nt * nh;
  constexpr int kWarps = 8;
  const unsigned blocks = unsigned(std::min<int64_t>((rows + kWarps - 1) / kWarps, int64_t(1) << 20));
  rope_apply_kernel<<<blocks, kWarps * 32, 0, s>>>(p, rows);
  check_launch("rope");
}

void register_rope(KernelTable &t) { t.add<OpKind::rope>(rope, {DType::f32}); }

}  // namespace
AIGC_CUDA_REGISTER(register_rope);
}  // namespace aigc::cuda
