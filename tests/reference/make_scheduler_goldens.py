#!/usr/bin/env python3
"""Writes tests/data/schedulers/<case>.safetensors: diffusers schedulers driven step by step.

Each case configures one diffusers scheduler (DDPM, DDIM, Euler, Euler ancestral, Heun,
DPM-Solver++ 2M, LCM), runs set_timesteps(steps) and a full sampling loop on a fixed
sample of shape [1, 4, 8, 8] with a deterministic fake model

    model_output = tanh(model_input * 0.5 + t / 1000)      (float32)

and records, per model evaluation i: the scaled model input (`model_in.i`), the noise the
scheduler drew (`noise.i`, only when it drew some: randn_tensor is patched to hand out
pre-drawn tensors) and the sample after the step (`sample.i`). Also the initial sample
(`x_init`, already multiplied by init_noise_sigma), add_noise results for img2img
(`add_noise.<strength>`) and, in the metadata, the config (our SchedulerConfig field
names), the timesteps, init_noise_sigma and the img2img start indices.
tests/sampling/test_schedulers.cpp replays every case with aigc::sampling.

Run:  /tmp/lmvenv/bin/python tests/reference/make_scheduler_goldens.py
Needs torch, diffusers (0.32.x), safetensors.
"""
import json
import pathlib

import torch
import diffusers
import safetensors.torch
from diffusers.schedulers import (scheduling_ddim, scheduling_ddpm, scheduling_dpmsolver_multistep,
                                  scheduling_euler_ancestral_discrete, scheduling_euler_discrete,
                                  scheduling_heun_discrete, scheduling_lcm)

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "schedulers"
SHAPE = (1, 4, 8, 8)
MODEL_GAIN = 0.5
STRENGTHS = (0.6, 0.35)

CLASSES = {
    "ddpm": diffusers.DDPMScheduler,
    "ddim": diffusers.DDIMScheduler,
    "euler": diffusers.EulerDiscreteScheduler,
    "euler_a": diffusers.EulerAncestralDiscreteScheduler,
    "heun": diffusers.HeunDiscreteScheduler,
    "dpmpp_2m": diffusers.DPMSolverMultistepScheduler,
    "lcm": diffusers.LCMScheduler,
}
MODULES = [scheduling_ddim, scheduling_ddpm, scheduling_dpmsolver_multistep,
           scheduling_euler_ancestral_discrete, scheduling_euler_discrete,
           scheduling_heun_discrete, scheduling_lcm]

SD = dict(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012)
LIN = dict(beta_schedule="linear", beta_start=0.0001, beta_end=0.02)
COS = dict(beta_schedule="squaredcos_cap_v2")

# name, scheduler, steps, diffusers config (our field names are derived from it), extra
CASES = [
    ("ddpm_eps_linear_small_clip", "ddpm", 10, dict(**LIN, prediction_type="epsilon", variance_type="fixed_small", clip_sample=True, timestep_spacing="leading")),
    ("ddpm_v_sd_large_trailing", "ddpm", 12, dict(**SD, prediction_type="v_prediction", variance_type="fixed_large", clip_sample=False, timestep_spacing="trailing")),
    ("ddpm_sample_cos_linspace", "ddpm", 10, dict(**COS, prediction_type="sample", variance_type="fixed_small", clip_sample=True, clip_sample_range=0.8, timestep_spacing="linspace")),
    ("ddpm_eps_linear_large_full", "ddpm", 25, dict(**LIN, num_train_timesteps=25, prediction_type="epsilon", variance_type="fixed_large", clip_sample=False, timestep_spacing="leading")),
    ("ddim_eta0_eps_sd_offset", "ddim", 10, dict(**SD, prediction_type="epsilon", clip_sample=False, set_alpha_to_one=False, steps_offset=1, timestep_spacing="leading"), dict(eta=0.0)),
    ("ddim_eta1_v_linear_trailing_clip", "ddim", 12, dict(**LIN, prediction_type="v_prediction", clip_sample=True, set_alpha_to_one=True, timestep_spacing="trailing"), dict(eta=1.0)),
    ("ddim_eta05_sample_linspace", "ddim", 11, dict(**SD, prediction_type="sample", clip_sample=True, set_alpha_to_one=True, timestep_spacing="linspace"), dict(eta=0.5)),
    ("euler_eps_sd_linspace", "euler", 15, dict(**SD, prediction_type="epsilon", timestep_spacing="linspace")),
    ("euler_v_sd_leading_offset", "euler", 10, dict(**SD, prediction_type="v_prediction", timestep_spacing="leading", steps_offset=1)),
    ("euler_karras_eps_linear", "euler", 12, dict(**LIN, prediction_type="epsilon", timestep_spacing="linspace", use_karras_sigmas=True)),
    ("euler_sample_trailing", "euler", 10, dict(**SD, prediction_type="sample", timestep_spacing="trailing")),
    ("euler_a_eps_sd_leading", "euler_a", 10, dict(**SD, prediction_type="epsilon", timestep_spacing="leading", steps_offset=1)),
    ("euler_a_v_linear_trailing", "euler_a", 12, dict(**LIN, prediction_type="v_prediction", timestep_spacing="trailing")),
    ("heun_eps_sd_linspace", "heun", 10, dict(**SD, prediction_type="epsilon", timestep_spacing="linspace")),
    ("heun_v_karras_linear", "heun", 10, dict(**LIN, prediction_type="v_prediction", timestep_spacing="leading", use_karras_sigmas=True)),
    ("dpmpp_2m_eps_sd_linspace", "dpmpp_2m", 20, dict(**SD, prediction_type="epsilon", timestep_spacing="linspace")),
    ("dpmpp_2m_karras_eps_sd", "dpmpp_2m", 12, dict(**SD, prediction_type="epsilon", timestep_spacing="linspace", use_karras_sigmas=True)),
    ("dpmpp_2m_v_linear_leading", "dpmpp_2m", 10, dict(**LIN, prediction_type="v_prediction", timestep_spacing="leading", steps_offset=1)),
    ("dpmpp_2m_sample_trailing", "dpmpp_2m", 15, dict(**SD, prediction_type="sample", timestep_spacing="trailing")),
    ("lcm_eps_sd", "lcm", 8, dict(**SD, prediction_type="epsilon", original_inference_steps=50)),
    ("lcm_v_linear_clip", "lcm", 10, dict(**LIN, prediction_type="v_prediction", original_inference_steps=40, clip_sample=True, timestep_scaling=5.0)),
]

# Our SchedulerConfig field name for each diffusers config key.
FIELD = {"num_train_timesteps": "num_train_timesteps", "beta_schedule": "beta_schedule",
         "beta_start": "beta_start", "beta_end": "beta_end", "prediction_type": "prediction",
         "timestep_spacing": "spacing", "steps_offset": "steps_offset", "clip_sample": "clip_sample",
         "clip_sample_range": "clip_sample_range", "set_alpha_to_one": "set_alpha_to_one",
         "variance_type": "variance_type", "use_karras_sigmas": "use_karras_sigmas",
         "original_inference_steps": "original_inference_steps", "timestep_scaling": "timestep_scaling"}


class NoiseBank:
    """Stands in for diffusers' randn_tensor: hands out pre-drawn noise and records it."""

    def __init__(self, seed):
        self.gen = torch.Generator().manual_seed(seed)
        self.drawn = {}
        self.index = None

    def __call__(self, shape, generator=None, device=None, dtype=None, layout=None, **kw):
        assert self.index is not None and self.index not in self.drawn, "noise drawn twice in one step"
        n = torch.randn(tuple(shape), generator=self.gen, dtype=torch.float32)
        self.drawn[self.index] = n.clone()
        return n.to(dtype or torch.float32)


def fake_model(x, t):
    return torch.tanh(x * MODEL_GAIN + float(t) / 1000.0)


def run_case(name, kind, steps, dcfg, extra=None, seed=0):
    extra = extra or {}
    bank = NoiseBank(1000 + seed)
    for m in MODULES:
        m.randn_tensor = bank
    cls = CLASSES[kind]
    sched = cls(**dcfg)
    sched.set_timesteps(steps)
    timesteps = [float(t) for t in sched.timesteps]
    sigma0 = float(sched.init_noise_sigma)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(SHAPE, generator=g, dtype=torch.float32) * sigma0
    tensors = {"x_init": x.clone()}
    for i, t in enumerate(sched.timesteps):
        bank.index = i
        model_in = sched.scale_model_input(x, t)
        out = fake_model(model_in, t)
        kwargs = {}
        if kind == "ddim":
            kwargs["eta"] = extra.get("eta", 0.0)
        x = sched.step(out, t, x, **kwargs, return_dict=False)[0]
        tensors[f"model_in.{i}"] = model_in.clone()
        tensors[f"sample.{i}"] = x.clone()
    for i, n in bank.drawn.items():
        tensors[f"noise.{i}"] = n
    bank.index = None

    # img2img: start index (diffusers' get_timesteps) and add_noise at that timestep, on a
    # fresh scheduler as the pipelines use it.
    x0 = torch.randn(SHAPE, generator=g, dtype=torch.float32).clamp(-1, 1)
    n0 = torch.randn(SHAPE, generator=g, dtype=torch.float32)
    tensors["img2img_x0"], tensors["img2img_noise"] = x0, n0
    starts = {}
    for s in STRENGTHS:
        fresh = cls(**dcfg)
        fresh.set_timesteps(steps)
        init = min(int(steps * s), steps)
        start = max(steps - init, 0) * fresh.order
        starts[str(s)] = start
        t = fresh.timesteps[start:start + 1]
        tensors[f"add_noise.{s}"] = fresh.add_noise(x0, n0, t)

    cfg = {FIELD[k]: v for k, v in dcfg.items()}
    cfg.update(extra)
    meta = {"scheduler": kind, "steps": steps, "config": cfg, "timesteps": timesteps,
            "init_noise_sigma": sigma0, "model_gain": MODEL_GAIN, "strength_start": starts,
            "diffusers": diffusers.__version__, "torch": torch.__version__}
    tensors = {k: v.contiguous().to(torch.float32) for k, v in tensors.items()}
    safetensors.torch.save_file(tensors, str(OUT / f"{name}.safetensors"),
                                metadata={"case": json.dumps(meta)})
    return len(timesteps), len(bank.drawn)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    names = []
    for case in CASES:
        name, kind, steps, dcfg = case[:4]
        extra = case[4] if len(case) > 4 else None
        n_eval, n_noise = run_case(name, kind, steps, dcfg, extra, seed=len(names))
        names.append(name)
        print(f"{name}: {n_eval} evaluations, {n_noise} noise draws")
    (OUT / "cases.json").write_text(json.dumps(names, indent=1) + "\n")


if __name__ == "__main__":
    main()
