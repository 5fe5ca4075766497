"""Shared fixtures: model locations from the environment (see scripts/test-python.sh).

Missing models (docs/TESTING.md): outside CI a test that needs an absent file skips with
one line naming it and the command that fetches it; in require mode (AIGC_REQUIRE_MODELS=1,
which .ci/run exports, or CI=true) it fails instead, and so does every other skip."""

import os
from pathlib import Path

import pytest

import aigc

REPO = Path(__file__).resolve().parents[3]
MODELS = Path(os.environ.get("AIGC_MODELS", REPO.parent / "shared" / "models"))
USER_MODELS = Path(os.environ.get("AIGC_USER_MODELS", REPO.parent / "models"))
STORIES = MODELS / "llama2c-stories260k" / "stories260K.bin"
SMOLLM = USER_MODELS / "SmolLM2-135M-Instruct.Q4_1.gguf"

# Where each kind of missing file comes from (the same words as tests/model_paths.hpp).
SHARED_MODELS_HINT = "it belongs in the shared third-party model folder (../shared/models): set AIGC_MODELS"
USER_MODELS_HINT = "run scripts/fetch-models.sh (AIGC_USER_MODELS)"

REQUIRE_MODELS = (os.environ.get("AIGC_REQUIRE_MODELS", "") not in ("", "0")
                  or os.environ.get("CI") in ("true", "1"))

# llama2.c's run.c prints this for stories260K, greedy, 60 tokens from BOS.
STORIES_GREEDY_60 = ("Once upon a time, there was a little girl named Lily. She loved to play "
                     "outside in the park. One day, she saw a big, red ball. She wanted to play "
                     "with it, but it was too high")


def require_model(path: Path, hint: str) -> Path:
    """Returns path when it exists; else fails the test (require mode) or skips it."""
    if Path(path).exists():
        return Path(path)
    what = f"{os.path.normpath(path)} missing: {hint}"
    if REQUIRE_MODELS:
        pytest.fail(f"required model (AIGC_REQUIRE_MODELS=1 or CI=true): {what}", pytrace=False)
    pytest.skip(what)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In require mode a skip anywhere (a test's own pytest.skip too) is a failure."""
    outcome = yield
    rep = outcome.get_result()
    if (REQUIRE_MODELS and rep.skipped and not hasattr(rep, "wasxfail") and call.excinfo is not None
            and call.excinfo.errisinstance(pytest.skip.Exception)):
        rep.outcome = "failed"
        rep.longrepr = ("skipped in require mode (AIGC_REQUIRE_MODELS=1 or CI=true): "
                        f"{call.excinfo.value.msg}")


@pytest.fixture(scope="session")
def stories() -> aigc.Model:
    return aigc.Model.load(require_model(STORIES, SHARED_MODELS_HINT))


@pytest.fixture(scope="session")
def smollm() -> aigc.Model:
    return aigc.Model.load(require_model(SMOLLM, USER_MODELS_HINT))
