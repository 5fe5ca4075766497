// Shared pieces of the image pipelines (see image_pipeline.hpp).
#include "runtime/image_pipeline.hpp"

#include <cstring>

#include "backend/registry.hpp"
#include "core/check.hpp"

namespace aigc::runtime {

std::shared_ptr<const ImageModel> ImageModel::load(const std::string &path, const std::string &backend) {
  auto m = std::make_shared<ImageModel>();
  m->backend = &get_backend(backend.empty() ? "cpu" : backend);
  // Image models keep their weights in host memory (docs/CUDA.md, "Not done yet").
  AIGC_CHECK(m->backend->device().is_cpu(), Status::unsupported,
             "{}: image models do not run on the '{}' backend yet; use \"cpu\"", path, m->backend->name());
  m->bundle = models::load_image_model(path);
  m->path = path;
  return m;
}

void Progress::check(int64_t step, int64_t total) const {
  AIGC_CHECK(!(cancel && cancel->load()), Status::cancelled, "image generation cancelled at step {} of {}", step, total);
  if (on_step) AIGC_CHECK(on_step(step, total), Status::cancelled,
                          "image generation stopped by the progress callback at step {} of {}", step, total);
}

std::vector<sampling::Rng> sample_rngs(uint64_t seed, int64_t count) {
  std::vector<sampling::Rng> rngs;
  rngs.reserve(size_t(count));
  for (int64_t k = 0; k < count; ++k) rngs.push_back(sample_rng(seed, k));
  return rngs;
}

Tensor normal_batch(std::vector<sampling::Rng> &rngs, const Shape &per_sample) {
  Shape shape = per_sample;
  shape.insert(0, int64_t(rngs.size()));
  Tensor out = Tensor::empty(shape, DType::f32);
  const size_t n = size_t(per_sample.numel());
  float *p = out.data_as<float>();
  for (size_t k = 0; k < rngs.size(); ++k) sampling::fill_normal(rngs[k], p + k * n, n);
  return out;
}

Tensor make_labels(int64_t num_classes, int64_t count, int64_t label, const std::vector<int64_t> &per_sample) {
  if (!per_sample.empty()) {
    AIGC_CHECK(int64_t(per_sample.size()) == count, Status::invalid_argument,
               "{} class labels given for {} images", per_sample.size(), count);
    AIGC_CHECK(num_classes > 0, Status::invalid_argument, "class labels given to an unconditional model");
    std::vector<int32_t> labels;
    for (int64_t l : per_sample) {
      AIGC_CHECK(l >= 0 && l < num_classes, Status::invalid_argument,
                 "class label {} is out of range: the model has {} classes (0..{})", l, num_classes, num_classes - 1);
      labels.push_back(int32_t(l));
    }
    return Tensor::from_vector(labels, Shape({count}));
  }
  if (num_classes <= 0) {
    AIGC_CHECK(label == -1, Status::invalid_argument,
               "class label {} given to an unconditional model (use -1)", label);
    return {};
  }
  AIGC_CHECK(label >= -1 && label < num_classes, Status::invalid_argument,
             "class label {} is out of range: the model has {} classes (0..{}, or -1 for one of each)",
             label, num_classes, num_classes - 1);
  std::vector<int32_t> labels(static_cast<size_t>(count));
  for (int64_t k = 0; k < count; ++k) labels[size_t(k)] = int32_t(label >= 0 ? label : k % num_classes);
  return Tensor::from_vector(labels, Shape({count}));
}

void check_f32_host(const Tensor &t, const char *what) {
  AIGC_CHECK(t.defined(), Status::invalid_argument, "{}: tensor is undefined", what);
  AIGC_CHECK(t.dtype() == DType::f32, Status::invalid_argument, "{}: expected f32, got {}", what, t.describe());
  t.check_host(what);
}

namespace {
Tensor affine(const Tensor &x, float scale, float shift) {
  check_f32_host(x, "pixel conversion");
  Tensor in = x.contiguous();
  Tensor out = Tensor::empty(in.shape(), DType::f32);
  const float *a = in.data_as<float>();
  float *o = out.data_as<float>();
  for (int64_t i = 0, n = in.numel(); i < n; ++i) o[i] = a[i] * scale + shift;
  return out;
}
}  // namespace

Tensor to_display(const Tensor &x, const models::PixelRange &r) { return affine(x, r.scale, r.shift); }
Tensor from_display(const Tensor &x, const models::PixelRange &r) {
  return affine(x, 1.f / r.scale, -r.shift / r.scale);
}

Tensor concat_batch(const Tensor &a, const Tensor &b) {
  check_f32_host(a, "concat_batch");
  check_f32_host(b, "concat_batch");
  Shape rest_a = a.shape(), rest_b = b.shape();
  rest_a.erase(0);
  rest_b.erase(0);
  AIGC_ASSERT(rest_a == rest_b);
  Shape shape = a.shape();
  shape[0] = a.size(0) + b.size(0);
  Tensor out = Tensor::empty(shape, DType::f32);
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  std::memcpy(out.data_as<float>(), ca.data_as<float>(), ca.nbytes());
  std::memcpy(out.data_as<float>() + ca.numel(), cb.data_as<float>(), cb.nbytes());
  return out;
}

Tensor repeat_batch(const Tensor &x, int64_t count) {
  AIGC_ASSERT(x.size(0) == 1);
  Shape shape = x.shape();
  shape[0] = count;
  return x.expand(shape).contiguous();
}

Tensor batch_item(const Tensor &x, int64_t index) { return x.slice(0, index, index + 1).contiguous(); }

}  // namespace aigc::runtime
