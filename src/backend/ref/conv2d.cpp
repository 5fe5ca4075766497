#include <vector>

#include "backend/ref/ref_kernels.hpp"

namespace aigc::ref {
namespace {

// Direct definition of nn.Conv2d, accumulated in double:
// out[n, oc, oy, ox] = bias[oc] + sum_{ic in group(oc), ky, kx}
//     x[n, ic, oy*sh - ph + ky*dh, ox*sw - pw + kx*dw] * w[oc, ic - group_start, ky, kx]
void conv2d_kernel(const ExecContext &, const Conv2dArgs &a) {
  const Tensor x = a.x.contiguous(), w = a.w.contiguous();
  const Tensor bias = a.bias.defined() ? a.bias.contiguous() : Tensor();
  // x: [N, Cin, H, W]; w: [Cout, Cin/g, KH, KW]; out: [N, Cout, OH, OW]
  const int64_t n_batch = x.size(0), cin = x.size(1), h = x.size(2), wd = x.size(3);
  const int64_t cout = w.size(0), cin_g = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t oh = a.out.size(2), ow = a.out.size(3);
  const int64_t cout_g = cout / a.groups;
  const float *xp = x.data_as<float>(), *wp = w.data_as<float>();
  const float *bp = bias.defined() ? bias.data_as<float>() : nullptr;
  float *op = a.out.data_as<float>();

  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t oc = 0; oc < cout; ++oc) {
      const int64_t ic0 = (oc / cout_g) * cin_g;  // first input channel of oc's group
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double acc = bp ? bp[oc] : 0.0;
          for (int64_t ci = 0; ci < cin_g; ++ci)
            for (int64_t ky = 0; ky < kh; ++ky) {
              const int64_t iy = oy * a.stride_h - a.pad_h + ky * a.dilation_h;
              if (iy < 0 || iy >= h) continue;
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t ix = ox * a.stride_w - a.pad_w + kx * a.dilation_w;
                if (ix < 0 || ix >= wd) continue;
                acc += double(xp[((n * cin + ic0 + ci) * h + iy) * wd + ix]) *
                       double(wp[((oc * cin_g + ci) * kh + ky) * kw + kx]);
              }
            }
          op[((n * cout + oc) * oh + oy) * ow + ox] = float(acc);
        }
    }
}

}  // namespace

void register_conv2d(KernelTable &t) { t.add<OpKind::conv2d>(conv2d_kernel, {DType::f32}); }

}  // namespace aigc::ref
