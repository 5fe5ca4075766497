// Where tests find model files that are not in the repository.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

namespace aigc::test {

// ../shared/models (third-party weights; env AIGC_MODELS).
inline std::string shared_models_dir() {
  const char *env = std::getenv("AIGC_MODELS");
  return env && *env ? env : std::string(AIGC_TEST_DATA_DIR) + "/../../../shared/models";
}

// Models fetched by scripts/fetch-models.sh (env AIGC_USER_MODELS, default ../models
// beside the checkout), e.g. SmolLM2-135M-Instruct.Q4_1.gguf.
inline std::string user_models_dir() {
  const char *env = std::getenv("AIGC_USER_MODELS");
  return env && *env ? env : std::string(AIGC_TEST_DATA_DIR) + "/../../../models";
}

// Real image models converted by tools/aigc-convert (ctest fixture convert_models):
// <dir>/<model-name>/model.safetensors + config.json. Env AIGC_CONVERTED_MODELS.
inline std::string converted_models_dir() {
  const char *env = std::getenv("AIGC_CONVERTED_MODELS");
  return env && *env ? env : std::string("converted-models");
}
inline std::string converted_model_dir(const std::string &name) { return converted_models_dir() + "/" + name; }
// ../shared/models/goldens/<model>.safetensors
inline std::string golden_path(const std::string &model) { return shared_models_dir() + "/goldens/" + model + ".safetensors"; }

inline std::string stories260k_path() { return shared_models_dir() + "/llama2c-stories260k/stories260K.bin"; }
inline std::string smollm2_path() { return user_models_dir() + "/SmolLM2-135M-Instruct.Q4_1.gguf"; }

// Long reproductions (1000-step diffusion trajectories) skip when AIGC_SKIP_SLOW_TESTS is
// set: the sanitizer build sets it (10x slower there); the Release run always has them.
inline bool skip_slow_tests() {
  const char *env = std::getenv("AIGC_SKIP_SLOW_TESTS");
  return env && *env && std::string(env) != "0";
}

inline bool file_exists(const std::string &path) { return std::ifstream(path).good(); }

}  // namespace aigc::test
