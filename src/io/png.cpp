// PNG encoder / decoder over zlib. Reference: W3C "Portable Network Graphics (PNG)
// Specification (Third Edition)" (chunk layout, IHDR rules, filters, text chunks);
// the filter heuristic is libpng's (png_write_find_filter: minimum sum of |signed byte|).
#include "io/png.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "aigc/aigc.h"  // AIGC_VERSION_STRING
#include "core/check.hpp"

namespace aigc::io {

namespace {

constexpr uint8_t kSignature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
constexpr uint32_t kMaxChunk = 0x7fffffffu;  // PNG: lengths and sizes fit in 31 bits
constexpr size_t kIdatChunk = size_t(1) << 20;
constexpr size_t kCompressTextOver = 1024;   // iTXt values longer than this are deflated

uint32_t be32(const uint8_t *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}
void put_be32(std::vector<uint8_t> &out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(v >> s));
}

uint32_t crc_of(const uint8_t *p, size_t n, uint32_t crc = 0) {
  while (n > 0) {  // zlib's length argument is 32-bit
    const uInt part = uInt(std::min<size_t>(n, size_t(1) << 30));
    crc = uint32_t(::crc32(crc, p, part));
    p += part;
    n -= part;
  }
  return crc;
}

void put_chunk(std::vector<uint8_t> &out, const char *type, const uint8_t *data, size_t n) {
  AIGC_CHECK(n <= kMaxChunk, Status::invalid_argument, "PNG chunk {} of {} bytes is too large", type, n);
  put_be32(out, uint32_t(n));
  const size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  if (n) out.insert(out.end(), data, data + n);
  put_be32(out, crc_of(out.data() + start, 4 + n));
}
void put_chunk(std::vector<uint8_t> &out, const char *type, const std::vector<uint8_t> &data) {
  put_chunk(out, type, data.data(), data.size());
}

// ---- zlib ---------------------------------------------------------------------------------

std::vector<uint8_t> zlib_compress(const uint8_t *data, size_t n, int level) {
  z_stream zs{};
  AIGC_CHECK(deflateInit(&zs, level) == Z_OK, Status::out_of_memory, "zlib deflateInit failed (level {})", level);
  struct End { z_stream *z; ~End() { deflateEnd(z); } } end{&zs};
  std::vector<uint8_t> out(std::max<size_t>(64, deflateBound(&zs, uLong(n))));
  size_t in_pos = 0, out_pos = 0;
  for (;;) {
    if (out_pos == out.size()) out.resize(out.size() * 2);
    const size_t in_part = std::min<size_t>(n - in_pos, size_t(1) << 30);
    zs.next_in = const_cast<Bytef *>(data + in_pos);
    zs.avail_in = uInt(in_part);
    zs.next_out = out.data() + out_pos;
    zs.avail_out = uInt(std::min<size_t>(out.size() - out_pos, size_t(1) << 30));
    const uInt avail_out = zs.avail_out;
    const int rc = deflate(&zs, in_pos + in_part == n ? Z_FINISH : Z_NO_FLUSH);
    in_pos += in_part - zs.avail_in;
    out_pos += avail_out - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    AIGC_CHECK(rc == Z_OK || rc == Z_BUF_ERROR, Status::internal, "zlib deflate failed ({})", rc);
  }
  out.resize(out_pos);
  return out;
}

struct Span {
  const uint8_t *data;
  size_t size;
};

// Inflates the zlib stream split over `parts`. More than `limit` output bytes is
// `over_limit_status` (invalid_format when the size is exactly known, unsupported for
// text budgets); a stream that ends early or is corrupt is invalid_format.
std::vector<uint8_t> zlib_inflate(const std::vector<Span> &parts, uint64_t limit, Status over_limit_status,
                                  const std::string &what, const char *item) {
  z_stream zs{};
  AIGC_CHECK(inflateInit(&zs) == Z_OK, Status::out_of_memory, "{}: zlib inflateInit failed", what);
  struct End { z_stream *z; ~End() { inflateEnd(z); } } end{&zs};
  std::vector<uint8_t> out;
  size_t out_pos = 0, part = 0, part_pos = 0;
  for (;;) {
    while (part < parts.size() && part_pos == parts[part].size) ++part, part_pos = 0;
    const bool have_input = part < parts.size();
    if (out_pos == out.size()) {
      // Grow with the output actually produced (never from a header value up front),
      // one byte past the limit so an overlong stream is seen.
      const uint64_t cap = limit + 1;
      AIGC_CHECK(out.size() < cap, over_limit_status, "{}: {} decompresses to more than {} bytes", what, item, limit);
      out.resize(size_t(std::min<uint64_t>(cap, std::max<uint64_t>(out.size() * 2, 1 << 16))));
    }
    const size_t in_part = have_input ? std::min<size_t>(parts[part].size - part_pos, size_t(1) << 30) : 0;
    zs.next_in = have_input ? const_cast<Bytef *>(parts[part].data + part_pos) : nullptr;
    zs.avail_in = uInt(in_part);
    zs.next_out = out.data() + out_pos;
    zs.avail_out = uInt(std::min<size_t>(out.size() - out_pos, size_t(1) << 30));
    const uInt avail_out = zs.avail_out;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    part_pos += in_part - zs.avail_in;
    out_pos += avail_out - zs.avail_out;
    AIGC_CHECK(out_pos <= limit, over_limit_status, "{}: {} decompresses to more than {} bytes", what, item, limit);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_MEM_ERROR) fail(Status::out_of_memory, "{}: out of memory inflating {}", what, item);
    AIGC_CHECK(rc == Z_OK || rc == Z_BUF_ERROR, Status::invalid_format, "{}: corrupt zlib data in {} ({})", what,
               item, zs.msg ? zs.msg : "error " + std::to_string(rc));
    AIGC_CHECK(have_input || zs.avail_out == 0, Status::invalid_format,
               "{}: {} ends before its zlib stream does ({} bytes decompressed)", what, item, out_pos);
  }
  out.resize(out_pos);
  return out;
}

// ---- text encodings -----------------------------------------------------------------------

// Decodes UTF-8 into code points; false on any invalid sequence (overlong, surrogate, > U+10FFFF).
bool utf8_decode(const std::string &s, std::vector<uint32_t> &cps) {
  static const uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
  cps.clear();
  for (size_t i = 0; i < s.size();) {
    const uint8_t b = uint8_t(s[i]);
    int n = 0;
    uint32_t cp = b;
    if (b >= 0x80) {
      if ((b >> 5) == 6) n = 1, cp = b & 0x1f;
      else if ((b >> 4) == 14) n = 2, cp = b & 0x0f;
      else if ((b >> 3) == 30) n = 3, cp = b & 0x07;
      else return false;
    }
    if (s.size() - i <= size_t(n)) return false;  // continuation bytes missing
    for (int k = 1; k <= n; ++k) {
      const uint8_t c = uint8_t(s[i + size_t(k)]);
      if ((c & 0xc0) != 0x80) return false;
      cp = cp << 6 | (c & 0x3f);
    }
    if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    cps.push_back(cp);
    i += size_t(n) + 1;
  }
  return true;
}

void utf8_append(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xc0 | cp >> 6), out += char(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += char(0xe0 | cp >> 12), out += char(0x80 | (cp >> 6 & 0x3f)), out += char(0x80 | (cp & 0x3f));
  } else {
    out += char(0xf0 | cp >> 18), out += char(0x80 | (cp >> 12 & 0x3f));
    out += char(0x80 | (cp >> 6 & 0x3f)), out += char(0x80 | (cp & 0x3f));
  }
}

std::string latin1_to_utf8(const uint8_t *p, size_t n) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) utf8_append(out, p[i]);
  return out;
}

// Untrusted iTXt text: invalid UTF-8 sequences become U+FFFD so callers always get UTF-8.
std::string sanitize_utf8(const uint8_t *p, size_t n) {
  std::string s(reinterpret_cast<const char *>(p), n);
  std::vector<uint32_t> cps;
  if (utf8_decode(s, cps)) return s;
  std::string out;
  for (size_t i = 0; i < n;) {
    const uint8_t b = p[i];
    const size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (len > 0 && i + len <= n && utf8_decode(std::string(reinterpret_cast<const char *>(p + i), len), cps)) {
      out.append(reinterpret_cast<const char *>(p + i), len);
      i += len;
    } else {
      utf8_append(out, 0xfffd);
      i += 1;
    }
  }
  return out;
}

bool latin1_printable(uint32_t cp) { return (cp >= 32 && cp <= 126) || (cp >= 161 && cp <= 255); }

// PNG keyword: 1..79 Latin-1 printable characters, no leading, trailing or double spaces.
std::string keyword_latin1(const std::string &key) {
  std::vector<uint32_t> cps;
  AIGC_CHECK(utf8_decode(key, cps), Status::invalid_argument, "PNG text key '{}' is not UTF-8", key);
  AIGC_CHECK(!cps.empty() && cps.size() <= 79, Status::invalid_argument,
             "PNG text key '{}' must be 1..79 characters", key);
  std::string out;
  for (size_t i = 0; i < cps.size(); ++i) {
    AIGC_CHECK(latin1_printable(cps[i]), Status::invalid_argument,
               "PNG text key '{}': only printable Latin-1 characters are allowed", key);
    AIGC_CHECK(cps[i] != ' ' || (i > 0 && i + 1 < cps.size() && cps[i - 1] != ' '), Status::invalid_argument,
               "PNG text key '{}': no leading, trailing or consecutive spaces", key);
    out += char(uint8_t(cps[i]));
  }
  return out;
}

// The value as tEXt bytes when every character is allowed there (Latin-1 printable or LF).
bool value_latin1(const std::vector<uint32_t> &cps, std::string &out) {
  out.clear();
  for (uint32_t cp : cps) {
    if (!latin1_printable(cp) && cp != '\n') return false;
    out += char(uint8_t(cp));
  }
  return true;
}

// ---- filters ------------------------------------------------------------------------------

uint8_t paeth(uint8_t a, uint8_t b, uint8_t c) {
  const int p = int(a) + int(b) - int(c);
  const int pa = std::abs(p - int(a)), pb = std::abs(p - int(b)), pc = std::abs(p - int(c));
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Filters one row (`prev` = previous raw row or zeros) with type `f` into out[0..n).
void filter_row(int f, const uint8_t *row, const uint8_t *prev, size_t n, size_t bpp, uint8_t *out) {
  for (size_t i = 0; i < n; ++i) {
    const uint8_t a = i >= bpp ? row[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
    const uint8_t pred = f == 0 ? 0 : f == 1 ? a : f == 2 ? b : f == 3 ? uint8_t((int(a) + int(b)) / 2) : paeth(a, b, c);
    out[i] = uint8_t(row[i] - pred);
  }
}

// Reverses the filter in place; `prev` is the previous reconstructed row or zeros.
void unfilter_row(int f, uint8_t *row, const uint8_t *prev, size_t n, size_t bpp) {
  for (size_t i = 0; i < n; ++i) {
    const uint8_t a = i >= bpp ? row[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
    const uint8_t pred = f == 0 ? 0 : f == 1 ? a : f == 2 ? b : f == 3 ? uint8_t((int(a) + int(b)) / 2) : paeth(a, b, c);
    row[i] = uint8_t(row[i] + pred);
  }
}

// ---- files --------------------------------------------------------------------------------

std::string errno_text(int e) { return std::generic_category().message(e); }

// Writes `bytes` to a unique temporary file beside `path`, fsyncs it and renames it over
// `path`: readers see the old file or the whole new one, never a partial write.
void write_file_atomic(const std::string &path, const std::vector<uint8_t> &bytes) {
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  AIGC_CHECK(!base.empty(), Status::io_error, "cannot write '{}': not a file name", path);
  static std::atomic<uint64_t> counter{0};
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    const auto now = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
    tmp = dir + "." + base + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
          std::to_string(now % 1000000007u);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0)
    fail(Status::io_error, "cannot write '{}': cannot create a temporary file there: {}", path, errno_text(errno));
  auto abandon = [&](const char *step, int e) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    fail(Status::io_error, "cannot write '{}': {} failed: {}", path, step, errno_text(e));
  };
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, std::min<size_t>(bytes.size() - done, size_t(1) << 30));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) abandon("write", w < 0 ? errno : EIO);
    done += size_t(w);
  }
  if (::fsync(fd) != 0) abandon("fsync", errno);
  const int rc = ::close(fd);
  fd = -1;
  if (rc != 0) abandon("close", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) abandon("rename", errno);
  // Make the rename itself durable (best effort: some file systems refuse fsync on a directory).
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

// ---- encoder ------------------------------------------------------------------------------

std::vector<uint8_t> encode_png(const ImageU8 &img, const std::vector<PngText> &text, const PngWriteOptions &options) {
  check_image_u8(img, "encode_png");
  AIGC_CHECK(options.compression_level >= 0 && options.compression_level <= 9, Status::invalid_argument,
             "encode_png: compression level {} is not 0..9", options.compression_level);
  static const uint8_t color_type[5] = {0, 0, 4, 2, 6};  // by channel count
  std::vector<uint8_t> out(kSignature, kSignature + 8);

  std::vector<uint8_t> ihdr;
  put_be32(ihdr, uint32_t(img.width));
  put_be32(ihdr, uint32_t(img.height));
  ihdr.insert(ihdr.end(), {8, color_type[img.channels], 0, 0, 0});  // depth, type, deflate, filter 0, no interlace
  put_chunk(out, "IHDR", ihdr);

  // Text before the image data, so readers that stop early still see it.
  std::vector<uint32_t> cps;
  std::string latin1;
  for (const PngText &t : text) {
    const std::string key = keyword_latin1(t.key);
    AIGC_CHECK(utf8_decode(t.value, cps), Status::invalid_argument, "PNG text '{}': value is not UTF-8", t.key);
    std::vector<uint8_t> data(key.begin(), key.end());
    data.push_back(0);
    if (t.key != kXmpKeyword && value_latin1(cps, latin1)) {
      data.insert(data.end(), latin1.begin(), latin1.end());
      put_chunk(out, "tEXt", data);
      continue;
    }
    // iTXt: keyword \0 compression-flag method language \0 translated-keyword \0 text
    const bool compress = t.key != kXmpKeyword && t.value.size() > kCompressTextOver;
    data.insert(data.end(), {uint8_t(compress), 0, 0, 0});
    const auto *v = reinterpret_cast<const uint8_t *>(t.value.data());
    if (compress) {
      const auto z = zlib_compress(v, t.value.size(), 9);
      data.insert(data.end(), z.begin(), z.end());
    } else {
      data.insert(data.end(), v, v + t.value.size());
    }
    put_chunk(out, "iTXt", data);
  }

  // Rows: filter byte + filtered bytes, the filter with the smallest sum of |signed byte|.
  const size_t row = img.row_bytes(), bpp = size_t(img.channels);
  std::vector<uint8_t> raw(size_t(img.height) * (row + 1));
  std::vector<uint8_t> zeros(row, 0), trial(row);
  for (int y = 0; y < img.height; ++y) {
    const uint8_t *cur = img.pixels.data() + size_t(y) * row;
    const uint8_t *prev = y > 0 ? cur - row : zeros.data();
    uint8_t *dst = raw.data() + size_t(y) * (row + 1);
    uint64_t best_cost = UINT64_MAX;
    for (int f = 0; f < 5; ++f) {
      filter_row(f, cur, prev, row, bpp, trial.data());
      uint64_t cost = 0;
      for (size_t i = 0; i < row; ++i) cost += uint64_t(std::abs(int(int8_t(trial[i]))));
      if (cost < best_cost) {
        best_cost = cost;
        dst[0] = uint8_t(f);
        std::copy(trial.begin(), trial.end(), dst + 1);
      }
    }
  }
  const auto z = zlib_compress(raw.data(), raw.size(), options.compression_level);
  for (size_t i = 0; i < z.size(); i += kIdatChunk)
    put_chunk(out, "IDAT", z.data() + i, std::min(kIdatChunk, z.size() - i));
  put_chunk(out, "IEND", nullptr, 0);
  return out;
}

void write_png(const std::string &path, const ImageU8 &img, const std::vector<PngText> &text,
               const PngWriteOptions &options) {
  write_file_atomic(path, encode_png(img, text, options));
}

// ---- decoder ------------------------------------------------------------------------------

namespace {

struct Header {
  uint32_t width = 0, height = 0;
  int depth = 0, color = 0;
  int samples() const { return color == 0 ? 1 : color == 2 ? 3 : color == 3 ? 1 : color == 4 ? 2 : 4; }
};

Header parse_ihdr(const uint8_t *p, uint32_t len, const std::string &what, const PngLimits &limits) {
  AIGC_CHECK(len == 13, Status::invalid_format, "{}: IHDR has {} bytes, not 13", what, len);
  Header h;
  h.width = be32(p), h.height = be32(p + 4), h.depth = p[8], h.color = p[9];
  AIGC_CHECK(h.width >= 1 && h.width <= kMaxChunk && h.height >= 1 && h.height <= kMaxChunk,
             Status::invalid_format, "{}: IHDR size {}x{} is outside 1..2^31-1", what, h.width, h.height);
  const int d = h.depth;
  const bool depth_ok = h.color == 0   ? (d == 1 || d == 2 || d == 4 || d == 8 || d == 16)
                        : h.color == 3 ? (d == 1 || d == 2 || d == 4 || d == 8)
                        : (h.color == 2 || h.color == 4 || h.color == 6) ? (d == 8 || d == 16)
                                                                        : false;
  AIGC_CHECK(depth_ok, Status::invalid_format, "{}: IHDR colour type {} with bit depth {} is not valid PNG", what,
             h.color, d);
  AIGC_CHECK(p[10] == 0, Status::invalid_format, "{}: IHDR compression method {} (only 0 exists)", what, p[10]);
  AIGC_CHECK(p[11] == 0, Status::invalid_format, "{}: IHDR filter method {} (only 0 exists)", what, p[11]);
  AIGC_CHECK(p[12] <= 1, Status::invalid_format, "{}: IHDR interlace method {} (only 0 and 1 exist)", what, p[12]);
  AIGC_CHECK(p[12] == 0, Status::unsupported, "{}: Adam7-interlaced PNG files are not supported", what);
  AIGC_CHECK(d != 16, Status::unsupported, "{}: 16-bit PNG files are not supported (8-bit and below only)", what);
  AIGC_CHECK(h.width <= uint32_t(limits.max_width) && h.height <= uint32_t(limits.max_height), Status::unsupported,
             "{}: {}x{} exceeds the decoder's limit of {}x{}", what, h.width, h.height, limits.max_width,
             limits.max_height);
  return h;
}

// Keyword\0 at the start of a text chunk; returns the offset after the NUL.
size_t text_keyword(const uint8_t *p, size_t n, const std::string &what, const char *type, std::string &key) {
  const auto *nul = static_cast<const uint8_t *>(std::memchr(p, 0, n));
  AIGC_CHECK(nul != nullptr, Status::invalid_format, "{}: {} chunk without a keyword terminator", what, type);
  const size_t klen = size_t(nul - p);
  AIGC_CHECK(klen >= 1 && klen <= 79, Status::invalid_format, "{}: {} keyword of {} bytes (1..79 allowed)", what,
             type, klen);
  key = latin1_to_utf8(p, klen);
  return klen + 1;
}

}  // namespace

PngImage decode_png(const uint8_t *data, size_t size, const std::string &name, const PngLimits &limits) {
  AIGC_CHECK(size >= 8 && std::memcmp(data, kSignature, 8) == 0, Status::invalid_format,
             "{}: not a PNG file (bad signature)", name);
  size_t pos = 8;
  Header h;
  bool have_ihdr = false, have_trns = false;
  std::vector<uint8_t> palette, trns;  // palette: RGB triples
  std::vector<Span> idat;
  PngImage result;
  uint64_t text_bytes = 0;
  for (;;) {
    AIGC_CHECK(size - pos >= 8, Status::invalid_format, "{}: truncated at byte {} (chunk header; no IEND)", name, pos);
    const uint32_t len = be32(data + pos);
    const uint8_t *type_p = data + pos + 4;
    const std::string type(reinterpret_cast<const char *>(type_p), 4);
    AIGC_CHECK(len <= kMaxChunk, Status::invalid_format, "{}: chunk at byte {} has length {} (over 2^31-1)", name,
               pos, len);
    for (char c : type)
      AIGC_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'), Status::invalid_format,
                 "{}: chunk at byte {} has an invalid type", name, pos);
    AIGC_CHECK(size - pos - 8 >= uint64_t(len) + 4, Status::invalid_format,
               "{}: truncated at byte {} ({} chunk of {} bytes + CRC, {} bytes left)", name, pos, type, len,
               size - pos - 8);
    const uint8_t *p = data + pos + 8;
    const uint32_t stored_crc = be32(p + len);
    AIGC_CHECK(crc_of(type_p, size_t(len) + 4) == stored_crc, Status::invalid_format,
               "{}: CRC mismatch in {} chunk at byte {} (corrupt file)", name, type, pos);
    pos += size_t(len) + 12;

    AIGC_CHECK(have_ihdr || type == "IHDR", Status::invalid_format, "{}: first chunk is {}, not IHDR", name, type);
    if (type == "IHDR") {
      AIGC_CHECK(!have_ihdr, Status::invalid_format, "{}: more than one IHDR chunk", name);
      h = parse_ihdr(p, len, name, limits);
      have_ihdr = true;
    } else if (type == "PLTE") {
      AIGC_CHECK(palette.empty() && idat.empty(), Status::invalid_format, "{}: PLTE repeated or after IDAT", name);
      AIGC_CHECK(h.color != 0 && h.color != 4, Status::invalid_format, "{}: PLTE in a grayscale image", name);
      AIGC_CHECK(len % 3 == 0 && len >= 3 && len <= 768, Status::invalid_format,
                 "{}: PLTE of {} bytes (1..256 RGB entries expected)", name, len);
      palette.assign(p, p + len);
    } else if (type == "tRNS") {
      AIGC_CHECK(!have_trns && idat.empty(), Status::invalid_format, "{}: tRNS repeated or after IDAT", name);
      if (h.color == 3) {
        AIGC_CHECK(!palette.empty() && len <= palette.size() / 3, Status::invalid_format,
                   "{}: tRNS has {} entries for a palette of {}", name, len, palette.size() / 3);
      } else if (h.color == 0 || h.color == 2) {
        AIGC_CHECK(len == (h.color == 0 ? 2u : 6u), Status::invalid_format, "{}: tRNS of {} bytes for colour type {}",
                   name, len, h.color);
      } else {
        continue;  // not allowed with an alpha channel; ignored as libpng does
      }
      trns.assign(p, p + len);
      have_trns = true;
    } else if (type == "IDAT") {
      AIGC_CHECK(h.color != 3 || !palette.empty(), Status::invalid_format, "{}: palette image without PLTE", name);
      if (len) idat.push_back({p, len});
    } else if (type == "IEND") {
      AIGC_CHECK(len == 0, Status::invalid_format, "{}: IEND with {} bytes of data", name, len);
      break;
    } else if (type == "tEXt" || type == "zTXt" || type == "iTXt") {
      PngText t;
      size_t off = text_keyword(p, len, name, type.c_str(), t.key);
      const uint64_t budget = limits.max_text_bytes - std::min(limits.max_text_bytes, text_bytes);
      if (type == "tEXt") {
        t.value = latin1_to_utf8(p + off, len - off);
      } else if (type == "zTXt") {
        AIGC_CHECK(off < len && p[off] == 0, Status::invalid_format, "{}: zTXt without compression method 0", name);
        const auto v = zlib_inflate({{p + off + 1, len - off - 1}}, budget, Status::unsupported, name, "zTXt");
        t.value = latin1_to_utf8(v.data(), v.size());
      } else {
        AIGC_CHECK(len - off >= 2, Status::invalid_format, "{}: iTXt truncated after its keyword", name);
        const uint8_t flag = p[off], method = p[off + 1];
        AIGC_CHECK(flag <= 1 && (flag == 0 || method == 0), Status::invalid_format,
                   "{}: iTXt compression flag {} method {}", name, flag, method);
        off += 2;
        for (int field = 0; field < 2; ++field) {  // language tag, translated keyword
          const auto *nul = static_cast<const uint8_t *>(std::memchr(p + off, 0, len - off));
          AIGC_CHECK(nul != nullptr, Status::invalid_format, "{}: iTXt '{}' is missing a terminator", name, t.key);
          off = size_t(nul - p) + 1;
        }
        if (flag) {
          const auto v = zlib_inflate({{p + off, len - off}}, budget, Status::unsupported, name, "iTXt");
          t.value = sanitize_utf8(v.data(), v.size());
        } else {
          t.value = sanitize_utf8(p + off, len - off);
        }
      }
      text_bytes += t.value.size();
      AIGC_CHECK(text_bytes <= limits.max_text_bytes, Status::unsupported,
                 "{}: text chunks hold more than {} bytes", name, limits.max_text_bytes);
      result.text.push_back(std::move(t));
    } else {
      AIGC_CHECK(type[0] >= 'a', Status::unsupported, "{}: unknown critical chunk {}", name, type);
      // ancillary chunks we do not use (gAMA, pHYs, ...) are skipped
    }
  }
  AIGC_CHECK(!idat.empty(), Status::invalid_format, "{}: no image data (IDAT)", name);

  const int samples = h.samples();
  const bool alpha_from_trns = have_trns && (h.color == 0 || h.color == 2 || h.color == 3);
  const int channels = h.color == 3 ? (alpha_from_trns ? 4 : 3) : samples + (alpha_from_trns ? 1 : 0);
  const uint64_t out_bytes = uint64_t(h.width) * h.height * uint64_t(channels);
  AIGC_CHECK(out_bytes <= limits.max_image_bytes, Status::unsupported,
             "{}: {}x{}x{} image exceeds the decoder's limit of {} bytes", name, h.width, h.height, channels,
             limits.max_image_bytes);
  const uint64_t bits_per_pixel = uint64_t(samples) * uint64_t(h.depth);
  const size_t row = size_t((uint64_t(h.width) * bits_per_pixel + 7) / 8);
  const size_t bpp = size_t(std::max<uint64_t>(1, bits_per_pixel / 8));
  const uint64_t expected = uint64_t(h.height) * (uint64_t(row) + 1);
  std::vector<uint8_t> raw = zlib_inflate(idat, expected, Status::invalid_format, name, "IDAT");
  AIGC_CHECK(raw.size() == expected, Status::invalid_format,
             "{}: image data decompresses to {} bytes, {}x{} needs {}", name, raw.size(), h.width, h.height,
             expected);

  std::vector<uint8_t> zeros(row, 0);
  for (uint32_t y = 0; y < h.height; ++y) {
    uint8_t *line = raw.data() + size_t(y) * (row + 1);
    AIGC_CHECK(line[0] <= 4, Status::invalid_format, "{}: row {} has filter type {} (0..4 exist)", name, y, line[0]);
    const uint8_t *prev = y > 0 ? line - row : zeros.data();
    unfilter_row(line[0], line + 1, prev, row, bpp);
  }

  ImageU8 &img = result.image;
  img.width = int(h.width), img.height = int(h.height), img.channels = channels;
  img.pixels.resize(size_t(out_bytes));
  const int d = h.depth;
  const uint32_t max_sample = (1u << d) - 1;
  const uint32_t gray_key = have_trns && h.color == 0 ? (uint32_t(trns[0]) << 8 | trns[1]) : UINT32_MAX;
  const size_t n_palette = palette.size() / 3;
  for (uint32_t y = 0; y < h.height; ++y) {
    const uint8_t *src = raw.data() + size_t(y) * (row + 1) + 1;
    uint8_t *dst = img.pixels.data() + size_t(y) * size_t(h.width) * size_t(channels);
    if (d == 8 && !alpha_from_trns && h.color != 3) {
      std::memcpy(dst, src, row);
      continue;
    }
    for (uint32_t x = 0; x < h.width; ++x, dst += channels) {
      if (h.color == 2) {  // RGB 8-bit with a tRNS colour key
        const uint8_t *s = src + size_t(x) * 3;
        std::memcpy(dst, s, 3);
        const bool key = (uint32_t(trns[0]) << 8 | trns[1]) == s[0] && (uint32_t(trns[2]) << 8 | trns[3]) == s[1] &&
                         (uint32_t(trns[4]) << 8 | trns[5]) == s[2];
        dst[3] = key ? 0 : 255;
        continue;
      }
      // gray or palette index at 1, 2, 4 or 8 bits, most significant bits first
      const uint64_t bit = uint64_t(x) * uint64_t(d);
      const uint32_t v = (src[bit / 8] >> (8 - d - int(bit % 8))) & max_sample;
      if (h.color == 3) {
        AIGC_CHECK(v < n_palette, Status::invalid_format, "{}: palette index {} at ({}, {}) outside the {}-entry PLTE",
                   name, v, x, y, n_palette);
        std::memcpy(dst, palette.data() + size_t(v) * 3, 3);
        if (channels == 4) dst[3] = v < trns.size() ? trns[v] : 255;
      } else {
        dst[0] = uint8_t(v * (255 / max_sample));
        if (channels == 2) dst[1] = v == gray_key ? 0 : 255;
      }
    }
  }
  return result;
}

PngImage read_png(const std::string &path, const PngLimits &limits) {
  std::ifstream f(path, std::ios::binary);
  AIGC_CHECK(f.good(), Status::io_error, "cannot open '{}'", path);
  f.seekg(0, std::ios::end);
  const std::streamoff n = f.tellg();
  AIGC_CHECK(n >= 0, Status::io_error, "cannot read '{}'", path);
  f.seekg(0, std::ios::beg);
  std::vector<uint8_t> bytes(static_cast<size_t>(n));
  AIGC_CHECK(n == 0 || f.read(reinterpret_cast<char *>(bytes.data()), n), Status::io_error, "cannot read '{}'", path);
  return decode_png(bytes.data(), bytes.size(), path, limits);
}

// ---- provenance ---------------------------------------------------------------------------

namespace {

std::string xml_escape(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A1111 quotes parameter values that would break its "key: value, ..." line.
std::string a1111_value(const std::string &v) {
  if (v.find_first_of(",:\n\"") == std::string::npos) return v;
  return nlohmann::json(v).dump();
}

}  // namespace

std::string provenance_xmp(const std::string &creator_tool) {
  return std::string("<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n") +
         "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
         " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
         "  <rdf:Description rdf:about=\"\"\n"
         "    xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\"\n"
         "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n"
         "   <Iptc4xmpExt:DigitalSourceType>" + kIptcTrainedAlgorithmicMedia + "</Iptc4xmpExt:DigitalSourceType>\n"
         "   <xmp:CreatorTool>" + xml_escape(creator_tool) + "</xmp:CreatorTool>\n"
         "  </rdf:Description>\n"
         " </rdf:RDF>\n"
         "</x:xmpmeta>\n"
         "<?xpacket end=\"r\"?>";
}

std::vector<PngText> provenance_text(const ImageProvenance &p) {
  const std::string version = p.library_version.empty() ? AIGC_VERSION_STRING : p.library_version;
  const std::string software = "aigc " + version;
  std::vector<std::pair<std::string, std::string>> kv;
  if (p.steps) kv.emplace_back("Steps", std::to_string(*p.steps));
  if (!p.sampler.empty()) kv.emplace_back("Sampler", p.sampler);
  if (p.guidance) kv.emplace_back("CFG scale", fmt::format("{:g}", *p.guidance));
  if (p.seed) kv.emplace_back("Seed", std::to_string(*p.seed));
  if (!p.model_name.empty()) kv.emplace_back("Model", p.model_name);
  if (!p.model_sha256.empty()) kv.emplace_back("Model hash", p.model_sha256.substr(0, 10));
  if (p.strength) kv.emplace_back("Denoising strength", fmt::format("{:g}", *p.strength));
  for (const auto &e : p.extra) kv.push_back(e);
  std::string params = p.prompt;
  if (!p.negative_prompt.empty()) params += "\nNegative prompt: " + p.negative_prompt;
  std::string line;
  for (const auto &[k, v] : kv) line += (line.empty() ? "" : ", ") + k + ": " + a1111_value(v);
  if (!line.empty()) params += "\n" + line;

  nlohmann::json j;
  j["software"] = "aigc";
  j["library_version"] = version;
  j["ai_generated"] = true;
  if (!p.model_name.empty()) j["model"] = p.model_name;
  if (!p.model_sha256.empty()) j["model_sha256"] = p.model_sha256;
  if (p.seed) j["seed"] = *p.seed;
  if (!p.sampler.empty()) j["sampler"] = p.sampler;
  if (p.steps) j["steps"] = *p.steps;
  if (p.guidance) j["guidance"] = *p.guidance;
  j["prompt"] = p.prompt;
  if (!p.negative_prompt.empty()) j["negative_prompt"] = p.negative_prompt;
  if (p.strength) j["strength"] = *p.strength;
  if (!p.extra.empty()) {
    nlohmann::json extra = nlohmann::json::array();
    for (const auto &[k, v] : p.extra) extra.push_back({k, v});
    j["extra"] = std::move(extra);
  }
  std::string comment;
  try {
    comment = j.dump();
  } catch (const nlohmann::json::exception &e) {
    fail(Status::invalid_argument, "image provenance: a field is not UTF-8 ({})", e.what());
  }

  std::vector<PngText> out;
  out.push_back({"parameters", params});
  out.push_back({"Software", software});
  out.push_back({"AI-generated", "yes"});
  if (!p.model_name.empty()) out.push_back({"Source", p.model_name});
  out.push_back({"Comment", comment});
  out.push_back({kXmpKeyword, provenance_xmp(software)});
  return out;
}

}  // namespace aigc::io
