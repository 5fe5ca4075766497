#include "io/gguf.hpp"

#include <limits>

#include "io/byte_reader.hpp"

namespace aigc::io {
namespace {

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as little-endian u32
constexpr uint32_t kMaxDimsInFile = 4;       // GGML_MAX_DIMS

// Smallest encoded size of one value of `t` inside an array: bounds array counts
// before anything is allocated.
size_t min_encoded_size(GgufValueType t) {
  switch (t) {
    case GgufValueType::u8: case GgufValueType::i8: case GgufValueType::boolean: return 1;
    case GgufValueType::u16: case GgufValueType::i16: return 2;
    case GgufValueType::u32: case GgufValueType::i32: case GgufValueType::f32: return 4;
    default: return 8;  // u64/i64/f64 and strings (their u64 length)
  }
}

bool valid_value_type(uint32_t t) { return t <= uint32_t(GgufValueType::f64); }

std::string read_gguf_string(ByteReader &r, const char *item) {
  const uint64_t n = r.read<uint64_t>(item);
  return r.read_string(n, item);
}

// Reads one scalar of type t into v (i for integers/bools, f for floats, s for strings).
void read_scalar(ByteReader &r, GgufValueType t, GgufValue &v, const std::string &key) {
  switch (t) {
    case GgufValueType::u8: v.i = r.read<uint8_t>("u8 value"); break;
    case GgufValueType::i8: v.i = r.read<int8_t>("i8 value"); break;
    case GgufValueType::u16: v.i = r.read<uint16_t>("u16 value"); break;
    case GgufValueType::i16: v.i = r.read<int16_t>("i16 value"); break;
    case GgufValueType::u32: v.i = r.read<uint32_t>("u32 value"); break;
    case GgufValueType::i32: v.i = r.read<int32_t>("i32 value"); break;
    case GgufValueType::i64: v.i = r.read<int64_t>("i64 value"); break;
    case GgufValueType::u64: {
      const uint64_t u = r.read<uint64_t>("u64 value");
      AIGC_CHECK(u <= uint64_t(std::numeric_limits<int64_t>::max()), Status::invalid_format,
                 "{}: metadata '{}' holds u64 {} beyond the supported range", r.what(), key, u);
      v.i = int64_t(u);
      break;
    }
    case GgufValueType::f32: v.f = r.read<float>("f32 value"); break;
    case GgufValueType::f64: v.f = r.read<double>("f64 value"); break;
    case GgufValueType::boolean: {
      const uint8_t b = r.read<uint8_t>("bool value");
      AIGC_CHECK(b <= 1, Status::invalid_format, "{}: metadata '{}' has bool byte {}", r.what(),
                 key, b);
      v.i = b;
      break;
    }
    case GgufValueType::string: v.s = read_gguf_string(r, "string value"); break;
    case GgufValueType::array: fail(Status::internal, "read_scalar on an array");
  }
}

GgufValue read_value(ByteReader &r, const std::string &key) {
  const uint32_t raw = r.read<uint32_t>("value type");
  AIGC_CHECK(valid_value_type(raw), Status::invalid_format,
             "{}: metadata '{}' has unknown value type {}", r.what(), key, raw);
  GgufValue v;
  v.type = GgufValueType(raw);
  if (v.type != GgufValueType::array) {
    read_scalar(r, v.type, v, key);
    return v;
  }
  const uint32_t elem = r.read<uint32_t>("array element type");
  AIGC_CHECK(valid_value_type(elem), Status::invalid_format,
             "{}: array '{}' has unknown element type {}", r.what(), key, elem);
  v.elem_type = GgufValueType(elem);
  AIGC_CHECK(v.elem_type != GgufValueType::array, Status::unsupported,
             "{}: nested arrays in metadata '{}' are not supported", r.what(), key);
  const uint64_t count = r.read<uint64_t>("array length");
  AIGC_CHECK(count <= r.remaining() / min_encoded_size(v.elem_type), Status::invalid_format,
             "{}: array '{}' claims {} elements but only {} bytes remain", r.what(), key, count,
             r.remaining());
  GgufValue item;
  for (uint64_t k = 0; k < count; ++k) {
    read_scalar(r, v.elem_type, item, key);
    if (v.elem_type == GgufValueType::string) {
      v.strings.push_back(std::move(item.s));
    } else if (v.elem_type == GgufValueType::f32 || v.elem_type == GgufValueType::f64) {
      v.floats.push_back(item.f);
    } else {
      v.ints.push_back(item.i);
    }
  }
  return v;
}

}  // namespace

const char *gguf_value_type_name(GgufValueType t) {
  static const char *names[] = {"u8",   "i8",     "u16",   "i16", "u32", "i32", "f32",
                                "bool", "string", "array", "u64", "i64", "f64"};
  return uint32_t(t) <= uint32_t(GgufValueType::f64) ? names[uint32_t(t)] : "unknown";
}

bool GgufValue::is_integer() const {
  return !is_array() && !is_float() && type != GgufValueType::string;
}

std::shared_ptr<const GgufFile> GgufFile::open(const std::string &path) {
  return parse(Storage::map_file(path), path);
}

std::shared_ptr<const GgufFile> GgufFile::parse(std::shared_ptr<Storage> bytes,
                                                const std::string &name) {
  AIGC_CHECK(bytes && bytes->device().is_cpu(), Status::invalid_argument,
             "gguf: {} is not in host memory", name);
  std::shared_ptr<GgufFile> f(new GgufFile());
  f->bytes_ = std::move(bytes);
  f->name_ = name;
  f->parse_all();
  return f;
}

void GgufFile::parse_all() {
  ByteReader r(static_cast<const uint8_t *>(bytes_->data()), bytes_->size(), name_);
  const uint32_t magic = r.read<uint32_t>("magic");
  AIGC_CHECK(magic == kGgufMagic, Status::invalid_format, "{}: not a GGUF file (bad magic)",
             name_);
  version_ = r.read<uint32_t>("version");
  AIGC_CHECK(version_ == 2 || version_ == 3, Status::unsupported,
             "{}: GGUF version {} is not supported (2 and 3 are)", name_, version_);
  const uint64_t n_tensors = r.read<uint64_t>("tensor count");
  const uint64_t n_kv = r.read<uint64_t>("metadata count");
  // Each entry takes at least 12 (kv) or 28 (tensor info) bytes: bound counts first.
  AIGC_CHECK(n_kv <= r.remaining() / 12 && n_tensors <= r.remaining() / 28,
             Status::invalid_format, "{}: header claims {} metadata entries and {} tensors, "
             "more than the file can hold", name_, n_kv, n_tensors);

  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key = read_gguf_string(r, "metadata key");
    GgufValue v = read_value(r, key);
    AIGC_CHECK(metadata_.count(key) == 0, Status::invalid_format,
               "{}: metadata key '{}' appears twice", name_, key);
    metadata_.emplace(std::move(key), std::move(v));
  }
  if (const GgufValue *a = find("general.alignment")) {
    AIGC_CHECK(a->is_integer() && a->i > 0 && (a->i & (a->i - 1)) == 0 && a->i <= (1 << 20),
               Status::invalid_format, "{}: general.alignment must be a power of two", name_);
    alignment_ = uint64_t(a->i);
  }

  for (uint64_t t = 0; t < n_tensors; ++t) {
    GgufTensorInfo info;
    info.name = read_gguf_string(r, "tensor name");
    const uint32_t n_dims = r.read<uint32_t>("tensor rank");
    AIGC_CHECK(n_dims >= 1 && n_dims <= kMaxDimsInFile, Status::invalid_format,
               "{}: tensor '{}' has {} dimensions", name_, info.name, n_dims);
    int64_t ne[kMaxDimsInFile];
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t n = r.read<uint64_t>("tensor dimension");
      AIGC_CHECK(n >= 1 && n <= (uint64_t(1) << 40), Status::invalid_format,
                 "{}: tensor '{}' has dimension {}", name_, info.name, n);
      ne[d] = int64_t(n);
    }
    for (uint32_t d = 0; d < n_dims; ++d) info.shape.push_back(ne[n_dims - 1 - d]);
    const uint32_t type = r.read<uint32_t>("tensor type");
    const GgmlTypeInfo *ti = ggml_type_info(type);
    AIGC_CHECK(ti != nullptr, Status::unsupported, "{}: tensor '{}' has unknown type {}", name_,
               info.name, type);
    info.type = GgmlType(type);
    info.offset = r.read<uint64_t>("tensor offset");
    const int64_t numel = info.shape.numel();  // throws on overflow
    AIGC_CHECK(ne[0] % ti->block_size == 0, Status::invalid_format,
               "{}: {} tensor '{}' row of {} is not whole {}-element blocks", name_, ti->name,
               info.name, ne[0], ti->block_size);
    info.nbytes = uint64_t(numel / ti->block_size) * uint64_t(ti->block_bytes);
    AIGC_CHECK(info.offset % alignment_ == 0, Status::invalid_format,
               "{}: tensor '{}' offset {} is not aligned to {}", name_, info.name, info.offset,
               alignment_);
    AIGC_CHECK(tensor_index_.emplace(info.name, tensors_.size()).second, Status::invalid_format,
               "{}: tensor '{}' appears twice", name_, info.name);
    tensors_.push_back(std::move(info));
  }

  data_offset_ = (r.offset() + alignment_ - 1) / alignment_ * alignment_;
  const uint64_t size = bytes_->size();
  for (const GgufTensorInfo &t : tensors_) {
    const bool fits = data_offset_ <= size && t.offset <= size - data_offset_ &&
                      t.nbytes <= size - data_offset_ - t.offset;
    AIGC_CHECK(fits, Status::invalid_format,
               "{}: tensor '{}' ({} bytes at data offset {}) runs past the end of the file "
               "({} bytes): truncated?", name_, t.name, t.nbytes, t.offset, size);
  }
}

const GgufValue *GgufFile::find(const std::string &key) const {
  auto it = metadata_.find(key);
  return it == metadata_.end() ? nullptr : &it->second;
}

static const GgufValue &require(const GgufFile &f, const std::string &key) {
  const GgufValue *v = f.find(key);
  AIGC_CHECK(v != nullptr, Status::invalid_format, "{}: metadata '{}' is missing", f.name(), key);
  return *v;
}

std::string GgufFile::get_string(const std::string &key) const {
  const GgufValue &v = require(*this, key);
  AIGC_CHECK(v.type == GgufValueType::string, Status::invalid_format,
             "{}: metadata '{}' is {}, expected a string", name_, key, gguf_value_type_name(v.type));
  return v.s;
}

int64_t GgufFile::get_int(const std::string &key) const {
  const GgufValue &v = require(*this, key);
  AIGC_CHECK(v.is_integer(), Status::invalid_format, "{}: metadata '{}' is {}, expected an integer",
             name_, key, gguf_value_type_name(v.type));
  return v.i;
}

double GgufFile::get_float(const std::string &key) const {
  const GgufValue &v = require(*this, key);
  AIGC_CHECK(v.is_float() || v.is_integer(), Status::invalid_format,
             "{}: metadata '{}' is {}, expected a number", name_, key, gguf_value_type_name(v.type));
  return v.is_float() ? v.f : double(v.i);
}

int64_t GgufFile::get_int(const std::string &key, int64_t fallback) const {
  return find(key) ? get_int(key) : fallback;
}
double GgufFile::get_float(const std::string &key, double fallback) const {
  return find(key) ? get_float(key) : fallback;
}
std::string GgufFile::get_string(const std::string &key, const std::string &fallback) const {
  return find(key) ? get_string(key) : fallback;
}

const GgufTensorInfo *GgufFile::find_tensor(const std::string &name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

Tensor GgufFile::tensor(const std::string &name) const {
  const GgufTensorInfo *t = find_tensor(name);
  AIGC_CHECK(t != nullptr, Status::invalid_argument, "{}: no tensor named '{}'", name_, name);
  DType dt;
  if (ggml_to_dtype(t->type, &dt)) return Tensor(bytes_, data_offset_ + t->offset, t->shape, dt);
  Tensor out = Tensor::empty(t->shape, DType::f32);
  ggml_dequantize(t->type, static_cast<const char *>(bytes_->data()) + data_offset_ + t->offset,
                  out.data_as<float>(), out.numel());
  return out;
}

Tensor GgufFile::tensor_f32(const std::string &name) const {
  const Tensor t = tensor(name);
  return t.dtype() == DType::f32 ? t : t.to(DType::f32);
}

}  // namespace aigc::io
