// One image network timed in-process: a GAN generator, a denoiser step or a VAE decode
// of a converted model (tools/aigc-convert), on random inputs. Prints one JSON line with
// the median seconds per call; compare_torch.py runs it beside PyTorch.
//   bench_image --model DIR --what gan|denoise|decode [--batch N] [--threads T] [--runs R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "backend/registry.hpp"
#include "core/check.hpp"
#include "models/image_loader.hpp"
#include "sampling/rng.hpp"

using namespace aigc;

static Tensor random_normal(const Shape &shape, uint64_t seed) {
  Tensor t = Tensor::empty(shape, DType::f32);
  sampling::Rng rng(seed);
  sampling::fill_normal(rng, static_cast<float *>(t.data()), size_t(t.numel()));
  return t;
}

static Shape with_batch(int64_t n, const Shape &one) {
  std::vector<int64_t> dims{n};
  for (int i = 0; i < one.rank(); ++i) dims.push_back(one[i]);
  return Shape(dims);
}

int main(int argc, char **argv) {
  std::string model_dir, what = "gan";
  int64_t batch = 1;
  int threads = 2, runs = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") model_dir = v;
    else if (k == "--what") what = v;
    else if (k == "--batch") batch = std::stoll(v);
    else if (k == "--threads") threads = std::stoi(v);
    else if (k == "--runs") runs = std::stoi(v);
  }
  if (model_dir.empty()) {
    std::fprintf(stderr, "usage: bench_image --model DIR --what gan|denoise|decode [--batch N] [--threads T] [--runs R]\n");
    return 2;
  }
  try {
    const models::ImageModelBundle m = models::load_image_model(model_dir);
    const ExecContext ctx{&get_backend("cpu"), threads};
    std::function<Tensor()> call;
    Tensor labels = Tensor::zeros(Shape({batch}), DType::i32);
    if (what == "gan") {
      AIGC_CHECK(m.generator, Status::invalid_argument, "{} has no generator", model_dir);
      Tensor z = random_normal(with_batch(batch, m.generator->latent_shape()), 1);
      Tensor l = m.generator->info().num_classes > 0 ? labels : Tensor();
      call = [&, z, l] { return m.generator->generate(ctx, z, l); };
    } else if (what == "denoise") {
      AIGC_CHECK(m.denoiser, Status::invalid_argument, "{} has no denoiser", model_dir);
      Tensor x = random_normal(with_batch(batch, m.denoiser->sample_shape()), 2);
      Tensor t = Tensor::from_vector(std::vector<float>(size_t(batch), 500.f), Shape({batch}));
      models::DenoiserCondition cond;
      if (m.denoiser->info().num_classes > 0) cond.labels = labels;
      call = [&, x, t, cond] { return m.denoiser->predict(ctx, x, t, cond); };
    } else if (what == "decode") {
      AIGC_CHECK(m.autoencoder, Status::invalid_argument, "{} has no autoencoder", model_dir);
      const int64_t f = m.autoencoder->downscale_factor();
      Shape one = f > 0 ? Shape({m.autoencoder->latent_channels(), 512 / f, 512 / f})
                        : Shape({m.autoencoder->latent_channels()});
      Tensor z = random_normal(with_batch(batch, one), 3);
      call = [&, z] { return m.autoencoder->decode(ctx, z, Tensor()); };
    } else {
      std::fprintf(stderr, "bench_image: unknown --what '%s'\n", what.c_str());
      return 2;
    }
    call();  // warm-up: primitives, caches
    std::vector<double> seconds;
    for (int r = 0; r < runs; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      call();
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(seconds.begin(), seconds.end());
    std::printf("%s\n", fmt::format(R"({{"model":"{}","what":"{}","batch":{},"threads":{},"seconds":{}}})",
                                    m.info.name, what, batch, threads, seconds[seconds.size() / 2])
                            .c_str());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "bench_image: %s\n", e.what());
    return 1;
  }
}
