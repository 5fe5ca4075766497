// The real GAN generators (mlp-gan-mnist with its discriminator, dcgan-mnist,
// cwgan-gp-mnist) converted by tools/aigc-convert, run on the golden inputs: every output
// and every layer-by-layer tensor in /work/shared/models/goldens/<model>.safetensors,
// computed by the upstream PyTorch code, must match within atol 1e-4 (the goldens'
// README: single f32 forward passes agree with float64 within ~2e-5). Plus bad input
// and concurrent use of one shared model.
#include <doctest/doctest.h>

#include <thread>

#include "models/gan/cwgan_gp.hpp"
#include "models/gan/dcgan.hpp"
#include "models/gan/mlp_gan.hpp"
#include "models/gan_vae_goldens.hpp"
#include "ops/harness.hpp"
#include "ops/unary.hpp"

using namespace aigc;

namespace {

constexpr float kAtol = 1e-4f;  // one f32 forward pass (goldens README)

Shape batch_of(int64_t n, const Shape &one) {
  Shape s({n});
  for (int64_t d : one) s.push_back(d);
  return s;
}

}  // namespace

TEST_CASE("mlp-gan-mnist: generator and discriminator match the upstream PyTorch outputs") {
  const auto m = test::load_converted("mlp-gan-mnist");
  const auto golden = test::open_golden("mlp-gan-mnist");
  const ExecContext ctx = test::context("cpu", 2);
  const auto gen = models::load_mlp_gan_generator(*m.weights, m.config, m.info);
  const auto disc = models::load_mlp_gan_discriminator(*m.weights, m.config, m.info);
  CHECK(gen->latent_shape() == Shape({64}));
  CHECK(gen->image_shape() == Shape({1, 28, 28}));
  CHECK(disc->image_shape() == Shape({1, 28, 28}));
  CHECK(gen->info().num_classes == 0);
  CHECK(gen->pixel_range().scale == 0.5f);

  const Tensor z = golden->tensor("z");  // [16, 64]
  const Tensor images = gen->generate(ctx, z, {});
  test::check_close("images", images, Shape({16, 1, 28, 28}), golden->tensor("images"), kAtol);

  // D on G's golden images and on the perturbed ones (flat [N, 784] -> [N, 1, 28, 28]).
  for (const char *name : {"images", "perturbed_images"}) {
    const Tensor flat = golden->tensor(name);
    const Tensor in = flat.reshape(batch_of(flat.size(0), Shape({1, 28, 28})));
    const Tensor logits = disc->score_logits(ctx, in);
    const std::string out = std::string(name) == "images" ? "d_fake" : "d_perturbed";
    test::check_close(out + "_logit", logits, golden->tensor(out + "_logit"), kAtol);
    test::check_close(out, ops::sigmoid(ctx, logits), golden->tensor(out), kAtol);
  }
}

TEST_CASE("dcgan-mnist: images and every block match the upstream PyTorch outputs") {
  const auto m = test::load_converted("dcgan-mnist");
  const auto golden = test::open_golden("dcgan-mnist");
  const ExecContext ctx = test::context("cpu", 2);
  const models::DcganGenerator gen(models::DcganConfig::from_json(m.config), *m.weights, m.info);
  CHECK(gen.latent_shape() == Shape({64, 1, 1}));
  CHECK(gen.image_shape() == Shape({1, 28, 28}));

  const Tensor z = golden->tensor("z");  // [16, 64, 1, 1]
  test::check_close("images", gen.generate(ctx, z, {}), golden->tensor("images"), kAtol);

  // Intermediates are stored for z[0] only.
  std::map<std::string, Tensor> trace;
  gen.generate_traced(ctx, z.slice(0, 0, 1), &trace);
  const auto names = test::debug_names(*golden);
  CHECK(names.size() == 3);
  for (const std::string &name : names) {
    const auto it = trace.find(name.substr(4));
    REQUIRE_MESSAGE(it != trace.end(), "no intermediate for " << name);
    test::check_close(name, it->second, golden->tensor(name), kAtol);
  }
}

TEST_CASE("cwgan-gp-mnist: class-conditional images and intermediates match upstream") {
  const auto m = test::load_converted("cwgan-gp-mnist");
  const auto golden = test::open_golden("cwgan-gp-mnist");
  const ExecContext ctx = test::context("cpu", 2);
  const models::CwganGpGenerator gen(models::CwganGpConfig::from_json(m.config), *m.weights, m.info);
  CHECK(gen.latent_shape() == Shape({10}));
  CHECK(gen.info().num_classes == 10);
  REQUIRE(gen.info().class_names.size() == 10);
  CHECK(gen.info().class_names[3] == "3");

  const Tensor z = golden->tensor("z");                              // [10, 10]
  const Tensor labels = test::labels_i32(golden->tensor("labels"));  // [10] = 0..9
  test::check_close("images", gen.generate(ctx, z, labels), golden->tensor("images"), kAtol);

  std::map<std::string, Tensor> trace;
  gen.generate_traced(ctx, z.slice(0, 0, 1), labels.slice(0, 0, 1), &trace);
  const auto names = test::debug_names(*golden);
  CHECK(names.size() == 2);
  for (const std::string &name : names) {
    const auto it = trace.find(name.substr(4));
    REQUIRE_MESSAGE(it != trace.end(), "no intermediate for " << name);
    test::check_close(name, it->second, golden->tensor(name), kAtol);
  }
}

TEST_CASE("GAN generators: the reference backend (plain loops) agrees with the goldens too") {
  const ExecContext ctx = test::context("ref", 1);
  const auto dc = test::load_converted("dcgan-mnist");
  const auto dc_golden = test::open_golden("dcgan-mnist");
  test::check_close(
      "dcgan images",
      models::load_dcgan(*dc.weights, dc.config, dc.info)->generate(ctx, dc_golden->tensor("z"), {}),
      dc_golden->tensor("images"), kAtol);
  const auto cw = test::load_converted("cwgan-gp-mnist");
  const auto cw_golden = test::open_golden("cwgan-gp-mnist");
  test::check_close(
      "cwgan images",
      models::load_cwgan_gp(*cw.weights, cw.config, cw.info)
          ->generate(ctx, cw_golden->tensor("z"), test::labels_i32(cw_golden->tensor("labels"))),
      cw_golden->tensor("images"), kAtol);
}

TEST_CASE("GAN generators: bad input is a clear error") {
  const ExecContext ctx = test::context("cpu", 1);
  const auto mlp = test::load_converted("mlp-gan-mnist");
  const auto dc = test::load_converted("dcgan-mnist");
  const auto cw = test::load_converted("cwgan-gp-mnist");
  const auto mlp_gen = models::load_mlp_gan_generator(*mlp.weights, mlp.config, mlp.info);
  const auto mlp_disc = models::load_mlp_gan_discriminator(*mlp.weights, mlp.config, mlp.info);
  const auto dcgan = models::load_dcgan(*dc.weights, dc.config, dc.info);
  const auto cwgan = models::load_cwgan_gp(*cw.weights, cw.config, cw.info);
  const Tensor z10 = Tensor::zeros(Shape({2, 10}), DType::f32);
  const auto ids = [](std::vector<int32_t> v) { return Tensor::from_vector(v, Shape({int64_t(v.size())})); };

  SUBCASE("out-of-range and missing labels") {
    test::check_error(Status::invalid_argument, "label 10 (sample 1) is out of range [0, 10)", [&] {
      cwgan->generate(ctx, z10, ids({3, 10}));
    });
    test::check_error(Status::invalid_argument, "label -1 (sample 0) is out of range [0, 10)", [&] {
      cwgan->generate(ctx, z10, ids({-1, 0}));
    });
    test::check_error(Status::invalid_argument, "labels [N] are required",
                      [&] { cwgan->generate(ctx, z10, {}); });
    test::check_error(Status::shape_mismatch, "labels must be [2]",
                      [&] { cwgan->generate(ctx, z10, ids({1})); });
    test::check_error(Status::invalid_argument, "labels must be i32",
                      [&] { cwgan->generate(ctx, z10, Tensor::zeros(Shape({2}), DType::f32)); });
    test::check_error(Status::invalid_argument, "unconditional", [&] {
      dcgan->generate(ctx, Tensor::zeros(Shape({2, 64, 1, 1}), DType::f32), ids({0, 1}));
    });
  }
  SUBCASE("wrong latent shapes") {
    test::check_error(Status::shape_mismatch, "dcgan generate", [&] {
      dcgan->generate(ctx, Tensor::zeros(Shape({2, 64}), DType::f32), {});
    });
    test::check_error(Status::shape_mismatch, "dcgan generate", [&] {
      dcgan->generate(ctx, Tensor::zeros(Shape({2, 63, 1, 1}), DType::f32), {});
    });
    test::check_error(Status::shape_mismatch, "mlp_gan generate", [&] {
      mlp_gen->generate(ctx, Tensor::zeros(Shape({2, 65}), DType::f32), {});
    });
    test::check_error(Status::shape_mismatch, "mlp_gan generate", [&] {
      mlp_gen->generate(ctx, Tensor::zeros(Shape({0, 64}), DType::f32), {});
    });
    test::check_error(Status::shape_mismatch, "cwgan_gp generate", [&] {
      cwgan->generate(ctx, Tensor::zeros(Shape({2, 11}), DType::f32), ids({0, 1}));
    });
    test::check_error(Status::shape_mismatch, "mlp_gan score_logits", [&] {
      mlp_disc->score_logits(ctx, Tensor::zeros(Shape({2, 1, 28, 27}), DType::f32));
    });
  }
  SUBCASE("a config that disagrees with the tensors") {
    const auto check_load_fails =
        [](const test::ConvertedModel &m, nlohmann::json config, Status expected, const char *names,
           const std::function<void(const nn::WeightSource &, const nlohmann::json &)> &load) {
          const auto weights = nn::make_map_weights(test::all_tensors(m.weights_path),
                                                    nn::WeightFormat::safetensors, m.info.name);
          test::check_error(expected, names, [&] { load(*weights, config); });
        };
    auto cfg = mlp.config;
    cfg["latent_dim"] = 32;  // generator.0.weight is [256, 64]
    check_load_fails(mlp, cfg, Status::shape_mismatch, "generator.0.weight",
                     [&](auto &w, auto &c) { models::load_mlp_gan_generator(w, c, mlp.info); });
    cfg = dc.config;
    cfg["latent_dim"] = 100;  // gen.0.0.weight is [64, 256, 3, 3]
    check_load_fails(dc, cfg, Status::shape_mismatch, "gen.0.0.weight",
                     [&](auto &w, auto &c) { models::load_dcgan(w, c, dc.info); });
    cfg = cw.config;
    cfg["latent_dim"] = 12;  // l1.0.weight is [6272, 20]
    check_load_fails(cw, cfg, Status::shape_mismatch, "l1.0.weight",
                     [&](auto &w, auto &c) { models::load_cwgan_gp(w, c, cw.info); });
    cfg = dc.config;
    cfg["image_shape"] = {1, 32, 32};  // the layers end at 28x28
    check_load_fails(dc, cfg, Status::invalid_format, "image_shape",
                     [&](auto &w, auto &c) { models::load_dcgan(w, c, dc.info); });
    cfg = cw.config;
    cfg.erase("latent_dim");
    check_load_fails(cw, cfg, Status::invalid_format, "latent_dim",
                     [&](auto &w, auto &c) { models::load_cwgan_gp(w, c, cw.info); });
  }
}

TEST_CASE("GAN generators: one shared model, four threads, identical results") {
  const auto dc = test::load_converted("dcgan-mnist");
  const auto cw = test::load_converted("cwgan-gp-mnist");
  const std::shared_ptr<const models::Generator> dcgan = models::load_dcgan(*dc.weights, dc.config, dc.info);
  const std::shared_ptr<const models::Generator> cwgan =
      models::load_cwgan_gp(*cw.weights, cw.config, cw.info);
  const Tensor z_dc = test::open_golden("dcgan-mnist")->tensor("z");
  const auto cw_golden = test::open_golden("cwgan-gp-mnist");
  const Tensor z_cw = cw_golden->tensor("z");
  const Tensor labels = test::labels_i32(cw_golden->tensor("labels"));

  const ExecContext ctx = test::context("cpu", 1);
  const std::vector<float> want_dc = dcgan->generate(ctx, z_dc, {}).to_f32_vector();
  const std::vector<float> want_cw = cwgan->generate(ctx, z_cw, labels).to_f32_vector();
  std::vector<std::vector<float>> got_dc(4), got_cw(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const ExecContext c = test::context("cpu", 1);
      for (int rep = 0; rep < 3; ++rep) {
        got_dc[size_t(t)] = dcgan->generate(c, z_dc, {}).to_f32_vector();
        got_cw[size_t(t)] = cwgan->generate(c, z_cw, labels).to_f32_vector();
      }
    });
  }
  for (auto &th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    CHECK(got_dc[size_t(t)] == want_dc);
    CHECK(got_cw[size_t(t)] == want_cw);
  }
}
