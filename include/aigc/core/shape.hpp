// Fixed-capacity dimension list used for shapes and (element) strides.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace aigc {

inline constexpr int kMaxDims = 8;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(const std::vector<int64_t> &dims);
  Shape(const int64_t *dims, int rank);

  int rank() const { return rank_; }
  int64_t operator[](int i) const { return dims_[i]; }
  int64_t &operator[](int i) { return dims_[i]; }
  // Dimension with Python-style negative indexing; throws on out of range.
  int64_t at(int i) const;
  // Normalises a possibly negative dimension index; throws naming `what` on out of range.
  int axis(int i, const char *what = "dim") const;

  int64_t numel() const;  // product of dims (1 for rank 0); throws on overflow
  const int64_t *begin() const { return dims_; }
  const int64_t *end() const { return dims_ + rank_; }
  std::vector<int64_t> to_vector() const { return {begin(), end()}; }

  void push_back(int64_t d);
  void insert(int pos, int64_t d);
  void erase(int pos);

  bool operator==(const Shape &o) const;
  bool operator!=(const Shape &o) const { return !(*this == o); }
  std::string to_string() const;  // "[2,3,4]"

 private:
  int64_t dims_[kMaxDims] = {};
  int rank_ = 0;
};

// Element strides share the representation of shapes.
using Strides = Shape;

// Row-major strides (in elements) of a contiguous tensor of this shape.
Strides contiguous_strides(const Shape &shape);

// Numpy-style broadcast of two shapes; throws shape_mismatch naming `op`.
Shape broadcast_shapes(const Shape &a, const Shape &b, const char *op);

}  // namespace aigc
