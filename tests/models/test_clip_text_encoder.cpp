// CLIP text encoder against transformers' CLIPTextModel: a tiny random model
// (tests/reference/make_clip_goldens.py: hidden 32, 2 layers, 4 heads, intermediate 37,
// quick_gelu) saved with save_pretrained, and its outputs for the tiny tokenizer's ids.
// Tolerance: max |ours - torch| <= 1e-4 * max |torch| (f32 end to end; the only
// differences are summation order in matmul / layer norm / softmax).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "io/safetensors.hpp"
#include "models/sd/clip_text_encoder.hpp"
#include "ops/harness.hpp"
#include "tokenizer/clip_bpe_tokenizer.hpp"

using namespace aigc;
using json = nlohmann::json;

namespace {

const std::string kSd = std::string(AIGC_TEST_DATA_DIR) + "/sd/";

json read_json(const std::string &path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str());
}

struct Tiny {
  std::unique_ptr<nn::WeightSource> weights =
      nn::make_safetensors_weights(io::SafetensorsSet::open(kSd + "tiny-clip-text/model.safetensors"), "tiny-clip-text");
  json config = read_json(kSd + "tiny-clip-text/config.json");
  std::shared_ptr<const io::SafetensorsFile> golden =
      io::SafetensorsFile::open(kSd + "tiny-clip-golden.safetensors");
};

double max_rel_err(const Tensor &expected, const Tensor &actual) {
  REQUIRE(expected.shape() == actual.shape());
  const std::vector<float> e = expected.to_f32_vector(), a = actual.to_f32_vector();
  double err = 0, scale = 1e-12;
  for (size_t i = 0; i < e.size(); ++i) {
    err = std::max(err, double(std::abs(e[i] - a[i])));
    scale = std::max(scale, double(std::abs(e[i])));
  }
  return err / scale;
}

Tensor host(const ExecContext &ctx, const Tensor &t) { return ctx.backend->download(t); }

std::vector<std::string> all_backends() {
  std::vector<std::string> b{"ref"};
  for (const std::string &name : test::backends_under_test()) b.push_back(name);
  return b;
}

}  // namespace

TEST_CASE("clip text encoder: tiny model matches transformers") {
  Tiny tiny;
  const auto enc = models::load_clip_text_encoder(*tiny.weights, tiny.config);
  CHECK(enc->hidden_size() == 32);
  CHECK(enc->max_length() == 77);
  const Tensor ids = tiny.golden->tensor("input_ids");
  const Tensor ids_short = tiny.golden->tensor("input_ids_short");
  for (const std::string &name : all_backends()) {
    CAPTURE(name);
    ExecContext ctx;
    try {
      ctx = test::context(name.c_str(), 2);
    } catch (const Error &e) {
      MESSAGE("skipped backend " << name << ": " << std::string(e.what()));
      continue;
    }
    CHECK(max_rel_err(tiny.golden->tensor("last_hidden_state"), host(ctx, enc->encode(ctx, ids))) <= 1e-4);
    CHECK(max_rel_err(tiny.golden->tensor("penultimate_normed"), host(ctx, enc->encode(ctx, ids, 2))) <=
          1e-4);
    CHECK(max_rel_err(tiny.golden->tensor("last_hidden_state_short"), host(ctx, enc->encode(ctx, ids_short))) <=
          1e-4);
  }
  // The golden ids are what our CLIP tokenizer makes of the prompts.
  const auto tok = tokenizer::ClipBpeTokenizer::from_folder(kSd + "tiny-clip-tokenizer");
  const int32_t *p = ids.data_as<int32_t>();
  CHECK(tok->tokenize_prompt("a portrait of a cat wearing a hat").ids == std::vector<int32_t>(p, p + 77));
  CHECK(tok->tokenize_prompt("it's a beautiful day in the city, 4k!").ids ==
        std::vector<int32_t>(p + 77, p + 154));
}

TEST_CASE("clip text encoder: bad input and bad files") {
  Tiny tiny;
  const auto enc = models::load_clip_text_encoder(*tiny.weights, tiny.config);
  const ExecContext ctx = test::context("ref", 1);
  const int32_t vocab = int32_t(tiny.config["vocab_size"].get<int64_t>());
  auto ids_of = [](std::vector<int32_t> v, int64_t n) {
    const int64_t t = int64_t(v.size()) / n;
    return Tensor::from_vector(v, Shape({n, t}));
  };
  test::check_error(Status::invalid_argument, "vocabulary",
                    [&] { enc->encode(ctx, ids_of({1, 2, vocab}, 1)); });
  test::check_error(Status::invalid_argument, "vocabulary", [&] { enc->encode(ctx, ids_of({1, -1}, 1)); });
  test::check_error(Status::invalid_argument, "tokens",
                    [&] { enc->encode(ctx, ids_of(std::vector<int32_t>(78, 1), 1)); });
  test::check_error(Status::invalid_argument, "clip_skip", [&] { enc->encode(ctx, ids_of({1, 2}, 1), 3); });
  test::check_error(Status::invalid_argument, "clip_skip", [&] { enc->encode(ctx, ids_of({1, 2}, 1), 0); });
  test::check_error(Status::invalid_argument, "i32",
                    [&] { enc->encode(ctx, Tensor::zeros(Shape({1, 4}), DType::f32)); });
  test::check_error(Status::invalid_argument, "i32", [&] { enc->encode(ctx, ids_of({1, 2}, 2).reshape(Shape({2}))); });

  auto with = [&](const char *key, json value) {
    json c = tiny.config;
    c[key] = std::move(value);
    return c;
  };
  test::check_error(Status::unsupported, "hidden_act",
                    [&] { models::load_clip_text_encoder(*tiny.weights, with("hidden_act", "relu")); });
  test::check_error(Status::invalid_format, "num_attention_heads",
                    [&] { models::load_clip_text_encoder(*tiny.weights, with("num_attention_heads", 5)); });
  test::check_error(Status::invalid_format, "vocab_size",
                    [&] { models::load_clip_text_encoder(*tiny.weights, with("vocab_size", -3)); });
  // Config disagreeing with the tensors: a layer that is not there, a wrong width.
  test::check_error(Status::invalid_format, "layers.2",
                    [&] { models::load_clip_text_encoder(*tiny.weights, with("num_hidden_layers", 3)); });
  test::check_error(Status::shape_mismatch, "mlp.fc1",
                    [&] { models::load_clip_text_encoder(*tiny.weights, with("intermediate_size", 36)); });
}
