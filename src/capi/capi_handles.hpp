// What the opaque C handles hold.
#pragma once

#include <memory>

#include "aigc/aigc.h"
#include "runtime/text_context.hpp"
#include "sampling/token_sampler.hpp"

struct aigc_model {
  std::shared_ptr<const aigc::runtime::TextModel> model;
};

struct aigc_context {
  std::unique_ptr<aigc::runtime::TextContext> context;
};

// Every sampler is a chain; a single stage is a chain of one.
struct aigc_sampler {
  aigc::sampling::SamplerChain chain;
};
