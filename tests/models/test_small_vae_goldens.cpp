// The small real VAEs converted by tools/aigc-convert: vae-mnist (MLP VAE, encoder and
// decoder; upstream PyTorch goldens) and cvae-quickdraw-tfjs (Keras class-conditional
// decoder; goldens from a float64 NumPy interpretation of the Keras graph, NHWC). Every
// output and layer-by-layer tensor must match within atol 1e-4 (one f32 forward pass,
// goldens README). Plus bad input and concurrent use of one shared model.
#include <doctest/doctest.h>

#include <cmath>
#include <thread>

#include "models/gan_vae_goldens.hpp"
#include "models/vae/keras_cvae_decoder.hpp"
#include "models/vae/mlp_vae.hpp"
#include "ops/harness.hpp"

using namespace aigc;

namespace {

constexpr float kAtol = 1e-4f;  // one f32 forward pass (goldens README)
// The cVAE's hidden activations reach ~80, where one f32 ulp is ~8e-6 and a 288-term
// transposed-convolution sum differs from the float64 golden by up to ~5e-5.
constexpr float kRtolKerasHidden = 1e-5f;

// NCHW [N, C, H, W] -> NHWC (Keras layout), contiguous.
Tensor to_nhwc(const Tensor &x) {
  return x.permute({0, 2, 3, 1}).contiguous();
}

std::vector<std::string> split_commas(const std::string &s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t comma; (comma = s.find(',', start)) != std::string::npos; start = comma + 1)
    out.push_back(s.substr(start, comma - start));
  out.push_back(s.substr(start));
  return out;
}

}  // namespace

TEST_CASE("vae-mnist: encode, decode and the full forward pass match upstream PyTorch") {
  const auto m = test::load_converted("vae-mnist");
  const auto golden = test::open_golden("vae-mnist");
  const ExecContext ctx = test::context("cpu", 2);
  const auto vae = models::load_mlp_vae(*m.weights, m.config, m.info);
  CHECK(vae->has_encoder());
  CHECK(vae->latent_channels() == 20);
  CHECK(vae->downscale_factor() == 0);
  CHECK(vae->image_shape() == Shape({1, 28, 28}));
  CHECK(vae->pixel_range().scale == 1.f);
  CHECK(vae->pixel_range().shift == 0.f);

  // Golden images are flat [8, 784]; the model takes [N, 1, 28, 28].
  const Tensor x = golden->tensor("x").reshape(Shape({8, 1, 28, 28}));
  const models::LatentDistribution q = vae->encode(ctx, x);
  test::check_close("mu", q.mean, golden->tensor("mu"), kAtol);
  test::check_close("logvar", q.logvar, golden->tensor("logvar"), kAtol);

  test::check_close("decoded", vae->decode(ctx, golden->tensor("z"), {}), Shape({8, 1, 28, 28}),
                    golden->tensor("decoded"), kAtol);

  // forward(x) = decode(mu + eps * exp(0.5 * logvar)) with the stored eps, from our own
  // mu/logvar (so the encoder's error propagates, as it would in a pipeline).
  const std::vector<float> mu = q.mean.to_f32_vector(), logvar = q.logvar.to_f32_vector(),
                           eps = golden->tensor("forward_eps").to_f32_vector();
  std::vector<float> z(mu.size());
  for (size_t i = 0; i < z.size(); ++i) z[i] = mu[i] + eps[i] * std::exp(0.5f * logvar[i]);
  test::check_close("forward_recon", vae->decode(ctx, Tensor::from_vector(z, Shape({8, 20})), {}),
                    Shape({8, 1, 28, 28}), golden->tensor("forward_recon"), kAtol);
}

TEST_CASE("cvae-quickdraw-tfjs: images and every layer match the Keras graph") {
  const auto m = test::load_converted("cvae-quickdraw-tfjs");
  const auto golden = test::open_golden("cvae-quickdraw-tfjs");
  const ExecContext ctx = test::context("cpu", 2);
  const models::KerasCvaeDecoder dec(models::KerasCvaeConfig::from_json(m.config), *m.weights, m.info);
  CHECK_FALSE(dec.has_encoder());
  CHECK(dec.latent_channels() == 16);
  CHECK(dec.image_shape() == Shape({1, 28, 28}));
  CHECK(dec.info().num_classes == 50);
  REQUIRE(dec.info().class_names.size() == 50);

  // The golden's label_index is the one-hot position = class + 1; the model takes the class.
  const Tensor label_index = test::labels_i32(golden->tensor("label_index"));
  const Tensor classes = test::labels_i32(golden->tensor("label_index"), -1);
  const std::vector<float> one_hot = golden->tensor("label_onehot").to_f32_vector();
  const auto names = split_commas(golden->metadata().at("label_names"));
  REQUIRE(names.size() == 6);
  for (int64_t i = 0; i < 6; ++i) {
    const int32_t hot = label_index.data_as<int32_t>()[i], c = classes.data_as<int32_t>()[i];
    CHECK(one_hot[size_t(i * 51 + hot)] == 1.f);
    CHECK(dec.info().class_names[size_t(c)] == names[size_t(i)]);
  }

  // Output is NCHW [6, 1, 28, 28]; the golden NHWC [6, 28, 28, 1] has the same memory order.
  const Tensor latent = golden->tensor("latent");  // [6, 16]
  test::check_close("images", dec.decode(ctx, latent, classes), Shape({6, 1, 28, 28}),
                    golden->tensor("images"), kAtol);

  std::map<std::string, Tensor> trace;
  dec.decode_traced(ctx, latent.slice(0, 0, 1), classes.slice(0, 0, 1), &trace);
  const auto debug = test::debug_names(*golden);
  CHECK(debug.size() == 5);
  for (const std::string &name : debug) {
    const auto it = trace.find(name.substr(4));
    REQUIRE_MESSAGE(it != trace.end(), "no intermediate for " << name);
    const Tensor ours = it->second.rank() == 4 ? to_nhwc(it->second) : it->second;  // dense stays [1, 784]
    test::check_close(name, ours, golden->tensor(name), kAtol, kRtolKerasHidden);
  }
}

TEST_CASE("cvae-quickdraw-tfjs: the reference backend (plain loops) agrees with the golden too") {
  const ExecContext ctx = test::context("ref", 1);
  const auto m = test::load_converted("cvae-quickdraw-tfjs");
  const auto golden = test::open_golden("cvae-quickdraw-tfjs");
  const Tensor images =
      models::load_keras_cvae_decoder(*m.weights, m.config, m.info)
          ->decode(ctx, golden->tensor("latent"), test::labels_i32(golden->tensor("label_index"), -1));
  test::check_close("images", images, Shape({6, 1, 28, 28}), golden->tensor("images"), kAtol);
}

TEST_CASE("small VAEs: bad input is a clear error") {
  const ExecContext ctx = test::context("cpu", 1);
  const auto mv = test::load_converted("vae-mnist");
  const auto cv = test::load_converted("cvae-quickdraw-tfjs");
  const auto vae = models::load_mlp_vae(*mv.weights, mv.config, mv.info);
  const auto cvae = models::load_keras_cvae_decoder(*cv.weights, cv.config, cv.info);
  const Tensor z16 = Tensor::zeros(Shape({2, 16}), DType::f32);
  const auto ids = [](std::vector<int32_t> v) { return Tensor::from_vector(v, Shape({int64_t(v.size())})); };

  SUBCASE("labels") {
    test::check_error(Status::invalid_argument, "label 50 (sample 1) is out of range [0, 50)", [&] {
      cvae->decode(ctx, z16, ids({0, 50}));
    });
    test::check_error(Status::invalid_argument, "label -1 (sample 0) is out of range [0, 50)", [&] {
      cvae->decode(ctx, z16, ids({-1, 0}));
    });
    test::check_error(Status::invalid_argument, "labels [N] are required",
                      [&] { cvae->decode(ctx, z16, {}); });
    test::check_error(Status::shape_mismatch, "labels must be [2]", [&] {
      cvae->decode(ctx, z16, ids({1, 2, 3}));
    });
    test::check_error(Status::invalid_argument, "unconditional", [&] {
      vae->decode(ctx, Tensor::zeros(Shape({2, 20}), DType::f32), ids({0, 1}));
    });
  }
  SUBCASE("shapes and missing encoder") {
    test::check_error(Status::shape_mismatch, "keras_cvae_decoder decode", [&] {
      cvae->decode(ctx, Tensor::zeros(Shape({2, 17}), DType::f32), ids({0, 1}));
    });
    test::check_error(Status::shape_mismatch, "mlp_vae decode", [&] {
      vae->decode(ctx, Tensor::zeros(Shape({2, 19}), DType::f32), {});
    });
    test::check_error(Status::shape_mismatch, "mlp_vae encode", [&] {
      vae->encode(ctx, Tensor::zeros(Shape({2, 784}), DType::f32));
    });
    test::check_error(Status::invalid_argument, "no encoder", [&] {
      cvae->encode(ctx, Tensor::zeros(Shape({2, 1, 28, 28}), DType::f32));
    });
  }
  SUBCASE("a config that disagrees with the tensors") {
    const auto check_load_fails = [](const test::ConvertedModel &m, const nlohmann::json &config,
                                     Status expected, const char *names, auto load) {
      const auto weights =
          nn::make_map_weights(test::all_tensors(m.weights_path), nn::WeightFormat::safetensors, m.info.name);
      test::check_error(expected, names, [&] { load(*weights, config, m.info); });
    };
    auto cfg = mv.config;
    cfg["latent_dim"] = 16;  // fc21.weight is [20, 400]
    check_load_fails(mv, cfg, Status::shape_mismatch, "fc21.weight", models::load_mlp_vae);
    cfg = cv.config;
    cfg["latent_dim"] = 20;  // dense_5.weight is [784, 67]
    check_load_fails(cv, cfg, Status::shape_mismatch, "dense_5.weight", models::load_keras_cvae_decoder);
    cfg = cv.config;
    cfg["layers"][3]["filters"] = 8;  // conv2d_transpose_1.weight is [16, 32, 3, 3]
    check_load_fails(cv, cfg, Status::shape_mismatch, "conv2d_transpose_1.weight",
                     models::load_keras_cvae_decoder);
    cfg = cv.config;
    cfg["layers"][4]["size"] = 3;  // 7 -> 21 -> 42, not 28
    check_load_fails(cv, cfg, Status::invalid_format, "image_shape", models::load_keras_cvae_decoder);
    cfg = cv.config;
    cfg["layers"][3]["stride"] = 2;  // "same" with stride 2 crops asymmetrically
    check_load_fails(cv, cfg, Status::unsupported, "padding 'same'", models::load_keras_cvae_decoder);
    cfg = cv.config;
    cfg["layers"][4]["type"] = "max_pool";
    check_load_fails(cv, cfg, Status::unsupported, "max_pool", models::load_keras_cvae_decoder);
  }
}

TEST_CASE("small VAEs: one shared model, four threads, identical results") {
  const auto mv = test::load_converted("vae-mnist");
  const auto cv = test::load_converted("cvae-quickdraw-tfjs");
  const auto vae = models::load_mlp_vae(*mv.weights, mv.config, mv.info);
  const auto cvae = models::load_keras_cvae_decoder(*cv.weights, cv.config, cv.info);
  const Tensor z = test::open_golden("vae-mnist")->tensor("z");
  const auto cg = test::open_golden("cvae-quickdraw-tfjs");
  const Tensor latent = cg->tensor("latent");
  const Tensor classes = test::labels_i32(cg->tensor("label_index"), -1);

  const ExecContext ctx = test::context("cpu", 1);
  const std::vector<float> want_vae = vae->decode(ctx, z, {}).to_f32_vector();
  const std::vector<float> want_cvae = cvae->decode(ctx, latent, classes).to_f32_vector();
  std::vector<std::vector<float>> got_vae(4), got_cvae(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const ExecContext c = test::context("cpu", 1);
      for (int rep = 0; rep < 3; ++rep) {
        got_vae[size_t(t)] = vae->decode(c, z, {}).to_f32_vector();
        got_cvae[size_t(t)] = cvae->decode(c, latent, classes).to_f32_vector();
      }
    });
  }
  for (auto &th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    CHECK(got_vae[size_t(t)] == want_vae);
    CHECK(got_cvae[size_t(t)] == want_cvae);
  }
}
