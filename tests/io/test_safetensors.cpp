#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <random>

#include "io/safetensors.hpp"

using namespace aigc;
using namespace aigc::io;

namespace {

const std::string kData = AIGC_TEST_DATA_DIR;

std::vector<float> seq(int n, float scale, float offset = 0) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = float(i) * scale + offset;
  return v;
}

std::vector<uint8_t> read_file(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

Status parse_status(const std::vector<uint8_t> &bytes) {
  auto s = Storage::allocate_host(bytes.size());
  if (!bytes.empty()) std::memcpy(s->data(), bytes.data(), bytes.size());
  try {
    SafetensorsFile::parse(s, "mutated.safetensors");
    return Status::ok;
  } catch (const Error &e) {
    return e.status();
  }
}

std::vector<uint8_t> make_file(const std::string &header, size_t data_bytes) {
  std::vector<uint8_t> b(8 + header.size() + data_bytes, 0);
  const uint64_t n = header.size();
  std::memcpy(b.data(), &n, 8);
  std::memcpy(b.data() + 8, header.data(), header.size());
  return b;
}

}  // namespace

TEST_CASE("safetensors: every dtype from a file written by the safetensors package") {
  const auto f = SafetensorsFile::open(kData + "/st_single.safetensors");
  CHECK(f->metadata().at("note") == "aigc");
  CHECK(f->tensor("f32").shape() == Shape{2, 3});
  CHECK(f->tensor("f32").to_f32_vector() == seq(6, 0.5f, -1.f));
  CHECK(f->tensor("f32").storage()->read_only());  // zero-copy view of the mapping
  CHECK(f->tensor("f16").dtype() == DType::f16);
  CHECK(f->tensor("f16").to_f32_vector() == seq(5, 0.25f));
  CHECK(f->tensor("i32").to_f32_vector() == seq(3, 7.f, -7.f));
  CHECK(f->tensor("u8").to_f32_vector() == seq(4, 60.f));
  CHECK(f->tensor("i8").to_f32_vector() == seq(4, -3.f));
  CHECK(f->tensor("f64").dtype() == DType::f32);
  CHECK(f->tensor("f64").to_f32_vector() == seq(3, 1.5f));
  CHECK(f->tensor("i64").to_f32_vector() == seq(2, 1000.f));
  CHECK(f->tensor("boolean").to_f32_vector() == std::vector<float>{1, 0, 1});
  CHECK(f->tensor("scalar").rank() == 0);
  CHECK(f->tensor("scalar").to_f32_vector() == std::vector<float>{3});
  CHECK_THROWS_AS(f->tensor("missing"), Error);
}

TEST_CASE("safetensors: sharded sets through model.safetensors.index.json") {
  for (const std::string &p : {kData + "/st_sharded", kData + "/st_sharded/model.safetensors.index.json"}) {
    const SafetensorsSet set = SafetensorsSet::open(p);
    CHECK(set.files().size() == 2);
    CHECK(set.names().size() == 3);
    CHECK(set.tensor("layer.0.weight").to_f32_vector() == seq(16, 1.f));
    CHECK(set.tensor("layer.1.weight").to_f32_vector() == seq(8, -1.f));
    CHECK(set.tensor("layer.1.bias").to_f32_vector() == seq(2, 2.f));
  }
  try {
    SafetensorsSet::open(kData);  // a directory without a model
    FAIL("expected io_error");
  } catch (const Error &e) {
    CHECK(e.status() == Status::io_error);
  }
}

TEST_CASE("safetensors: corrupt headers are clear errors") {
  CHECK(parse_status({1, 2, 3}) == Status::invalid_format);
  CHECK(parse_status(make_file("not json", 0)) == Status::invalid_format);
  CHECK(parse_status(make_file("[1,2]", 0)) == Status::invalid_format);
  CHECK(parse_status(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8)) ==
        Status::ok);
  // Data shorter than the header claims (truncated file).
  CHECK(parse_status(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4)) ==
        Status::invalid_format);
  // Byte count that does not match the shape.
  CHECK(parse_status(make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 12)) ==
        Status::invalid_format);
  CHECK(parse_status(make_file(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4)) ==
        Status::invalid_format);
  CHECK(parse_status(make_file(R"({"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,4]}})", 4)) ==
        Status::unsupported);
  CHECK(parse_status(make_file(
            R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
            12)) == Status::invalid_format);  // overlap
  CHECK(parse_status(make_file(
            R"({"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}})",
            4)) == Status::invalid_format);  // element count overflows
  // Header length beyond the file.
  std::vector<uint8_t> b = make_file("{}", 0);
  const uint64_t big = uint64_t(1) << 62;
  std::memcpy(b.data(), &big, 8);
  CHECK(parse_status(b) == Status::invalid_format);
}

TEST_CASE("safetensors: every truncation and random corruption is handled") {
  const std::vector<uint8_t> good = read_file(kData + "/st_single.safetensors");
  REQUIRE(parse_status(good) == Status::ok);
  for (size_t n = 0; n < good.size(); ++n)
    REQUIRE(parse_status({good.begin(), good.begin() + long(n)}) == Status::invalid_format);
  std::mt19937 rng(5);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<uint8_t> b = good;
    b[rng() % b.size()] = uint8_t(rng());
    parse_status(b);  // any status is fine; ASan/UBSan watch for misbehaviour
  }
}
