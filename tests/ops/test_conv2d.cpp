#include <random>
#include <string>
#include <thread>

#include "ops/conv2d.hpp"
#include "ops/harness.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

// f32 accumulation (oneDNN, any summation order) against the double-accumulated
// reference over at most 12*3*3 = 108 products per output: expected NMSE ~1e-14,
// bounded at 1e-10 so a wrong tap or index (NMSE >= ~1e-3) can never pass.
constexpr double kTol = 1e-10;

// Runs fn, which must throw aigc::Error with `status` and a message naming `op`.
template <class Fn>
void check_error(Fn &&fn, Status status, const char *op) { aigc::test::check_error(status, op, fn); }

Tensor iota(const Shape &shape, float start = 1.f) {
  std::vector<float> v(size_t(shape.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + float(i);
  return Tensor::from_vector(v, shape);
}

}  // namespace

TEST_CASE("conv2d: reference against hand-computed values") {
  const ExecContext ref = context("ref");
  const Tensor x = iota({1, 1, 3, 3});                                // 1..9
  const Tensor w = Tensor::from_vector<float>({1, 2, 3, 4}, {1, 1, 2, 2});
  const Tensor b = Tensor::from_vector<float>({0.5f}, {1});

  SUBCASE("stride 1, no padding, bias") {
    // out[0,0] = 1*1 + 2*2 + 4*3 + 5*4 = 37; the others shift the window by one.
    const Tensor y = ops::conv2d(ref, x, w, b);
    CHECK(y.shape() == Shape{1, 1, 2, 2});
    check_values(y, {37.5f, 47.5f, 67.5f, 77.5f}, 0.f);
  }
  SUBCASE("stride 2, padding 1: corner windows see one to four pixels") {
    // windows start at -1 and 1: (0,0) sees x00*w11 = 4; (0,1) x01*w10 + x02*w11 = 6+12;
    // (1,0) x10*w01 + x20*w11 = 8+28; (1,1) the full window 5+12+24+36.
    const Tensor y = ops::conv2d(ref, x, w, Tensor(), ops::Conv2dOptions::square(2, 1));
    CHECK(y.shape() == Shape{1, 1, 2, 2});
    check_values(y, {4, 18, 36, 77}, 0.f);
  }
  SUBCASE("dilation 2 takes the four corners") {
    // 1*1 + 3*2 + 7*3 + 9*4 = 64
    const Tensor y = ops::conv2d(ref, x, w, Tensor(), ops::Conv2dOptions::square(1, 0, 2));
    CHECK(y.shape() == Shape{1, 1, 1, 1});
    check_values(y, {64}, 0.f);
  }
  SUBCASE("groups keep channels apart; Cout/groups > 1") {
    // x channels [1, 2]; groups=2, two outputs per group: w = [3, 4 | 5, 6]
    const Tensor x2 = Tensor::from_vector<float>({1, 2}, {1, 2, 1, 1});
    const Tensor w2 = Tensor::from_vector<float>({3, 4, 5, 6}, {4, 1, 1, 1});
    const Tensor y = ops::conv2d(ref, x2, w2, Tensor(), ops::Conv2dOptions::square(1, 0, 1, 2));
    check_values(y, {3, 4, 10, 12}, 0.f);
  }
  SUBCASE("input channels are summed; output channels take their own bias") {
    // x channels [1, 2] (1x1), w [[1, 10], [100, 1000]], bias [0.25, -1]
    const Tensor x2 = Tensor::from_vector<float>({1, 2}, {1, 2, 1, 1});
    const Tensor w2 = Tensor::from_vector<float>({1, 10, 100, 1000}, {2, 2, 1, 1});
    const Tensor b2 = Tensor::from_vector<float>({0.25f, -1}, {2});
    check_values(ops::conv2d(ref, x2, w2, b2), {21.25f, 2099}, 0.f);
  }
}

TEST_CASE("conv2d: cpu matches the reference over awkward shapes") {
  std::mt19937 rng(2024);
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
    const int cout = groups * pick({1, 2, 3});
    const int n = pick({1, 2}), h = pick({1, 5, 7, 13}), w = pick({1, 5, 7, 13});
    const int k = pick({1, 2, 3, 5});
    ops::Conv2dOptions o;
    o.stride_h = pick({1, 2, 3});
    o.stride_w = pick({1, 2, 3});
    o.pad_h = pick({0, 1, 2});
    o.pad_w = pick({0, 1, 2});
    o.dilation_h = pick({1, 2});
    o.dilation_w = pick({1, 2});
    o.groups = groups;
    const bool bias = pick({0, 1}) == 1, strided = pick({0, 1}) == 1;
    if (ops::conv_out_size(h, k, o.stride_h, o.pad_h, o.dilation_h) < 1 ||
        ops::conv_out_size(w, k, o.stride_w, o.pad_w, o.dilation_w) < 1)
      continue;  // input smaller than the dilated kernel: covered by the error tests
    ++run;
    CAPTURE(n);
    CAPTURE(cin);
    CAPTURE(cout);
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
    CAPTURE(bias);
    CAPTURE(strided);
    // strided: x is an NHWC buffer seen as NCHW through permute (non-contiguous view)
    const Tensor xs = strided ? random_tensor({n, h, w, cin}, DType::f32, 10 + i)
                              : random_tensor({n, cin, h, w}, DType::f32, 10 + i);
    const Tensor wt = random_tensor({cout, cin / groups, k, k}, DType::f32, 500 + i);
    const Tensor bt = bias ? random_tensor({cout}, DType::f32, 900 + i) : Tensor();
    check_op(OpKind::conv2d, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
      Tensor x = b.upload(xs);
      if (strided) x = x.permute({0, 3, 1, 2});
      const Tensor bb = bias ? b.upload(bt) : Tensor();
      return Outputs{ops::conv2d(c, x, b.upload(wt), bb, o)};
    });
  }
}

TEST_CASE("conv2d: cpu matches the reference at image-model shapes") {
  // 3x3, padding 1 (the TAESD / UNet block conv) and a 4x4 stride-2 down-sampler.
  const Tensor x = random_tensor({1, 32, 19, 23}, DType::f32, 1);
  const Tensor w3 = random_tensor({48, 32, 3, 3}, DType::f32, 2);
  const Tensor w4 = random_tensor({16, 32, 4, 4}, DType::f32, 3);
  const Tensor b = random_tensor({48}, DType::f32, 4);
  // 288 / 512 products per output in f32 vs double: NMSE ~1e-13, bounded at 1e-10.
  check_op(OpKind::conv2d, DType::f32, kTol, [&](const ExecContext &c, Backend &be) {
    const Tensor dx = be.upload(x);
    return Outputs{ops::conv2d(c, dx, be.upload(w3), be.upload(b), ops::Conv2dOptions::square(1, 1)),
                   ops::conv2d(c, dx, be.upload(w4), Tensor(), ops::Conv2dOptions::square(2, 1))};
  });
}

// Layouts the CUDA kernel treats apart: a 1x1 stride-1 unpadded conv is a GEMM on x's
// channel planes (contiguous x, or every other channel: planes further apart than
// H*W); a permuted x or a strided 1x1 goes through im2col; batches larger than the
// group count are batched over images per group, smaller ones over groups per image.
TEST_CASE("conv2d: 1x1 convolutions, channel-strided inputs and grouped batches") {
  const Tensor x = random_tensor({3, 8, 6, 7}, DType::f32, 11);
  const Tensor x16 = random_tensor({3, 16, 6, 7}, DType::f32, 12);
  const Tensor w1 = random_tensor({12, 8, 1, 1}, DType::f32, 13);
  const Tensor w1g = random_tensor({12, 4, 1, 1}, DType::f32, 14);
  const Tensor w3g = random_tensor({6, 4, 3, 3}, DType::f32, 15);
  const Tensor b12 = random_tensor({12}, DType::f32, 16);
  check_op(OpKind::conv2d, DType::f32, kTol, [&](const ExecContext &c, Backend &be) {
    const Tensor dx = be.upload(x), dw1 = be.upload(w1), db = be.upload(b12);
    const Tensor every_other = be.upload(x16).slice(1, 0, 16, 2);  // [3, 8, 6, 7], planes 84 apart
    const Tensor nhwc = be.upload(x.permute({0, 2, 3, 1}).contiguous()).permute({0, 3, 1, 2});
    return Outputs{ops::conv2d(c, dx, dw1, db),
                   ops::conv2d(c, every_other, dw1, Tensor()),
                   ops::conv2d(c, nhwc, dw1, db),
                   ops::conv2d(c, dx, dw1, db, ops::Conv2dOptions::square(2, 0)),
                   ops::conv2d(c, dx, be.upload(w1g), db, ops::Conv2dOptions::square(1, 0, 1, 2)),
                   ops::conv2d(c, every_other, be.upload(w1g), Tensor(), ops::Conv2dOptions::square(1, 0, 1, 2)),
                   ops::conv2d(c, dx, be.upload(w3g), Tensor(), ops::Conv2dOptions::square(1, 1, 2, 2)),
                   ops::conv2d(c, dx.slice(0, 0, 1), be.upload(w3g), Tensor(), ops::Conv2dOptions::square(2, 1, 1, 2))};
  });
}

TEST_CASE("conv2d: one cpu backend serves several threads at once") {
  const ExecContext cpu = context("cpu", 1);
  const Tensor x = random_tensor({1, 8, 13, 13}, DType::f32, 5);
  const Tensor w = random_tensor({8, 8, 3, 3}, DType::f32, 6);
  const Tensor expected = ops::conv2d(context("ref"), x, w, Tensor(), ops::Conv2dOptions::square(1, 1));
  std::vector<Tensor> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < 5; ++r) got[t] = ops::conv2d(cpu, x, w, Tensor(), ops::Conv2dOptions::square(1, 1));
    });
  for (auto &t : threads) t.join();
  for (const Tensor &g : got) CHECK(nmse(expected, g) <= kTol);
}

TEST_CASE("conv2d: bad inputs are rejected with the right status") {
  const ExecContext c = context("ref");
  const Tensor x = random_tensor({1, 4, 5, 5}, DType::f32, 1);
  const Tensor w = random_tensor({6, 4, 3, 3}, DType::f32, 2);
  const ops::Conv2dOptions plain;
  auto conv = [&](const Tensor &xx, const Tensor &ww, const Tensor &bb, ops::Conv2dOptions o) {
    return [=] { ops::conv2d(c, xx, ww, bb, o); };
  };
  check_error(conv(x.reshape({4, 5, 5}), w, Tensor(), plain), Status::shape_mismatch, "conv2d");
  check_error(conv(x, w.reshape({6, 4, 9}), Tensor(), plain), Status::shape_mismatch, "conv2d");
  check_error(conv(x, random_tensor({6, 3, 3, 3}, DType::f32, 3), Tensor(), plain),
              Status::shape_mismatch, "conv2d");  // Cin mismatch
  check_error(conv(x, w, random_tensor({5}, DType::f32, 4), plain), Status::shape_mismatch,
              "conv2d");  // bias length
  check_error(conv(x, w, random_tensor({6, 1}, DType::f32, 4), plain), Status::shape_mismatch,
              "conv2d");  // bias rank
  check_error(conv(x.to(DType::f16), w, Tensor(), plain), Status::invalid_argument, "conv2d");
  check_error(conv(x, w.to(DType::bf16), Tensor(), plain), Status::invalid_argument, "conv2d");
  check_error(conv(x, w, Tensor::zeros({6}, DType::i32), plain), Status::invalid_argument,
              "conv2d");
  // groups: 4 input channels do not split into 3; 6 outputs do not split into 4
  check_error(conv(x, random_tensor({6, 1, 3, 3}, DType::f32, 5), Tensor(),
                   ops::Conv2dOptions::square(1, 0, 1, 3)),
              Status::shape_mismatch, "conv2d");
  check_error(conv(x, random_tensor({6, 1, 3, 3}, DType::f32, 5), Tensor(),
                   ops::Conv2dOptions::square(1, 0, 1, 4)),
              Status::shape_mismatch, "conv2d");
  // weight's Cin/groups must match: groups=2 wants w.size(1) == 2
  check_error(conv(x, w, Tensor(), ops::Conv2dOptions::square(1, 0, 1, 2)),
              Status::shape_mismatch, "conv2d");
  check_error(conv(x, w, Tensor(), ops::Conv2dOptions::square(0, 0)), Status::invalid_argument,
              "conv2d");
  check_error(conv(x, w, Tensor(), ops::Conv2dOptions::square(1, -1)), Status::invalid_argument,
              "conv2d");
  check_error(conv(x, w, Tensor(), ops::Conv2dOptions::square(1, 0, 0)),
              Status::invalid_argument, "conv2d");
  check_error(conv(x, w, Tensor(), ops::Conv2dOptions::square(1, 0, 1, 0)),
              Status::invalid_argument, "conv2d");
  // 5x5 input vs a 3x3 kernel dilated by 3 (span 7): no output
  check_error(conv(x, w, Tensor(), ops::Conv2dOptions::square(1, 0, 3)), Status::shape_mismatch,
              "conv2d");
  check_error(conv(x, random_tensor({6, 4, 7, 1}, DType::f32, 6), Tensor(), plain),
              Status::shape_mismatch, "conv2d");
  // a missing x is an invalid argument, not a crash
  check_error(conv(Tensor(), w, Tensor(), plain), Status::invalid_argument, "conv2d");
}

TEST_CASE("conv2d: an empty batch gives an empty output") {
  const Tensor y = ops::conv2d(context("cpu"), Tensor::zeros({0, 2, 4, 4}, DType::f32),
                               random_tensor({3, 2, 3, 3}, DType::f32, 1), Tensor());
  CHECK(y.shape() == Shape{0, 3, 2, 2});
}
