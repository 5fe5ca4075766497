#!/usr/bin/env python3
"""Goldens for src/runtime/image_buffer (tests/runtime/test_image_buffer.cpp).

- grids: torchvision.utils.make_grid on uint8 images when torchvision is importable,
  else the same algorithm transcribed in numpy (torchvision/utils.py, make_grid: xmaps =
  min(nrow, N), ymaps = ceil(N / xmaps), cells of (H + padding) x (W + padding), a grid of
  (H + padding) * ymaps + padding rows, one image returned as is). torchvision turns
  1-channel batches into 3 channels; we keep 1 channel, so channel 0 is stored.
- to_u8: save_image's rounding in float32: clamp(x * scale + shift, 0, 1) * 255 + 0.5, floor.

Run: /tmp/lmvenv/bin/python tests/reference/make_grid_golden.py  (numpy + safetensors)
Writes tests/data/images/grid_golden.safetensors.
"""
import json
import math
import os

import numpy as np
from safetensors.numpy import save_file

try:
    import torch
    import torchvision.utils

    def make_grid(x, nrow, padding, pad_value):
        g = torchvision.utils.make_grid(torch.from_numpy(x), nrow=nrow, padding=padding, pad_value=pad_value)
        g = g.numpy()
        return g[:1] if x.shape[1] == 1 else g

    PRODUCER = f"torchvision {torchvision.__version__}"
except ImportError:

    def make_grid(x, nrow, padding, pad_value):
        n, c, h, w = x.shape
        if n == 1:
            return x[0].copy()
        xmaps = min(nrow, n)
        ymaps = int(math.ceil(float(n) / xmaps))
        height, width = h + padding, w + padding
        grid = np.full((c, height * ymaps + padding, width * xmaps + padding), pad_value, dtype=x.dtype)
        k = 0
        for y in range(ymaps):
            for xx in range(xmaps):
                if k >= n:
                    break
                grid[:, y * height + padding : y * height + padding + height - padding,
                     xx * width + padding : xx * width + padding + width - padding] = x[k]
                k += 1
        return grid

    PRODUCER = f"numpy {np.__version__} transcription of torchvision.utils.make_grid"


def images(n, c, h, w, salt):
    i, ch, y, x = np.meshgrid(np.arange(n), np.arange(c), np.arange(h), np.arange(w), indexing="ij")
    return ((i * 37 + ch * 50 + y * 11 + x * 3 + salt) % 251 + 1).astype(np.uint8)  # never 0 = pad


CASES = {  # name: (n, c, h, w, columns, padding, pad_value)
    "rgb5_cols3_pad2": (5, 3, 5, 7, 3, 2, 0),
    "rgb5_cols8_pad2": (5, 3, 5, 7, 8, 2, 0),
    "gray4_cols2_pad0": (4, 1, 3, 4, 2, 0, 0),
    "gray3_cols2_pad1_white": (3, 1, 4, 3, 2, 1, 255),
    "rgba7_cols3_pad3": (7, 4, 2, 5, 3, 3, 0),
    "rgb1_cols4_pad2": (1, 3, 5, 7, 4, 2, 0),
}


def to_u8(x, scale, shift):
    p = x * np.float32(scale) + np.float32(shift)
    p = np.clip(p, np.float32(0), np.float32(1))
    return np.floor(p * np.float32(255) + np.float32(0.5)).astype(np.uint8)


def main():
    tensors, meta = {}, {"producer": PRODUCER}
    for k, (n, c, h, w, cols, pad, val) in CASES.items():
        x = images(n, c, h, w, len(k))
        tensors[k + ".images"] = x
        tensors[k + ".grid"] = np.ascontiguousarray(make_grid(x, cols, pad, val))
        meta[k] = json.dumps({"columns": cols, "padding": pad, "pad_value": val})
    rng = np.random.default_rng(1234)
    x = (rng.standard_normal((2, 3, 4, 5)) * 1.2).astype(np.float32)
    x.flat[:6] = [-1.0, 1.0, 0.0, -0.5, 0.5, 2.0]
    tensors["to_u8.x"] = x
    for name, (scale, shift) in {"minus_one_one": (0.5, 0.5), "zero_one": (1.0, 0.0),
                                 "minus_half_half": (1.0, 0.5)}.items():
        tensors["to_u8." + name] = to_u8(x, scale, shift)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "images", "grid_golden.safetensors")
    save_file(tensors, out, metadata=meta)
    print("wrote", out, "with", PRODUCER)


if __name__ == "__main__":
    main()
