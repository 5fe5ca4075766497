// safetensors reader (single files and sharded sets with model.safetensors.index.json).
// Files are memory-mapped; tensors are zero-copy views when their offset is aligned for
// their dtype, else aligned copies. The JSON header is untrusted: sizes, offsets, shapes
// and overlaps are all checked before any tensor is handed out.
// Format: huggingface/safetensors README (8-byte LE header length, JSON header, data).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aigc/core/tensor.hpp"

namespace aigc::io {

struct SafetensorsTensorInfo {
  std::string name;
  std::string dtype_name;  // as written in the file ("F32", "BF16", ...)
  DType dtype = DType::f32;
  bool convert = false;    // stored type is not one of ours (F64, I64, I16, U16, BOOL): read as f32
  Shape shape;
  uint64_t begin = 0, end = 0;  // byte range inside the data section
};

class SafetensorsFile {
 public:
  static std::shared_ptr<const SafetensorsFile> open(const std::string &path);
  static std::shared_ptr<const SafetensorsFile> parse(std::shared_ptr<Storage> bytes,
                                                      const std::string &name);

  const std::string &name() const { return name_; }
  const std::map<std::string, std::string> &metadata() const { return metadata_; }
  const std::vector<SafetensorsTensorInfo> &tensors() const { return tensors_; }
  const SafetensorsTensorInfo *find_tensor(const std::string &name) const;
  // The tensor (view or aligned copy); converted to f32 for dtypes we do not compute
  // with. Throws invalid_argument for an unknown name.
  Tensor tensor(const std::string &name) const;

 private:
  SafetensorsFile() = default;
  void parse_all();

  std::shared_ptr<Storage> bytes_;
  std::string name_;
  uint64_t data_start_ = 0;
  std::map<std::string, std::string> metadata_;
  std::vector<SafetensorsTensorInfo> tensors_;
  std::map<std::string, size_t> index_;
};

// A model's weights: one .safetensors file, a directory holding model.safetensors or a
// sharded set, or a model.safetensors.index.json naming the shards.
class SafetensorsSet {
 public:
  static SafetensorsSet open(const std::string &path);

  bool has(const std::string &name) const { return owner_.count(name) != 0; }
  Tensor tensor(const std::string &name) const;
  const SafetensorsTensorInfo *find_tensor(const std::string &name) const;
  std::vector<std::string> names() const;
  const std::vector<std::shared_ptr<const SafetensorsFile>> &files() const { return files_; }

 private:
  std::vector<std::shared_ptr<const SafetensorsFile>> files_;
  std::map<std::string, size_t> owner_;  // tensor name -> index into files_
};

}  // namespace aigc::io
