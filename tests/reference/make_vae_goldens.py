#!/usr/bin/env python3
"""Writes the VAE reference data under tests/data/vae/.

1. tiny-autoencoder-kl/: a tiny random diffusers AutoencoderKL (Stable Diffusion's VAE
   architecture: 2 down/up blocks, block_out_channels [16, 32], layers_per_block 1,
   latent_channels 4, norm_num_groups 8, mid-block attention), saved with save_pretrained
   (config.json + diffusion_pytorch_model.safetensors, f32). diffusers initialises some
   weights to zero or one (norms, biases); every parameter is re-drawn from a fixed seed
   so that every tensor matters.
   tiny-autoencoder-kl-golden.safetensors: `image` [2,3,24,32] in [-1,1] (non-square),
   `posterior_mean` / `posterior_logvar` [2,4,12,16] = vae.encode(image).latent_dist
   (logvar clamped to [-30, 20] by diffusers), `latent` [2,4,12,16] ~ N(0,1) and `decoded`
   [2,3,24,32] = vae.decode(latent).sample (latent given directly, NOT divided by
   scaling_factor: that is the caller's job), plus `decoded_mean` = decode(posterior_mean).
2. tiny-taesd-diffusers/: a tiny random diffusers AutoencoderTiny in the classic SD-1.x TAESD
   configuration (latent_channels 4, no GroupNorm branch) but 8 channels wide, so the file is
   small; keys are diffusers' ("encoder.layers.N...", "decoder.layers.N..."). Its golden
   `image01` [1,3,32,40] in [0,1], `latent` = encoder.layers(image01) (TAESD convention,
   without diffusers' [-1,1] <-> [0,1] wrapping), `rand_latent` [1,4,4,5] and `decoded` =
   decoder.layers(tanh(rand_latent/3)*3) (raw, [0,1] convention).

Deterministic (torch.manual_seed). Run: /tmp/lmvenv/bin/python tests/reference/make_vae_goldens.py
Needs torch 2, diffusers (0.32 made the checked-in files), safetensors.
"""
import pathlib

import torch
from diffusers import AutoencoderKL, AutoencoderTiny
from safetensors.torch import save_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "vae"


def rerandomize(model, seed):
    """Every parameter re-drawn: conv/linear weights ~ N(0, (0.7/sqrt(fan_in))^2) so that
    activations stay O(1) through the network; 1-D tensors (biases, norm scales/shifts)
    ~ 0.1 * N(0,1), norm weights around 1."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g) * (0.7 / fan_in ** 0.5))
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))


def make_autoencoder_kl():
    torch.manual_seed(0)
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
        block_out_channels=[16, 32],
        layers_per_block=1,
        latent_channels=4,
        norm_num_groups=8,
        sample_size=32,
        scaling_factor=0.18215,
    ).eval()
    rerandomize(vae, 1)
    folder = OUT / "tiny-autoencoder-kl"
    vae.save_pretrained(folder, safe_serialization=True)

    g = torch.Generator().manual_seed(2)
    image = torch.rand((2, 3, 24, 32), generator=g) * 2 - 1
    latent = torch.randn((2, 4, 12, 16), generator=g)
    with torch.no_grad():
        dist = vae.encode(image).latent_dist
        decoded = vae.decode(latent).sample
        decoded_mean = vae.decode(dist.mean).sample
    tensors = {
        "image": image,
        "posterior_mean": dist.mean,
        "posterior_logvar": dist.logvar,
        "latent": latent,
        "decoded": decoded,
        "decoded_mean": decoded_mean,
    }
    tensors = {k: v.contiguous().float() for k, v in tensors.items()}
    save_file(tensors, OUT / "tiny-autoencoder-kl-golden.safetensors",
              metadata={"producer": f"diffusers AutoencoderKL, torch {torch.__version__}",
                        "script": "tests/reference/make_vae_goldens.py"})
    for k, v in tensors.items():
        print(f"  {k} {tuple(v.shape)} max|x| {v.abs().max():.4f}")


def make_taesd_diffusers():
    torch.manual_seed(0)
    tiny = AutoencoderTiny(
        in_channels=3,
        out_channels=3,
        encoder_block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        latent_channels=4,
    ).eval()
    rerandomize(tiny, 3)
    folder = OUT / "tiny-taesd-diffusers"
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tiny.state_dict().items()}, folder / "model.safetensors")
    (folder / "config.json").write_text(
        '{"architecture": "taesd", "name": "tiny-taesd-diffusers", "latent_channels": 4,\n'
        ' "channels": 8, "use_midblock_gn": false, "pixel_range": "zero_one"}\n')

    g = torch.Generator().manual_seed(4)
    image01 = torch.rand((1, 3, 32, 40), generator=g)
    rand_latent = torch.randn((1, 4, 4, 5), generator=g) * 2
    with torch.no_grad():
        latent = tiny.encoder.layers(image01)
        decoded = tiny.decoder.layers(torch.tanh(rand_latent / 3) * 3)
    tensors = {"image01": image01, "latent": latent, "rand_latent": rand_latent, "decoded": decoded}
    tensors = {k: v.contiguous().float() for k, v in tensors.items()}
    save_file(tensors, OUT / "tiny-taesd-diffusers-golden.safetensors",
              metadata={"producer": f"diffusers AutoencoderTiny, torch {torch.__version__}",
                        "script": "tests/reference/make_vae_goldens.py"})
    for k, v in tensors.items():
        print(f"  {k} {tuple(v.shape)} max|x| {v.abs().max():.4f}")


if __name__ == "__main__":
    torch.set_num_threads(1)  # bit-reproducible convolutions from run to run
    OUT.mkdir(parents=True, exist_ok=True)
    print("tiny-autoencoder-kl")
    make_autoencoder_kl()
    print("tiny-taesd-diffusers")
    make_taesd_diffusers()
