#!/usr/bin/env python3
"""Packs the committed tiny diffusers pipeline into one LDM-named single-file checkpoint.

Run with the reference venv (torch 2 + diffusers + transformers):
    /tmp/lmvenv/bin/python tests/reference/make_sd_single_file.py

Reads tests/data/sd/tiny-sd/{unet,vae,text_encoder}/*.safetensors and writes
tests/data/sd/tiny-sd-ldm.safetensors with the original CompVis / LDM key names:
  model.diffusion_model.*                         (UNet)
  first_stage_model.*                             (AutoencoderKL; attention as 1x1 convs)
  cond_stage_model.transformer.text_model.*       (CLIPTextModel)
The names come from OUR diffusers -> LDM mappings (make_unet_goldens.unet_diffusers_to_ldm,
list_sd15_tensors.vae_diffusers_to_ldm); the file is then read back with diffusers' own
independent converters (convert_ldm_unet_checkpoint / convert_ldm_vae_checkpoint /
convert_ldm_clip_checkpoint) which must give back exactly the folder's tensors.
tests/models/test_sd_single_file.cpp loads both and compares the models' outputs.
"""

import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_unet_goldens import unet_diffusers_to_ldm  # noqa: E402
from list_sd15_tensors import ldm_vae_shape, vae_diffusers_to_ldm  # noqa: E402
from diffusers.loaders.single_file_utils import (convert_ldm_clip_checkpoint, convert_ldm_unet_checkpoint,  # noqa: E402
                                                 convert_ldm_vae_checkpoint)

TINY = os.path.join(HERE, "..", "data", "sd", "tiny-sd")
OUT = os.path.join(HERE, "..", "data", "sd", "tiny-sd-ldm.safetensors")


def read_json(path):
    with open(path) as f:
        return json.load(f)


def main():
    unet_config = read_json(os.path.join(TINY, "unet", "config.json"))
    vae_config = read_json(os.path.join(TINY, "vae", "config.json"))
    unet = load_file(os.path.join(TINY, "unet", "diffusion_pytorch_model.safetensors"))
    vae = load_file(os.path.join(TINY, "vae", "diffusion_pytorch_model.safetensors"))
    text = load_file(os.path.join(TINY, "text_encoder", "model.safetensors"))

    ldm = {}
    for k, v in unet.items():
        ldm["model.diffusion_model." + unet_diffusers_to_ldm(k, unet_config)] = v
    for k, v in vae.items():
        ldm["first_stage_model." + vae_diffusers_to_ldm(k, vae_config)] = v.reshape(ldm_vae_shape(k, v.shape))
    for k, v in text.items():
        ldm["cond_stage_model.transformer." + k] = v
    assert len(ldm) == len(unet) + len(vae) + len(text), "two tensors mapped to one LDM name"
    ldm = {k: v.contiguous() for k, v in ldm.items()}
    save_file(ldm, OUT, metadata={"format": "pt"})

    # Read back with diffusers' converters: every tensor must come back bit-identical.
    back = load_file(OUT)

    def check(kind, ours, converted):
        assert set(ours) == set(converted), f"{kind}: {sorted(set(ours) ^ set(converted))[:10]}"
        for k, v in ours.items():
            assert torch.equal(converted[k].reshape(v.shape), v) and converted[k].shape == v.shape, f"{kind}: {k}"

    check("unet", unet, convert_ldm_unet_checkpoint(dict(back), unet_config))
    check("vae", vae, convert_ldm_vae_checkpoint(dict(back), vae_config))
    text_back = convert_ldm_clip_checkpoint(dict(back))
    # transformers' CLIPTextModel may list position_ids as a buffer; compare what the folder holds.
    check("text_encoder", text, {k: v for k, v in text_back.items() if k in text or k != "text_model.embeddings.position_ids"})
    print(f"wrote {os.path.relpath(OUT)}: {len(ldm)} tensors "
          f"(unet {len(unet)}, vae {len(vae)}, text encoder {len(text)}); diffusers' converters agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
