#include <cmath>
#include <string>

#include "ops/attention.hpp"
#include "ops/harness.hpp"

using namespace aigc;
using namespace aigc::test;

namespace {

template <class F> void check_error(Status status, F &&f) { aigc::test::check_error(status, "attention", f); }

Tensor vec(std::vector<float> v, const Shape &s) { return Tensor::from_vector<float>(v, s); }

// Vector exp (~1 ulp), f32 dot products and f32 accumulation in a different order than the
// double reference: NMSE ~1e-13; 1e-10 leaves margin while one wrong key is >1e-4.
constexpr double kTol = 1e-10;

}  // namespace

TEST_CASE("attention: hand-computed values") {
  for (const char *name : {"ref", "cpu"}) {
    CAPTURE(name);
    const ExecContext c = context(name);
    // One key: the output is its value whatever the query.
    check_values(ops::attention(c, vec({0.3f, -2}, {1, 1, 1, 2}), vec({5, 1}, {1, 1, 1, 2}),
                                vec({7, 8, 9}, {1, 1, 1, 3})),
                 {7, 8, 9}, 1e-6f);
    // Two keys, scale 1: scores q.k = [1, 0] -> p = [e/(1+e), 1/(1+e)] = [0.7310586, 0.2689414];
    // out = 0.7310586 [1, 2] + 0.2689414 [3, 4].
    ops::AttentionOptions o;
    o.scale = 1.f;
    const Tensor q = vec({1, 0}, {1, 1, 1, 2});
    const Tensor k = vec({1, 0, 0, 0}, {1, 1, 2, 2});
    const Tensor v = vec({1, 2, 3, 4}, {1, 1, 2, 2});
    check_values(ops::attention(c, q, k, v, o), {1.5378828f, 2.5378828f}, 1e-6f);
    // Default scale 1/sqrt(2): scores [0.7071068, 0] -> p0 = 1/(1+e^-0.7071068) = 0.6697615.
    check_values(ops::attention(c, q, k, v),
                 {0.6697615f + 3 * 0.3302385f, 2 * 0.6697615f + 4 * 0.3302385f}, 1e-6f);
    // Causal at an offset: zero queries (uniform weights), 2 queries at positions 1 and 2
    // over 3 keys: the first averages v0, v1, the second v0, v1, v2.
    const Tensor q0 = Tensor::zeros({1, 1, 2, 2}, DType::f32);
    const Tensor k3 = vec({1, 2, 3, 4, 5, 6}, {1, 1, 3, 2});
    const Tensor v3 = vec({1, 10, 2, 20, 6, 60}, {1, 1, 3, 2});
    ops::AttentionOptions causal;
    causal.causal = true;
    causal.q_offset = 1;
    check_values(ops::attention(c, q0, k3, v3, causal), {1.5f, 15, 3, 30}, 1e-5f);
    // Window 1: each query sees only the key at its own position.
    causal.window = 1;
    check_values(ops::attention(c, q0, k3, v3, causal), {2, 20, 6, 60}, 1e-6f);
    // Window 2 without causal: position p sees keys p-1 .. Tk-1.
    ops::AttentionOptions window;
    window.window = 2;
    window.q_offset = 1;
    check_values(ops::attention(c, q0, k3, v3, window), {3, 30, 4, 40}, 1e-5f);
    // A -inf mask hides a key; hiding all keys gives zeros, not NaN. Mask [Tq, Tk].
    ops::AttentionOptions masked;
    masked.mask = vec({0, -INFINITY, 0, -INFINITY, -INFINITY, -INFINITY}, {2, 3});
    check_values(ops::attention(c, q0, k3, v3, masked), {3.5f, 35, 0, 0}, 1e-5f);
    // An additive finite mask: +ln 3 on key 0 against key 1 -> weights [3/4, 1/4].
    masked.mask = vec({float(std::log(3.0)), 0, -INFINITY}, {3});
    check_values(ops::attention(c, q0, k3, v3, masked), {1.25f, 12.5f, 1.25f, 12.5f}, 1e-5f);
  }
}

TEST_CASE("attention: cpu matches the reference over shapes, GQA, causal and windows") {
  struct Heads {
    int64_t hq, hkv;
  };
  for (int64_t nb : {1, 2})
    for (Heads hs : {Heads{1, 1}, Heads{3, 1}, Heads{4, 2}, Heads{4, 4}})
      for (int64_t tq : {1, 7})
        for (int64_t tk : {1, 13, 69})
          for (int64_t d : {5, 67}) {
            CAPTURE(nb);
            CAPTURE(hs.hq);
            CAPTURE(hs.hkv);
            CAPTURE(tq);
            CAPTURE(tk);
            CAPTURE(d);
            const Tensor q = random_tensor({nb, hs.hq, tq, d}, DType::f32, 1, -1.f, 1.f);
            const Tensor k = random_tensor({nb, hs.hkv, tk, d}, DType::f32, 2, -1.f, 1.f);
            const Tensor v = random_tensor({nb, hs.hkv, tk, d + 3}, DType::f32, 3);
            check_op(OpKind::attention, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
              const Tensor dq = b.upload(q), dk = b.upload(k), dv = b.upload(v);
              Outputs outs{ops::attention(c, dq, dk, dv)};
              ops::AttentionOptions o;
              o.scale = 0.7f;
              o.window = 5;
              o.q_offset = 3;
              outs.push_back(ops::attention(c, dq, dk, dv, o));
              if (tq <= tk) {
                o = {};
                o.causal = true;
                o.q_offset = tk - tq;  // queries at the end of the cache
                outs.push_back(ops::attention(c, dq, dk, dv, o));
                o.q_offset = 0;  // queries at the start
                outs.push_back(ops::attention(c, dq, dk, dv, o));
                o.window = 4;
                outs.push_back(ops::attention(c, dq, dk, dv, o));
              }
              return outs;
            });
          }
}

TEST_CASE("attention: cpu matches the reference with masks and KV-cache views") {
  const int64_t nb = 2, hq = 6, hkv = 2, tq = 7, tk = 29, tmax = 64, d = 24;
  const Tensor q = random_tensor({nb, tq, hq, d}, DType::f32, 4, -2.f, 2.f);  // [B, T, H, D]
  const Tensor kcache = random_tensor({nb, hkv, tmax, d}, DType::f32, 5, -2.f, 2.f);
  const Tensor vcache = random_tensor({nb, tmax, hkv, d}, DType::f32, 6);  // [B, T, H, D] cache
  Tensor mask = random_tensor({nb, 1, tq, tk}, DType::f32, 7, -3.f, 3.f);
  for (int64_t i = 0; i < mask.numel(); i += 5) mask.data_as<float>()[i] = -INFINITY;
  // A whole row of -inf (query 2 of batch 1) must come out as zeros.
  for (int64_t j = 0; j < tk; ++j) mask.data_as<float>()[(tq + 2) * tk + j] = -INFINITY;
  const Tensor key_mask = random_tensor({tk}, DType::f32, 8, -1.f, 1.f);
  check_op(OpKind::attention, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
    const Tensor dq = b.upload(q).transpose(1, 2);                   // strided q view
    const Tensor dk = b.upload(kcache).slice(2, 0, tk);              // first tk cache rows
    const Tensor dv = b.upload(vcache).slice(1, 0, tk).transpose(1, 2);
    ops::AttentionOptions o;
    o.mask = b.upload(mask);
    Outputs outs{ops::attention(c, dq, dk, dv, o)};
    o.causal = true;
    o.q_offset = 20;
    outs.push_back(ops::attention(c, dq, dk, dv, o));
    o.mask = b.upload(key_mask);
    o.window = 9;
    outs.push_back(ops::attention(c, dq, dk, dv, o));
    o.mask = b.upload(mask).slice(3, 0, tk, 1);
    // Non-unit last-dim strides (copied by the front-end) for q and the mask.
    const Tensor qwide = b.upload(random_tensor({nb, hq, tq, 2 * d}, DType::f32, 9));
    outs.push_back(ops::attention(c, qwide.slice(3, 0, 2 * d, 2), dk, dv, o));
    return outs;
  });
}

TEST_CASE("attention: cpu matches the reference for long decode and prompt") {
  const int64_t hq = 4, hkv = 2, d = 64, tk = 1000;
  // Decode: one query against a 1000-key cache (many key blocks, online max updates).
  const Tensor q1 = random_tensor({1, hq, 1, d}, DType::f32, 10, -3.f, 3.f);
  const Tensor k = random_tensor({1, hkv, tk, d}, DType::f32, 11, -3.f, 3.f);
  const Tensor v = random_tensor({1, hkv, tk, d}, DType::f32, 12);
  // Prompt: Tq = Tk = 150 causal (several query and key blocks; skipped blocks).
  const Tensor qp = random_tensor({1, hq, 150, d}, DType::f32, 13, -3.f, 3.f);
  check_op(OpKind::attention, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
    const Tensor dk = b.upload(k), dv = b.upload(v);
    ops::AttentionOptions o;
    o.causal = true;
    o.q_offset = tk - 1;
    Outputs outs{ops::attention(c, b.upload(q1), dk, dv, o)};
    o.q_offset = 0;
    const Tensor pk = dk.slice(2, 0, 150), pv = dv.slice(2, 0, 150);
    outs.push_back(ops::attention(c, b.upload(qp), pk, pv, o));
    o.window = 40;
    outs.push_back(ops::attention(c, b.upload(qp), pk, pv, o));
    return outs;
  });
}

// The CUDA kernels have two paths: split-K decode for Tq <= 4 (one block serves every q head
// of a kv head, in chunks of 8 rows; float4 loads when D, Dv and the strides allow) and a
// tiled prefill (64 queries x 32 keys; 32 queries when Dv > 128) for longer Tq. These cases
// walk both over the head dims of real models (D != Dv too), GQA, masks and empty rows.
TEST_CASE("attention: decode and prefill paths over head dims") {
  struct Dims {
    int64_t d, dv;
  };
  const int64_t hq = 6, hkv = 2, tk = 101;  // Tk not a multiple of the 32-key tile
  for (Dims dims : {Dims{32, 32}, Dims{64, 64}, Dims{80, 80}, Dims{128, 128}, Dims{128, 64},
                    Dims{96, 160}, Dims{256, 256}})
    for (int64_t tq : {1, 2, 3, 5, 70}) {  // 70: two query tiles, the second partly empty
      CAPTURE(dims.d);
      CAPTURE(dims.dv);
      CAPTURE(tq);
      const Tensor q = random_tensor({1, hq, tq, dims.d}, DType::f32, 20, -1.f, 1.f);
      const Tensor k = random_tensor({1, hkv, tk, dims.d}, DType::f32, 21, -1.f, 1.f);
      const Tensor v = random_tensor({1, hkv, tk, dims.dv}, DType::f32, 22);
      // Mask [Hq, Tq, Tk] (broadcast over B) with scattered -inf and head 1 query 0 all -inf.
      Tensor mask = random_tensor({hq, tq, tk}, DType::f32, 23, -2.f, 2.f);
      for (int64_t i = 0; i < mask.numel(); i += 7) mask.data_as<float>()[i] = -INFINITY;
      for (int64_t j = 0; j < tk; ++j) mask.data_as<float>()[tq * tk + j] = -INFINITY;
      check_op(OpKind::attention, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
        const Tensor dq = b.upload(q), dk = b.upload(k), dv = b.upload(v);
        Outputs outs{ops::attention(c, dq, dk, dv)};
        ops::AttentionOptions o;
        o.causal = true;
        o.q_offset = tk - tq;
        outs.push_back(ops::attention(c, dq, dk, dv, o));
        o.window = 16;
        outs.push_back(ops::attention(c, dq, dk, dv, o));
        o.mask = b.upload(mask);
        outs.push_back(ops::attention(c, dq, dk, dv, o));
        // Not causal, window past the last key: no query sees anything -> zeros.
        o = {};
        o.window = 3;
        o.q_offset = tk + 10;
        outs.push_back(ops::attention(c, dq, dk, dv, o));
        return outs;
      });
    }
}

// Decode the way nn::cached_attention does: a token-major cache [T, H, D] viewed as
// [1, H, T, D] (strided K/V and q), 1000 keys so the CUDA decode kernel splits the keys,
// and GQA groups of 1, 4 and 6 q heads per kv head with 1..4 queries (up to 24 rows: 3
// row chunks of 8).
TEST_CASE("attention: decode over a token-major KV cache") {
  const int64_t tmax = 1040, tk = 1000, hkv = 2, d = 128, dv = 96;
  const Tensor kcache = random_tensor({tmax, hkv, d}, DType::f32, 30, -1.f, 1.f);
  const Tensor vcache = random_tensor({tmax, hkv, dv}, DType::f32, 31);
  const Tensor key_mask = random_tensor({tk}, DType::f32, 32, -1.f, 1.f);
  for (int64_t hq : {2, 8, 12})
    for (int64_t tq : {1, 4}) {
      CAPTURE(hq);
      CAPTURE(tq);
      const Tensor q = random_tensor({tq, hq, d}, DType::f32, 33, -2.f, 2.f);  // token-major
      Tensor mask = random_tensor({1, hq, tq, tk}, DType::f32, 34, -1.f, 1.f);
      for (int64_t j = 0; j < tk; ++j) mask.data_as<float>()[j] = -INFINITY;  // head 0, query 0
      check_op(OpKind::attention, DType::f32, kTol, [&](const ExecContext &c, Backend &b) {
        const Tensor dk = b.upload(kcache).slice(0, 0, tk).permute({1, 0, 2}).unsqueeze(0);
        const Tensor dv = b.upload(vcache).slice(0, 0, tk).permute({1, 0, 2}).unsqueeze(0);
        const Tensor dq = b.upload(q).permute({1, 0, 2}).unsqueeze(0);
        ops::AttentionOptions o;
        o.causal = true;
        o.q_offset = tk - tq;
        Outputs outs{ops::attention(c, dq, dk, dv, o)};
        o.window = 300;
        outs.push_back(ops::attention(c, dq, dk, dv, o));
        o = {};
        o.mask = b.upload(key_mask);
        outs.push_back(ops::attention(c, dq, dk, dv, o));
        o.mask = b.upload(mask);
        o.q_offset = 500;
        o.causal = true;
        outs.push_back(ops::attention(c, dq, dk, dv, o));
        return outs;
      });
    }
}

TEST_CASE("attention: bad inputs") {
  const ExecContext c = context("cpu");
  const Tensor q = random_tensor({1, 4, 3, 8}, DType::f32, 1);
  const Tensor k = random_tensor({1, 2, 5, 8}, DType::f32, 2);
  const Tensor v = random_tensor({1, 2, 5, 6}, DType::f32, 3);
  check_error(Status::shape_mismatch, [&] { ops::attention(c, q.select(0, 0), k, v); });
  check_error(Status::shape_mismatch,
              [&] { ops::attention(c, q, random_tensor({1, 3, 5, 8}, DType::f32, 2), random_tensor({1, 3, 5, 6}, DType::f32, 2)); });
  check_error(Status::shape_mismatch, [&] { ops::attention(c, q, random_tensor({1, 2, 5, 7}, DType::f32, 2), v); });
  check_error(Status::shape_mismatch, [&] { ops::attention(c, q, k, random_tensor({1, 2, 4, 6}, DType::f32, 2)); });
  check_error(Status::shape_mismatch, [&] { ops::attention(c, q, k, random_tensor({2, 2, 5, 6}, DType::f32, 2)); });
  check_error(Status::invalid_argument, [&] { ops::attention(c, q.to(DType::f16), k, v); });
  check_error(Status::invalid_argument, [&] { ops::attention(c, q, k, v.to(DType::bf16)); });
  ops::AttentionOptions o;
  o.mask = random_tensor({3, 4}, DType::f32, 4);  // Tk is 5
  check_error(Status::shape_mismatch, [&] { ops::attention(c, q, k, v, o); });
  o.mask = random_tensor({5}, DType::f16, 4);
  check_error(Status::invalid_argument, [&] { ops::attention(c, q, k, v, o); });
  o = {};
  o.window = -1;
  check_error(Status::invalid_argument, [&] { ops::attention(c, q, k, v, o); });
  o = {};
  o.q_offset = -1;
  check_error(Status::invalid_argument, [&] { ops::attention(c, q, k, v, o); });
  o = {};
  o.causal = true;
  o.q_offset = 3;  // queries at 3..5 but only 5 keys
  check_error(Status::shape_mismatch, [&] { ops::attention(c, q, k, v, o); });
  o = {};
  o.scale = INFINITY;
  check_error(Status::invalid_argument, [&] { ops::attention(c, q, k, v, o); });
}
