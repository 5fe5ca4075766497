#!/usr/bin/env python3
"""Writes a tiny random Stable Diffusion pipeline and a text-to-image golden.

tests/data/sd/tiny-sd/: a diffusers StableDiffusionPipeline folder (model_index.json,
tokenizer/, text_encoder/, unet/, vae/, scheduler/) assembled from tiny components:
  tokenizer     tests/data/sd/tiny-clip-tokenizer (make_clip_goldens.py)
  text_encoder  tests/data/sd/tiny-clip-text (CLIPTextModel, hidden 32, quick_gelu)
  unet          UNet2DConditionModel, block_out_channels [16, 32], cross_attention_dim 32
  vae           AutoencoderKL, block_out_channels [16, 32] (downscale 2), 4 latent channels
  scheduler     DDIMScheduler with SD 1.x's settings (scaled_linear 0.00085..0.012,
                steps_offset 1, set_alpha_to_one false, clip_sample false)
No safety checker / feature extractor.

tests/data/sd/tiny-sd-golden.safetensors (metadata: prompt, negative_prompt, guidance_scale,
num_inference_steps, height, width, scheduler): pipeline(prompt, negative_prompt,
height=16, width=16, guidance_scale=7.5, num_inference_steps=4, latents=initial_latents,
output_type="np"):
  initial_latents   f32 [1, 4, 8, 8]  (seeded randn, passed in as `latents`)
  prompt_ids, negative_prompt_ids  i32 [1, 77]
  prompt_embeds, negative_prompt_embeds  f32 [1, 77, 32]
  timesteps         i32 [4]
  step_latents      f32 [4, 1, 4, 8, 8]  latents after each scheduler step
  decoded           f32 [1, 3, 16, 16]   vae.decode(latents / scaling_factor), before clamping
  image             f32 [1, 16, 16, 3]   the pipeline's output (np, in [0, 1])

Deterministic. Run: /tmp/lmvenv/bin/python tests/reference/make_sd_tiny_goldens.py
(after make_clip_goldens.py). Needs torch, transformers 4.49, diffusers 0.32, safetensors.
"""
import json
import pathlib
import shutil

import numpy as np
import torch
from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
from safetensors.torch import save_file
from transformers import CLIPTextModel, CLIPTokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
SD = ROOT / "tests" / "data" / "sd"
OUT = SD / "tiny-sd"
GOLDEN = SD / "tiny-sd-golden.safetensors"

PROMPT = "a portrait of a cat wearing a hat, oil on canvas"
NEGATIVE = "blurry, low quality"
GUIDANCE = 7.5
STEPS = 4
SIZE = 16


def perturb(model, seed):
    """Random init leaves norms at 1 / biases at 0 (and zero-inits some convs): perturb all."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))


def main():
    torch.manual_seed(0)
    tokenizer = CLIPTokenizer.from_pretrained(str(SD / "tiny-clip-tokenizer"))
    text_encoder = CLIPTextModel.from_pretrained(str(SD / "tiny-clip-text")).eval()
    unet = UNet2DConditionModel(
        sample_size=SIZE // 2, in_channels=4, out_channels=4, block_out_channels=(16, 32),
        layers_per_block=1, down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), cross_attention_dim=32,
        attention_head_dim=(2, 4), norm_num_groups=8).eval()
    perturb(unet, 1)
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, block_out_channels=(16, 32), layers_per_block=1,
        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4, norm_num_groups=8, sample_size=SIZE).eval()
    perturb(vae, 2)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                              clip_sample=False, set_alpha_to_one=False, steps_offset=1,
                              prediction_type="epsilon", num_train_timesteps=1000)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    if OUT.exists():
        shutil.rmtree(OUT)
    pipe.save_pretrained(str(OUT), safe_serialization=True)

    # Reload from disk so the golden is what the saved folder computes.
    pipe = StableDiffusionPipeline.from_pretrained(str(OUT), safety_checker=None,
                                                   requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    g = torch.Generator().manual_seed(1234)
    latents = torch.randn((1, 4, SIZE // 2, SIZE // 2), generator=g, dtype=torch.float32)
    steps = []

    def on_step_end(p, i, t, kwargs):
        steps.append(kwargs["latents"].detach().clone())
        return kwargs

    with torch.no_grad():
        out = pipe(PROMPT, negative_prompt=NEGATIVE, height=SIZE, width=SIZE, guidance_scale=GUIDANCE,
                   num_inference_steps=STEPS, latents=latents.clone(), output_type="np",
                   callback_on_step_end=on_step_end)
        ids = pipe.tokenizer(PROMPT, padding="max_length", max_length=77, truncation=True,
                             return_tensors="pt").input_ids
        neg_ids = pipe.tokenizer(NEGATIVE, padding="max_length", max_length=77, truncation=True,
                                 return_tensors="pt").input_ids
        prompt_embeds = pipe.text_encoder(ids)[0]
        negative_embeds = pipe.text_encoder(neg_ids)[0]
        decoded = pipe.vae.decode(steps[-1] / pipe.vae.config.scaling_factor).sample
    tensors = {
        "initial_latents": latents,
        "prompt_ids": ids.to(torch.int32),
        "negative_prompt_ids": neg_ids.to(torch.int32),
        "prompt_embeds": prompt_embeds,
        "negative_prompt_embeds": negative_embeds,
        "timesteps": pipe.scheduler.timesteps.to(torch.int32),
        "step_latents": torch.stack(steps),
        "decoded": decoded,
        "image": torch.from_numpy(np.ascontiguousarray(out.images)).to(torch.float32),
    }
    meta = {"prompt": PROMPT, "negative_prompt": NEGATIVE, "guidance_scale": str(GUIDANCE),
            "num_inference_steps": str(STEPS), "height": str(SIZE), "width": str(SIZE),
            "scheduler": "ddim"}
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(GOLDEN), metadata=meta)
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"wrote {OUT} ({total / 1e6:.2f} MB), {GOLDEN}; timesteps {tensors['timesteps'].tolist()}")
    print(json.dumps({k: list(v.shape) for k, v in tensors.items()}))


if __name__ == "__main__":
    main()
