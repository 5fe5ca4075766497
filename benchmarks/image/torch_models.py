"""PyTorch versions of the image models, the peer in benchmarks/image/compare_torch.py.

Re-typed from the architectures in ../shared/models/MANIFEST.md (not copied from upstream),
loading the safetensors that tools/aigc-convert writes. compare_torch.py checks each against
its golden before timing it, so the peer provably computes the same function as aigc.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

_CODES = {"F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4"}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=_CODES[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.astype(np.float32) if info["dtype"] == "F16" else arr.copy())
    return out


def load(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    return read_safetensors(os.path.join(model_dir, "model.safetensors")), config


class MlpGan(torch.nn.Module):
    def __init__(self, w, c):
        super().__init__()
        self.w = w

    def forward(self, z):
        w = self.w
        h = F.relu(F.linear(z, w["generator.0.weight"], w["generator.0.bias"]))
        h = F.relu(F.linear(h, w["generator.2.weight"], w["generator.2.bias"]))
        return torch.tanh(F.linear(h, w["generator.4.weight"], w["generator.4.bias"])).view(-1, 1, 28, 28)


class Dcgan(torch.nn.Module):
    def __init__(self, w, c):
        super().__init__()
        self.w, self.c = w, c

    def forward(self, z):
        w, x = self.w, z
        layers = self.c["layers"]
        for i, layer in enumerate(layers):
            x = F.conv_transpose2d(x, w[f"gen.{i}.0.weight"], w[f"gen.{i}.0.bias"], stride=layer["stride"])
            if i + 1 < len(layers):
                x = F.batch_norm(x, w[f"gen.{i}.1.running_mean"], w[f"gen.{i}.1.running_var"],
                                 w[f"gen.{i}.1.weight"], w[f"gen.{i}.1.bias"], False, 0.0, self.c["batch_norm_eps"])
                x = F.relu(x)
        return torch.tanh(x)


class DdpmCnn(torch.nn.Module):
    """eps(x, t): 4 x [conv k7 -> LayerNorm(C,28,28) -> GELU], time MLP added after block 0."""

    def __init__(self, w, c):
        super().__init__()
        self.w, self.c = w, c

    def forward(self, x, t01):
        w = self.w
        f = w["gt.frequencies"]
        arg = t01[:, None] * f[None, :]
        emb = torch.cat([torch.sin(arg), torch.cos(arg) - 1], dim=1)
        for i in (0, 2, 4):
            emb = F.gelu(F.linear(emb, w[f"gt.time_embed.{i}.weight"], w[f"gt.time_embed.{i}.bias"]))
        emb = F.linear(emb, w["gt.time_embed.6.weight"], w["gt.time_embed.6.bias"])
        h = x
        for i in range(len(self.c["channels"])):
            h = F.conv2d(h, w[f"gt.blocks.{i}.net.0.weight"], w[f"gt.blocks.{i}.net.0.bias"], padding=self.c["kernel_size"] // 2)
            h = F.layer_norm(h, h.shape[1:], w[f"gt.blocks.{i}.net.1.weight"], w[f"gt.blocks.{i}.net.1.bias"])
            h = F.gelu(h)
            if i == 0:
                h = h + emb[:, :, None, None]
        return F.conv2d(h, w[f"gt.blocks.{len(self.c['channels'])}.weight"],
                        w[f"gt.blocks.{len(self.c['channels'])}.bias"], padding=1)


class Dit(torch.nn.Module):
    def __init__(self, w, c):
        super().__init__()
        self.w, self.c = w, c

    def forward(self, x, t, y):
        w, c = self.w, self.c
        p, e, heads = c["patch_size"], c["hidden_size"], c["num_heads"]
        half = w["time_emb.0.half_emb"]
        arg = t.float()[:, None] * half[None, :]
        temb = torch.cat([torch.sin(arg), torch.cos(arg)], dim=1)
        temb = F.linear(F.relu(F.linear(temb, w["time_emb.1.weight"], w["time_emb.1.bias"])),
                        w["time_emb.3.weight"], w["time_emb.3.bias"])
        cond = w["label_emb.weight"][y] + temb
        h = F.conv2d(x, w["conv.weight"], w["conv.bias"], stride=p)
        n, cp, gh, gw = h.shape
        h = h.permute(0, 2, 3, 1).reshape(n, gh * gw, cp)
        h = F.linear(h, w["patch_emb.weight"], w["patch_emb.bias"]) + w["patch_pos_emb"]
        seq = h.shape[1]
        for b in range(c["depth"]):
            pre = f"dits.{b}."
            lin = lambda name, v: F.linear(v, w[pre + name + ".weight"], w[pre + name + ".bias"])
            g1, b1, a1 = lin("gamma1", cond), lin("beta1", cond), lin("alpha1", cond)
            g2, b2, a2 = lin("gamma2", cond), lin("beta2", cond), lin("alpha2", cond)
            y1 = F.layer_norm(h, (e,), w[pre + "ln1.weight"], w[pre + "ln1.bias"])
            y1 = y1 * (1 + g1[:, None]) + b1[:, None]
            q = lin("wq", y1).view(n, seq, heads, e).permute(0, 2, 1, 3)
            k = lin("wk", y1).view(n, seq, heads, e).permute(0, 2, 1, 3)
            v = lin("wv", y1).view(n, seq, heads, e).permute(0, 2, 1, 3)
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(seq), dim=-1)  # upstream: sqrt(seq)
            o = (att @ v).permute(0, 2, 1, 3).reshape(n, seq, heads * e)
            h = h + a1[:, None] * lin("lv", o)
            y2 = F.layer_norm(h, (e,), w[pre + "ln2.weight"], w[pre + "ln2.bias"])
            y2 = y2 * (1 + g2[:, None]) + b2[:, None]
            h = h + a2[:, None] * lin("ff.2", F.relu(lin("ff.0", y2)))
        h = F.layer_norm(h, (e,), w["ln.weight"], w["ln.bias"])
        h = F.linear(h, w["linear.weight"], w["linear.bias"])
        ch = c["in_channels"]
        h = h.view(n, gh, gw, ch, p, p).permute(0, 3, 1, 4, 2, 5).reshape(n, ch, gh * p, gw * p)
        return h


class TaesdDecoder(torch.nn.Module):
    """TAESD decoder (flux_2 variant when use_midblock_gn): indices are the Sequential's."""

    def __init__(self, w, c):
        super().__init__()
        self.w, self.c = w, c
        self.keys = sorted({int(k.split(".")[1]) for k in w if k.startswith("decoder.")})

    def block(self, x, i):
        w, pre = self.w, f"decoder.{i}."
        if pre + "pool.0.weight" in w:
            g = F.conv2d(x, w[pre + "pool.0.weight"])
            g = F.relu(F.group_norm(g, 4, w[pre + "pool.1.weight"], w[pre + "pool.1.bias"]))
            x = x + F.conv2d(g, w[pre + "pool.3.weight"])
        h = F.relu(F.conv2d(x, w[pre + "conv.0.weight"], w[pre + "conv.0.bias"], padding=1))
        h = F.relu(F.conv2d(h, w[pre + "conv.2.weight"], w[pre + "conv.2.bias"], padding=1))
        h = F.conv2d(h, w[pre + "conv.4.weight"], w[pre + "conv.4.bias"], padding=1)
        return F.relu(h + x)

    def forward(self, z):
        w = self.w
        x = torch.tanh(z / 3) * 3  # index 0
        for i in range(1, max(self.keys) + 1):
            pre = f"decoder.{i}."
            if pre + "conv.0.weight" in w:
                x = self.block(x, i)
            elif pre + "weight" in w:
                x = F.conv2d(x, w[pre + "weight"], w.get(pre + "bias"), padding=1)
            elif i == 2:  # the ReLU after the first conv
                x = F.relu(x)
            else:  # nearest x2 upsample (no weights)
                x = F.interpolate(x, scale_factor=2, mode="nearest")
        return x
