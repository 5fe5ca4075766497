// What the image pipelines (GAN, VAE, diffusion, text-to-image) share: the loaded model,
// seeding, labels, pixel-range conversion, progress / cancellation, output images.
//
// Seeding rule (all pipelines; docs/IMAGES.md): sample k of a request with seed s draws
// every random number it needs (GAN latent, VAE prior latent or posterior noise,
// diffusion initial noise and then each step's noise, in step order) from its own
// generator sampling::Rng(s + k), one sampling::fill_normal call per tensor. So sample k
// of a batch equals sample 0 of a request with seed s + k, whatever the batch size.
//
// Pixel values crossing the pipeline API are "display" floats: [0, 1] = black..white
// (not clamped), NCHW. Each model's own range (PixelRange) is converted inside.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/image_loader.hpp"
#include "sampling/rng.hpp"

namespace aigc::runtime {

// A loaded image model: the bundle of networks plus where it came from. Immutable and
// shared by any number of threads.
struct ImageModel {
  models::ImageModelBundle bundle;
  std::string path;
  Backend *backend = nullptr;

  // backend: "cpu" (default) or "ref".
  static std::shared_ptr<const ImageModel> load(const std::string &path, const std::string &backend = "cpu");
  ExecContext exec(int n_threads) const { return {backend, n_threads < 1 ? 1 : n_threads}; }
};

// Called before each network evaluation with (step, total), step counting from 0; return
// false to stop (the call then throws Status::cancelled). `cancel` may be set from any
// thread; it is polled at the same points.
struct Progress {
  std::function<bool(int64_t step, int64_t total)> on_step;
  const std::atomic<bool> *cancel = nullptr;
  // Throws cancelled when either asks to stop.
  void check(int64_t step, int64_t total) const;
};

// The generator of sample k (see the seeding rule above).
inline sampling::Rng sample_rng(uint64_t seed, int64_t k) { return sampling::Rng(seed + uint64_t(k)); }

// [N, per_sample...] standard normals, sample k from rngs[k] (one fill_normal call each).
Tensor normal_batch(std::vector<sampling::Rng> &rngs, const Shape &per_sample);
std::vector<sampling::Rng> sample_rngs(uint64_t seed, int64_t count);

// Class labels i32 [count] for a model with num_classes classes: label -1 gives sample k
// the class k % num_classes (a grid shows every class); 0..num_classes-1 gives all samples
// that class. Unconditional models (num_classes 0) take only -1 and get an undefined
// tensor. per_sample (when non-empty: exactly count labels) overrides label. Out of range
// -> invalid_argument.
Tensor make_labels(int64_t num_classes, int64_t count, int64_t label,
                   const std::vector<int64_t> &per_sample = {});

// Display [0, 1] <-> model pixel range: display = x * scale + shift.
Tensor to_display(const Tensor &x, const models::PixelRange &range);
Tensor from_display(const Tensor &x, const models::PixelRange &range);

// Host helpers for contiguous f32 tensors.
Tensor concat_batch(const Tensor &a, const Tensor &b);            // along dim 0
Tensor repeat_batch(const Tensor &x, int64_t count);              // [1, ...] -> [count, ...]
Tensor batch_item(const Tensor &x, int64_t index);                 // [N, ...] -> [1, ...]
void check_f32_host(const Tensor &t, const char *what);

}  // namespace aigc::runtime
