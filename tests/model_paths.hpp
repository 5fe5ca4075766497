// Where tests find model files that are not in the repository, and the one rule for a
// test that needs one (docs/TESTING.md): require_model(path, hint) before using it.
// Only for doctest tests (every includer is one: a missing model in require mode is a
// doctest FAIL).
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
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

// Where each kind of missing file comes from (the second half of the skip line).
inline constexpr char kSharedModelsHint[] =
    "it belongs in the shared third-party model folder (../shared/models): set AIGC_MODELS";
inline constexpr char kUserModelsHint[] = "run scripts/fetch-models.sh (AIGC_USER_MODELS)";
inline constexpr char kClipVocabHint[] = "run scripts/fetch-clip-vocab.sh (AIGC_USER_MODELS)";
inline constexpr char kConvertedModelsHint[] =
    "run the convert_models ctest fixture or tools/aigc-convert (AIGC_CONVERTED_MODELS)";

// Require mode: a missing model fails the test instead of skipping it. On when
// AIGC_REQUIRE_MODELS is set and not "0" (.ci/run exports it) or when CI=true.
inline bool models_required() {
  const char *req = std::getenv("AIGC_REQUIRE_MODELS");
  if (req && *req && std::string(req) != "0") return true;
  const char *ci = std::getenv("CI");
  return ci && (std::string(ci) == "true" || std::string(ci) == "1");
}

// True when `path` (a file or folder) exists. Otherwise, in require mode, fails the test
// case (doctest FAIL: it throws, so the caller never sees false); outside it, prints one
// line per missing path per process, "SKIP: <path> missing: <fetch_hint>", and returns
// false so the test returns early.
inline bool require_model(const std::string &path, const char *fetch_hint) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return true;
  const std::string what = std::filesystem::path(path).lexically_normal().string() + " missing: " + fetch_hint;
  if (models_required()) FAIL("required model (AIGC_REQUIRE_MODELS=1 or CI=true): " << what);
  static std::set<std::string> reported;
  if (reported.insert(path).second) {
    std::fprintf(stderr, "SKIP: %s\n", what.c_str());
    std::fflush(stderr);
  }
  return false;
}

}  // namespace aigc::test
