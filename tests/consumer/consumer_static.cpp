// A C++ program using the installed static library's tensor core.
#include <aigc/aigc.h>
#include <aigc/core.hpp>

#include <cstdio>

int main() {
  const aigc::Tensor x = aigc::Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  if (x.transpose(0, 1).to_f32_vector() != std::vector<float>{1, 4, 2, 5, 3, 6}) return 1;
  try {
    x.to(aigc::DType::q8_0);  // 3 is not a multiple of the 32-element block
    return 1;
  } catch (const aigc::Error &e) {
    if (e.status() != aigc::Status::invalid_argument) return 1;
  }
  std::printf("consumer (C++, static) ok: %s\n", aigc_version());
  return 0;
}
