// Fuzzes config.json handling for safetensors models: JSON parsing, the LLaMA-family and
// GPT-2 config readers and their validation (the safetensors reader has its own target).
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_common.hpp"
#include "models/gpt2_config.hpp"
#include "models/llama_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return aigc::fuzz::run([&] {
    const auto j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return;
    // The loader turns nlohmann exceptions into invalid_format; here they are rejections too.
    try {
      aigc::models::LlamaConfig::from_hf_config(j).validate();
    } catch (const nlohmann::json::exception &) {
    } catch (const aigc::Error &) {
    }
    try {
      aigc::models::Gpt2Config::from_hf_config(j).validate();
    } catch (const nlohmann::json::exception &) {
    }
  });
}
