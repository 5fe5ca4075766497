#include "latent_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "aigc/aigc.hpp"
#include "common.hpp"

namespace aigc_cli {

namespace {

constexpr uint64_t kMaxHeader = 1u << 20;

[[noreturn]] void corrupt(const std::string &path, const std::string &why) {
  throw aigc::StatusError(AIGC_STATUS_INVALID_FORMAT,
                          "'" + path + "' is not a valid latent file: " + why);
}

[[noreturn]] void io_fail(const std::string &what, const std::string &path) {
  throw aigc::StatusError(AIGC_STATUS_IO_ERROR,
                          "cannot " + what + " '" + path + "': " + std::strerror(errno));
}

bool write_all(int fd, const void *data, size_t size) {
  const auto *p = static_cast<const char *>(data);
  while (size > 0) {
    const ssize_t w = ::write(fd, p, size);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    size -= size_t(w);
  }
  return true;
}

}  // namespace

void write_latent_file(const std::string &path, const LatentFile &latent) {
  size_t numel = 1;
  for (int64_t d : latent.shape) numel *= size_t(d);
  if (latent.shape.empty() || numel != latent.data.size())
    throw aigc::StatusError(AIGC_STATUS_INTERNAL, "latent shape does not match its data");
  nlohmann::json header;
  header["latent"] = {{"dtype", "F32"},
                      {"shape", latent.shape},
                      {"data_offsets", {0, numel * sizeof(float)}}};
  if (!latent.metadata.empty()) header["__metadata__"] = latent.metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  uint8_t size_le[8];
  for (int i = 0; i < 8; ++i) size_le[i] = uint8_t(uint64_t(text.size()) >> (8 * i));

  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(&tmp[0]);
  if (fd < 0) io_fail("create a file beside", path);
  const bool ok = write_all(fd, size_le, 8) && write_all(fd, text.data(), text.size()) &&
                  write_all(fd, latent.data.data(), numel * sizeof(float)) && ::fsync(fd) == 0;
  const int saved = errno;
  if (::close(fd) != 0 || !ok) {
    ::unlink(tmp.c_str());
    errno = ok ? errno : saved;
    io_fail("write", path);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    errno = e;
    io_fail("write", path);
  }
}

LatentFile read_latent_file(const std::string &path) {
  const std::string file = read_file(path);
  if (file.size() < 8) corrupt(path, "shorter than a safetensors header");
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | uint8_t(file[size_t(i)]);
  if (header_size == 0 || header_size > kMaxHeader || header_size > file.size() - 8)
    corrupt(path, "bad header size " + std::to_string(header_size));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(file.begin() + 8, file.begin() + 8 + int64_t(header_size));
  } catch (const nlohmann::json::exception &e) {
    corrupt(path, std::string("header is not JSON (") + e.what() + ")");
  }
  if (!header.is_object()) corrupt(path, "header is not a JSON object");
  LatentFile out;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) corrupt(path, "__metadata__ is not an object");
      for (auto m = it->begin(); m != it->end(); ++m)
        if (m->is_string()) out.metadata[m.key()] = m->get<std::string>();
    } else if (it.key() != "latent") {
      corrupt(path, "unexpected tensor '" + it.key() + "' (a latent file holds one tensor, 'latent')");
    }
  }
  if (!header.contains("latent")) corrupt(path, "no tensor named 'latent'");
  const nlohmann::json &t = header["latent"];
  if (!t.is_object() || !t.contains("dtype") || !t.contains("shape") || !t.contains("data_offsets"))
    corrupt(path, "'latent' needs dtype, shape and data_offsets");
  if (t["dtype"] != "F32") corrupt(path, "'latent' must be F32, is " + t["dtype"].dump());
  const nlohmann::json &shape = t["shape"], &offsets = t["data_offsets"];
  if (!shape.is_array() || (shape.size() != 2 && shape.size() != 4))
    corrupt(path, "'latent' shape must be [N, C, h, w] or [N, D], is " + shape.dump());
  uint64_t numel = 1;
  for (const auto &d : shape) {
    if (!d.is_number_unsigned() || d.get<uint64_t>() == 0 || d.get<uint64_t>() > (1u << 30))
      corrupt(path, "bad 'latent' shape " + shape.dump());
    out.shape.push_back(d.get<int64_t>());
    numel *= d.get<uint64_t>();
    if (numel > (uint64_t(1) << 32)) corrupt(path, "'latent' is too large");
  }
  const uint64_t bytes = numel * sizeof(float);
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned() || offsets[0].get<uint64_t>() != 0 ||
      offsets[1].get<uint64_t>() != bytes)
    corrupt(path, "data_offsets " + offsets.dump() + " do not match the shape (" +
                      std::to_string(bytes) + " bytes)");
  if (file.size() - 8 - header_size != bytes)
    corrupt(path, "file holds " + std::to_string(file.size() - 8 - header_size) +
                      " data bytes, the header says " + std::to_string(bytes));
  out.data.resize(size_t(numel));
  std::memcpy(out.data.data(), file.data() + 8 + header_size, size_t(bytes));
  return out;
}

}  // namespace aigc_cli
