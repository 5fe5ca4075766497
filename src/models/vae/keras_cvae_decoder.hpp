// Class-conditional VAE decoder exported from Keras 2 to TF.js (ml5's QuickDraw cVAE):
//   cat(latent [L], one_hot(class + offset) [W]) -> Dense + activation -> Reshape to
//   NHWC [h, w, c] -> (Conv2DTranspose + activation | UpSampling2D nearest)... -> image.
// There is no upstream Python: the reference is the Keras topology itself,
// cvae-quickdraw-tfjs/models/model.json (layer semantics as Keras 2.2 defines them).
// The converter writes the Keras weights in PyTorch conventions (Dense kernel transposed
// to [out, in]; Conv2DTranspose kernel [kh, kw, out, in] permuted to ConvTranspose2d's
// [in, out, kh, kw], not flipped), so the layers here are nn::Linear / nn::ConvTranspose2d
// running in NCHW; only the Reshape reads Keras' NHWC order. Decoder only (no encoder).
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/image_model.hpp"
#include "nn/conv_layers.hpp"
#include "nn/layers.hpp"

namespace aigc::models {

enum class KerasActivation { linear, relu, sigmoid, tanh };

struct KerasCvaeConfig {
  // One layer after the Reshape, in Keras order.
  struct Layer {
    enum class Type { conv2d_transpose, upsample } type = Type::conv2d_transpose;
    std::string name;  // weight prefix (conv2d_transpose_N)
    int64_t filters = 0, kernel = 0, stride = 1;
    bool same_padding = true;
    KerasActivation activation = KerasActivation::linear;
    int size = 2;  // upsample factor
  };
  int64_t latent_dim = 16;
  int64_t label_width = 51;        // one-hot width
  int64_t label_index_offset = 1;  // class c is hot at index c + offset
  std::vector<std::string> class_names;
  std::string dense_name;  // "dense_5"
  int64_t dense_units = 0;
  KerasActivation dense_activation = KerasActivation::linear;
  int64_t reshape_h = 0, reshape_w = 0, reshape_c = 0;  // Keras target_shape (NHWC)
  std::vector<Layer> layers;
  Shape image_shape;  // [C, H, W]
  PixelRange pixel_range = PixelRange::zero_one();
  static KerasCvaeConfig from_json(const nlohmann::json &config);
};

class KerasCvaeDecoder final : public Autoencoder {
 public:
  KerasCvaeDecoder(const KerasCvaeConfig &config, const nn::WeightSource &weights, ImageModelInfo info);
  const ImageModelInfo &info() const override { return info_; }
  bool has_encoder() const override { return false; }
  int64_t latent_channels() const override { return config_.latent_dim; }
  int64_t downscale_factor() const override { return 0; }
  Shape image_shape() const override { return config_.image_shape; }
  PixelRange pixel_range() const override { return config_.pixel_range; }
  // Always invalid_argument: the TF.js export holds only the decoder.
  LatentDistribution encode(const ExecContext &ctx, const Tensor &images) const override;
  // latents f32 [N, latent_dim], labels i32 [N] class indices in [0, num_classes)
  // -> images [N, C, H, W] (NCHW, unlike Keras).
  Tensor decode(const ExecContext &ctx, const Tensor &latents, const Tensor &labels) const override;
  // decode() that also records intermediates into *trace when not null, all NCHW except
  // "dense" ([N, units] in Keras order): "ct1", "ct2", ... after each Conv2DTranspose
  // (with its activation), "up1", "up2", ... after each upsampling.
  Tensor decode_traced(const ExecContext &ctx, const Tensor &latents, const Tensor &labels,
                       std::map<std::string, Tensor> *trace) const;

 private:
  struct Step {
    KerasCvaeConfig::Layer layer;
    nn::ConvTranspose2d conv;  // conv2d_transpose steps only
  };
  KerasCvaeConfig config_;
  ImageModelInfo info_;
  nn::Linear dense_;
  std::vector<Step> steps_;
};

std::shared_ptr<const Autoencoder> load_keras_cvae_decoder(const nn::WeightSource &weights,
                                                           const nlohmann::json &config, ImageModelInfo info);

}  // namespace aigc::models
