// Tensor: a typed, shaped, strided view of a Storage. Copies are cheap (shared
// storage); view operations never copy; contiguous()/clone() copy host tensors.
// Strides are counted in elements. Block-quantized tensors must keep their last
// dimension contiguous and block-aligned, so views on them are limited accordingly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aigc/core/device.hpp"
#include "aigc/core/dtype.hpp"
#include "aigc/core/error.hpp"
#include "aigc/core/shape.hpp"
#include "aigc/core/storage.hpp"

namespace aigc {

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::f32; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::i32; };
template <> struct dtype_of<int8_t> { static constexpr DType value = DType::i8; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::u8; };

class Tensor {
 public:
  Tensor() = default;
  // Contiguous view of `storage` starting `offset_bytes` in.
  Tensor(std::shared_ptr<Storage> storage, size_t offset_bytes, const Shape &shape, DType dtype);
  // Strided view; validated to stay inside the storage.
  Tensor(std::shared_ptr<Storage> storage, size_t offset_bytes, const Shape &shape,
         const Strides &strides, DType dtype);

  // New contiguous host tensors.
  static Tensor empty(const Shape &shape, DType dtype);
  static Tensor zeros(const Shape &shape, DType dtype);
  // Host tensor that copies `values` (size must equal shape.numel()).
  template <class T>
  static Tensor from_vector(const std::vector<T> &values, const Shape &shape) {
    return from_host_data(values.data(), values.size(), shape, dtype_of<T>::value);
  }
  // Borrows caller memory (not owned, not freed).
  static Tensor wrap(void *data, const Shape &shape, DType dtype, Device device = {});

  bool defined() const { return storage_ != nullptr; }
  const Shape &shape() const { return shape_; }
  const Strides &strides() const { return strides_; }
  int rank() const { return shape_.rank(); }
  int64_t size(int dim) const { return shape_.at(dim); }
  int64_t stride(int dim) const { return strides_[shape_.axis(dim)]; }
  int64_t numel() const { return shape_.numel(); }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device() : Device{}; }
  bool is_contiguous() const;
  // Bytes spanned by the elements when contiguous.
  size_t nbytes() const { return dtype_bytes(dtype_, numel()); }

  const std::shared_ptr<Storage> &storage() const { return storage_; }
  size_t offset_bytes() const { return offset_; }
  void *data() const;  // first element (host or device address)
  template <class T> T *data_as() const {
    check_dtype(dtype_of<T>::value, "data_as");
    return static_cast<T *>(data());
  }

  // Views (no copy).
  Tensor slice(int dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int dim, int64_t index) const;  // drops `dim`
  Tensor reshape(const Shape &shape) const;     // one -1 allowed; needs a compatible layout
  Tensor permute(const std::vector<int> &order) const;
  Tensor transpose(int dim0, int dim1) const;
  Tensor unsqueeze(int dim) const;
  Tensor squeeze(int dim) const;
  Tensor expand(const Shape &shape) const;  // broadcast with stride 0

  // Host copies.
  Tensor contiguous() const;  // *this when already contiguous
  Tensor clone() const;       // always a fresh contiguous copy
  // Converts any dtype (quantized too) to a new contiguous host tensor of `dtype`.
  Tensor to(DType dtype) const;
  // Host-only convenience for tests and tools: all elements as floats, row-major.
  std::vector<float> to_f32_vector() const;

  // "f32[2,3,4]" plus " strided" / device when not the default; used in error messages.
  std::string describe() const;

  // Throws invalid_argument unless this tensor has dtype `t`; `op` names the caller.
  void check_dtype(DType t, const char *op) const;
  void check_host(const char *op) const;

 private:
  static Tensor from_host_data(const void *data, size_t count, const Shape &shape, DType dtype);
  void validate_bounds() const;

  std::shared_ptr<Storage> storage_;
  size_t offset_ = 0;
  Shape shape_;
  Strides strides_;
  DType dtype_ = DType::f32;
};

// Copies a host tensor (any strides) into `dst` as a contiguous row-major block.
void copy_to_contiguous(const Tensor &src, void *dst);

// Byte offset of element `elem_index` (sum of index*stride) for a dtype; quantized
// element indices must sit on a block boundary.
inline size_t element_byte_offset(DType t, int64_t elem_index) {
  const auto &tr = dtype_traits(t);
  return size_t(elem_index / tr.block_size) * size_t(tr.block_bytes);
}

}  // namespace aigc
