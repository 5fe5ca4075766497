// PNG encoder/decoder: round trips, hand-built files for every colour type and bit depth
// (built here with an independent CRC and zlib's compress), a real file written by PIL
// against the taef2 golden's pixels, corrupt/truncated/oversize input, atomic writes.
#include <doctest/doctest.h>
#include <dirent.h>
#include <sys/stat.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <map>
#include <set>

#include "aigc/aigc.h"
#include "io/png.hpp"
#include "io/safetensors.hpp"
#include "model_paths.hpp"

using namespace aigc;
using namespace aigc::io;

namespace {

using Bytes = std::vector<uint8_t>;

// CRC-32 (ISO 3309, as the PNG spec's sample code) written out here, independent of zlib.
uint32_t ref_crc(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xffffffffu;
}

void put32(Bytes &b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
}

Bytes chunk(const std::string &type, const Bytes &data) {
  Bytes b;
  put32(b, uint32_t(data.size()));
  Bytes body(type.begin(), type.end());
  body.insert(body.end(), data.begin(), data.end());
  b.insert(b.end(), body.begin(), body.end());
  put32(b, ref_crc(body.data(), body.size()));
  return b;
}

Bytes ihdr(uint32_t w, uint32_t h, int depth, int color, int interlace = 0) {
  Bytes d;
  put32(d, w);
  put32(d, h);
  d.insert(d.end(), {uint8_t(depth), uint8_t(color), 0, 0, uint8_t(interlace)});
  return chunk("IHDR", d);
}

Bytes zlib(const Bytes &raw) {
  uLongf n = compressBound(uLong(raw.size()));
  Bytes out(n);
  REQUIRE(compress2(out.data(), &n, raw.data(), uLong(raw.size()), 9) == Z_OK);
  out.resize(n);
  return out;
}

Bytes png(const std::vector<Bytes> &chunks) {
  Bytes b = {137, 80, 78, 71, 13, 10, 26, 10};
  for (const auto &c : chunks) b.insert(b.end(), c.begin(), c.end());
  return b;
}

const Bytes kIend = chunk("IEND", {});

// Rows of samples at `depth` bits (MSB first), each row prefixed by filter 0.
Bytes pack_rows(const std::vector<std::vector<int>> &rows, int depth) {
  Bytes raw;
  for (const auto &r : rows) {
    raw.push_back(0);
    const size_t n = (r.size() * size_t(depth) + 7) / 8;
    Bytes line(n, 0);
    for (size_t i = 0; i < r.size(); ++i) {
      const size_t bit = i * size_t(depth);
      line[bit / 8] |= uint8_t(r[i] << (8 - depth - int(bit % 8)));
    }
    raw.insert(raw.end(), line.begin(), line.end());
  }
  return raw;
}

Status decode_status(const Bytes &b, const PngLimits &limits = {}) {
  try {
    decode_png(b, "test.png", limits);
    return Status::ok;
  } catch (const Error &e) {
    return e.status();
  }
}

struct ChunkInfo {
  std::string type;
  Bytes data;
};
std::vector<ChunkInfo> list_chunks(const Bytes &b) {
  std::vector<ChunkInfo> out;
  for (size_t pos = 8; pos + 12 <= b.size();) {
    const uint32_t len = uint32_t(b[pos]) << 24 | uint32_t(b[pos + 1]) << 16 | uint32_t(b[pos + 2]) << 8 | b[pos + 3];
    out.push_back({std::string(b.begin() + long(pos) + 4, b.begin() + long(pos) + 8),
                   Bytes(b.begin() + long(pos) + 8, b.begin() + long(pos) + 8 + len)});
    pos += 12 + len;
  }
  return out;
}

ImageU8 random_image(int w, int h, int c, uint32_t seed) {
  std::mt19937 rng(seed);
  ImageU8 img = make_image_u8(w, h, c);
  for (auto &p : img.pixels) p = uint8_t(rng());
  return img;
}

ImageU8 gradient_image(int w, int h, int c) {
  ImageU8 img = make_image_u8(w, h, c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) img.pixel(x, y)[k] = uint8_t(x * 3 + y * 2 + k * 40);
  return img;
}

std::string make_temp_dir() {
  char tmpl[] = "/tmp/aigc-png-test-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

std::set<std::string> dir_entries(const std::string &dir) {
  std::set<std::string> out;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.insert(e->d_name);
    closedir(d);
  }
  return out;
}

size_t file_size(const std::string &path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  return f.good() ? size_t(f.tellg()) : 0;
}

}  // namespace

TEST_CASE("png: round trip of every colour type and odd sizes") {
  for (int c = 1; c <= 4; ++c) {
    for (const auto &size : {std::pair{1, 1}, {3, 5}, {257, 3}, {64, 64}}) {
      const int w = size.first, h = size.second;  // (not structured bindings: CAPTURE needs a lambda)
      for (const ImageU8 &img : {random_image(w, h, c, uint32_t(w * 31 + h + c)), gradient_image(w, h, c)}) {
        CAPTURE(c);
        CAPTURE(w);
        CAPTURE(h);
        const Bytes bytes = encode_png(img);
        const PngImage back = decode_png(bytes);
        CHECK(back.image.width == w);
        CHECK(back.image.height == h);
        CHECK(back.image.channels == c);
        CHECK(back.image.pixels == img.pixels);
        CHECK(back.text.empty());
        // IHDR says 8-bit, the colour type of this channel count, no interlace.
        const auto chunks = list_chunks(bytes);
        REQUIRE(chunks.front().type == "IHDR");
        static const int kType[5] = {0, 0, 4, 2, 6};
        CHECK(chunks.front().data[8] == 8);
        CHECK(chunks.front().data[9] == kType[c]);
        CHECK(chunks.front().data[12] == 0);
        CHECK(chunks.back().type == "IEND");
      }
    }
  }
}

TEST_CASE("png: rows get different filters; our files decode with zlib + the spec's unfiltering") {
  const ImageU8 img = gradient_image(40, 16, 3);
  const Bytes bytes = encode_png(img);
  Bytes z;
  for (const auto &c : list_chunks(bytes))
    if (c.type == "IDAT") z.insert(z.end(), c.data.begin(), c.data.end());
  const size_t row = 40 * 3;
  Bytes raw(16 * (row + 1));
  uLongf n = uLongf(raw.size());
  REQUIRE(uncompress(raw.data(), &n, z.data(), uLong(z.size())) == Z_OK);
  REQUIRE(n == raw.size());
  std::set<int> filters;
  for (int y = 0; y < 16; ++y) filters.insert(raw[size_t(y) * (row + 1)]);
  CHECK(filters.size() >= 2);         // the heuristic picks per row
  CHECK(filters.count(0) == 0);       // a smooth gradient never wins with None
  // Up filter on a gradient: the difference between rows is constant (2 per row).
  for (int y = 1; y < 16; ++y)
    if (raw[size_t(y) * (row + 1)] == 2)
      for (size_t i = 0; i < row; ++i) CHECK(raw[size_t(y) * (row + 1) + 1 + i] == 2);
}

TEST_CASE("png: text chunks round trip (tEXt for Latin-1, iTXt for UTF-8, long values compressed)") {
  const ImageU8 img = random_image(3, 5, 3, 7);
  const std::string long_value(5000, 'x');
  const std::vector<PngText> text = {
      {"Title", "plain ascii"},
      {"Author", "Zo\xc3\xab Stra\xc3\x9f" "e"},  // Zoë Straße: Latin-1, so tEXt
      {"prompt", "\xe4\xb8\x80\xe5\x8f\xaa\xe7\x8c\xab \xf0\x9f\x90\xb1 a cat"},  // 一只猫 🐱: iTXt
      {"multi line", "line 1\nline 2"},
      {"long", long_value + "\xe2\x82\xac"},  // € forces iTXt; > 1 KiB: compressed
      {"empty", ""},
  };
  const Bytes bytes = encode_png(img, text);
  const PngImage back = decode_png(bytes);
  CHECK(back.image.pixels == img.pixels);
  REQUIRE(back.text.size() == text.size());
  for (size_t i = 0; i < text.size(); ++i) CHECK(back.text[i] == text[i]);

  std::map<std::string, std::string> type_of;
  std::map<std::string, Bytes> data_of;
  for (const auto &c : list_chunks(bytes))
    if (c.type == "tEXt" || c.type == "iTXt") {
      const std::string key(c.data.begin(), std::find(c.data.begin(), c.data.end(), uint8_t(0)));
      type_of[key] = c.type;
      data_of[key] = c.data;
    }
  CHECK(type_of["Title"] == "tEXt");
  CHECK(type_of["Author"] == "tEXt");
  CHECK(data_of["Author"] == Bytes{'A', 'u', 't', 'h', 'o', 'r', 0, 'Z', 'o', 0xeb, ' ', 'S', 't', 'r', 'a', 0xdf, 'e'});
  CHECK(type_of["prompt"] == "iTXt");
  CHECK(type_of["multi line"] == "tEXt");
  CHECK(type_of["long"] == "iTXt");
  CHECK(data_of["long"][5] == 1);  // compression flag
  CHECK(data_of["long"].size() < 1000);
  // Text comes before the image data.
  const auto chunks = list_chunks(bytes);
  CHECK(chunks[1].type == "tEXt");
}

TEST_CASE("png: zTXt, Latin-1 and invalid UTF-8 in files from elsewhere") {
  const Bytes raw = pack_rows({{7}}, 8);
  Bytes ztxt = {'k', 0, 0};
  const Bytes zv = zlib({'c', 'a', 'f', 0xe9});  // "café" in Latin-1
  ztxt.insert(ztxt.end(), zv.begin(), zv.end());
  const Bytes itxt = {'u', 0, 0, 0, 'e', 'n', 0, 0, 'a', 0xff, 'b'};  // invalid UTF-8 byte
  const Bytes file =
      png({ihdr(1, 1, 8, 0), chunk("zTXt", ztxt), chunk("iTXt", itxt), chunk("gAMA", {0, 0, 0xb1, 0x8f}),
           chunk("IDAT", zlib(raw)), kIend});
  const PngImage p = decode_png(file);
  CHECK(p.image.pixels == Bytes{7});
  REQUIRE(p.text.size() == 2);
  CHECK(p.text[0] == PngText{"k", "caf\xc3\xa9"});
  CHECK(p.text[1] == PngText{"u", "a\xef\xbf\xbd" "b"});  // U+FFFD replaces the bad byte
}

TEST_CASE("png: provenance text, A1111 parameters, XMP with the IPTC digital source type") {
  ImageProvenance prov;
  prov.model_name = "sd-turbo";
  prov.model_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  prov.seed = 42;
  prov.sampler = "euler";
  prov.steps = 20;
  prov.guidance = 7.5;
  prov.prompt = "a photo of a cat, \xe5\xa4\xa7\xe7\x8c\xab";  // 大猫
  prov.negative_prompt = "blurry";
  prov.extra = {{"Size", "512x512"}, {"note", "a, b"}};
  const auto text = provenance_text(prov);
  std::map<std::string, std::string> m;
  for (const auto &t : text) m[t.key] = t.value;
  CHECK(m["parameters"] ==
        "a photo of a cat, \xe5\xa4\xa7\xe7\x8c\xab\nNegative prompt: blurry\n"
        "Steps: 20, Sampler: euler, CFG scale: 7.5, Seed: 42, Model: sd-turbo, Model hash: 0123456789, "
        "Size: 512x512, note: \"a, b\"");
  CHECK(m["Software"] == std::string("aigc ") + AIGC_VERSION_STRING);
  CHECK(m["AI-generated"] == "yes");
  CHECK(m["Source"] == "sd-turbo");
  const auto j = nlohmann::json::parse(m["Comment"]);
  CHECK(j.at("model") == "sd-turbo");
  CHECK(j.at("model_sha256") == prov.model_sha256);
  CHECK(j.at("seed") == 42);
  CHECK(j.at("steps") == 20);
  CHECK(j.at("guidance") == 7.5);
  CHECK(j.at("prompt") == prov.prompt);
  CHECK(j.at("negative_prompt") == "blurry");
  CHECK(j.at("library_version") == AIGC_VERSION_STRING);
  CHECK(j.at("extra").size() == 2);
  CHECK(j.count("strength") == 0);

  // Written and read back: XMP present, in iTXt, uncompressed, with the IPTC term.
  const Bytes bytes = encode_png(random_image(8, 8, 3, 1), text);
  const PngImage back = decode_png(bytes);
  CHECK(back.text == text);
  bool found = false;
  for (const auto &c : list_chunks(bytes)) {
    const std::string key(c.data.begin(), std::find(c.data.begin(), c.data.end(), uint8_t(0)));
    if (key != kXmpKeyword) continue;
    found = true;
    CHECK(c.type == "iTXt");
    CHECK(c.data[key.size() + 1] == 0);  // not compressed
    const std::string body(c.data.begin(), c.data.end());
    CHECK(body.find("<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/"
                    "trainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType>") != std::string::npos);
  }
  CHECK(found);
  // Optional fields left out; strength shows as Denoising strength.
  ImageProvenance small;
  small.prompt = "x";
  small.strength = 0.75;
  std::map<std::string, std::string> s;
  for (const auto &t : provenance_text(small)) s[t.key] = t.value;
  CHECK(s["parameters"] == "x\nDenoising strength: 0.75");
  CHECK(s.count("Source") == 0);
  CHECK(provenance_xmp("a<b").find("<xmp:CreatorTool>a&lt;b</xmp:CreatorTool>") != std::string::npos);
}

TEST_CASE("png: photo.png (written by PIL) decodes to the taef2 golden's pixels exactly") {
  const std::string photo = test::shared_models_dir() + "/images/photo.png";
  const std::string golden = test::golden_path("taef2");
  if (!test::require_model(photo, test::kSharedModelsHint) || !test::require_model(golden, test::kSharedModelsHint))
    return;
  const PngImage p = read_png(photo);
  REQUIRE(p.image.width == 512);
  REQUIRE(p.image.height == 512);
  REQUIRE(p.image.channels == 3);
  const auto st = SafetensorsFile::open(golden);
  const Tensor t = st->tensor("image");
  REQUIRE(t.shape() == Shape{1, 3, 512, 512});
  const std::vector<float> v = t.to_f32_vector();
  size_t mismatches = 0;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 512; ++y)
      for (int x = 0; x < 512; ++x) {
        const float g = v[(size_t(c) * 512 + size_t(y)) * 512 + size_t(x)] * 255.f;
        mismatches += std::abs(g - float(p.image.pixel(x, y)[c])) > 1e-3f;
      }
  CHECK(mismatches == 0);
  // And our encoder round-trips the real photo.
  CHECK(decode_png(encode_png(p.image)).image.pixels == p.image.pixels);
}

TEST_CASE("png: palette, low bit depths and tRNS (hand-built files)") {
  SUBCASE("palette at 1, 2, 4, 8 bits with tRNS") {
    for (int d : {1, 2, 4, 8}) {
      CAPTURE(d);
      const int n = 1 << std::min(d, 3);  // palette entries used
      Bytes plte, trns;
      for (int i = 0; i < n; ++i) plte.insert(plte.end(), {uint8_t(i * 10), uint8_t(i * 20), uint8_t(255 - i)});
      trns = {0, 128};  // entries 0 and 1 transparent / half; the rest opaque
      const std::vector<std::vector<int>> idx = {{0, 1, n - 1}, {n - 1, 0, 1 % n}};
      const Bytes file = png({ihdr(3, 2, d, 3), chunk("PLTE", plte), chunk("tRNS", trns),
                              chunk("IDAT", zlib(pack_rows(idx, d))), kIend});
      const PngImage p = decode_png(file);
      REQUIRE(p.image.channels == 4);
      for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 3; ++x) {
          const int i = idx[size_t(y)][size_t(x)];
          const uint8_t *px = p.image.pixel(x, y);
          CHECK(px[0] == i * 10);
          CHECK(px[1] == i * 20);
          CHECK(px[2] == 255 - i);
          CHECK(px[3] == (i == 0 ? 0 : i == 1 ? 128 : 255));
        }
      // Without tRNS: RGB.
      const Bytes rgb = png({ihdr(3, 2, d, 3), chunk("PLTE", plte), chunk("IDAT", zlib(pack_rows(idx, d))), kIend});
      CHECK(decode_png(rgb).image.channels == 3);
    }
  }
  SUBCASE("gray at 1, 2, 4 bits scales to 0..255; gray tRNS becomes alpha") {
    for (int d : {1, 2, 4}) {
      const int max = (1 << d) - 1;
      const std::vector<std::vector<int>> rows = {{0, max, max / 2, 1}, {1, 0, max, 0}};
      const PngImage p = decode_png(png({ihdr(4, 2, d, 0), chunk("IDAT", zlib(pack_rows(rows, d))), kIend}));
      REQUIRE(p.image.channels == 1);
      for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 4; ++x) CHECK(p.image.pixel(x, y)[0] == rows[size_t(y)][size_t(x)] * 255 / max);
    }
    const PngImage t = decode_png(
        png({ihdr(3, 1, 8, 0), chunk("tRNS", {0, 9}), chunk("IDAT", zlib(pack_rows({{9, 10, 9}}, 8))), kIend}));
    CHECK(t.image.channels == 2);
    CHECK(t.image.pixels == Bytes{9, 0, 10, 255, 9, 0});
  }
  SUBCASE("RGB colour key tRNS; gray + alpha; IDAT split over chunks") {
    const PngImage t = decode_png(png({ihdr(2, 1, 8, 2), chunk("tRNS", {0, 1, 0, 2, 0, 3}),
                                       chunk("IDAT", zlib({0, 1, 2, 3, 1, 2, 4})), kIend}));
    CHECK(t.image.channels == 4);
    CHECK(t.image.pixels == Bytes{1, 2, 3, 0, 1, 2, 4, 255});
    const Bytes z = zlib({0, 5, 6, 7, 8});
    const PngImage ga = decode_png(png({ihdr(2, 1, 8, 4), chunk("IDAT", Bytes(z.begin(), z.begin() + 3)),
                                        chunk("IDAT", {}), chunk("IDAT", Bytes(z.begin() + 3, z.end())), kIend}));
    CHECK(ga.image.channels == 2);
    CHECK(ga.image.pixels == Bytes{5, 6, 7, 8});
  }
  SUBCASE("palette errors") {
    const Bytes plte = {1, 2, 3, 4, 5, 6};
    CHECK(decode_status(png({ihdr(2, 1, 8, 3), chunk("PLTE", plte), chunk("IDAT", zlib({0, 0, 2})), kIend})) ==
          Status::invalid_format);  // index 2 of a 2-entry palette
    CHECK(decode_status(png({ihdr(2, 1, 8, 3), chunk("IDAT", zlib({0, 0, 1})), kIend})) == Status::invalid_format);
    CHECK(decode_status(png({ihdr(2, 1, 8, 3), chunk("PLTE", {1, 2}), chunk("IDAT", zlib({0, 0, 0})), kIend})) ==
          Status::invalid_format);
    CHECK(decode_status(png({ihdr(2, 1, 8, 3), chunk("PLTE", plte), chunk("tRNS", {1, 2, 3}),
                             chunk("IDAT", zlib({0, 0, 1})), kIend})) == Status::invalid_format);
  }
}

TEST_CASE("png: every truncation and every flipped byte is invalid_format, never a crash") {
  const Bytes good = encode_png(random_image(5, 3, 3, 11), {{"Title", "t"}, {"prompt", "\xe7\x8c\xab"}});
  REQUIRE(decode_status(good) == Status::ok);
  for (size_t n = 0; n < good.size(); ++n) {
    CAPTURE(n);
    CHECK(decode_status(Bytes(good.begin(), good.begin() + long(n))) == Status::invalid_format);
  }
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t mask : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xff)}) {
      Bytes bad = good;
      bad[i] ^= mask;
      CAPTURE(i);
      CHECK(decode_status(bad) == Status::invalid_format);
    }
  }
  // Trailing bytes after IEND are ignored (as libpng does).
  Bytes tail = good;
  tail.insert(tail.end(), {1, 2, 3});
  CHECK(decode_status(tail) == Status::ok);
}

TEST_CASE("png: bogus IHDR, structure errors and limits") {
  const Bytes idat1 = chunk("IDAT", zlib({0, 0}));
  auto with_ihdr = [&](const Bytes &h) { return png({h, idat1, kIend}); };
  CHECK(decode_status(with_ihdr(ihdr(1, 1, 8, 0))) == Status::ok);
  CHECK(decode_status(with_ihdr(ihdr(0, 1, 8, 0))) == Status::invalid_format);
  CHECK(decode_status(with_ihdr(ihdr(1, 0, 8, 0))) == Status::invalid_format);
  CHECK(decode_status(with_ihdr(ihdr(0x80000000u, 1, 8, 0))) == Status::invalid_format);
  CHECK(decode_status(with_ihdr(ihdr(20000, 1, 8, 0))) == Status::unsupported);  // over 16384
  CHECK(decode_status(with_ihdr(ihdr(1, 1, 16, 0))) == Status::unsupported);
  CHECK(decode_status(with_ihdr(ihdr(1, 1, 8, 0, 1))) == Status::unsupported);  // Adam7
  CHECK(decode_status(with_ihdr(ihdr(1, 1, 8, 0, 2))) == Status::invalid_format);
  CHECK(decode_status(with_ihdr(ihdr(1, 1, 8, 5))) == Status::invalid_format);  // no colour type 5
  CHECK(decode_status(with_ihdr(ihdr(1, 1, 4, 2))) == Status::invalid_format);  // RGB needs 8/16
  CHECK(decode_status(with_ihdr(ihdr(1, 1, 3, 0))) == Status::invalid_format);
  CHECK(decode_status(with_ihdr(chunk("IHDR", {0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0}))) == Status::invalid_format);
  CHECK(decode_status(with_ihdr(chunk("IHDR", {0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 1, 0, 0}))) == Status::invalid_format);
  CHECK(decode_status(png({idat1, ihdr(1, 1, 8, 0), kIend})) == Status::invalid_format);  // IHDR not first
  CHECK(decode_status(png({ihdr(1, 1, 8, 0), ihdr(1, 1, 8, 0), idat1, kIend})) == Status::invalid_format);
  CHECK(decode_status(png({ihdr(1, 1, 8, 0), kIend})) == Status::invalid_format);       // no IDAT
  CHECK(decode_status(png({ihdr(1, 1, 8, 0), idat1})) == Status::invalid_format);       // no IEND
  CHECK(decode_status(png({ihdr(1, 1, 8, 0), idat1, chunk("IEND", {0})})) == Status::invalid_format);
  CHECK(decode_status(png({ihdr(1, 1, 8, 0), chunk("abCD", {1}), idat1, kIend})) == Status::ok);  // ancillary
  CHECK(decode_status(png({ihdr(1, 1, 8, 0), chunk("ABCD", {1}), idat1, kIend})) == Status::unsupported);
  CHECK(decode_status(png({ihdr(1, 1, 8, 0), chunk("tEXt", {'n', 'o', 'n', 'u', 'l'}), idat1, kIend})) ==
        Status::invalid_format);
  CHECK(decode_status(png({ihdr(1, 1, 8, 0), chunk("tEXt", {0, 'v'}), idat1, kIend})) == Status::invalid_format);
  CHECK(decode_status(Bytes{137, 80, 78, 71}) == Status::invalid_format);
  CHECK(decode_status(Bytes{}) == Status::invalid_format);

  // Caller limits.
  PngLimits small;
  small.max_width = 4;
  CHECK(decode_status(with_ihdr(ihdr(5, 1, 8, 0)), small) == Status::unsupported);
  PngLimits bytes_limit;
  bytes_limit.max_image_bytes = 8;
  CHECK(decode_status(png({ihdr(3, 1, 8, 2), chunk("IDAT", zlib(Bytes(10, 0))), kIend}), bytes_limit) ==
        Status::unsupported);
  PngLimits text_limit;
  text_limit.max_text_bytes = 4;
  CHECK(decode_status(png({ihdr(1, 1, 8, 0), chunk("tEXt", {'k', 0, '1', '2', '3', '4', '5'}), idat1, kIend}),
                      text_limit) == Status::unsupported);
}

TEST_CASE("png: decompressed size must match the header exactly") {
  // 4x4 gray: 4 rows of 1 + 4 bytes.
  const auto rows = [](int n, int filter) {
    Bytes r;
    for (int y = 0; y < n; ++y) r.insert(r.end(), {uint8_t(filter), 1, 2, 3, 4});
    return r;
  };
  auto file = [](const Bytes &raw) { return png({ihdr(4, 4, 8, 0), chunk("IDAT", zlib(raw)), kIend}); };
  CHECK(decode_status(file(rows(4, 0))) == Status::ok);
  CHECK(decode_status(file(rows(3, 0))) == Status::invalid_format);  // too little
  CHECK(decode_status(file(rows(5, 0))) == Status::invalid_format);  // too much
  CHECK(decode_status(file(rows(4, 5))) == Status::invalid_format);  // filter type 5
  // A "zip bomb": 10 MB of zeros for a 4x4 image is cut off at the expected size.
  CHECK(decode_status(file(Bytes(10 << 20, 0))) == Status::invalid_format);
  // Corrupt zlib stream with a valid CRC.
  CHECK(decode_status(png({ihdr(4, 4, 8, 0), chunk("IDAT", {0x78, 0x9c, 0xff, 0xff, 0xff}), kIend})) ==
        Status::invalid_format);
  // Stream cut short (CRC fixed up): ends before its end-of-stream marker.
  const Bytes z = zlib(rows(4, 0));
  CHECK(decode_status(png({ihdr(4, 4, 8, 0), chunk("IDAT", Bytes(z.begin(), z.end() - 6)), kIend})) ==
        Status::invalid_format);
}

TEST_CASE("png: bad images and text are rejected by the encoder") {
  ImageU8 img = random_image(2, 2, 3, 3);
  CHECK_THROWS_AS(encode_png(ImageU8{2, 2, 5, Bytes(20)}), Error);
  CHECK_THROWS_AS(encode_png(ImageU8{2, 2, 3, Bytes(11)}), Error);
  CHECK_THROWS_AS(encode_png(ImageU8{0, 2, 3, {}}), Error);
  for (const std::string &key : {std::string(""), std::string(80, 'k'), std::string(" lead"), std::string("trail "),
                                 std::string("two  spaces"), std::string("\xe9\x94\xae"), std::string("tab\t")}) {
    CAPTURE(key);
    try {
      encode_png(img, {{key, "v"}});
      FAIL("expected invalid_argument");
    } catch (const Error &e) {
      CHECK(e.status() == Status::invalid_argument);
    }
  }
  CHECK_THROWS_AS(encode_png(img, {{"k", "\xff\xfe"}}), Error);  // value not UTF-8
  CHECK_NOTHROW(encode_png(img, {{std::string(79, 'k'), "v"}, {"Zo\xc3\xab", "v"}}));
}

TEST_CASE("png: write_png is atomic") {
  const std::string dir = make_temp_dir();
  const std::string path = dir + "/out.png";
  SUBCASE("a missing directory fails with the path in the message and leaves nothing") {
    const std::string bad = dir + "/no-such-dir/out.png";
    try {
      write_png(bad, random_image(4, 4, 3, 1));
      FAIL("expected io_error");
    } catch (const Error &e) {
      CHECK(e.status() == Status::io_error);
      CHECK(std::string(e.what()).find(bad) != std::string::npos);
    }
    CHECK(dir_entries(dir).empty());
  }
  SUBCASE("writing over an existing file replaces it whole; no temporary file remains") {
    const ImageU8 big = random_image(300, 200, 4, 2), small = random_image(3, 5, 1, 3);
    write_png(path, big, {{"Title", "big"}});
    CHECK(read_png(path).image.pixels == big.pixels);
    write_png(path, small, {{"Title", "small"}});
    const PngImage back = read_png(path);
    CHECK(back.image.pixels == small.pixels);
    CHECK(back.text == std::vector<PngText>{{"Title", "small"}});
    CHECK(file_size(path) == encode_png(small, {{"Title", "small"}}).size());
    CHECK(dir_entries(dir) == std::set<std::string>{"out.png"});
  }
  SUBCASE("a directory in the way: rename fails, the temporary file is removed") {
    const std::string sub = dir + "/taken";
    REQUIRE(mkdir(sub.c_str(), 0755) == 0);
    try {
      write_png(sub, random_image(4, 4, 3, 1));
      FAIL("expected io_error");
    } catch (const Error &e) {
      CHECK(e.status() == Status::io_error);
      CHECK(std::string(e.what()).find(sub) != std::string::npos);
    }
    CHECK(dir_entries(dir) == std::set<std::string>{"taken"});
    rmdir(sub.c_str());
  }
  SUBCASE("read_png of a missing file is io_error") {
    try {
      read_png(dir + "/missing.png");
      FAIL("expected io_error");
    } catch (const Error &e) {
      CHECK(e.status() == Status::io_error);
    }
  }
  std::remove(path.c_str());
  rmdir(dir.c_str());
}
