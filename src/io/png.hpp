// PNG files (W3C PNG Specification, 2nd/3rd edition) over zlib, with text metadata and
// AI-provenance labels.
//
// Writing: 8-bit gray, gray + alpha, RGB or RGBA, non-interlaced; each row gets the filter
// (None/Sub/Up/Average/Paeth) with the smallest sum of absolute signed bytes (libpng's
// heuristic). Text entries become tEXt when key and value are Latin-1 (the PNG text
// encoding), iTXt (UTF-8) otherwise; the XMP packet always goes in iTXt
// "XML:com.adobe.xmp" (XMP spec part 3). write_png is atomic: a temporary file in the
// target's directory is written, fsync'ed and renamed over the target.
//
// Reading: gray, gray + alpha, RGB, RGBA (8-bit) and palette / gray at 1, 2, 4 or 8 bits,
// non-interlaced; tRNS becomes an alpha channel. 16-bit and Adam7-interlaced files are
// `unsupported`. The file is untrusted: every chunk length and CRC, every IHDR field,
// the decompressed size (exactly height * (1 + row bytes)) and every filter byte are
// checked; a truncated or corrupt file is `invalid_format`, sizes over PngLimits are
// `unsupported`. Nothing is allocated from a header value before the data backs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "io/image_u8.hpp"

namespace aigc::io {

// One text entry; key and value are UTF-8 (tEXt/zTXt Latin-1 is converted on read).
struct PngText {
  std::string key, value;
  bool operator==(const PngText &o) const { return key == o.key && value == o.value; }
};

struct PngImage {
  ImageU8 image;
  std::vector<PngText> text;  // tEXt, zTXt and iTXt entries in file order
};

// Resource limits for decoding untrusted files.
struct PngLimits {
  int max_width = 16384, max_height = 16384;
  uint64_t max_image_bytes = uint64_t(1) << 30;  // decoded pixels (16384^2 RGBA)
  uint64_t max_text_bytes = 16u << 20;           // all text values together, decompressed
};

struct PngWriteOptions {
  int compression_level = 6;  // zlib 0..9
};

// The keyword under which XMP lives in PNG files (iTXt, uncompressed).
inline constexpr const char *kXmpKeyword = "XML:com.adobe.xmp";
// IPTC digital source type for images made by a trained generative model.
inline constexpr const char *kIptcTrainedAlgorithmicMedia =
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";

// In-memory PNG file. Throws invalid_argument for a bad image (see check_image_u8) or text
// (key not 1..79 Latin-1 printable characters without leading/trailing/double spaces,
// value not UTF-8).
std::vector<uint8_t> encode_png(const ImageU8 &img, const std::vector<PngText> &text = {},
                                const PngWriteOptions &options = {});
// Writes the whole file or nothing (io_error naming the path; no temporary file is left).
void write_png(const std::string &path, const ImageU8 &img, const std::vector<PngText> &text = {},
               const PngWriteOptions &options = {});

// `name` appears in error messages.
PngImage decode_png(const uint8_t *data, size_t size, const std::string &name = "PNG data",
                    const PngLimits &limits = {});
inline PngImage decode_png(const std::vector<uint8_t> &bytes, const std::string &name = "PNG data",
                           const PngLimits &limits = {}) {
  return decode_png(bytes.data(), bytes.size(), name, limits);
}
PngImage read_png(const std::string &path, const PngLimits &limits = {});

// ---- Provenance --------------------------------------------------------------------------

// How a generated image was made; empty / unset fields are left out of the text.
struct ImageProvenance {
  std::string model_name, model_sha256;
  std::optional<uint64_t> seed;
  std::string sampler;
  std::optional<int> steps;
  std::optional<double> guidance;  // classifier-free guidance scale
  std::string prompt, negative_prompt;
  std::optional<double> strength;  // img2img denoising strength
  std::string library_version;     // empty = this library's AIGC_VERSION_STRING
  std::vector<std::pair<std::string, std::string>> extra;
};

// Text entries for a generated image:
//   "parameters"   A1111-style: "<prompt>\nNegative prompt: <neg>\nSteps: N, Sampler: X,
//                  CFG scale: S, Seed: S, Model: name, Model hash: <10 hex>, <extra...>"
//   "Software"     "aigc <version>"
//   "AI-generated" "yes"
//   "Source"       model name (PNG's keyword for the device that made the image)
//   "Comment"      JSON object with every field
//   "XML:com.adobe.xmp"  XMP packet with Iptc4xmpExt:DigitalSourceType = trainedAlgorithmicMedia
std::vector<PngText> provenance_text(const ImageProvenance &p);
// The XMP packet alone (creator_tool is XML-escaped).
std::string provenance_xmp(const std::string &creator_tool);

}  // namespace aigc::io
