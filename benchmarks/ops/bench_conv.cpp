// ops::conv2d / ops::conv_transpose2d on the CPU backend at the shapes the image models
// here run: TAESD-family 64-channel 3x3 convs, SD-UNet-like 320-channel 3x3 convs (batch
// 1) and DCGAN's 4x4 stride-2 transposed conv. Each prints GFLOP/s beside the machine's
// measured sgemm peak and beside a peer measured in the same run: im2col (col2im for
// the transposed conv) around an Eigen f32 GEMM, written below. avg_pool2d and upsample
// (memory-bound) print GB/s beside the read bandwidth and beside oneDNN's own primitive
// on plain NCHW (the upsample peer runs at 16 channels: larger outputs crash oneDNN 2.6's
// resampling).
#include <fmt/format.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <vector>

#include "backend/registry.hpp"
#include "ops/bench_common.hpp"
#include "ops/conv2d.hpp"
#include "ops/avg_pool2d.hpp"
#include "ops/conv_transpose2d.hpp"
#include "ops/upsample.hpp"

using namespace aigc;
using namespace aigc::bench;

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Square-kernel geometry shared by both peers (groups = 1, dilation = 1).
struct Geometry {
  int64_t cin, cout, k, stride, pad;
};

// Peer conv2d: cols[Cin*K*K, OH*OW] gathered from x, then out[Cout, OH*OW] = w @ cols.
// x: [1, Cin, H, W]; w: [Cout, Cin, K, K]; out: [1, Cout, OH, OW]
void im2col_conv(const Tensor &x, const Tensor &w, const Geometry &g, RowMajor &cols,
                 float *out, int64_t oh, int64_t ow) {
  const int64_t h = x.size(2), wd = x.size(3);
  const float *xp = x.data_as<float>();
#pragma omp parallel for collapse(2)
  for (int64_t c = 0; c < g.cin; ++c)
    for (int64_t ky = 0; ky < g.k; ++ky)
      for (int64_t kx = 0; kx < g.k; ++kx) {
        float *row = cols.data() + ((c * g.k + ky) * g.k + kx) * oh * ow;
        for (int64_t oy = 0; oy < oh; ++oy) {
          const int64_t iy = oy * g.stride - g.pad + ky;
          for (int64_t ox = 0; ox < ow; ++ox) {
            const int64_t ix = ox * g.stride - g.pad + kx;
            row[oy * ow + ox] =
                (iy >= 0 && iy < h && ix >= 0 && ix < wd) ? xp[(c * h + iy) * wd + ix] : 0.f;
          }
        }
      }
  Eigen::Map<const RowMajor> W(w.data_as<float>(), g.cout, g.cin * g.k * g.k);
  Eigen::Map<RowMajor> Y(out, g.cout, oh * ow);
  Y.noalias() = W * cols;
}

// Peer conv_transpose2d: cols[Cout*K*K, H*W] = w^T @ x, then scattered (col2im) into out.
// x: [1, Cin, H, W]; w: [Cin, Cout, K, K]; out: [1, Cout, OH, OW]
void col2im_deconv(const Tensor &x, const Tensor &w, const Geometry &g, RowMajor &cols,
                   float *out, int64_t oh, int64_t ow) {
  const int64_t h = x.size(2), wd = x.size(3);
  Eigen::Map<const RowMajor> X(x.data_as<float>(), g.cin, h * wd);
  Eigen::Map<const RowMajor> W(w.data_as<float>(), g.cin, g.cout * g.k * g.k);
  cols.noalias() = W.transpose() * X;
#pragma omp parallel for
  for (int64_t c = 0; c < g.cout; ++c) {
    float *plane = out + c * oh * ow;
    std::fill(plane, plane + oh * ow, 0.f);
    for (int64_t ky = 0; ky < g.k; ++ky)
      for (int64_t kx = 0; kx < g.k; ++kx) {
        const float *row = cols.data() + ((c * g.k + ky) * g.k + kx) * h * wd;
        for (int64_t iy = 0; iy < h; ++iy) {
          const int64_t oy = iy * g.stride - g.pad + ky;
          if (oy < 0 || oy >= oh) continue;
          for (int64_t ix = 0; ix < wd; ++ix) {
            const int64_t ox = ix * g.stride - g.pad + kx;
            if (ox >= 0 && ox < ow) plane[oy * ow + ox] += row[iy * wd + ix];
          }
        }
      }
  }
}

// Largest |a - b| relative to max |a|: the peer must compute the same thing.
double max_rel_diff(const Tensor &a, const std::vector<float> &b) {
  const float *p = a.data_as<float>();
  double diff = 0, scale = 1e-30;
  for (size_t i = 0; i < b.size(); ++i) {
    diff = std::max(diff, double(std::fabs(p[i] - b[i])));
    scale = std::max(scale, double(std::fabs(p[i])));
  }
  return diff / scale;
}

void bench_conv(const ExecContext &ctx, const std::string &name, int64_t hw, const Geometry &g,
                double peak) {
  const Tensor x = random_f32({1, g.cin, hw, hw}, uint32_t(g.cin + hw));
  const Tensor w = random_f32({g.cout, g.cin, g.k, g.k}, uint32_t(g.cout * 7 + g.k));
  const Tensor b = random_f32({g.cout}, 3);
  const auto opts = ops::Conv2dOptions::square(int(g.stride), int(g.pad));
  const Tensor y = ops::conv2d(ctx, x, w, b, opts);
  const int64_t oh = y.size(2), ow = y.size(3);
  const double budget = 2.0 * double(g.cout) * g.cin * g.k * g.k * oh * ow > 2e9 ? 1.5 : 0.6;
  const double ours = time_median([&] { ops::conv2d(ctx, x, w, b, opts); }, budget);

  omp_set_num_threads(ctx.n_threads);
  RowMajor cols(g.cin * g.k * g.k, oh * ow);
  std::vector<float> peer_out(size_t(g.cout * oh * ow));
  const auto peer_run = [&] {
    im2col_conv(x, w, g, cols, peer_out.data(), oh, ow);
    const float *bp = b.data_as<float>();
    for (int64_t c = 0; c < g.cout; ++c)  // bias, as ours adds it
      for (int64_t i = 0; i < oh * ow; ++i) peer_out[size_t(c * oh * ow + i)] += bp[c];
  };
  const double peer = time_median(peer_run, budget);
  peer_run();
  if (max_rel_diff(y, peer_out) > 1e-4) fmt::print("  WARNING: peer result differs\n");

  const double flops = 2.0 * double(g.cout) * g.cin * g.k * g.k * oh * ow;
  report(name, "GFLOP/s", flops / ours / 1e9, peak / 1e9, "im2col+Eigen", flops / peer / 1e9);
}

void bench_deconv(const ExecContext &ctx, const std::string &name, int64_t hw, const Geometry &g,
                  double peak) {
  const Tensor x = random_f32({1, g.cin, hw, hw}, uint32_t(g.cin + hw));
  const Tensor w = random_f32({g.cin, g.cout, g.k, g.k}, uint32_t(g.cout * 7 + g.k));
  const auto opts = ops::ConvTranspose2dOptions::square(int(g.stride), int(g.pad));
  const Tensor y = ops::conv_transpose2d(ctx, x, w, Tensor(), opts);
  const int64_t oh = y.size(2), ow = y.size(3);
  const double ours = time_median([&] { ops::conv_transpose2d(ctx, x, w, Tensor(), opts); }, 0.6);

  omp_set_num_threads(ctx.n_threads);
  RowMajor cols(g.cout * g.k * g.k, hw * hw);
  std::vector<float> peer_out(size_t(g.cout * oh * ow));
  const double peer = time_median(
      [&] { col2im_deconv(x, w, g, cols, peer_out.data(), oh, ow); }, 0.6);
  if (max_rel_diff(y, peer_out) > 1e-4) fmt::print("  WARNING: peer result differs\n");

  const double flops = 2.0 * double(g.cin) * g.cout * g.k * g.k * hw * hw;
  report(name, "GFLOP/s", flops / ours / 1e9, peak / 1e9, "col2im+Eigen", flops / peer / 1e9);
}

// Seconds per call of a oneDNN pooling / resampling primitive on plain NCHW f32 buffers.
template <class Desc, class Prim>
double dnnl_seconds(const Desc &desc, const dnnl::memory::dims &xd, const dnnl::memory::dims &yd,
                    int threads) {
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream s(eng);
  typename Prim::primitive_desc pd(desc, eng);
  Prim prim(pd);
  const auto tag = dnnl::memory::format_tag::nchw;
  dnnl::memory x({xd, dnnl::memory::data_type::f32, tag}, eng);
  dnnl::memory y({yd, dnnl::memory::data_type::f32, tag}, eng);
  std::fill_n(static_cast<float *>(x.get_data_handle()), x.get_desc().get_size() / 4, 1.f);
  omp_set_num_threads(threads);
  return time_median([&] {
    prim.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
    s.wait();
  });
}

void bench_pool_and_upsample(const ExecContext &ctx, double bw) {
  using dims = dnnl::memory::dims;
  const auto f32 = dnnl::memory::data_type::f32;
  const auto nchw = dnnl::memory::format_tag::nchw;
  const auto inference = dnnl::prop_kind::forward_inference;
  {  // 2x2/2 average pool, 256x128x128 -> 64x64
    const Tensor x = random_f32({1, 256, 128, 128}, 5);
    const auto o = ops::AvgPool2dOptions::square(2, 2);
    const double ours = time_median([&] { ops::avg_pool2d(ctx, x, o); });
    const dims xd = {1, 256, 128, 128}, yd = {1, 256, 64, 64};
    const dnnl::pooling_forward::desc d(inference, dnnl::algorithm::pooling_avg_include_padding,
                                        {xd, f32, nchw}, {yd, f32, nchw}, {2, 2}, {2, 2},
                                        {0, 0}, {0, 0});
    const double peer = dnnl_seconds<dnnl::pooling_forward::desc, dnnl::pooling_forward>(
        d, xd, yd, ctx.n_threads);
    const double bytes = 1.25 * double(x.nbytes());  // read x, write a quarter of it
    report("avg_pool2d 2x2/2 256x128x128", "GB/s", bytes / ours / 1e9, bw / 1e9, "oneDNN",
           bytes / peer / 1e9);
  }
  for (UpsampleMode mode : {UpsampleMode::nearest, UpsampleMode::bilinear}) {
    const bool nearest = mode == UpsampleMode::nearest;
    const dims xd = {1, 16, 64, 64}, yd = {1, 16, 128, 128};
    const Tensor x = random_f32({1, 16, 64, 64}, 6);
    const double ours = time_median([&] { ops::upsample(ctx, x, mode, 2); });
    const dnnl::resampling_forward::desc d(
        inference, nearest ? dnnl::algorithm::resampling_nearest : dnnl::algorithm::resampling_linear,
        {xd, f32, nchw}, {yd, f32, nchw});
    const double peer = dnnl_seconds<dnnl::resampling_forward::desc, dnnl::resampling_forward>(
        d, xd, yd, ctx.n_threads);
    const double bytes = 5.0 * double(x.nbytes());  // read x, write 4x
    report(fmt::format("upsample {} 2x 16x64x64", nearest ? "nearest" : "bilinear"), "GB/s",
           bytes / ours / 1e9, bw / 1e9, "oneDNN", bytes / peer / 1e9);
  }
}

}  // namespace

int main() {
  const int threads = bench_threads();
  const ExecContext ctx{&get_backend("cpu"), threads};
  const double peak = peak_flops(threads);
  fmt::print("conv benchmarks, {} threads, batch 1, f32 (floor = measured sgemm peak)\n",
             threads);
  bench_conv(ctx, "conv2d TAESD 64->64 3x3 64x64", 64, {64, 64, 3, 1, 1}, peak);
  bench_conv(ctx, "conv2d TAESD 64->64 3x3 128x128", 128, {64, 64, 3, 1, 1}, peak);
  bench_conv(ctx, "conv2d UNet 320->320 3x3 32x32", 32, {320, 320, 3, 1, 1}, peak);
  bench_conv(ctx, "conv2d UNet 320->320 3x3 64x64", 64, {320, 320, 3, 1, 1}, peak);
  bench_deconv(ctx, "conv_transpose2d DCGAN 256->128 4x4 s2 7x7", 7, {256, 128, 4, 2, 1}, peak);
  bench_pool_and_upsample(ctx, peak_read_bandwidth(threads));
  return 0;
}
