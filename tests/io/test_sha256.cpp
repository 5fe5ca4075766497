// SHA-256 against the FIPS 180-2 appendix examples (one block, two blocks, a million 'a'),
// streaming in pieces that straddle the block and padding boundaries, and files.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "aigc/core/error.hpp"
#include "io/sha256.hpp"

using aigc::io::sha256_hex;

TEST_CASE("sha256: FIPS 180-2 test vectors") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: streaming in odd pieces equals one shot") {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += char(i * 7 + (i >> 5));
  const std::string whole = sha256_hex(data);
  for (size_t piece : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 127u, 1000u}) {
    aigc::io::Sha256 h;
    for (size_t i = 0; i < data.size(); i += piece) h.update(std::string_view(data).substr(i, piece));
    CHECK(aigc::io::to_hex(h.finish()) == whole);
  }
  // Lengths around the padding boundary (55, 56, 64 bytes) differ from each other.
  CHECK(sha256_hex(std::string(55, 'x')) != sha256_hex(std::string(56, 'x')));
}

TEST_CASE("sha256: files") {
  const std::string path = "test_sha256_tmp.bin";
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(1000000, 'a');
    f << std::string(1 << 20, 'b');  // > 1 MiB in total: several 1 MiB reads
  }
  std::string content = std::string(1000000, 'a') + std::string(1 << 20, 'b');
  CHECK(aigc::io::sha256_file_hex(path) == sha256_hex(content));
  std::remove(path.c_str());
  try {
    aigc::io::sha256_file_hex("/nonexistent/weights.bin");
    FAIL("expected an error");
  } catch (const aigc::Error &e) {
    CHECK(e.status() == aigc::Status::io_error);
    CHECK(std::string(e.what()).find("/nonexistent/weights.bin") != std::string::npos);
  }
}
