#include "aigc/core/shape.hpp"

#include "core/check.hpp"

namespace aigc {

Shape::Shape(std::initializer_list<int64_t> dims) : Shape(dims.begin(), int(dims.size())) {}

Shape::Shape(const std::vector<int64_t> &dims) : Shape(dims.data(), int(dims.size())) {}

Shape::Shape(const int64_t *dims, int rank) {
  AIGC_CHECK(rank >= 0 && rank <= kMaxDims, Status::invalid_argument,
             "shape rank {} exceeds the maximum of {}", rank, kMaxDims);
  for (int i = 0; i < rank; ++i) dims_[i] = dims[i];
  rank_ = rank;
}

int Shape::axis(int i, const char *what) const {
  const int a = i < 0 ? i + rank_ : i;
  AIGC_CHECK(a >= 0 && a < rank_, Status::invalid_argument, "{} {} out of range for shape {}",
             what, i, to_string());
  return a;
}

int64_t Shape::at(int i) const { return dims_[axis(i)]; }

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank_; ++i) {
    AIGC_CHECK(dims_[i] >= 0, Status::invalid_argument, "negative dimension in shape {}",
               to_string());
    AIGC_CHECK(!__builtin_mul_overflow(n, dims_[i], &n), Status::invalid_argument,
               "shape {} has too many elements", to_string());
  }
  return n;
}

void Shape::push_back(int64_t d) { insert(rank_, d); }

void Shape::insert(int pos, int64_t d) {
  AIGC_CHECK(rank_ < kMaxDims, Status::invalid_argument, "shape {} cannot grow past {} dims",
             to_string(), kMaxDims);
  AIGC_CHECK(pos >= 0 && pos <= rank_, Status::invalid_argument, "insert position {} for {}", pos,
             to_string());
  for (int i = rank_; i > pos; --i) dims_[i] = dims_[i - 1];
  dims_[pos] = d;
  ++rank_;
}

void Shape::erase(int pos) {
  const int a = axis(pos);
  for (int i = a; i + 1 < rank_; ++i) dims_[i] = dims_[i + 1];
  --rank_;
}

bool Shape::operator==(const Shape &o) const {
  if (rank_ != o.rank_) return false;
  for (int i = 0; i < rank_; ++i)
    if (dims_[i] != o.dims_[i]) return false;
  return true;
}

std::string Shape::to_string() const {
  std::string s = "[";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ",";
    s += std::to_string(dims_[i]);
  }
  return s + "]";
}

Strides contiguous_strides(const Shape &shape) {
  Strides s = shape;
  int64_t acc = 1;
  for (int i = shape.rank() - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= shape[i] > 0 ? shape[i] : 1;
  }
  return s;
}

Shape broadcast_shapes(const Shape &a, const Shape &b, const char *op) {
  const int r = a.rank() > b.rank() ? a.rank() : b.rank();
  Shape out;
  for (int i = 0; i < r; ++i) {
    const int ia = a.rank() - r + i, ib = b.rank() - r + i;
    const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    AIGC_CHECK(da == db || da == 1 || db == 1, Status::shape_mismatch,
               "{}: shapes {} and {} cannot be broadcast together", op, a.to_string(),
               b.to_string());
    out.push_back(da == 1 ? db : da);
  }
  return out;
}

}  // namespace aigc
