#include "runtime/device_sampling.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/check.hpp"
#include "core/log.hpp"
#include "ops/embedding.hpp"
#include "ops/topk.hpp"

namespace aigc::runtime {

int32_t argmax_row(const float *row, int64_t n) {
  return int32_t(std::max_element(row, row + n) - row);
}

Tensor DeviceTokenPicker::download_row(Backend &b, const Tensor &row, const std::string &why) {
  ++stats_.fallback;
  if (!logged_) {
    logged_ = true;
    log_message(LogLevel::debug, "sampling: downloading the logits row (" + why + ")");
  }
  return b.download(row).contiguous();
}

int32_t DeviceTokenPicker::pick(const ExecContext &ctx, const Tensor &row,
                                sampling::SamplerChain *sampler) {
  AIGC_CHECK(ctx.backend != nullptr, Status::invalid_argument, "pick: no backend");
  AIGC_CHECK(row.defined() && row.rank() == 1 && row.dtype() == DType::f32 && row.numel() > 0 &&
                 row.numel() <= INT32_MAX,
             Status::invalid_argument, "pick: expected a non-empty f32 row, got {}",
             row.defined() ? row.describe() : std::string("undefined"));
  Backend &b = *ctx.backend;
  const int32_t n_vocab = int32_t(row.numel());
  const bool has_topk = b.supports(OpKind::topk, DType::f32);

  if (sampler == nullptr) {
    if (has_topk) {
      // topk (not argmax) also returns the value: a NaN there means the row holds NaN, where
      // std::max_element's answer differs from the device's "NaN wins".
      const ops::TopkResult top = ops::topk(ctx, row, 1);
      const Tensor value = b.download(top.values), index = b.download(top.indices);
      if (!std::isnan(value.data_as<float>()[0])) {
        ++stats_.greedy;
        return index.data_as<int32_t>()[0];
      }
    }
    const Tensor host = download_row(b, row, has_topk ? "the logits hold NaN" : "no topk kernel");
    return argmax_row(host.data_as<float>(), n_vocab);
  }

  std::string why;
  const sampling::TopCandidatesPlan plan = sampler->plan_top_candidates(n_vocab);
  if (!plan.supported) {
    why = "sampler chain " + sampler->describe() + ": " + plan.reason;
  } else if (!has_topk || (!plan.extra_ids.empty() && !b.supports(OpKind::embedding, DType::f32))) {
    why = "no topk / embedding kernel";
  } else {
    const ops::TopkResult top = ops::topk(ctx, row, plan.n_top);
    Tensor extra;
    if (!plan.extra_ids.empty()) {  // the ids bias and penalties may move: gather their logits
      const int64_t n_extra = int64_t(plan.extra_ids.size());
      const Tensor ids = b.upload(Tensor::from_vector(plan.extra_ids, {n_extra}));
      extra = b.download(ops::embedding(ctx, row.reshape({n_vocab, 1}), ids));
    }
    const Tensor values = b.download(top.values), indices = b.download(top.indices);
    const int32_t token = sampler->sample_top_candidates(
        plan, values.data_as<float>(), indices.data_as<int32_t>(),
        extra.defined() ? extra.data_as<float>() : nullptr);
    if (token >= 0) {
      ++stats_.top_candidates;
      return token;
    }
    why = "the logits hold NaN";
  }
  const Tensor host = download_row(b, row, why);
  return sampler->sample(host.data_as<float>(), n_vocab);
}

}  // namespace aigc::runtime
