#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include "io/gguf.hpp"

using namespace aigc;
using namespace aigc::io;

namespace {

const std::string kGolden = std::string(AIGC_TEST_DATA_DIR) + "/ggml_types.gguf";
const char *kTypes[] = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1",
                        "q5_0", "q5_1", "q4_k", "q5_k", "q6_k"};

std::vector<uint8_t> read_file(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "cannot read " << path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::shared_ptr<Storage> to_storage(const std::vector<uint8_t> &bytes) {
  auto s = Storage::allocate_host(bytes.size());
  if (!bytes.empty()) std::memcpy(s->data(), bytes.data(), bytes.size());
  return s;
}

Status parse_status(const std::vector<uint8_t> &bytes) {
  try {
    GgufFile::parse(to_storage(bytes), "mutated.gguf");
    return Status::ok;
  } catch (const Error &e) {
    return e.status();
  }
}

}  // namespace

TEST_CASE("gguf: metadata of every value type (file written by the gguf package)") {
  const auto f = GgufFile::open(kGolden);
  CHECK(f->version() == 3);
  CHECK(f->alignment() == 64);
  CHECK(f->get_string("general.architecture") == "aigc-test");
  CHECK(f->get_int("test.u8") == 200);
  CHECK(f->get_int("test.i8") == -100);
  CHECK(f->get_int("test.u16") == 60000);
  CHECK(f->get_int("test.i16") == -30000);
  CHECK(f->get_int("test.i32") == -2000000000);
  CHECK(f->get_float("test.f32") == 0.25);
  CHECK(f->get_int("test.bool") == 1);
  CHECK(f->get_string("test.string") == "h\xc3\xa9llo \xe2\x9c\x93");
  CHECK(f->get_int("test.u64") == (int64_t(1) << 40));
  CHECK(f->get_int("test.i64") == -(int64_t(1) << 40));
  CHECK(f->get_float("test.f64") == 1e-300);
  const GgufValue *strings = f->find("test.strings");
  REQUIRE(strings != nullptr);
  CHECK(strings->strings == std::vector<std::string>{"a", "", "\xc3\xbcn\xc3\xaf"});
  CHECK(f->find("test.ints")->ints == std::vector<int64_t>{1, -2, 3});
  CHECK(f->find("test.floats")->floats == std::vector<double>{0.5, -1.5});
  CHECK(f->get_int("missing.key", 7) == 7);
  try {
    f->get_string("test.i32");
    FAIL("expected a type error");
  } catch (const Error &e) {
    CHECK(e.status() == Status::invalid_format);
    CHECK(std::string(e.what()).find("test.i32") != std::string::npos);
  }
}

TEST_CASE("gguf: every tensor type dequantizes exactly as the gguf package does") {
  const auto f = GgufFile::open(kGolden);
  const std::vector<uint8_t> raw = read_file(std::string(AIGC_TEST_DATA_DIR) +
                                             "/ggml_types_expected.bin");
  const float *expected = reinterpret_cast<const float *>(raw.data());
  REQUIRE(raw.size() == sizeof(float) * 11 * 4 * 256);
  for (int k = 0; k < 11; ++k) {
    CAPTURE(kTypes[k]);
    const Tensor t = f->tensor_f32(std::string("t.") + kTypes[k]);
    REQUIRE(t.shape() == Shape{4, 256});
    const std::vector<float> got = t.to_f32_vector();
    int bad = 0;
    for (int i = 0; i < 1024; ++i) {
      const float e = expected[k * 1024 + i];
      if (std::fabs(got[i] - e) > 1e-6f * std::max(1.f, std::fabs(e))) ++bad;
    }
    CHECK(bad == 0);
  }
}

TEST_CASE("gguf: types we compute with are zero-copy views of the mapping") {
  const auto f = GgufFile::open(kGolden);
  for (const char *name : {"t.f32", "t.f16", "t.bf16", "t.q8_0", "t.q4_0", "t.q4_1"}) {
    CAPTURE(name);
    const Tensor t = f->tensor(name);
    CHECK(t.storage()->read_only());
  }
  CHECK(f->tensor("t.q8_0").dtype() == DType::q8_0);
  CHECK(f->tensor("t.q4_1").dtype() == DType::q4_1);
  CHECK(f->tensor("t.q4_1").shape() == Shape{4, 256});
  CHECK(f->tensor("t.q6_k").dtype() == DType::f32);  // dequantized copy
  CHECK_FALSE(f->tensor("t.q6_k").storage()->read_only());
  CHECK(f->find_tensor("nope") == nullptr);
  CHECK_THROWS_AS(f->tensor("nope"), Error);
}

TEST_CASE("gguf: a Q4_1 view decodes bit for bit to the gguf package's values") {
  // Q4_1 used to be dequantized to f32 at load; the view's own conversion must give the
  // same numbers exactly (d * nibble is exact in f32, so only the + m rounds).
  const auto f = GgufFile::open(kGolden);
  const std::vector<uint8_t> raw = read_file(std::string(AIGC_TEST_DATA_DIR) +
                                             "/ggml_types_expected.bin");
  REQUIRE(raw.size() == sizeof(float) * 11 * 4 * 256);
  const Tensor t = f->tensor("t.q4_1");
  REQUIRE(t.dtype() == DType::q4_1);
  std::vector<float> expected(1024);
  std::memcpy(expected.data(), raw.data() + sizeof(float) * 5 * 1024, sizeof(float) * 1024);
  CHECK(t.to(DType::f32).to_f32_vector() == expected);
  CHECK(f->tensor_f32("t.q4_1").to_f32_vector() == expected);
  // Rows are views too: the second row starts 8 blocks (160 bytes) in.
  const Tensor row = t.select(0, 1);
  CHECK(row.dtype() == DType::q4_1);
  CHECK(row.to(DType::f32).to_f32_vector() ==
        std::vector<float>(expected.begin() + 256, expected.begin() + 512));
}

TEST_CASE("gguf: every truncation of a valid file is a clear error") {
  const std::vector<uint8_t> bytes = read_file(kGolden);
  REQUIRE(parse_status(bytes) == Status::ok);
  // The writer pads after the last tensor; only prefixes that cut real data must fail.
  const auto f = GgufFile::open(kGolden);
  uint64_t end = 0;
  for (const GgufTensorInfo &t : f->tensors())
    end = std::max(end, f->data_offset() + t.offset + t.nbytes);
  REQUIRE(end <= bytes.size());
  for (size_t n = 0; n < end; ++n) {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + long(n));
    const Status s = parse_status(cut);
    if (s != Status::invalid_format) {
      FAIL_CHECK("prefix of " << n << " bytes gave status " << int(s));
      break;
    }
  }
}

TEST_CASE("gguf: wrong magic, version and corrupt fields") {
  const std::vector<uint8_t> good = read_file(kGolden);
  auto patched = [&](size_t at, uint32_t v) {
    std::vector<uint8_t> b = good;
    std::memcpy(b.data() + at, &v, 4);
    return b;
  };
  CHECK(parse_status(patched(0, 0x12345678)) == Status::invalid_format);
  CHECK(parse_status(patched(4, 1)) == Status::unsupported);
  CHECK(parse_status(patched(4, 99)) == Status::unsupported);
  // Tensor count far beyond the file: rejected before anything is allocated.
  std::vector<uint8_t> huge = good;
  const uint64_t many = uint64_t(1) << 60;
  std::memcpy(huge.data() + 8, &many, 8);
  CHECK(parse_status(huge) == Status::invalid_format);
  try {
    GgufFile::open("/nonexistent/model.gguf");
    FAIL("expected io_error");
  } catch (const Error &e) {
    CHECK(e.status() == Status::io_error);
  }
}

TEST_CASE("gguf: random byte corruption never crashes") {
  const std::vector<uint8_t> good = read_file(kGolden);
  std::mt19937 rng(99);
  int errors = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> b = good;
    const int flips = 1 + int(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      // Mostly the header (where the structure is), sometimes anywhere.
      const size_t at = (trial % 4) ? rng() % 1200 : rng() % b.size();
      b[at] = uint8_t(rng());
    }
    if (parse_status(b) != Status::ok) ++errors;
  }
  CHECK(errors > 0);  // the corruptions were noticed at least sometimes
}
