#!/usr/bin/env python3
"""Goldens for the Stable Diffusion 1.x UNet and its diffusers building blocks.

Run with the reference venv (torch 2 + diffusers):
    /tmp/lmvenv/bin/python tests/reference/make_unet_goldens.py

Writes under tests/data/sd/:
  tiny-unet/                       a tiny random diffusers UNet2DConditionModel
                                   (save_pretrained: config.json + diffusion_pytorch_model.safetensors)
  tiny-unet-golden.safetensors     sample [2,4,16,16], timesteps [2], encoder_hidden_states
                                   [2,7,32], output, and intermediates (time embedding, each
                                   block's output) for layer-by-layer comparison
  tiny-unet-ldm.safetensors        the same weights under original Stable Diffusion (LDM /
                                   CompVis) single-file names ("model.diffusion_model. ...")
                                   made by OUR mapping below, checked against diffusers' own
                                   independent converter (convert_ldm_unet_checkpoint)
  tiny-unet-linear/, tiny-unet-linear-golden.safetensors
                                   a second layout (SD 2.x linear projections, 2 transformer
                                   layers, 2 resnets per block, flip_sin_to_cos False, freq_shift 1)
  blocks-golden.safetensors        a ResnetBlock2D (with time embedding and 1x1 shortcut) and a
                                   VAE-style spatial Attention: weights, inputs, outputs

Every parameter is re-randomized: diffusers zero-initialises some (e.g. proj_out in older
versions), which would hide wiring mistakes.
"""
import json
import math
import os
import sys

import torch
from safetensors.torch import save_file

from diffusers import UNet2DConditionModel
from diffusers.models.attention_processor import Attention
from diffusers.models.resnet import ResnetBlock2D
from diffusers.loaders.single_file_utils import convert_ldm_unet_checkpoint

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "sd")


def rerandomize(module: torch.nn.Module, gen: torch.Generator) -> None:
    """Weights ~ N(0, 1/fan_in), biases ~ N(0, 0.05^2), norm scales ~ 1 + N(0, 0.1^2)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            leaf = name.split(".")[-2] if "." in name else name
            is_norm = "norm" in leaf
            if p.ndim >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(fan_in))
            elif name.endswith("weight") and is_norm:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.05 * torch.randn(p.shape, generator=gen))


# ---- Our own diffusers -> LDM name mapping for the UNet (SD 1.x / 2.x layout) ---------------
# Mirrors src/models/sd/ldm_names.cpp (which maps the same way, queried diffusers -> LDM).

RESNET_LDM = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1",
              "norm2": "out_layers.0", "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}


def _as_list(v, n):
    return list(v) if isinstance(v, (list, tuple)) else [v] * n


def unet_diffusers_to_ldm(name: str, config: dict) -> str:
    nblocks = len(config["down_block_types"])
    layers = _as_list(config["layers_per_block"], nblocks)
    down_has_attn = ["CrossAttn" in t for t in config["down_block_types"]]
    up_has_attn = ["CrossAttn" in t for t in config["up_block_types"]]
    parts = name.split(".")

    def resnet_rest(rest):
        return ".".join([RESNET_LDM[rest[0]]] + rest[1:])

    simple = {"time_embedding.linear_1": "time_embed.0", "time_embedding.linear_2": "time_embed.2",
              "conv_in": "input_blocks.0.0", "conv_norm_out": "out.0", "conv_out": "out.2"}
    head = ".".join(parts[:2])
    if head in simple:
        return simple[head] + "." + ".".join(parts[2:])
    if parts[0] in simple:
        return simple[parts[0]] + "." + ".".join(parts[1:])
    if parts[0] == "down_blocks":
        i, kind, j, rest = int(parts[1]), parts[2], int(parts[3]), parts[4:]
        # input_blocks: 0 is conv_in; each down block contributes its layers, then its downsampler
        base = 1 + sum(layers[k] + (1 if k + 1 < nblocks else 0) for k in range(i))
        if kind == "resnets":
            return f"input_blocks.{base + j}.0.{resnet_rest(rest)}"
        if kind == "attentions":
            return f"input_blocks.{base + j}.1." + ".".join(rest)
        if kind == "downsamplers":
            assert rest[0] == "conv"
            return f"input_blocks.{base + layers[i]}.0.op." + ".".join(rest[1:])
    if parts[0] == "mid_block":
        kind, j, rest = parts[1], int(parts[2]), parts[3:]
        if kind == "resnets":
            return f"middle_block.{2 * j}.{resnet_rest(rest)}"
        if kind == "attentions":
            return f"middle_block.{2 * j + 1}." + ".".join(rest)
    if parts[0] == "up_blocks":
        rev_layers = list(reversed(layers))
        i, kind, j, rest = int(parts[1]), parts[2], int(parts[3]), parts[4:]
        base = sum(rev_layers[k] + 1 for k in range(i))
        if kind == "resnets":
            return f"output_blocks.{base + j}.0.{resnet_rest(rest)}"
        if kind == "attentions":
            return f"output_blocks.{base + j}.1." + ".".join(rest)
        if kind == "upsamplers":
            assert rest[0] == "conv"
            sub = 2 if up_has_attn[i] else 1
            return f"output_blocks.{base + rev_layers[i]}.{sub}.conv." + ".".join(rest[1:])
    raise ValueError(f"no LDM name for {name}")


def tiny_unet_config():
    return dict(
        sample_size=16, in_channels=4, out_channels=4,
        block_out_channels=(16, 32), layers_per_block=1,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        mid_block_type="UNetMidBlock2DCrossAttn",
        cross_attention_dim=32,
        attention_head_dim=(2, 4),  # a list, and (diffusers quirk) the NUMBER of heads
        norm_num_groups=8, norm_eps=1e-5,
        flip_sin_to_cos=True, freq_shift=0,
        use_linear_projection=False, transformer_layers_per_block=1,
    )


def make_unet(gen):
    unet = UNet2DConditionModel(**tiny_unet_config()).eval()
    rerandomize(unet, gen)
    unet_dir = os.path.join(OUT, "tiny-unet")
    unet.save_pretrained(unet_dir, safe_serialization=True)

    sample = torch.randn(2, 4, 16, 16, generator=gen)
    timesteps = torch.tensor([999.0, 37.5])  # fractional: Euler-family samplers feed these
    context = torch.randn(2, 7, 32, generator=gen)

    captured = {}

    def hook(name):
        def f(_m, _inp, out):
            captured[name] = (out[0] if isinstance(out, tuple) else out).detach().clone()
        return f

    unet.time_proj.register_forward_hook(hook("time_proj"))
    unet.time_embedding.register_forward_hook(hook("time_embedding"))
    unet.conv_in.register_forward_hook(hook("conv_in"))
    for i, b in enumerate(unet.down_blocks):
        b.register_forward_hook(hook(f"down_blocks.{i}"))
    unet.mid_block.register_forward_hook(hook("mid_block"))
    for i, b in enumerate(unet.up_blocks):
        b.register_forward_hook(hook(f"up_blocks.{i}"))

    with torch.no_grad():
        out = unet(sample, timesteps, encoder_hidden_states=context).sample
    tensors = {"sample": sample, "timesteps": timesteps, "encoder_hidden_states": context, "output": out}
    tensors.update({f"intermediate.{k}": v for k, v in captured.items()})
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(OUT, "tiny-unet-golden.safetensors"))
    print("unet output std", float(out.std()), "max", float(out.abs().max()))

    # LDM single-file names through our mapping, verified by diffusers' independent converter.
    sd = unet.state_dict()
    config = dict(unet.config)
    ldm = {"model.diffusion_model." + unet_diffusers_to_ldm(k, config): v.contiguous() for k, v in sd.items()}
    assert len(ldm) == len(sd), "two diffusers names mapped to one LDM name"
    back = convert_ldm_unet_checkpoint(dict(ldm), config)
    assert set(back) == set(sd), f"diffusers converter disagrees: {sorted(set(back) ^ set(sd))[:10]}"
    for k in sd:
        assert torch.equal(back[k].reshape(sd[k].shape), sd[k]), f"tensor differs after conversion: {k}"
    save_file(ldm, os.path.join(OUT, "tiny-unet-ldm.safetensors"))
    print(f"LDM mapping of {len(sd)} UNet tensors agrees with diffusers' convert_ldm_unet_checkpoint")


def make_unet_linear(gen):
    """A second layout: SD 2.x style linear projections, two transformer layers per block,
    two resnets per block, flip_sin_to_cos False / freq_shift 1, a non-square sample."""
    config = dict(
        sample_size=8, in_channels=4, out_channels=4,
        block_out_channels=(8, 16), layers_per_block=2,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=16, attention_head_dim=2, norm_num_groups=4, norm_eps=1e-6,
        flip_sin_to_cos=False, freq_shift=1,
        use_linear_projection=True, transformer_layers_per_block=2,
    )
    unet = UNet2DConditionModel(**config).eval()
    rerandomize(unet, gen)
    unet.save_pretrained(os.path.join(OUT, "tiny-unet-linear"), safe_serialization=True)
    sample = torch.randn(1, 4, 8, 12, generator=gen)
    timesteps = torch.tensor([500.0])
    context = torch.randn(1, 5, 16, generator=gen)
    with torch.no_grad():
        out = unet(sample, timesteps, encoder_hidden_states=context).sample
    save_file({"sample": sample, "timesteps": timesteps, "encoder_hidden_states": context, "output": out.contiguous()},
              os.path.join(OUT, "tiny-unet-linear-golden.safetensors"))
    # Our LDM mapping with two layers per block, checked against diffusers (no file written).
    sd = unet.state_dict()
    cfg = dict(unet.config)
    ldm = {"model.diffusion_model." + unet_diffusers_to_ldm(k, cfg): v for k, v in sd.items()}
    back = convert_ldm_unet_checkpoint(dict(ldm), cfg)
    assert set(back) == set(sd), f"diffusers converter disagrees: {sorted(set(back) ^ set(sd))[:10]}"
    print("linear-projection UNet output std", float(out.std()))


def make_blocks(gen):
    tensors = {}
    # ResnetBlock2D 8 -> 16 channels with a time embedding of 12 (so conv_shortcut exists).
    res = ResnetBlock2D(in_channels=8, out_channels=16, temb_channels=12, groups=4, eps=1e-6).eval()
    rerandomize(res, gen)
    x = torch.randn(2, 8, 5, 6, generator=gen)
    temb = torch.randn(2, 12, generator=gen)
    with torch.no_grad():
        y = res(x, temb)
    tensors.update({f"resnet.{k}": v for k, v in res.state_dict().items()})
    tensors.update({"resnet_in": x, "resnet_temb": temb, "resnet_out": y})

    # ResnetBlock2D without time embedding (VAE), in == out (identity shortcut).
    res2 = ResnetBlock2D(in_channels=8, out_channels=8, temb_channels=None, groups=4, eps=1e-6).eval()
    rerandomize(res2, gen)
    with torch.no_grad():
        y2 = res2(x, None)
    tensors.update({f"resnet_notemb.{k}": v for k, v in res2.state_dict().items()})
    tensors.update({"resnet_notemb_out": y2})

    # VAE mid-block attention (AutoencoderKL's UNetMidBlock2D builds it this way), 2 heads.
    channels, heads = 16, 2
    attn = Attention(query_dim=channels, heads=heads, dim_head=channels // heads, rescale_output_factor=1.0,
                     eps=1e-6, norm_num_groups=4, spatial_norm_dim=None, residual_connection=True, bias=True,
                     upcast_softmax=True, _from_deprecated_attn_block=True).eval()
    rerandomize(attn, gen)
    xa = torch.randn(2, channels, 4, 5, generator=gen)
    with torch.no_grad():
        ya = attn(xa)
    tensors.update({f"attn.{k}": v for k, v in attn.state_dict().items()})
    tensors.update({"attn_in": xa, "attn_out": ya})
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(OUT, "blocks-golden.safetensors"))


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(20240607)
    torch.manual_seed(0)
    make_blocks(gen)
    make_unet(gen)
    make_unet_linear(gen)
    return 0


if __name__ == "__main__":
    sys.exit(main())
