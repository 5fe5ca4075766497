#include <random>
#include <string>

#include "ops/conv_transpose2d.hpp"
#include "ops/harness.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

// f32 accumulation (oneDNN) against the double-accumulated reference; each output sums
// at most Cin/g * ceil(K/stride)^2 <= 12*25 products: expected NMSE ~1e-14, bounded at
// 1e-10, far below what any misplaced tap produces (>= ~1e-3).
constexpr double kTol = 1e-10;

template <class Fn>
void check_error(Fn &&fn, Status status, const char *op) { aigc::test::check_error(status, op, fn); }

}  // namespace

TEST_CASE("conv_transpose2d: reference against hand-computed values") {
  const ExecContext ref = context("ref");
  const Tensor x = Tensor::from_vector<float>({1, 2, 3, 4}, {1, 1, 2, 2});
  const Tensor w = Tensor::from_vector<float>({1, 2, 3, 4}, {1, 1, 2, 2});

  SUBCASE("stride 2: every input pixel paints its own 2x2 block") {
    // out[2i+ky, 2j+kx] = x[i,j] * w[ky,kx]
    const Tensor y = ops::conv_transpose2d(ref, x, w, Tensor(), ops::ConvTranspose2dOptions::square(2, 0));
    CHECK(y.shape() == Shape{1, 1, 4, 4});
    check_values(y, {1, 2, 2, 4,  3, 4, 6, 8,  3, 6, 4, 8,  9, 12, 12, 16}, 0.f);
  }
  SUBCASE("stride 1: overlapping blocks add up, plus bias") {
    // out[y,x] = sum x[i,j] w[y-i, x-j]; centre = 1*4 + 2*3 + 3*2 + 4*1 = 20
    const Tensor b = Tensor::from_vector<float>({0.5f}, {1});
    const Tensor y = ops::conv_transpose2d(ref, x, w, b);
    CHECK(y.shape() == Shape{1, 1, 3, 3});
    check_values(y, {1.5f, 4.5f, 4.5f, 6.5f, 20.5f, 16.5f, 9.5f, 24.5f, 16.5f}, 0.f);
  }
  SUBCASE("padding crops the border, output_padding extends the far side") {
    // stride 2, pad 1, output_pad 1: OH = (2-1)*2 - 2 + 1 + 1 + 1 = 3, rows/cols 1..3 of
    // the stride-2 result above.
    const Tensor y = ops::conv_transpose2d(ref, x, w, Tensor(), ops::ConvTranspose2dOptions::square(2, 1, 1));
    CHECK(y.shape() == Shape{1, 1, 3, 3});
    check_values(y, {4, 6, 8, 6, 4, 8, 12, 12, 16}, 0.f);
  }
  SUBCASE("dilation 2 spreads the kernel taps") {
    // one pixel of value 2: taps land at (0,0) (0,2) (2,0) (2,2)
    const Tensor x1 = Tensor::from_vector<float>({2}, {1, 1, 1, 1});
    ops::ConvTranspose2dOptions o;
    o.dilation_h = o.dilation_w = 2;
    const Tensor y = ops::conv_transpose2d(ref, x1, w, Tensor(), o);
    check_values(y, {2, 0, 4, 0, 0, 0, 6, 0, 8}, 0.f);
  }
  SUBCASE("weight is [Cin, Cout]: transposed against conv2d's [Cout, Cin]") {
    // x channels [1, 2], w [[1, 2], [3, 4]] -> out[oc] = sum_ic x[ic] w[ic, oc] = [7, 10]
    const Tensor x2 = Tensor::from_vector<float>({1, 2}, {1, 2, 1, 1});
    const Tensor w2 = Tensor::from_vector<float>({1, 2, 3, 4}, {2, 2, 1, 1});
    check_values(ops::conv_transpose2d(ref, x2, w2, Tensor()), {7, 10}, 0.f);
  }
  SUBCASE("groups: each group's inputs feed only its own Cout/g outputs") {
    // groups=2, x [1, 2], w [Cin=2, Cout/g=2]: [[3, 4], [5, 6]] -> [3, 4, 10, 12]
    const Tensor x2 = Tensor::from_vector<float>({1, 2}, {1, 2, 1, 1});
    const Tensor w2 = Tensor::from_vector<float>({3, 4, 5, 6}, {2, 2, 1, 1});
    ops::ConvTranspose2dOptions o;
    o.groups = 2;
    const Tensor y = ops::conv_transpose2d(ref, x2, w2, Tensor(), o);
    CHECK(y.shape() == Shape{1, 4, 1, 1});
    check_values(y, {3, 4, 10, 12}, 0.f);
  }
}

TEST_CASE("conv_transpose2d: cpu matches the reference over awkward shapes") {
  std::mt19937 rng(77);
  auto pick = [&](std::initializer_list<int> v) {
    return *(v.begin() + std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng));
  };
  int run = 0;
  for (int i = 0; run < 48; ++i) {
    const int cin = pick({1, 3, 8, 12});
    const int gmode = pick({0, 1, 2});  // plain, 2 or 3 groups when they divide, depthwise
    int groups = 1;
    if (gmode == 1) groups = cin % 3 == 0 ? 3 : (cin % 2 == 0 ? 2 : 1);
    if (gmode == 2) groups = cin;
    const int cout_g = pick({1, 2, 3});
    const int n = pick({1, 2}), h = pick({1, 5, 7, 13}), w = pick({1, 5, 7, 13});
    const int k = pick({1, 2, 3, 4});
    ops::ConvTranspose2dOptions o;
    o.stride_h = pick({1, 2, 3});
    o.stride_w = pick({1, 2, 3});
    o.pad_h = pick({0, 1, 2});
    o.pad_w = pick({0, 1, 2});
    o.dilation_h = pick({1, 2});
    o.dilation_w = pick({1, 2});
    o.output_pad_h = pick({0, 1, 2}) % std::max(o.stride_h, o.dilation_h);
    o.output_pad_w = pick({0, 1, 2}) % std::max(o.stride_w, o.dilation_w);
    o.groups = groups;
    const bool bias = pick({0, 1}) == 1, strided = pick({0, 1}) == 1;
    if (ops::conv_transpose_out_size(h, k, o.stride_h, o.pad_h, o.dilation_h, o.output_pad_h) < 1 ||
        ops::conv_transpose_out_size(w, k, o.stride_w, o.pad_w, o.dilation_w, o.output_pad_w) < 1)
      continue;  // padding eats the whole output: covered by the error tests
    ++run;
    CAPTURE(n);
    CAPTURE(cin);
    CAPTURE(cout_g);
    CAPTURE(h);
    CAPTURE(w);
    CAPTURE(k);
    CAPTURE(groups);
    CAPTURE(o.stride_h);
    CAPTURE(o.stride_w);
    CAPTURE(o.pad_h);
    CAPTURE(o.pad_w);
    CAPTURE(o.dilation_h);
    CAPTURE(o.dilation_w);
    CAPTURE(o.output_pad_h);
    CAPTURE(o.output_pad_w);
    CAPTURE(bias);
    CAPTURE(strided);
    // strided: x is every other column of a wider tensor
    const Tensor xs = random_tensor({n, cin, h, strided ? 2 * w : w}, DType::f32, 10 + i);
    const Tensor wt = random_tensor({cin, cout_g, k, k}, DType::f32, 500 + i);
    const Tensor bt = bias ? random_tensor({cout_g * groups}, DType::f32, 900 + i) : Tensor();
    check_op(OpKind::conv_transpose2d, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
      Tensor x = b.upload(xs);
      if (strided) x = x.slice(3, 0, 2 * w, 2);
      const Tensor bb = bias ? b.upload(bt) : Tensor();
      return Outputs{ops::conv_transpose2d(c, x, b.upload(wt), bb, o)};
    });
  }
}

TEST_CASE("conv_transpose2d: cpu matches the reference at a DCGAN-like shape") {
  // 4x4, stride 2, padding 1 doubles the resolution; 24 -> 16 channels at 7x7.
  const Tensor x = random_tensor({2, 24, 7, 7}, DType::f32, 1);
  const Tensor w = random_tensor({24, 16, 4, 4}, DType::f32, 2);
  const Tensor b = random_tensor({16}, DType::f32, 3);
  check_op(OpKind::conv_transpose2d, DType::f32, kTol, [&](const ExecContext &c, Backend &be) {
    return Outputs{ops::conv_transpose2d(c, be.upload(x), be.upload(w), be.upload(b),
                                         ops::ConvTranspose2dOptions::square(2, 1))};
  });
}

// CUDA layouts: x's channel planes further apart than H*W feed the GEMM in place (every
// other channel of a wider tensor), a batch larger than the group count is batched over
// images per group, a smaller one over groups per image.
TEST_CASE("conv_transpose2d: channel-strided inputs and grouped batches") {
  const Tensor x = random_tensor({3, 12, 5, 6}, DType::f32, 21);
  const Tensor w = random_tensor({6, 3, 3, 3}, DType::f32, 22);
  const Tensor wg = random_tensor({6, 2, 4, 4}, DType::f32, 23);
  const Tensor b = random_tensor({3}, DType::f32, 24);
  const Tensor bg = random_tensor({4}, DType::f32, 25);
  check_op(OpKind::conv_transpose2d, DType::f32, kTol, [&](const ExecContext &c, Backend &be) {
    const Tensor every_other = be.upload(x).slice(1, 0, 12, 2);  // [3, 6, 5, 6]
    ops::ConvTranspose2dOptions g2 = ops::ConvTranspose2dOptions::square(2, 1);
    g2.groups = 2;
    ops::ConvTranspose2dOptions g2d = ops::ConvTranspose2dOptions::square(1, 0, 0, 2);
    g2d.groups = 2;
    return Outputs{
        ops::conv_transpose2d(c, every_other, be.upload(w), be.upload(b), ops::ConvTranspose2dOptions::square(2, 1, 1)),
        ops::conv_transpose2d(c, every_other, be.upload(wg), be.upload(bg), g2),
        ops::conv_transpose2d(c, every_other.slice(0, 0, 1), be.upload(wg), Tensor(), g2d)};
  });
}

TEST_CASE("conv_transpose2d: bad inputs are rejected with the right status") {
  const ExecContext c = context("ref");
  const Tensor x = random_tensor({1, 4, 3, 3}, DType::f32, 1);
  const Tensor w = random_tensor({4, 2, 3, 3}, DType::f32, 2);
  const ops::ConvTranspose2dOptions plain;
  auto deconv = [&](const Tensor &xx, const Tensor &ww, const Tensor &bb,
                    ops::ConvTranspose2dOptions o) {
    return [=] { ops::conv_transpose2d(c, xx, ww, bb, o); };
  };
  const char *op = "conv_transpose2d";
  check_error(deconv(x.reshape({4, 3, 3}), w, Tensor(), plain), Status::shape_mismatch, op);
  check_error(deconv(x, w.reshape({4, 2, 9}), Tensor(), plain), Status::shape_mismatch, op);
  // w.size(0) must be Cin (a conv2d-layout weight [Cout, Cin] is caught when Cout != Cin)
  check_error(deconv(x, random_tensor({2, 4, 3, 3}, DType::f32, 3), Tensor(), plain),
              Status::shape_mismatch, op);
  check_error(deconv(x, w, random_tensor({4}, DType::f32, 4), plain), Status::shape_mismatch,
              op);  // bias must have Cout = 2
  check_error(deconv(x.to(DType::f16), w, Tensor(), plain), Status::invalid_argument, op);
  check_error(deconv(x, w.to(DType::f16), Tensor(), plain), Status::invalid_argument, op);
  ops::ConvTranspose2dOptions o = plain;
  o.groups = 3;  // 4 input channels
  check_error(deconv(x, w, Tensor(), o), Status::shape_mismatch, op);
  o.groups = 0;
  check_error(deconv(x, w, Tensor(), o), Status::invalid_argument, op);
  check_error(deconv(x, w, Tensor(), ops::ConvTranspose2dOptions::square(0, 0)),
              Status::invalid_argument, op);
  check_error(deconv(x, w, Tensor(), ops::ConvTranspose2dOptions::square(1, -1)),
              Status::invalid_argument, op);
  check_error(deconv(x, w, Tensor(), ops::ConvTranspose2dOptions::square(1, 0, 0, 0)),
              Status::invalid_argument, op);
  // output_padding must stay below max(stride, dilation): 2 vs stride 2
  check_error(deconv(x, w, Tensor(), ops::ConvTranspose2dOptions::square(2, 0, 2)),
              Status::invalid_argument, op);
  // ...but 1 is allowed by dilation 2 even at stride 1 (PyTorch's rule)
  CHECK(ops::conv_transpose2d(c, x, w, Tensor(), ops::ConvTranspose2dOptions::square(1, 0, 1, 2))
            .shape() == Shape{1, 2, 8, 8});
  // padding 3 on a 3x3 output (1x1 input, 3x3 kernel) leaves nothing
  check_error(deconv(random_tensor({1, 4, 1, 1}, DType::f32, 5), w, Tensor(),
                     ops::ConvTranspose2dOptions::square(1, 2)),
              Status::shape_mismatch, op);
}
