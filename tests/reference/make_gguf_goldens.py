#!/usr/bin/env python3
"""Writes tests/data/ggml_types.gguf and tests/data/ggml_types_expected.bin.

The GGUF file (written by the reference `gguf` package, pip install gguf) holds one
tensor per ggml type we read ([4, 256] elements, raw blocks from a fixed seed with sane
f16 scales), metadata of every value type, and alignment 64. The .bin holds the f32
values gguf-py's own dequantizer gives for each tensor, concatenated in tensor order, so
our dequantizers are checked against the reference implementation.
Run from the repository root: python3 tests/reference/make_gguf_goldens.py
"""
import pathlib

import gguf
import numpy as np
from gguf import GGMLQuantizationType as Q

ROWS, COLS = 4, 256
TYPES = [Q.F32, Q.F16, Q.BF16, Q.Q8_0, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q4_K, Q.Q5_K, Q.Q6_K]


def random_blocks(qtype, rng):
    """Raw blocks with random quants and small finite f16 scale fields."""
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    n_blocks = ROWS * COLS // block
    raw = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)

    def put_f16(offset, lo, hi):
        vals = rng.uniform(lo, hi, size=n_blocks).astype(np.float16)
        raw[:, offset:offset + 2] = vals.view(np.uint8).reshape(n_blocks, 2)

    if qtype in (Q.Q8_0, Q.Q4_0, Q.Q5_0):
        put_f16(0, -0.1, 0.1)
    elif qtype in (Q.Q4_1, Q.Q5_1, Q.Q4_K, Q.Q5_K):
        put_f16(0, -0.1, 0.1)
        put_f16(2, -0.1, 0.1)
    elif qtype == Q.Q6_K:
        put_f16(size - 2, -0.01, 0.01)
    return raw.reshape(ROWS, -1)


def main():
    root = pathlib.Path(__file__).resolve().parents[2]
    out = root / "tests" / "data"
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1234)
    writer = gguf.GGUFWriter(str(out / "ggml_types.gguf"), arch="aigc-test")
    writer.add_custom_alignment(64)  # sets the KV and aligns the data to match
    writer.add_uint8("test.u8", 200)
    writer.add_int8("test.i8", -100)
    writer.add_uint16("test.u16", 60000)
    writer.add_int16("test.i16", -30000)
    writer.add_int32("test.i32", -2000000000)
    writer.add_float32("test.f32", 0.25)
    writer.add_bool("test.bool", True)
    writer.add_string("test.string", "héllo ✓")
    writer.add_uint64("test.u64", 1 << 40)
    writer.add_int64("test.i64", -(1 << 40))
    writer.add_float64("test.f64", 1e-300)
    writer.add_array("test.strings", ["a", "", "ünï"])
    writer.add_array("test.ints", [1, -2, 3])
    writer.add_array("test.floats", [0.5, -1.5])
    expected = []
    for qtype in TYPES:
        name = f"t.{qtype.name.lower()}"
        if qtype == Q.F32:
            data = rng.standard_normal((ROWS, COLS)).astype(np.float32)
            writer.add_tensor(name, data)
            expected.append(data.reshape(-1))
        elif qtype == Q.F16:
            data = rng.standard_normal((ROWS, COLS)).astype(np.float16)
            writer.add_tensor(name, data)
            expected.append(data.astype(np.float32).reshape(-1))
        elif qtype == Q.BF16:
            raw = gguf.quants.quantize(rng.standard_normal((ROWS, COLS)).astype(np.float32), qtype)
            writer.add_tensor(name, raw, raw_dtype=qtype)
            expected.append(gguf.quants.dequantize(raw, qtype).astype(np.float32).reshape(-1))
        else:
            raw = random_blocks(qtype, rng)
            writer.add_tensor(name, raw, raw_dtype=qtype)
            expected.append(gguf.quants.dequantize(raw, qtype).astype(np.float32).reshape(-1))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    np.concatenate(expected).astype("<f4").tofile(out / "ggml_types_expected.bin")
    print("wrote", out / "ggml_types.gguf")


if __name__ == "__main__":
    main()
