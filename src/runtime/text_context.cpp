#include "runtime/text_context.hpp"

#include <algorithm>
#include <chrono>

#include "core/check.hpp"
#include "runtime/stop_strings.hpp"
#include "tokenizer/streaming_detokenizer.hpp"

namespace aigc::runtime {
namespace {

int64_t checked_n_ctx(const TextModel &m, const ContextOptions &o) {
  AIGC_CHECK(o.n_ctx >= 0, Status::invalid_argument, "context: n_ctx must be >= 0, got {}", o.n_ctx);
  AIGC_CHECK(o.n_threads >= 1 && o.n_threads <= 1024, Status::invalid_argument,
             "context: n_threads must be in [1, 1024], got {}", o.n_threads);
  AIGC_CHECK(o.n_batch >= 1, Status::invalid_argument, "context: n_batch must be >= 1, got {}", o.n_batch);
  const int64_t trained = m.info().context_length > 0 ? m.info().context_length : 4096;
  int64_t n = o.n_ctx > 0 ? o.n_ctx : std::min<int64_t>(trained, 4096);
  // Learned position tables (GPT-2) cannot go further than they were trained.
  if (m.info().max_positions > 0) n = std::min(n, m.info().max_positions);
  return n;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TextContext::TextContext(std::shared_ptr<const TextModel> model, const ContextOptions &options)
    : model_(std::move(model)),
      exec_{&model_->backend(), options.n_threads},
      cache_(model_->backend(), model_->lm().kv_shape(), options.n_seq, checked_n_ctx(*model_, options)),
      n_batch_(options.n_batch),
      last_token_(size_t(cache_.n_seq()), -1) {}

void TextContext::check_cancel() {
  if (take_cancel()) throw Error(Status::cancelled, "cancelled");
}

void TextContext::decode(const std::vector<models::SeqSpan> &spans) {
  check_cancel();
  host_logits_ = Tensor();
  logits_ = model_->lm().forward(exec_, cache_, spans);
  for (const models::SeqSpan &span : spans) last_token_[size_t(span.seq)] = span.tokens.back();
}

const Tensor &TextContext::logits() const {
  if (!logits_.defined() || logits_.device().is_cpu()) return logits_;
  if (!host_logits_.defined()) host_logits_ = exec_.backend->download(logits_).contiguous();
  return host_logits_;
}

void TextContext::seq_truncate(int32_t seq, int64_t length) {
  AIGC_CHECK(length >= 0 && length <= cache_.length(seq), Status::invalid_argument,
             "seq_truncate: length {} out of range [0, {}] for sequence {}", length,
             cache_.length(seq), seq);
  cache_.set_length(seq, length);
  last_token_[size_t(seq)] = -1;  // the token at length - 1 is not kept
}

GenerateResult TextContext::generate(std::string_view prompt, const GenerateOptions &o,
                                     sampling::SamplerChain *sampler, const PieceCallback &on_piece) {
  const tokenizer::Tokenizer &tok = model_->require_tokenizer();
  cache_.check_seq(o.seq);
  AIGC_CHECK(o.add_bos >= -1 && o.add_bos <= 1, Status::invalid_argument,
             "generate: add_bos must be -1, 0 or 1, got {}", o.add_bos);
  StopStringMatcher stops(o.stop);
  int64_t start = o.append ? cache_.length(o.seq) : 0;
  // Appending to a non-empty sequence continues it: no BOS unless asked for.
  const bool add_bos = o.add_bos < 0 ? start == 0 && tok.add_bos_by_default() : o.add_bos == 1;
  std::vector<int32_t> tokens = tok.encode(prompt, add_bos, o.parse_special);
  if (tokens.empty() && start > 0) {
    // Nothing new to add: evaluate the sequence's last token again for its logits.
    const int32_t last = last_token_[size_t(o.seq)];
    AIGC_CHECK(last >= 0, Status::invalid_argument,
               "generate: appending an empty prompt needs the sequence's last token, unknown "
               "after seq_truncate; pass a prompt");
    tokens.push_back(last);
    --start;
  } else if (tokens.empty()) {  // "" starts from BOS
    AIGC_CHECK(tok.bos_id() >= 0, Status::invalid_argument,
               "generate: empty prompt and the vocabulary has no BOS token to start from");
    tokens.push_back(tok.bos_id());
  }
  AIGC_CHECK(start + int64_t(tokens.size()) <= cache_.n_ctx(), Status::context_full,
             "context full: the prompt has {} tokens, the sequence holds {} of n_ctx = {}",
             tokens.size(), start, cache_.n_ctx());
  cache_.set_length(o.seq, start);
  if (sampler && !o.append) sampler->reset();

  GenerateResult r;
  r.n_prompt_tokens = int64_t(tokens.size());
  const auto t_prompt = std::chrono::steady_clock::now();
  for (size_t i = 0; i < tokens.size(); i += size_t(n_batch_)) {
    const size_t end = std::min(tokens.size(), i + size_t(n_batch_));
    decode({{o.seq, std::vector<int32_t>(tokens.begin() + long(i), tokens.begin() + long(end)), false}});
  }
  if (sampler) {
    for (int32_t t : tokens) sampler->accept(t);
  }
  r.prompt_seconds = seconds_since(t_prompt);

  // The detokenizer sees the last prompt token first so the first generated piece is
  // decoded in context (e.g. SentencePiece's leading space after BOS).
  tokenizer::StreamingDetokenizer detok(tok);
  (void)detok.push(tokens.back());
  bool stopped_by_caller = false;
  auto emit = [&](const std::string &text, int32_t token) {
    if (text.empty() || stopped_by_caller) return;
    r.text += text;
    if (on_piece && !on_piece(text, token)) stopped_by_caller = true;
  };

  const int64_t vocab = model_->info().vocab_size;
  const auto t_gen = std::chrono::steady_clock::now();
  while (o.max_tokens < 0 || r.n_generated < o.max_tokens) {
    if (take_cancel() || stopped_by_caller) {
      r.stop_reason = StopReason::cancelled;
      break;
    }
    int32_t token;
    if (logits_.device().is_cpu()) {
      const float *row = logits_.data_as<float>() + (logits_.size(0) - 1) * vocab;
      token = sampler ? sampler->sample(row, int32_t(vocab)) : argmax_row(row, vocab);
    } else {  // only the row's best candidates come back from the device
      const Tensor row = logits_.select(0, logits_.size(0) - 1).slice(0, 0, vocab);
      token = picker_.pick(exec_, row, sampler);
    }
    ++r.n_generated;
    if (!o.ignore_eos && tok.is_end_of_generation(token)) {
      r.stop_reason = StopReason::end_of_generation;
      break;
    }
    if (sampler) sampler->accept(token);
    // A token past the tokenizer's vocabulary (padded embedding) has no text; control
    // tokens (e.g. <|im_start|>) come out of the streaming detokenizer as "".
    if (token < tok.vocab_size()) {
      const StopStringMatcher::Result m = stops.push(detok.push(token));
      emit(m.emit, token);
      if (m.stopped) {
        r.stop_reason = StopReason::stop_string;
        break;
      }
    }
    // Keep the cache equal to prompt + every emitted token, so append can continue it.
    if (cache_.length(o.seq) >= cache_.n_ctx()) {
      r.stop_reason = StopReason::context_full;
      break;
    }
    decode({{o.seq, {token}, false}});
  }
  if (r.stop_reason != StopReason::stop_string && r.stop_reason != StopReason::cancelled) {
    const StopStringMatcher::Result m = stops.push(detok.flush());
    emit(m.emit + (m.stopped ? "" : stops.flush()), -1);
  }
  if (stopped_by_caller) r.stop_reason = StopReason::cancelled;
  r.generate_seconds = seconds_since(t_gen);
  return r;
}

}  // namespace aigc::runtime
