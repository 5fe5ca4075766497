#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "io/llama2c.hpp"
#include "model_paths.hpp"

using namespace aigc;
using namespace aigc::io;

namespace {

std::string stories(const char *file) { return test::shared_models_dir() + "/llama2c-stories260k/" + file; }

bool have_model() { return test::require_model(stories("stories260K.bin"), test::kSharedModelsHint); }

Status load_status(const std::string &path) {
  try {
    load_llama2c_checkpoint(path);
    return Status::ok;
  } catch (const Error &e) {
    return e.status();
  }
}

}  // namespace

TEST_CASE("llama2c: stories260K header and weights (MANIFEST values)") {
  if (!have_model()) return;
  const Llama2cCheckpoint ck = load_llama2c_checkpoint(stories("stories260K.bin"));
  const Llama2cConfig &c = ck.config;
  CHECK(c.dim == 64);
  CHECK(c.hidden_dim == 172);
  CHECK(c.n_layers == 5);
  CHECK(c.n_heads == 8);
  CHECK(c.n_kv_heads == 4);
  CHECK(c.vocab_size == 512);
  CHECK(c.seq_len == 512);
  CHECK(c.shared_classifier);
  CHECK(ck.wk.shape() == Shape{5, 32, 64});
  CHECK(ck.w2.shape() == Shape{5, 64, 172});
  CHECK(ck.classifier.data() == ck.token_embedding.data());
  CHECK(ck.wq.storage()->read_only());  // mapped, not copied
  // The RMSNorm gains of a trained model are positive, O(1) numbers.
  for (float g : ck.rms_final.to_f32_vector()) CHECK((g > 0.f && g < 20.f));
}

TEST_CASE("llama2c: tok512 vocabulary with byte-fallback tokens") {
  if (!have_model()) return;
  const Llama2cVocab v = load_llama2c_vocab(stories("tok512.bin"), 512);
  REQUIRE(v.pieces.size() == 512);
  CHECK(v.pieces[0] == "<unk>");
  CHECK(v.pieces[1] == "\n<s>\n");
  CHECK(v.pieces[3] == "<0x00>");
  CHECK(v.pieces[258] == "<0xFF>");
  CHECK_THROWS_AS(load_llama2c_vocab(stories("tok512.bin"), 100000), Error);
}

TEST_CASE("llama2c: truncated or foreign files are clear errors") {
  if (!have_model()) return;
  std::ifstream in(stories("stories260K.bin"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string tmp = "aigc_test_llama2c.bin";
  for (size_t cut : {size_t(0), size_t(10), size_t(28), size_t(1000), bytes.size() / 2,
                     bytes.size() - 300000}) {
    std::ofstream(tmp, std::ios::binary).write(bytes.data(), long(cut));
    CAPTURE(cut);
    CHECK(load_status(tmp) == Status::invalid_format);
  }
  std::string bad = bytes;
  bad[12] = char(0x7f);  // n_heads becomes absurd
  std::ofstream(tmp, std::ios::binary).write(bad.data(), long(bad.size()));
  CHECK(load_status(tmp) == Status::invalid_format);
  std::filesystem::remove(tmp);
  CHECK(load_status("/nonexistent/stories.bin") == Status::io_error);
}
