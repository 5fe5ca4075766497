// GGUF (v2 and v3) reader. The file is memory-mapped; tensors of types we compute with
// are zero-copy views of the mapping, the others are dequantized to f32 on request.
// Nothing in the file is trusted: every count, length, offset and size is checked
// against the bytes actually present before use.
// Format: github.com/ggerganov/ggml docs/gguf.md (read for facts, not code).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aigc/core/tensor.hpp"
#include "io/ggml_types.hpp"

namespace aigc::io {

enum class GgufValueType : uint32_t {
  u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
  string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};

const char *gguf_value_type_name(GgufValueType t);

// One metadata value. Integers of every width are held in `i` (u64 values above
// INT64_MAX are rejected), floats in `f`; arrays keep their element type and hold
// either numbers (`ints` / `floats`, booleans as 0/1) or `strings`.
struct GgufValue {
  GgufValueType type = GgufValueType::u8;
  int64_t i = 0;
  double f = 0;
  std::string s;
  GgufValueType elem_type = GgufValueType::u8;  // arrays only
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strings;

  bool is_array() const { return type == GgufValueType::array; }
  bool is_integer() const;
  bool is_float() const { return type == GgufValueType::f32 || type == GgufValueType::f64; }
  size_t array_size() const { return ints.size() + floats.size() + strings.size(); }
};

struct GgufTensorInfo {
  std::string name;
  Shape shape;        // row-major (ours): GGUF's ne[] reversed, innermost last
  GgmlType type = GgmlType::f32;
  uint64_t offset = 0;  // from the start of the data section
  uint64_t nbytes = 0;
};

class GgufFile {
 public:
  // Maps and parses `path`; throws io_error (cannot open) or invalid_format/unsupported.
  static std::shared_ptr<const GgufFile> open(const std::string &path);
  // Parses bytes already in memory (host storage); `name` is used in messages.
  static std::shared_ptr<const GgufFile> parse(std::shared_ptr<Storage> bytes,
                                               const std::string &name);

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // start of the tensor data section
  const std::map<std::string, GgufValue> &metadata() const { return metadata_; }
  const std::vector<GgufTensorInfo> &tensors() const { return tensors_; }

  const GgufValue *find(const std::string &key) const;
  // Typed getters: throw invalid_format when the key is missing or has another type.
  std::string get_string(const std::string &key) const;
  int64_t get_int(const std::string &key) const;
  double get_float(const std::string &key) const;  // accepts integers too
  // With a default when the key is absent (wrong type still throws).
  int64_t get_int(const std::string &key, int64_t fallback) const;
  double get_float(const std::string &key, double fallback) const;
  std::string get_string(const std::string &key, const std::string &fallback) const;

  const GgufTensorInfo *find_tensor(const std::string &name) const;
  // The tensor as a view of the mapping when its type is one of ours (f32, f16, bf16,
  // q8_0, q4_0, q4_1, i8, i32), else dequantized into a new f32 tensor. Throws
  // invalid_argument for an unknown name.
  Tensor tensor(const std::string &name) const;
  // Always f32 (dequantized/converted copy unless the tensor is f32 already).
  Tensor tensor_f32(const std::string &name) const;

  const std::string &name() const { return name_; }

 private:
  GgufFile() = default;
  void parse_all();

  std::shared_ptr<Storage> bytes_;
  std::string name_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::map<std::string, GgufValue> metadata_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t> tensor_index_;
};

}  // namespace aigc::io
