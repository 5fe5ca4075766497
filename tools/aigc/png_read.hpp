// PNG input for the CLI (--init, --mask, vae encode -i). The C API writes PNG files but has
// no reader, so this is a small decoder over zlib: 8-bit gray, gray + alpha, RGB, RGBA and
// palette images (1/2/4/8-bit palette and gray), non-interlaced. Anything else, and every
// corrupt or truncated file, is a StatusError (INVALID_FORMAT / UNSUPPORTED / IO_ERROR)
// naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace aigc_cli {

struct PngPixels {
  int width = 0, height = 0, channels = 0;  // channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
  std::vector<uint8_t> pixels;              // [height][width][channels]
};

PngPixels read_png_file(const std::string &path);

}  // namespace aigc_cli
