#!/usr/bin/env python3
"""Writes small safetensors files with the reference `safetensors` package
(pip install safetensors numpy) for tests/io/test_safetensors.cpp:

  tests/data/st_single.safetensors    one tensor of each dtype we read, with metadata
  tests/data/st_sharded/               a two-shard set with model.safetensors.index.json

Values are small closed-form sequences so the C++ test can recompute them.
Run from the repository root: python3 tests/reference/make_safetensors_goldens.py
"""
import json
import pathlib

import numpy as np
from safetensors.numpy import save_file


def seq(shape, dtype, scale=1.0, offset=0.0):
    n = int(np.prod(shape))
    return (np.arange(n, dtype=np.float64) * scale + offset).reshape(shape).astype(dtype)


def main():
    out = pathlib.Path(__file__).resolve().parents[2] / "tests" / "data"
    out.mkdir(parents=True, exist_ok=True)
    tensors = {
        "f32": seq((2, 3), np.float32, 0.5, -1.0),   # v[i] = 0.5 i - 1
        "f16": seq((5,), np.float16, 0.25),          # v[i] = 0.25 i
        "i32": seq((3,), np.int32, 7, -7),           # v[i] = 7 i - 7
        "u8": seq((4,), np.uint8, 60),               # v[i] = 60 i
        "i8": seq((2, 2), np.int8, -3),              # v[i] = -3 i
        "f64": seq((3,), np.float64, 1.5),           # read as f32: 1.5 i
        "i64": seq((2,), np.int64, 1000),            # read as f32: 1000 i
        "boolean": np.array([True, False, True]),    # read as f32: 1 0 1
        "scalar": np.array(3.0, dtype=np.float32),   # rank 0
    }
    save_file(tensors, str(out / "st_single.safetensors"), metadata={"format": "pt", "note": "aigc"})

    shards = out / "st_sharded"
    shards.mkdir(exist_ok=True)
    a = {"layer.0.weight": seq((4, 4), np.float32, 1.0)}
    b = {"layer.1.weight": seq((2, 4), np.float32, -1.0), "layer.1.bias": seq((2,), np.float32, 2.0)}
    save_file(a, str(shards / "model-00001-of-00002.safetensors"))
    save_file(b, str(shards / "model-00002-of-00002.safetensors"))
    weight_map = {k: "model-00001-of-00002.safetensors" for k in a}
    weight_map.update({k: "model-00002-of-00002.safetensors" for k in b})
    (shards / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": 0}, "weight_map": weight_map}, indent=1))
    print("wrote", out)


if __name__ == "__main__":
    main()
