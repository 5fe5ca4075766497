#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "aigc/core.hpp"

using namespace aigc;

static std::vector<float> iota_f(int n) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = float(i);
  return v;
}

TEST_CASE("shape: numel, axis, broadcast") {
  const Shape s{2, 3, 4};
  CHECK(s.numel() == 24);
  CHECK(s.at(-1) == 4);
  CHECK_THROWS_AS(s.at(3), Error);
  CHECK(contiguous_strides(s) == Shape{12, 4, 1});
  CHECK(broadcast_shapes({5, 1, 4}, {3, 1}, "t") == Shape{5, 3, 4});
  try {
    broadcast_shapes({2, 3}, {4}, "add");
    FAIL("expected a throw");
  } catch (const Error &e) {
    CHECK(e.status() == Status::shape_mismatch);
    CHECK(std::string(e.what()).find("add: shapes [2,3] and [4]") != std::string::npos);
  }
  CHECK_THROWS_AS((Shape{1, 2, 3, 4, 5, 6, 7, 8, 9}), Error);
  CHECK_THROWS_AS((Shape{int64_t(1) << 40, int64_t(1) << 40}.numel()), Error);
}

TEST_CASE("tensor: views share storage and index correctly") {
  const Tensor x = Tensor::from_vector(iota_f(24), {2, 3, 4});
  CHECK(x.is_contiguous());

  const Tensor t = x.transpose(0, 2);  // [4,3,2]
  CHECK(t.shape() == Shape{4, 3, 2});
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.storage() == x.storage());
  const std::vector<float> tv = t.to_f32_vector();
  // t[i][j][k] = x[k][j][i] = k*12 + j*4 + i
  CHECK(tv[0 * 6 + 0 * 2 + 1] == 12.f);
  CHECK(tv[3 * 6 + 2 * 2 + 1] == 1 * 12 + 2 * 4 + 3);

  const Tensor s = x.slice(2, 1, 4, 2);  // columns 1 and 3
  CHECK(s.shape() == Shape{2, 3, 2});
  CHECK(s.to_f32_vector() == std::vector<float>{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23});

  const Tensor sel = x.select(1, -1);  // row 2 of each batch
  CHECK(sel.to_f32_vector() == std::vector<float>{8, 9, 10, 11, 20, 21, 22, 23});

  const Tensor r = x.reshape({4, -1});
  CHECK(r.shape() == Shape{4, 6});
  CHECK_THROWS_AS(t.reshape({24}), Error);  // non-contiguous
  CHECK_THROWS_AS(x.reshape({5, -1}), Error);

  const Tensor u = x.unsqueeze(1);
  CHECK(u.shape() == Shape{2, 1, 3, 4});
  CHECK(u.squeeze(1).shape() == x.shape());
  CHECK_THROWS_AS(x.squeeze(0), Error);

  const Tensor e = Tensor::from_vector<float>({1, 2, 3}, {3, 1}).expand({2, 3, 4});
  CHECK(e.strides() == Shape{0, 1, 0});
  CHECK(e.contiguous().to_f32_vector()[4 * 2 + 1] == 3.f);
  CHECK(e.clone().is_contiguous());
}

TEST_CASE("tensor: bounds and argument errors are exceptions, not crashes") {
  auto st = Storage::allocate_host(16);
  CHECK_NOTHROW(Tensor(st, 0, {4}, DType::f32));
  CHECK_THROWS_AS(Tensor(st, 4, {4}, DType::f32), Error);
  CHECK_THROWS_AS(Tensor(st, 0, {2, 2}, {3, 1}, DType::f32), Error);
  CHECK_THROWS_AS(Tensor(st, 0, {2}, {-1}, DType::f32), Error);
  const Tensor x = Tensor::zeros({2, 3}, DType::f32);
  CHECK_THROWS_AS(x.permute({0, 0}), Error);
  CHECK_THROWS_AS(x.slice(5, 0, 1), Error);
  CHECK_THROWS_AS(x.data_as<int32_t>(), Error);
  CHECK_THROWS_AS(x.expand({3, 3}), Error);
  CHECK_THROWS_AS(Tensor::empty({3, 33}, DType::q8_0), Error);  // not block aligned
  CHECK(x.slice(1, 2, 1).numel() == 0);  // empty slices are fine
}

TEST_CASE("tensor: quantized views keep whole blocks") {
  const Tensor x = Tensor::from_vector(iota_f(4 * 64), {4, 64}).to(DType::q8_0);
  CHECK(x.nbytes() == 4 * 2 * 34);
  CHECK(x.slice(0, 1, 3).shape() == Shape{2, 64});
  CHECK(x.slice(1, 32, 64).shape() == Shape{4, 32});
  CHECK_THROWS_AS(x.slice(1, 1, 33), Error);
  CHECK_THROWS_AS(x.transpose(0, 1), Error);
  const std::vector<float> back = x.slice(0, 2, 3).to_f32_vector();
  for (int i = 0; i < 64; ++i) CHECK(back[i] == doctest::Approx(128 + i).epsilon(0.005));
}

TEST_CASE("tensor: dtype conversion round trips") {
  const Tensor x = Tensor::from_vector<float>({-2.5f, -1.f, 0.f, 0.5f, 1.5f, 300.f}, {6});
  CHECK(x.to(DType::f16).to_f32_vector() == x.to_f32_vector());
  CHECK(x.to(DType::bf16).to_f32_vector() == x.to_f32_vector());
  // Integers round half to even and saturate.
  CHECK(x.to(DType::i8).to_f32_vector() == std::vector<float>{-2, -1, 0, 0, 2, 127});
  CHECK(x.to(DType::u8).to_f32_vector() == std::vector<float>{0, 0, 0, 0, 2, 255});
  CHECK(x.to(DType::i32).to(DType::i8).to_f32_vector() ==
        std::vector<float>{-2, -1, 0, 0, 2, 127});
}

TEST_CASE("storage: memory-mapped files are read-only views") {
  const std::string path = "aigc_test_mmap.bin";
  {
    std::ofstream f(path, std::ios::binary);
    const float v[4] = {1, 2, 3, 4};
    f.write(reinterpret_cast<const char *>(v), sizeof v);
  }
  auto st = Storage::map_file(path);
  CHECK(st->read_only());
  CHECK(st->size() == 16);
  const Tensor t(st, 4, {3}, DType::f32);
  CHECK(t.to_f32_vector() == std::vector<float>{2, 3, 4});
  std::remove(path.c_str());
  try {
    Storage::map_file("/nonexistent/aigc.bin");
    FAIL("expected a throw");
  } catch (const Error &e) {
    CHECK(e.status() == Status::io_error);
    CHECK(std::string(e.what()).find("/nonexistent/aigc.bin") != std::string::npos);
  }
}

TEST_CASE("storage: impossible allocations report out_of_memory") {
  try {
    Storage::allocate_host(size_t(1) << 62);
    FAIL("expected a throw");
  } catch (const Error &e) {
    CHECK(e.status() == Status::out_of_memory);
  }
}
