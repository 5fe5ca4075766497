#include <vector>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// nn.ConvTranspose2d as the scatter it is defined by: every input pixel adds
// x[n, ic, iy, ix] * w[ic, oc', ky, kx] to out[n, g*Cout_g + oc', iy*sh - ph + ky*dh,
// ix*sw - pw + kx*dw] (when inside the output); accumulated in double, then bias.
void conv_transpose2d_kernel(const ExecContext &, const ConvTranspose2dArgs &a) {
  const Tensor x = a.x.contiguous(), w = a.w.contiguous();
  const Tensor bias = a.bias.defined() ? a.bias.contiguous() : Tensor();
  // x: [N, Cin, H, W]; w: [Cin, Cout/g, KH, KW]; out: [N, Cout, OH, OW]
  const int64_t n_batch = x.size(0), cin = x.size(1), h = x.size(2), wd = x.size(3);
  const int64_t cout_g = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t cin_g = cin / a.groups;
  const int64_t cout = a.out.size(1), oh = a.out.size(2), ow = a.out.size(3);
  const float *xp = x.data_as<float>(), *wp = w.data_as<float>();
  const float *bp = bias.defined() ? bias.data_as<float>() : nullptr;

  std::vector<double> acc(size_t(n_batch * cout * oh * ow), 0.0);
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t ic = 0; ic < cin; ++ic) {
      const int64_t oc0 = (ic / cin_g) * cout_g;  // first output channel of ic's group
      for (int64_t iy = 0; iy < h; ++iy)
        for (int64_t ix = 0; ix < wd; ++ix) {
          const double xv = xp[((n * cin + ic) * h + iy) * wd + ix];
          for (int64_t co = 0; co < cout_g; ++co)
            for (int64_t ky = 0; ky < kh; ++ky) {
              const int64_t oy = iy * a.stride_h - a.pad_h + ky * a.dilation_h;
              if (oy < 0 || oy >= oh) continue;
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t ox = ix * a.stride_w - a.pad_w + kx * a.dilation_w;
                if (ox < 0 || ox >= ow) continue;
                acc[size_t(((n * cout + oc0 + co) * oh + oy) * ow + ox)] +=
                    xv * wp[((ic * cout_g + co) * kh + ky) * kw + kx];
              }
            }
        }
    }
  float *op = a.out.data_as<float>();
  for (int64_t i = 0; i < int64_t(acc.size()); ++i) {
    const int64_t oc = (i / (oh * ow)) % cout;
    op[i] = float(acc[size_t(i)] + (bp ? bp[oc] : 0.0));
  }
}

}  // namespace

void register_conv_transpose2d(KernelTable &t) {
  t.add<OpKind::conv_transpose2d>(conv_transpose2d_kernel, {DType::f32});
}

}  // namespace aigc::ref
