#!/usr/bin/env python3
"""Names and shapes of every Stable Diffusion 1.5 tensor, without any weights.

Run with the reference venv (torch 2 + diffusers + transformers):
    /tmp/lmvenv/bin/python tests/reference/list_sd15_tensors.py

Builds the real SD 1.5 UNet2DConditionModel, AutoencoderKL and CLIPTextModel (configs
written out below, as published in runwayml/stable-diffusion-v1-5's model_index folders) on
torch's meta device, so nothing is allocated, and writes tests/data/sd/sd15_tensors.json:
  {"unet_config": ..., "vae_config": ..., "text_encoder_config": ...,
   "unet" / "vae" / "text_encoder": [{"name": diffusers name, "shape": [...],
                                      "ldm": single-file (LDM) name, "ldm_shape": [...]}, ...]}
The LDM names come from OUR mapping below (the same rules as src/models/sd/ldm_names.cpp),
each checked here against diffusers' own independent converters
(convert_ldm_unet_checkpoint / convert_ldm_vae_checkpoint / convert_ldm_clip_checkpoint).
tests/models/test_sd15_keys.cpp loads our models from zero-stride fakes of these tensors.
"""
import json
import os
import sys

import torch

from diffusers import AutoencoderKL, UNet2DConditionModel
from diffusers.loaders.single_file_utils import (convert_ldm_clip_checkpoint, convert_ldm_unet_checkpoint,
                                                 convert_ldm_vae_checkpoint)
from transformers import CLIPTextConfig, CLIPTextModel

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_unet_goldens import unet_diffusers_to_ldm  # noqa: E402  (our UNet mapping)

OUT = os.path.join(HERE, "..", "data", "sd", "sd15_tensors.json")

UNET_CONFIG = {
    "act_fn": "silu", "attention_head_dim": 8, "block_out_channels": [320, 640, 1280, 1280],
    "center_input_sample": False, "cross_attention_dim": 768,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "downsample_padding": 1, "flip_sin_to_cos": True, "freq_shift": 0, "in_channels": 4, "layers_per_block": 2,
    "mid_block_scale_factor": 1, "norm_eps": 1e-05, "norm_num_groups": 32, "out_channels": 4, "sample_size": 64,
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
}

VAE_CONFIG = {
    "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4, "in_channels": 3, "latent_channels": 4, "layers_per_block": 2,
    "norm_num_groups": 32, "out_channels": 3, "sample_size": 512, "up_block_types": ["UpDecoderBlock2D"] * 4,
    "scaling_factor": 0.18215,
}

TEXT_ENCODER_CONFIG = {
    "architectures": ["CLIPTextModel"], "attention_dropout": 0.0, "bos_token_id": 0, "eos_token_id": 2,
    "hidden_act": "quick_gelu", "hidden_size": 768, "initializer_factor": 1.0, "initializer_range": 0.02,
    "intermediate_size": 3072, "layer_norm_eps": 1e-05, "max_position_embeddings": 77, "model_type": "clip_text_model",
    "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 1, "projection_dim": 768,
    "vocab_size": 49408,
}


# ---- Our own diffusers -> LDM mapping for the VAE and the text encoder ---------------------

def vae_diffusers_to_ldm(name: str, config: dict) -> str:
    n = len(config["block_out_channels"])
    p = name.split(".")

    def resnet(prefix, rest):
        part = "nin_shortcut" if rest[0] == "conv_shortcut" else rest[0]
        return prefix + ".".join([part] + rest[1:])

    if p[0] in ("quant_conv", "post_quant_conv"):
        return name
    side = p[0] + "."
    if p[1] in ("conv_in", "conv_out"):
        return name
    if p[1] == "conv_norm_out":
        return side + "norm_out." + ".".join(p[2:])
    if p[1] == "mid_block":
        j = int(p[3])
        if p[2] == "resnets":
            return resnet(side + f"mid.block_{j + 1}.", p[4:])
        attn = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out": "proj_out"}[p[4]]
        rest = p[6:] if p[4] == "to_out" else p[5:]
        return side + "mid.attn_1." + attn + "." + ".".join(rest)
    i = int(p[2])
    if p[1] == "down_blocks":
        level = side + f"down.{i}."
        if p[3] == "resnets":
            return resnet(level + f"block.{p[4]}.", p[5:])
        return level + "downsample.conv." + p[-1]
    if p[1] == "up_blocks":
        level = side + f"up.{n - 1 - i}."
        if p[3] == "resnets":
            return resnet(level + f"block.{p[4]}.", p[5:])
        return level + "upsample.conv." + p[-1]
    raise ValueError(f"no LDM name for {name}")


def ldm_vae_shape(name: str, shape):
    # LDM's VAE attention projections are 1x1 convolutions.
    if ".mid_block.attentions." in name and name.endswith("weight") and len(shape) == 2:
        return list(shape) + [1, 1]
    return list(shape)


def on_meta(build):
    with torch.device("meta"):
        return build()


def check_same(kind, ours: dict, converted: dict):
    assert set(ours) == set(converted), f"{kind}: diffusers converter disagrees: {sorted(set(ours) ^ set(converted))[:10]}"
    for k, v in ours.items():
        assert tuple(converted[k].shape) == tuple(v.shape), f"{kind}: {k} {tuple(converted[k].shape)} != {tuple(v.shape)}"


def main():
    unet = on_meta(lambda: UNet2DConditionModel(**UNET_CONFIG))
    vae = on_meta(lambda: AutoencoderKL(**VAE_CONFIG))
    text = on_meta(lambda: CLIPTextModel(CLIPTextConfig(**TEXT_ENCODER_CONFIG)))

    unet_sd, vae_sd, text_sd = unet.state_dict(), vae.state_dict(), text.state_dict()
    unet_config, vae_config = dict(unet.config), dict(vae.config)

    # UNet: our names -> diffusers' converter -> must give back the same names and shapes.
    ldm_unet = {"model.diffusion_model." + unet_diffusers_to_ldm(k, unet_config): v for k, v in unet_sd.items()}
    check_same("unet", unet_sd, convert_ldm_unet_checkpoint(dict(ldm_unet), unet_config))

    # VAE (the LDM file stores attention weights as [C, C, 1, 1]; diffusers squeezes them).
    ldm_vae = {}
    for k, v in vae_sd.items():
        ldm_vae["first_stage_model." + vae_diffusers_to_ldm(k, vae_config)] = torch.empty(
            ldm_vae_shape(k, v.shape), device="meta")
    check_same("vae", vae_sd, convert_ldm_vae_checkpoint(dict(ldm_vae), vae_config))

    # Text encoder: FrozenCLIPEmbedder keeps transformers' names under "cond_stage_model.transformer.".
    ldm_text = {"cond_stage_model.transformer." + k: v for k, v in text_sd.items()}
    check_same("text_encoder", text_sd, convert_ldm_clip_checkpoint(dict(ldm_text)))

    def rows(sd, to_ldm, ldm_shape=lambda n, s: list(s)):
        return [{"name": k, "shape": list(v.shape), "ldm": to_ldm(k), "ldm_shape": ldm_shape(k, v.shape)}
                for k, v in sd.items()]

    out = {
        "unet_config": json.loads(json.dumps(unet_config, default=list)),
        "vae_config": json.loads(json.dumps(vae_config, default=list)),
        "text_encoder_config": TEXT_ENCODER_CONFIG,
        "unet": rows(unet_sd, lambda k: "model.diffusion_model." + unet_diffusers_to_ldm(k, unet_config)),
        "vae": rows(vae_sd, lambda k: "first_stage_model." + vae_diffusers_to_ldm(k, vae_config), ldm_vae_shape),
        "text_encoder": rows(text_sd, lambda k: "cond_stage_model.transformer." + k),
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=0)
        f.write("\n")
    print({k: len(out[k]) for k in ("unet", "vae", "text_encoder")},
          "parameters:", sum(v.numel() for v in unet_sd.values()), sum(v.numel() for v in vae_sd.values()),
          sum(v.numel() for v in text_sd.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
