#include "models/language_model.hpp"

#include <set>

#include "core/check.hpp"

namespace aigc::models {

BatchPlan plan_batch(const ExecContext &ctx, const LmInfo &info, const nn::KvCache &cache,
                     const std::vector<SeqSpan> &spans) {
  AIGC_CHECK(!spans.empty(), Status::invalid_argument, "decode: the batch is empty");
  BatchPlan plan;
  std::set<int32_t> seen;
  std::vector<int32_t> ids, positions, rows;
  for (const SeqSpan &span : spans) {
    cache.check_seq(span.seq);
    AIGC_CHECK(seen.insert(span.seq).second, Status::invalid_argument,
               "decode: sequence {} appears twice in one batch", span.seq);
    AIGC_CHECK(!span.tokens.empty(), Status::invalid_argument,
               "decode: sequence {} has no tokens in the batch", span.seq);
    const int64_t begin = cache.length(span.seq), n = int64_t(span.tokens.size());
    AIGC_CHECK(begin + n <= cache.n_ctx(), Status::context_full,
               "context full: sequence {} holds {} tokens, {} more exceed n_ctx = {}", span.seq,
               begin, n, cache.n_ctx());
    AIGC_CHECK(info.max_positions == 0 || begin + n <= info.max_positions, Status::context_full,
               "context full: {} positions exceed the model's {} learned positions", begin + n,
               info.max_positions);
    for (int32_t t : span.tokens) {
      AIGC_CHECK(t >= 0 && t < info.vocab_size, Status::invalid_argument,
                 "decode: token id {} outside the vocabulary [0, {})", t, info.vocab_size);
    }
    const int64_t row0 = int64_t(ids.size());
    plan.spans.push_back({span.seq, row0, n, begin});
    for (int64_t i = 0; i < n; ++i) {
      ids.push_back(span.tokens[size_t(i)]);
      positions.push_back(int32_t(begin + i));
      if (span.all_logits || i == n - 1) rows.push_back(int32_t(row0 + i));
    }
  }
  plan.n_rows = int64_t(ids.size());
  plan.all_rows = int64_t(rows.size()) == plan.n_rows;
  plan.ids = ctx.backend->upload(Tensor::from_vector(ids, Shape({plan.n_rows})));
  plan.positions = ctx.backend->upload(Tensor::from_vector(positions, Shape({plan.n_rows})));
  plan.logit_rows = ctx.backend->upload(Tensor::from_vector(rows, Shape({int64_t(rows.size())})));
  return plan;
}

void commit_batch(nn::KvCache &cache, const BatchPlan &plan) {
  for (const nn::SpanRows &s : plan.spans) cache.set_length(s.seq, s.pos_begin + s.n_rows);
}

}  // namespace aigc::models
