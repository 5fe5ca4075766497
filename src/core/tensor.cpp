#include "aigc/core/tensor.hpp"

#include <algorithm>
#include <cstring>

#include "aigc/core/quant.hpp"
#include "core/check.hpp"

namespace aigc {

Tensor::Tensor(std::shared_ptr<Storage> storage, size_t offset_bytes, const Shape &shape,
               DType dtype)
    : Tensor(std::move(storage), offset_bytes, shape, contiguous_strides(shape), dtype) {}

Tensor::Tensor(std::shared_ptr<Storage> storage, size_t offset_bytes, const Shape &shape,
               const Strides &strides, DType dtype)
    : storage_(std::move(storage)), offset_(offset_bytes), shape_(shape), strides_(strides),
      dtype_(dtype) {
  AIGC_CHECK(storage_ != nullptr, Status::invalid_argument, "tensor {} has no storage",
             shape.to_string());
  AIGC_CHECK(shape.rank() == strides.rank(), Status::invalid_argument,
             "shape {} and strides {} differ in rank", shape.to_string(), strides.to_string());
  validate_bounds();
}

void Tensor::validate_bounds() const {
  const int64_t n = shape_.numel();  // also rejects negative dims
  const auto &tr = dtype_traits(dtype_);
  if (tr.is_quantized && rank() > 0) {
    AIGC_CHECK(shape_[rank() - 1] % tr.block_size == 0 && (strides_[rank() - 1] == 1 ||
               shape_[rank() - 1] <= 1),
               Status::invalid_argument,
               "{} tensor {} must have a contiguous last dimension that is a multiple of {}",
               tr.name, shape_.to_string(), tr.block_size);
    for (int i = 0; i + 1 < rank(); ++i)
      AIGC_CHECK(strides_[i] % tr.block_size == 0, Status::invalid_argument,
                 "{} tensor strides {} are not block aligned", tr.name, strides_.to_string());
  }
  AIGC_CHECK(offset_ <= storage_->size(), Status::invalid_argument,
             "tensor offset {} is past the end of its {}-byte storage", offset_, storage_->size());
  if (n == 0) return;
  int64_t last = 0;
  for (int i = 0; i < rank(); ++i) {
    AIGC_CHECK(strides_[i] >= 0, Status::invalid_argument, "negative stride in {}",
               strides_.to_string());
    last += (shape_[i] - 1) * strides_[i];
  }
  // The last element's storage unit (element or block) must end inside the storage.
  const size_t end = offset_ + element_byte_offset(dtype_, last) + size_t(tr.block_bytes);
  AIGC_CHECK(end <= storage_->size(), Status::invalid_argument,
             "tensor {} with strides {} at offset {} overruns its {}-byte storage",
             shape_.to_string(), strides_.to_string(), offset_, storage_->size());
}

Tensor Tensor::empty(const Shape &shape, DType dtype) {
  const int64_t n = shape.numel();
  const int32_t bs = dtype_block_size(dtype);
  AIGC_CHECK(shape.rank() > 0 || bs == 1, Status::invalid_argument, "scalar {} tensor",
             dtype_name(dtype));
  AIGC_CHECK(bs == 1 || shape[shape.rank() - 1] % bs == 0, Status::invalid_argument,
             "{} tensor {}: last dimension must be a multiple of {}", dtype_name(dtype),
             shape.to_string(), bs);
  return Tensor(Storage::allocate_host(dtype_bytes(dtype, n)), 0, shape, dtype);
}

Tensor Tensor::zeros(const Shape &shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.data(), 0, t.nbytes());
  return t;
}

Tensor Tensor::from_host_data(const void *data, size_t count, const Shape &shape, DType dtype) {
  AIGC_CHECK(int64_t(count) == shape.numel(), Status::shape_mismatch,
             "{} values do not fill shape {}", count, shape.to_string());
  Tensor t = empty(shape, dtype);
  std::memcpy(t.data(), data, t.nbytes());
  return t;
}

Tensor Tensor::wrap(void *data, const Shape &shape, DType dtype, Device device) {
  const size_t bytes = dtype_bytes(dtype, shape.numel());
  return Tensor(Storage::borrow(data, bytes, device), 0, shape, dtype);
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int i = rank() - 1; i >= 0; --i) {
    if (shape_[i] == 1) continue;
    if (strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

void *Tensor::data() const {
  AIGC_CHECK(storage_ != nullptr, Status::invalid_argument, "data() of an undefined tensor");
  return static_cast<char *>(storage_->data()) + offset_;
}

void Tensor::check_dtype(DType t, const char *op) const {
  AIGC_CHECK(dtype_ == t, Status::invalid_argument, "{}: expected a {} tensor, got {}", op,
             dtype_name(t), describe());
}

void Tensor::check_host(const char *op) const {
  AIGC_CHECK(device().is_cpu(), Status::invalid_argument, "{}: tensor {} is not in host memory",
             op, describe());
}

std::string Tensor::describe() const {
  if (!defined()) return "undefined tensor";
  std::string s = std::string(dtype_name(dtype_)) + shape_.to_string();
  if (!is_contiguous()) s += " strided" + strides_.to_string();
  if (!device().is_cpu()) s += " on " + device().to_string();
  return s;
}

Tensor Tensor::slice(int dim, int64_t start, int64_t end, int64_t step) const {
  const int d = shape_.axis(dim, "slice dim");
  const int64_t n = shape_[d];
  AIGC_CHECK(step > 0, Status::invalid_argument, "slice step {} must be positive", step);
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape s = shape_;
  Strides st = strides_;
  s[d] = (end - start + step - 1) / step;
  st[d] = strides_[d] * step;
  const size_t off = offset_ + element_byte_offset(dtype_, start * strides_[d]);
  if (is_quantized(dtype_) && d == rank() - 1) {
    const int32_t bs = dtype_block_size(dtype_);
    AIGC_CHECK(step == 1 && start % bs == 0 && (end - start) % bs == 0, Status::invalid_argument,
               "slice [{}:{}:{}] of {} tensor {} is not block aligned", start, end, step,
               dtype_name(dtype_), shape_.to_string());
  }
  return Tensor(storage_, off, s, st, dtype_);
}

Tensor Tensor::select(int dim, int64_t index) const {
  const int d = shape_.axis(dim, "select dim");
  AIGC_CHECK(index >= -shape_[d] && index < shape_[d], Status::invalid_argument,
             "select index {} out of range for dim {} of {}", index, dim, describe());
  if (index < 0) index += shape_[d];
  return slice(d, index, index + 1).squeeze(d);
}

Tensor Tensor::reshape(const Shape &shape) const {
  Shape s = shape;
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < s.rank(); ++i) {
    if (s[i] == -1) {
      AIGC_CHECK(infer < 0, Status::invalid_argument, "reshape {}: more than one -1",
                 shape.to_string());
      infer = i;
    } else {
      AIGC_CHECK(s[i] >= 0, Status::invalid_argument, "reshape to {}", shape.to_string());
      known *= s[i];
    }
  }
  const int64_t n = numel();
  if (infer >= 0) {
    AIGC_CHECK(known > 0 && n % known == 0, Status::shape_mismatch, "cannot reshape {} to {}",
               describe(), shape.to_string());
    s[infer] = n / known;
  }
  AIGC_CHECK(s.numel() == n, Status::shape_mismatch, "cannot reshape {} to {}", describe(),
             shape.to_string());
  AIGC_CHECK(is_contiguous(), Status::invalid_argument,
             "reshape of non-contiguous tensor {}: make it contiguous first", describe());
  return Tensor(storage_, offset_, s, dtype_);
}

Tensor Tensor::permute(const std::vector<int> &order) const {
  AIGC_CHECK(int(order.size()) == rank(), Status::invalid_argument,
             "permute of {} needs {} axes, got {}", describe(), rank(), order.size());
  Shape s = shape_;
  Strides st = strides_;
  bool seen[kMaxDims] = {};
  for (int i = 0; i < rank(); ++i) {
    const int a = shape_.axis(order[i], "permute axis");
    AIGC_CHECK(!seen[a], Status::invalid_argument, "permute axis {} repeated", a);
    seen[a] = true;
    s[i] = shape_[a];
    st[i] = strides_[a];
  }
  AIGC_CHECK(!is_quantized(dtype_) || shape_.axis(order[rank() - 1]) == rank() - 1,
             Status::invalid_argument, "permute of {} must keep the last (block) dimension",
             describe());
  return Tensor(storage_, offset_, s, st, dtype_);
}

Tensor Tensor::transpose(int dim0, int dim1) const {
  std::vector<int> order(rank());
  for (int i = 0; i < rank(); ++i) order[i] = i;
  std::swap(order[shape_.axis(dim0)], order[shape_.axis(dim1)]);
  return permute(order);
}

Tensor Tensor::unsqueeze(int dim) const {
  const int d = dim < 0 ? dim + rank() + 1 : dim;
  AIGC_CHECK(d >= 0 && d <= rank(), Status::invalid_argument, "unsqueeze dim {} for {}", dim,
             describe());
  Shape s = shape_;
  Strides st = strides_;
  s.insert(d, 1);
  st.insert(d, d < rank() ? strides_[d] * shape_[d] : 1);
  return Tensor(storage_, offset_, s, st, dtype_);
}

Tensor Tensor::squeeze(int dim) const {
  const int d = shape_.axis(dim, "squeeze dim");
  AIGC_CHECK(shape_[d] == 1, Status::invalid_argument, "squeeze dim {} of {} is not 1", dim,
             describe());
  Shape s = shape_;
  Strides st = strides_;
  s.erase(d);
  st.erase(d);
  return Tensor(storage_, offset_, s, st, dtype_);
}

Tensor Tensor::expand(const Shape &shape) const {
  AIGC_CHECK(shape.rank() >= rank(), Status::shape_mismatch, "cannot expand {} to {}",
             describe(), shape.to_string());
  Strides st = shape;
  const int lead = shape.rank() - rank();
  for (int i = 0; i < shape.rank(); ++i) {
    if (i < lead) {
      st[i] = 0;
      continue;
    }
    const int64_t own = shape_[i - lead];
    AIGC_CHECK(own == shape[i] || own == 1, Status::shape_mismatch, "cannot expand {} to {}",
               describe(), shape.to_string());
    st[i] = own == shape[i] ? strides_[i - lead] : 0;
  }
  AIGC_CHECK(!is_quantized(dtype_) || shape[shape.rank() - 1] == shape_[rank() - 1],
             Status::invalid_argument, "cannot broadcast the block dimension of {}", describe());
  return Tensor(storage_, offset_, shape, st, dtype_);
}

void copy_to_contiguous(const Tensor &src, void *dst) {
  src.check_host("copy_to_contiguous");
  const int r = src.rank();
  const int64_t n = src.numel();
  if (n == 0) return;
  if (src.is_contiguous()) {
    std::memcpy(dst, src.data(), src.nbytes());
    return;
  }
  // Copy runs along the innermost dimension: whole rows when it is unit-stride.
  const Shape &shape = src.shape();
  const Strides &st = src.strides();
  const DType t = src.dtype();
  const int64_t inner = r > 0 ? shape[r - 1] : 1;
  const bool unit = r == 0 || st[r - 1] == 1;
  const size_t elem = size_t(dtype_traits(t).block_bytes);  // plain types: element bytes
  const size_t row_bytes = dtype_bytes(t, inner);
  const char *base = static_cast<const char *>(src.data());
  char *out = static_cast<char *>(dst);
  int64_t idx[kMaxDims] = {};
  for (int64_t row = 0, rows = n / inner; row < rows; ++row) {
    int64_t off = 0;
    for (int i = 0; i + 1 < r; ++i) off += idx[i] * st[i];
    if (unit) {
      std::memcpy(out, base + element_byte_offset(t, off), row_bytes);
    } else {
      for (int64_t j = 0; j < inner; ++j)
        std::memcpy(out + size_t(j) * elem, base + size_t(off + j * st[r - 1]) * elem, elem);
    }
    out += row_bytes;
    for (int i = r - 2; i >= 0; --i) {  // odometer over the outer dimensions
      if (++idx[i] < shape[i]) break;
      idx[i] = 0;
    }
  }
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  check_host("clone");
  Tensor out = empty(shape_, dtype_);
  copy_to_contiguous(*this, out.data());
  return out;
}

Tensor Tensor::to(DType dtype) const {
  check_host("to");
  const Tensor src = contiguous();
  if (dtype == dtype_) return src.clone();
  Tensor out = empty(shape_, dtype);  // checks the block rule for quantized targets
  convert_row(dtype_, src.data(), dtype, out.data(), numel());
  return out;
}

std::vector<float> Tensor::to_f32_vector() const {
  const Tensor f = to(DType::f32);
  const float *p = f.data_as<float>();
  return std::vector<float>(p, p + f.numel());
}

}  // namespace aigc
