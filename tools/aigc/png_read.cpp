// Minimal PNG decoder (W3C PNG Specification, 3rd edition: chunk layout, IHDR, filters,
// PLTE/tRNS). The file is untrusted: lengths, CRCs, IHDR fields and the inflated size are
// checked before use, and sizes are capped (kMaxSide) so a header cannot ask for gigabytes.
#include "png_read.hpp"

#include <zlib.h>

#include <cstdlib>
#include <cstring>

#include "aigc/aigc.hpp"
#include "common.hpp"

namespace aigc_cli {

namespace {

constexpr uint32_t kMaxSide = 16384;

uint32_t be32(const uint8_t *p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

[[noreturn]] void bad(aigc_status st, const std::string &path, const std::string &why) {
  throw aigc::StatusError(st, "'" + path + "': " + why);
}

int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

}  // namespace

PngPixels read_png_file(const std::string &path) {
  const std::string file = read_file(path);
  const auto *d = reinterpret_cast<const uint8_t *>(file.data());
  const size_t n = file.size();
  static const uint8_t kSig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
  if (n < 8 || std::memcmp(d, kSig, 8) != 0)
    bad(AIGC_STATUS_INVALID_FORMAT, path, "not a PNG file");

  uint32_t width = 0, height = 0;
  int depth = 0, color = -1;
  std::vector<uint8_t> idat, palette, trns;
  bool seen_end = false;
  for (size_t pos = 8; !seen_end;) {
    if (n - pos < 12) bad(AIGC_STATUS_INVALID_FORMAT, path, "truncated PNG file");
    const uint32_t len = be32(d + pos);
    if (len > 0x7fffffffu || n - pos - 12 < len) bad(AIGC_STATUS_INVALID_FORMAT, path, "truncated PNG chunk");
    const uint8_t *type = d + pos + 4, *data = d + pos + 8;
    const uint32_t crc = uint32_t(crc32(0L, type, uInt(len + 4)));
    if (crc != be32(data + len)) bad(AIGC_STATUS_INVALID_FORMAT, path, "PNG chunk CRC mismatch");
    const std::string t(reinterpret_cast<const char *>(type), 4);
    if (t == "IHDR") {
      if (len != 13) bad(AIGC_STATUS_INVALID_FORMAT, path, "bad IHDR chunk");
      width = be32(data);
      height = be32(data + 4);
      depth = data[8];
      color = data[9];
      if (data[10] != 0 || data[11] != 0) bad(AIGC_STATUS_INVALID_FORMAT, path, "bad IHDR chunk");
      if (data[12] != 0) bad(AIGC_STATUS_UNSUPPORTED, path, "interlaced PNG files are not supported");
    } else if (t == "PLTE") {
      palette.assign(data, data + len);
    } else if (t == "tRNS") {
      trns.assign(data, data + len);
    } else if (t == "IDAT") {
      idat.insert(idat.end(), data, data + len);
    } else if (t == "IEND") {
      seen_end = true;
    } else if (!(type[0] & 0x20)) {
      bad(AIGC_STATUS_UNSUPPORTED, path, "unknown critical PNG chunk '" + t + "'");
    }
    pos += 12 + size_t(len);
  }
  if (color < 0) bad(AIGC_STATUS_INVALID_FORMAT, path, "PNG file without IHDR");
  if (width == 0 || height == 0 || width > kMaxSide || height > kMaxSide)
    bad(AIGC_STATUS_UNSUPPORTED, path, "image size " + std::to_string(width) + "x" +
                                           std::to_string(height) + " is out of range (1.." +
                                           std::to_string(kMaxSide) + ")");
  int samples = 0;  // per pixel in the file
  switch (color) {
    case 0: samples = 1; break;
    case 2: samples = 3; break;
    case 3: samples = 1; break;
    case 4: samples = 2; break;
    case 6: samples = 4; break;
    default: bad(AIGC_STATUS_INVALID_FORMAT, path, "bad PNG color type");
  }
  const bool low_depth_ok = (color == 0 || color == 3) && (depth == 1 || depth == 2 || depth == 4);
  if (depth == 16) bad(AIGC_STATUS_UNSUPPORTED, path, "16-bit PNG files are not supported");
  if (depth != 8 && !low_depth_ok) bad(AIGC_STATUS_INVALID_FORMAT, path, "bad PNG bit depth");
  if (color == 3 && (palette.empty() || palette.size() % 3 != 0))
    bad(AIGC_STATUS_INVALID_FORMAT, path, "palette PNG without a valid PLTE chunk");

  const size_t row_bytes = (size_t(width) * samples * depth + 7) / 8;
  const size_t raw_size = size_t(height) * (row_bytes + 1);
  std::vector<uint8_t> raw(raw_size + 1);  // +1: detects extra data
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) bad(AIGC_STATUS_OUT_OF_MEMORY, path, "zlib init failed");
  zs.next_in = idat.data();
  zs.avail_in = uInt(idat.size());
  zs.next_out = raw.data();
  zs.avail_out = uInt(raw.size());
  const int zr = inflate(&zs, Z_FINISH);
  const size_t got = raw.size() - zs.avail_out;
  inflateEnd(&zs);
  if (zr != Z_STREAM_END || got != raw_size)
    bad(AIGC_STATUS_INVALID_FORMAT, path, "corrupt PNG image data");

  // Unfilter in place: bpp = bytes per complete pixel (at least 1).
  const size_t bpp = std::max<size_t>(1, size_t(samples) * depth / 8);
  std::vector<uint8_t> prev(row_bytes, 0), cur(row_bytes);
  std::vector<uint8_t> rows(size_t(height) * row_bytes);
  for (uint32_t y = 0; y < height; ++y) {
    const uint8_t filter = raw[y * (row_bytes + 1)];
    const uint8_t *src = raw.data() + y * (row_bytes + 1) + 1;
    for (size_t i = 0; i < row_bytes; ++i) {
      const int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      int v = src[i];
      switch (filter) {
        case 0: break;
        case 1: v += a; break;
        case 2: v += b; break;
        case 3: v += (a + b) / 2; break;
        case 4: v += paeth(a, b, c); break;
        default: bad(AIGC_STATUS_INVALID_FORMAT, path, "bad PNG filter type");
      }
      cur[i] = uint8_t(v);
    }
    std::memcpy(rows.data() + y * row_bytes, cur.data(), row_bytes);
    std::swap(prev, cur);
  }

  PngPixels out;
  out.width = int(width);
  out.height = int(height);
  const bool alpha_from_trns = !trns.empty() && color == 3;
  out.channels = color == 3 ? (alpha_from_trns ? 4 : 3) : samples;
  out.pixels.resize(size_t(width) * height * out.channels);
  for (uint32_t y = 0; y < height; ++y) {
    const uint8_t *row = rows.data() + y * row_bytes;
    for (uint32_t x = 0; x < width; ++x) {
      uint8_t *px = out.pixels.data() + (size_t(y) * width + x) * out.channels;
      if (depth == 8 && color != 3) {
        std::memcpy(px, row + size_t(x) * samples, size_t(samples));
        continue;
      }
      // Sub-byte or palette sample.
      const size_t bit = size_t(x) * depth;
      const int shift = 8 - depth - int(bit % 8);
      const int v = (row[bit / 8] >> shift) & ((1 << depth) - 1);
      if (color == 0) {
        px[0] = uint8_t(v * 255 / ((1 << depth) - 1));
      } else {
        if (size_t(v) * 3 + 2 >= palette.size()) bad(AIGC_STATUS_INVALID_FORMAT, path, "palette index out of range");
        std::memcpy(px, palette.data() + size_t(v) * 3, 3);
        if (alpha_from_trns) px[3] = size_t(v) < trns.size() ? trns[size_t(v)] : 255;
      }
    }
  }
  return out;
}

}  // namespace aigc_cli
