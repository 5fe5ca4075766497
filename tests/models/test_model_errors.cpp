// Bad model files through the loader: each gives a status and a message naming the
// problem, never a crash. The files are made on the fly from the tiny test models.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "models/lm_loader.hpp"
#include "ops/harness.hpp"

using namespace aigc;
namespace fs = std::filesystem;

namespace {

const std::string kDir = std::string(AIGC_TEST_DATA_DIR) + "/lm/";

std::string read_all(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(const fs::path &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A scratch folder per test, removed afterwards.
struct Scratch {
  fs::path dir;
  explicit Scratch(const char *name) : dir(fs::temp_directory_path() / (std::string("aigc-") + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
};

std::string replace(std::string s, const std::string &from, const std::string &to) {
  const size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("model errors: truncated and wrong-magic files") {
  Scratch s("trunc");
  const std::string gguf = read_all(kDir + "tiny-llama/model-f32.gguf");
  for (size_t cut : {size_t(3), size_t(40), gguf.size() / 3, gguf.size() - 1}) {
    CAPTURE(cut);
    write_all(s.dir / "cut.gguf", gguf.substr(0, cut));
    const Status st = test::error_status("cut.gguf", [&] { models::load_language_model((s.dir / "cut.gguf").string()); });
    CHECK((st == Status::invalid_format || st == Status::io_error));
  }
  write_all(s.dir / "junk.bin", std::string(1000, 'x'));
  CHECK(test::error_status("junk.bin", [&] { models::load_language_model((s.dir / "junk.bin").string()); }) ==
        Status::invalid_format);
  write_all(s.dir / "empty.bin", "");
  CHECK(test::error_status("empty.bin", [&] { models::load_language_model((s.dir / "empty.bin").string()); }) ==
        Status::invalid_format);
}

TEST_CASE("model errors: unknown architecture in GGUF and config.json") {
  Scratch s("arch");
  // general.architecture's value: a same-length rename keeps every offset of the file valid.
  const std::string arch_value = std::string("\x05\0\0\0\0\0\0\0", 8) + "llama";
  write_all(s.dir / "m.gguf", replace(read_all(kDir + "tiny-llama/model-f32.gguf"), arch_value,
                                      std::string("\x05\0\0\0\0\0\0\0", 8) + "xxxxx"));
  const Status g = test::error_status("unknown architecture", [&] { models::load_language_model((s.dir / "m.gguf").string()); });
  CHECK(g == Status::unsupported);
  fs::copy_file(kDir + "tiny-llama/model.safetensors", s.dir / "model.safetensors");
  write_all(s.dir / "config.json", replace(read_all(kDir + "tiny-llama/config.json"), "\"model_type\": \"llama\"", "\"model_type\": \"falcon\""));
  CHECK(test::error_status("falcon", [&] { models::load_language_model(s.dir.string()); }) == Status::unsupported);
}

TEST_CASE("model errors: config that does not fit the tensors") {
  Scratch s("shape");
  fs::copy_file(kDir + "tiny-llama/model.safetensors", s.dir / "model.safetensors");
  write_all(s.dir / "config.json", replace(read_all(kDir + "tiny-llama/config.json"), "\"intermediate_size\": 128", "\"intermediate_size\": 96"));
  CHECK(test::error_status("mlp.gate_proj.weight", [&] { models::load_language_model(s.dir.string()); }) ==
        Status::shape_mismatch);
  write_all(s.dir / "config.json", replace(read_all(kDir + "tiny-llama/config.json"), "\"num_attention_heads\": 4", "\"num_attention_heads\": 0"));
  CHECK(test::error_status("n_heads", [&] { models::load_language_model(s.dir.string()); }) == Status::invalid_format);
  write_all(s.dir / "config.json", "{not json");
  CHECK(test::error_status("config.json", [&] { models::load_language_model(s.dir.string()); }) == Status::invalid_format);
  fs::remove(s.dir / "config.json");
  CHECK(test::error_status("config.json", [&] { models::load_language_model(s.dir.string()); }) == Status::io_error);
}

TEST_CASE("model errors: unknown GGUF tensor type") {
  Scratch s("type");
  std::string bytes = read_all(kDir + "tiny-llama/model-f32.gguf");
  // Tensor info: name (u64 length + bytes), n_dims u32, dims u64 x n, type u32.
  const std::string name = "output_norm.weight";
  size_t at = bytes.find(name);
  REQUIRE(at != std::string::npos);
  at += name.size();
  uint32_t n_dims = 0;
  std::memcpy(&n_dims, &bytes[at], 4);
  REQUIRE(n_dims == 1);
  const uint32_t bogus = 77;
  std::memcpy(&bytes[at + 4 + 8 * n_dims], &bogus, 4);
  write_all(s.dir / "m.gguf", bytes);
  CHECK(test::error_status("type", [&] { models::load_language_model((s.dir / "m.gguf").string()); }) ==
        Status::unsupported);
}
