"""Shared fixtures: model locations from the environment (see scripts/test-python.sh)."""

import os
from pathlib import Path

import pytest

import aigc

REPO = Path(__file__).resolve().parents[3]
MODELS = Path(os.environ.get("AIGC_MODELS", REPO.parent / "shared" / "models"))
USER_MODELS = Path(os.environ.get("AIGC_USER_MODELS", REPO.parent / "models"))
STORIES = MODELS / "llama2c-stories260k" / "stories260K.bin"
SMOLLM = USER_MODELS / "SmolLM2-135M-Instruct.Q4_1.gguf"

# llama2.c's run.c prints this for stories260K, greedy, 60 tokens from BOS.
STORIES_GREEDY_60 = ("Once upon a time, there was a little girl named Lily. She loved to play "
                     "outside in the park. One day, she saw a big, red ball. She wanted to play "
                     "with it, but it was too high")


@pytest.fixture(scope="session")
def stories() -> aigc.Model:
    if not STORIES.exists():
        pytest.skip(f"{STORIES} not found (set AIGC_MODELS)")
    return aigc.Model.load(STORIES)


@pytest.fixture(scope="session")
def smollm() -> aigc.Model:
    if not SMOLLM.exists():
        pytest.skip(f"{SMOLLM} not found (set AIGC_USER_MODELS; scripts/fetch-models.sh)")
    return aigc.Model.load(SMOLLM)
