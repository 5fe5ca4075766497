// GAN pipelines (see gan_pipeline.hpp).
#include "runtime/gan_pipeline.hpp"

#include <algorithm>
#include <cmath>

#include "core/check.hpp"

namespace aigc::runtime {

Tensor gan_latents(const models::Generator &g, int64_t count, uint64_t seed) {
  AIGC_CHECK(count >= 1, Status::invalid_argument, "image count must be >= 1, got {}", count);
  auto rngs = sample_rngs(seed, count);
  return normal_batch(rngs, g.latent_shape());
}

namespace {
void check_latents(const models::Generator &g, const Tensor &z, int64_t count) {
  check_f32_host(z, "GAN latents");
  Shape want = g.latent_shape();
  want.insert(0, count);
  AIGC_CHECK(z.shape() == want, Status::shape_mismatch, "GAN latents: expected {}, got {}",
             want.to_string(), z.shape().to_string());
}
}  // namespace

Tensor gan_generate(const ExecContext &ctx, const models::Generator &g, const GanOptions &o) {
  AIGC_CHECK(o.count >= 1, Status::invalid_argument, "image count must be >= 1, got {}", o.count);
  const Tensor labels = make_labels(g.info().num_classes, o.count, o.label, o.labels);
  Tensor z = o.latents.defined() ? o.latents : gan_latents(g, o.count, o.seed);
  check_latents(g, z, o.count);
  return to_display(g.generate(ctx, z.contiguous(), labels), g.pixel_range());
}

Tensor interpolate_latents(const Tensor &a, const Tensor &b, int64_t frames, Interpolation how) {
  AIGC_CHECK(frames >= 2, Status::invalid_argument, "interpolation needs at least 2 frames, got {}", frames);
  check_f32_host(a, "interpolate_latents");
  AIGC_CHECK(a.shape() == b.shape() && a.size(0) == 1, Status::shape_mismatch,
             "interpolate_latents: latents {} and {} must both be [1, ...]", a.shape().to_string(),
             b.shape().to_string());
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  const float *pa = ca.data_as<float>(), *pb = cb.data_as<float>();
  const int64_t n = ca.numel();
  double dot = 0, na = 0, nb = 0;
  for (int64_t i = 0; i < n; ++i) {
    dot += double(pa[i]) * pb[i];
    na += double(pa[i]) * pa[i];
    nb += double(pb[i]) * pb[i];
  }
  const double cos_omega = na > 0 && nb > 0 ? std::clamp(dot / std::sqrt(na * nb), -1.0, 1.0) : 1.0;
  const double omega = std::acos(cos_omega);
  const bool linear = how == Interpolation::lerp || std::sin(omega) < 1e-6;
  Shape shape = a.shape();
  shape[0] = frames;
  Tensor out = Tensor::empty(shape, DType::f32);
  float *po = out.data_as<float>();
  for (int64_t f = 0; f < frames; ++f) {
    const double t = double(f) / double(frames - 1);
    double wa = 1 - t, wb = t;
    if (!linear) {
      wa = std::sin((1 - t) * omega) / std::sin(omega);
      wb = std::sin(t * omega) / std::sin(omega);
    }
    for (int64_t i = 0; i < n; ++i) po[f * n + i] = float(wa * pa[i] + wb * pb[i]);
  }
  return out;
}

Tensor gan_interpolate(const ExecContext &ctx, const models::Generator &g, uint64_t seed_a,
                       uint64_t seed_b, int64_t frames, Interpolation how, int64_t label) {
  AIGC_CHECK(g.info().num_classes == 0 || label >= 0, Status::invalid_argument,
             "interpolation with a class-conditional model needs a class label (0..{})",
             g.info().num_classes - 1);
  GanOptions o;
  o.count = frames;
  o.label = label;
  o.latents = interpolate_latents(gan_latents(g, 1, seed_a), gan_latents(g, 1, seed_b), frames, how);
  return gan_generate(ctx, g, o);
}

Tensor gan_score(const ExecContext &ctx, const models::Discriminator &d, const Tensor &display,
                 const models::PixelRange &range) {
  check_f32_host(display, "discriminator input");
  Shape want = d.image_shape();
  want.insert(0, display.rank() > 0 ? display.size(0) : 0);
  AIGC_CHECK(display.rank() == 4 && display.shape() == want, Status::shape_mismatch,
             "discriminator input: expected [N, {}, {}, {}], got {}", want[1], want[2], want[3],
             display.shape().to_string());
  return d.score_logits(ctx, from_display(display, range));
}

}  // namespace aigc::runtime
