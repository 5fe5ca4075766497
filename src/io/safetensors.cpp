#include "io/safetensors.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/check.hpp"

namespace aigc::io {
namespace {

using json = nlohmann::json;
constexpr uint64_t kMaxHeader = 100u << 20;  // the format's own limit (100 MiB)

struct DtypeEntry {
  const char *name;
  DType dtype;
  int bytes;
  bool convert;
};
constexpr DtypeEntry kDtypes[] = {
    {"F32", DType::f32, 4, false}, {"F16", DType::f16, 2, false}, {"BF16", DType::bf16, 2, false},
    {"I32", DType::i32, 4, false}, {"I8", DType::i8, 1, false},   {"U8", DType::u8, 1, false},
    {"F64", DType::f32, 8, true},  {"I64", DType::f32, 8, true},  {"I16", DType::f32, 2, true},
    {"U16", DType::f32, 2, true},  {"BOOL", DType::f32, 1, true},
};

const DtypeEntry *find_dtype(const std::string &s) {
  for (const DtypeEntry &e : kDtypes)
    if (s == e.name) return &e;
  return nullptr;
}

int dtype_bytes_of(const std::string &s) { return find_dtype(s)->bytes; }

// One element of a dtype we do not compute with, as float.
float load_converted(const std::string &dt, const uint8_t *p) {
  if (dt == "F64") { double v; std::memcpy(&v, p, 8); return float(v); }
  if (dt == "I64") { int64_t v; std::memcpy(&v, p, 8); return float(v); }
  if (dt == "I16") { int16_t v; std::memcpy(&v, p, 2); return float(v); }
  if (dt == "U16") { uint16_t v; std::memcpy(&v, p, 2); return float(v); }
  return p[0] ? 1.f : 0.f;  // BOOL
}

json parse_json(const std::string &text, const std::string &what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  AIGC_CHECK(!j.is_discarded(), Status::invalid_format, "{}: header is not valid JSON", what);
  return j;
}

}  // namespace

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::string &path) {
  return parse(Storage::map_file(path), path);
}

std::shared_ptr<const SafetensorsFile> SafetensorsFile::parse(std::shared_ptr<Storage> bytes,
                                                              const std::string &name) {
  AIGC_CHECK(bytes && bytes->device().is_cpu(), Status::invalid_argument,
             "safetensors: {} is not in host memory", name);
  std::shared_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->bytes_ = std::move(bytes);
  f->name_ = name;
  f->parse_all();
  return f;
}

void SafetensorsFile::parse_all() {
  const uint64_t size = bytes_->size();
  const auto *base = static_cast<const uint8_t *>(bytes_->data());
  AIGC_CHECK(size >= 8, Status::invalid_format, "{}: too short for a safetensors file ({} bytes)",
             name_, size);
  uint64_t header_len;
  std::memcpy(&header_len, base, 8);
  AIGC_CHECK(header_len <= kMaxHeader && header_len <= size - 8, Status::invalid_format,
             "{}: header length {} does not fit the {}-byte file", name_, header_len, size);
  data_start_ = 8 + header_len;
  const json header =
      parse_json(std::string(reinterpret_cast<const char *>(base + 8), header_len), name_);
  AIGC_CHECK(header.is_object(), Status::invalid_format, "{}: header is not a JSON object", name_);
  const uint64_t data_size = size - data_start_;

  for (const auto &[key, value] : header.items()) {
    if (key == "__metadata__") {
      AIGC_CHECK(value.is_object(), Status::invalid_format, "{}: __metadata__ is not an object",
                 name_);
      for (const auto &[mk, mv] : value.items()) {
        AIGC_CHECK(mv.is_string(), Status::invalid_format,
                   "{}: __metadata__ value '{}' is not a string", name_, mk);
        metadata_[mk] = mv.get<std::string>();
      }
      continue;
    }
    AIGC_CHECK(value.is_object() && value.contains("dtype") && value.contains("shape") &&
                   value.contains("data_offsets"),
               Status::invalid_format, "{}: entry '{}' needs dtype, shape and data_offsets", name_,
               key);
    SafetensorsTensorInfo t;
    t.name = key;
    const json &dt = value["dtype"], &shape = value["shape"], &off = value["data_offsets"];
    AIGC_CHECK(dt.is_string(), Status::invalid_format, "{}: '{}' dtype is not a string", name_, key);
    t.dtype_name = dt.get<std::string>();
    const DtypeEntry *e = find_dtype(t.dtype_name);
    AIGC_CHECK(e != nullptr, Status::unsupported, "{}: tensor '{}' has unsupported dtype {}",
               name_, key, t.dtype_name);
    t.dtype = e->dtype;
    t.convert = e->convert;
    AIGC_CHECK(shape.is_array() && shape.size() <= size_t(kMaxDims), Status::invalid_format,
               "{}: '{}' shape must be an array of at most {} dims", name_, key, kMaxDims);
    for (const json &d : shape) {
      AIGC_CHECK(d.is_number_unsigned(), Status::invalid_format,
                 "{}: '{}' shape has a non-integer or negative dimension", name_, key);
      AIGC_CHECK(d.get<uint64_t>() <= (uint64_t(1) << 40), Status::invalid_format,
                 "{}: '{}' dimension {} is too large", name_, key, d.get<uint64_t>());
      t.shape.push_back(int64_t(d.get<uint64_t>()));
    }
    AIGC_CHECK(off.is_array() && off.size() == 2 && off[0].is_number_unsigned() &&
                   off[1].is_number_unsigned(),
               Status::invalid_format, "{}: '{}' data_offsets must be [begin, end]", name_, key);
    t.begin = off[0].get<uint64_t>();
    t.end = off[1].get<uint64_t>();
    int64_t numel = 0;
    try {
      numel = t.shape.numel();
    } catch (const Error &) {
      fail(Status::invalid_format, "{}: '{}' shape {} is too large", name_, key,
           t.shape.to_string());
    }
    AIGC_CHECK(t.begin <= t.end && t.end <= data_size, Status::invalid_format,
               "{}: '{}' bytes [{}, {}) lie outside the {}-byte data section: truncated?", name_,
               key, t.begin, t.end, data_size);
    AIGC_CHECK(t.end - t.begin == uint64_t(numel) * uint64_t(e->bytes), Status::invalid_format,
               "{}: '{}' has {} bytes but shape {} of {} needs {}", name_, key, t.end - t.begin,
               t.shape.to_string(), t.dtype_name, uint64_t(numel) * uint64_t(e->bytes));
    index_[key] = tensors_.size();
    tensors_.push_back(std::move(t));
  }
  // Tensors may not overlap (the format requires a packed, disjoint layout).
  std::vector<const SafetensorsTensorInfo *> sorted;
  for (const auto &t : tensors_) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(),
            [](auto *a, auto *b) { return a->begin < b->begin; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    AIGC_CHECK(sorted[i]->begin >= sorted[i - 1]->end || sorted[i - 1]->begin == sorted[i - 1]->end,
               Status::invalid_format, "{}: tensors '{}' and '{}' overlap", name_,
               sorted[i - 1]->name, sorted[i]->name);
  }
}

const SafetensorsTensorInfo *SafetensorsFile::find_tensor(const std::string &name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

Tensor SafetensorsFile::tensor(const std::string &name) const {
  const SafetensorsTensorInfo *t = find_tensor(name);
  AIGC_CHECK(t != nullptr, Status::invalid_argument, "{}: no tensor named '{}'", name_, name);
  const uint64_t at = data_start_ + t->begin;
  const auto *src = static_cast<const uint8_t *>(bytes_->data()) + at;
  if (t->convert) {
    Tensor out = Tensor::empty(t->shape, DType::f32);
    const int eb = dtype_bytes_of(t->dtype_name);
    float *dst = out.data_as<float>();
    for (int64_t i = 0; i < out.numel(); ++i) dst[i] = load_converted(t->dtype_name, src + i * eb);
    return out;
  }
  const size_t elem = size_t(dtype_traits(t->dtype).block_bytes);
  if (reinterpret_cast<uintptr_t>(src) % elem == 0) return Tensor(bytes_, at, t->shape, t->dtype);
  // Misaligned in the file: an aligned copy keeps every kernel's loads well-defined.
  Tensor out = Tensor::empty(t->shape, t->dtype);
  std::memcpy(out.data(), src, out.nbytes());
  return out;
}

SafetensorsSet SafetensorsSet::open(const std::string &path) {
  namespace fs = std::filesystem;
  SafetensorsSet set;
  std::vector<std::string> shards;
  fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    if (fs::exists(p / "model.safetensors.index.json")) {
      p = p / "model.safetensors.index.json";
    } else if (fs::exists(p / "model.safetensors")) {
      p = p / "model.safetensors";
    } else {
      fail(Status::io_error, "{}: no model.safetensors or model.safetensors.index.json", path);
    }
  }
  if (p.extension() == ".json") {
    std::ifstream in(p);
    AIGC_CHECK(in.good(), Status::io_error, "cannot open '{}'", p.string());
    std::stringstream ss;
    ss << in.rdbuf();
    const json index = parse_json(ss.str(), p.string());
    AIGC_CHECK(index.is_object() && index.contains("weight_map") && index["weight_map"].is_object(),
               Status::invalid_format, "{}: no weight_map object", p.string());
    std::map<std::string, std::string> wanted;  // tensor -> shard file
    for (const auto &[name, file] : index["weight_map"].items()) {
      AIGC_CHECK(file.is_string(), Status::invalid_format, "{}: weight_map['{}'] is not a string",
                 p.string(), name);
      const std::string f = file.get<std::string>();
      AIGC_CHECK(f.find('/') == std::string::npos && f.find("..") == std::string::npos,
                 Status::invalid_format, "{}: shard name '{}' must be a plain file name",
                 p.string(), f);
      wanted[name] = f;
      if (std::find(shards.begin(), shards.end(), f) == shards.end()) shards.push_back(f);
    }
    for (const std::string &s : shards)
      set.files_.push_back(SafetensorsFile::open((p.parent_path() / s).string()));
    for (const auto &[name, file] : wanted) {
      const size_t k = size_t(std::find(shards.begin(), shards.end(), file) - shards.begin());
      AIGC_CHECK(set.files_[k]->find_tensor(name) != nullptr, Status::invalid_format,
                 "{}: tensor '{}' is not in shard {}", p.string(), name, file);
      set.owner_[name] = k;
    }
    return set;
  }
  set.files_.push_back(SafetensorsFile::open(p.string()));
  for (const auto &t : set.files_[0]->tensors()) set.owner_[t.name] = 0;
  return set;
}

const SafetensorsTensorInfo *SafetensorsSet::find_tensor(const std::string &name) const {
  auto it = owner_.find(name);
  return it == owner_.end() ? nullptr : files_[it->second]->find_tensor(name);
}

Tensor SafetensorsSet::tensor(const std::string &name) const {
  auto it = owner_.find(name);
  AIGC_CHECK(it != owner_.end(), Status::invalid_argument, "no tensor named '{}' in {} file(s)",
             name, files_.size());
  return files_[it->second]->tensor(name);
}

std::vector<std::string> SafetensorsSet::names() const {
  std::vector<std::string> out;
  for (const auto &kv : owner_) out.push_back(kv.first);
  return out;
}

}  // namespace aigc::io
