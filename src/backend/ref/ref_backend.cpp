#include "backend/factories.hpp"
#include "backend/ref/ref_kernels.hpp"

namespace aigc {
namespace {

class RefBackend final : public Backend {
 public:
  RefBackend() {
    using namespace ref;
    for (auto reg : {register_copy, register_cast, register_concat, register_matmul,
                     register_conv2d, register_conv_transpose2d, register_avg_pool2d,
                     register_upsample, register_group_norm, register_layer_norm,
                     register_rms_norm, register_softmax, register_unary, register_binary,
                     register_embedding, register_rope, register_attention, register_argmax,
                     register_topk})
      reg(kernels_);
  }
  const char *name() const override { return "ref"; }
  Device device() const override { return Device::cpu(); }
  Tensor empty(const Shape &shape, DType dtype) override { return Tensor::empty(shape, dtype); }
  Tensor upload(const Tensor &host) override { return host.contiguous(); }
  Tensor download(const Tensor &t) override { return t.contiguous(); }
};

}  // namespace

std::unique_ptr<Backend> create_ref_backend() { return std::make_unique<RefBackend>(); }

}  // namespace aigc
