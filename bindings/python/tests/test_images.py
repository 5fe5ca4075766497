"""Image models through the Python API: goldens, seeds, progress, cancellation, VAE, PNG.

Converted models come from $AIGC_CONVERTED_MODELS, or are converted once per session with
tools/aigc-convert (needs /usr/bin/python3 with torch). Goldens: $AIGC_MODELS/goldens.
"""

import json
import math
import os
import struct
import subprocess
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest

import aigc

from conftest import MODELS, REPO

GOLDENS = MODELS / "goldens"
PHOTO = MODELS / "images" / "photo.png"


@pytest.fixture(scope="session")
def converted(tmp_path_factory) -> Path:
    env = os.environ.get("AIGC_CONVERTED_MODELS")
    if env and (Path(env) / "dcgan-mnist" / "config.json").exists():
        return Path(env)
    if not (MODELS / "dcgan-mnist").exists():
        pytest.skip(f"{MODELS} has no image models (set AIGC_MODELS)")
    out = tmp_path_factory.mktemp("converted-models")
    tool = REPO / "tools" / "aigc-convert" / "aigc-convert"
    proc = subprocess.run(["/usr/bin/python3", str(tool), "--all", str(MODELS), "--out", str(out)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"aigc-convert failed: {proc.stderr[-2000:]}")
    return out


def load(converted: Path, name: str) -> aigc.ImageModel:
    path = converted / name
    if not (path / "config.json").exists():
        pytest.skip(f"converted model {name} not found")
    return aigc.ImageModel.load(path)


@pytest.fixture(scope="session")
def dcgan(converted):
    return load(converted, "dcgan-mnist")


@pytest.fixture(scope="session")
def dit(converted):
    return load(converted, "dit-mnist-cond")


def read_safetensors(path: Path):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32"
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype="<f4").reshape(t["shape"])
    return out


def golden(name: str):
    path = GOLDENS / f"{name}.safetensors"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return read_safetensors(path)


def read_png(path):
    """Independent PNG decoder for the checks: (uint8 array (H, W, C), {text key: value})."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, text = 8, b"", {}
    while True:
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        assert zlib.crc32(ctype + body) & 0xFFFFFFFF == struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        pos += 12 + length
        if ctype == b"IHDR":
            w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat += body
        elif ctype == b"tEXt":
            k, v = body.split(b"\0", 1)
            text[k.decode("latin-1")] = v.decode("latin-1")
        elif ctype == b"iTXt":
            k, rest = body.split(b"\0", 1)
            compressed = rest[0]
            rest = rest[2:].split(b"\0", 2)[2]
            text[k.decode("latin-1")] = (zlib.decompress(rest) if compressed else rest).decode()
        elif ctype == b"IEND":
            break
    assert depth == 8 and interlace == 0
    c = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    raw = zlib.decompress(idat)
    stride = w * c
    rows = np.frombuffer(raw, np.uint8).reshape(h, stride + 1)
    out = np.zeros((h, stride), np.int32)
    prev = np.zeros(stride, np.int32)
    for y in range(h):
        f, line = rows[y, 0], rows[y, 1:].astype(np.int32)
        if f == 0:
            cur = line
        elif f == 2:
            cur = (line + prev) & 255
        else:  # Sub, Average, Paeth depend on the pixel to the left: per byte
            cur = np.zeros(stride, np.int32)
            for i in range(stride):
                a = cur[i - c] if i >= c else 0
                b = prev[i]
                cc = prev[i - c] if i >= c else 0
                if f == 1:
                    p = a
                elif f == 3:
                    p = (a + b) // 2
                else:
                    pp = a + b - cc
                    pa, pb, pc = abs(pp - a), abs(pp - b), abs(pp - cc)
                    p = a if pa <= pb and pa <= pc else (b if pb <= pc else cc)
                cur[i] = (line[i] + p) & 255
        out[y] = cur
        prev = cur
    return out.astype(np.uint8).reshape(h, w, c), text


def to_u8(display):
    """The library's 8-bit conversion: clamp to [0, 1], x 255, round half away from zero."""
    return np.floor(np.clip(display, 0, 1) * 255 + 0.5).astype(np.uint8)


# ---- info --------------------------------------------------------------------------------

def test_info(dcgan, dit, converted):
    i = dcgan.info
    assert (i.kind, i.width, i.height, i.channels, i.latent_size) == ("gan", 28, 28, 1, 64)
    assert i.name == "dcgan-mnist" and i.num_classes == 0 and i.class_names == []
    assert len(i.weights_sha256) == 64
    d = dit.info
    assert d.kind == "diffusion" and d.num_classes == 10 and d.default_steps > 0
    assert d.class_names == [str(k) for k in range(10)] and d.default_sampler
    cvae = load(converted, "cvae-quickdraw-tfjs")
    assert cvae.info.num_classes == 50 and cvae.info.class_names[14] == "lion"
    assert "dcgan-mnist" in repr(dcgan)


# ---- goldens -----------------------------------------------------------------------------

def test_dcgan_golden_latents(dcgan):
    g = golden("dcgan-mnist")
    images = dcgan.generate(count=16, latents=g["z"].reshape(16, 64))
    assert len(images) == 16 and images[0].shape == (28, 28, 1) and images[0].dtype == np.uint8
    want_display = (g["images"] + 1) / 2  # [-1, 1] -> display [0, 1]
    want = to_u8(want_display)[:, 0, :, :, None]
    got = np.stack(images)
    # Equal, except where the golden value lies within 1e-4 of a rounding boundary.
    frac = np.clip(want_display, 0, 1)[:, 0, :, :, None] * 255 % 1
    near_boundary = np.abs(frac - 0.5) < 255 * 1e-4
    diff = got.astype(int) - want.astype(int)
    assert np.all((diff == 0) | (near_boundary & (np.abs(diff) <= 1)))


def test_gan_score_golden(converted):
    model = load(converted, "mlp-gan-mnist")
    assert model.info.has_discriminator
    g = golden("mlp-gan-mnist")
    pixels = ((g["images"] + 1) / 2).reshape(16, 1, 28, 28)
    logits = np.concatenate([model.gan_score(pixels[k:k + 1]) for k in range(16)])
    assert logits.shape == (16,) and logits.dtype == np.float32
    np.testing.assert_allclose(logits, g["d_fake_logit"][:, 0], atol=1e-4, rtol=1e-4)


def test_gan_score_batch(converted):
    model = load(converted, "mlp-gan-mnist")
    g = golden("mlp-gan-mnist")
    pixels = ((g["images"] + 1) / 2).reshape(16, 1, 28, 28)
    np.testing.assert_allclose(model.gan_score(pixels), g["d_fake_logit"][:, 0], atol=1e-4, rtol=1e-4)


# ---- seeds, grids, PNG -------------------------------------------------------------------

def test_same_seed_same_pixels_and_seed_rule(dcgan):
    a = dcgan.generate(seed=3, count=3)
    b = dcgan.generate(seed=3, count=3)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], a[1])
    assert np.array_equal(a[2], dcgan.generate(seed=5)[0])  # image k uses seed + k
    grid = a.grid()
    assert grid.shape == (56, 56, 1)  # ceil(sqrt(3)) = 2 columns, 2 rows
    assert np.array_equal(grid[:28, 28:], a[1]) and np.array_equal(grid[28:, :28], a[2])
    assert not grid[28:, 28:].any()  # the empty cell


def test_save_png_provenance(dcgan, tmp_path):
    images = dcgan.generate(seed=11, count=4)
    path = tmp_path / "g.png"
    images.save_png(path)
    px, text = read_png(path)
    assert np.array_equal(px, images.grid())
    assert "Seed: 11" in text["parameters"] and "Model: dcgan-mnist" in text["parameters"]
    assert text["AI-generated"] == "yes" and "trainedAlgorithmicMedia" in text["XML:com.adobe.xmp"]
    aigc.save_png(images, tmp_path / "s.png", grid=False)
    for k in range(4):
        px, text = read_png(tmp_path / f"s-{k + 1}.png")
        assert np.array_equal(px, images[k]) and f"Seed: {11 + k}" in text["parameters"]
    with pytest.raises(TypeError):
        aigc.save_png(list(images), tmp_path / "x.png")
    with pytest.raises(aigc.IoError):
        images.save_png(tmp_path / "no-such-dir" / "x.png")


def test_same_pixels_as_cli(dit, converted, tmp_path):
    cli = os.environ.get("AIGC_CLI")
    if not cli or not os.access(cli, os.X_OK):
        pytest.skip("set AIGC_CLI to the built aigc binary (e.g. build/release/tools/aigc/aigc)")
    out = tmp_path / "cli.png"
    subprocess.run([cli, "image", "-m", str(converted / "dit-mnist-cond"), "--steps", "4", "-n", "2",
                    "--seed", "5", "--class", "7", "-o", str(out)], check=True, capture_output=True)
    images = dit.generate(seed=5, count=2, class_label=7, steps=4)
    px, text = read_png(out)
    assert np.array_equal(px, images.grid())
    mine = tmp_path / "py.png"
    images.save_png(mine)
    assert mine.read_bytes() == out.read_bytes()  # same pixels, same provenance


# ---- diffusion: progress and cancellation ------------------------------------------------

def test_progress_called_each_step(dit):
    calls = []
    images = dit.generate(seed=1, steps=5, class_label="3", progress=lambda s, t: calls.append((s, t)))
    assert calls == [(k, 5) for k in range(1, 6)]
    assert len(images) == 1 and images[0].shape == (28, 28, 1)
    again = dit.generate(seed=1, steps=5, class_label=3)
    assert np.array_equal(images[0], again[0])


def test_progress_can_stop_and_raise(dit):
    with pytest.raises(aigc.Cancelled):
        dit.generate(steps=5, progress=lambda s, t: s < 2)

    def boom(step, total):
        raise ZeroDivisionError("from the callback")

    with pytest.raises(ZeroDivisionError, match="from the callback"):
        dit.generate(steps=5, progress=boom)


def test_cancel_from_another_thread(dit):
    job = aigc.ImageJob()
    started = threading.Event()
    steps = []

    def progress(step, total):
        steps.append(step)
        started.set()

    def canceller():
        started.wait(60)
        job.cancel()

    t = threading.Thread(target=canceller)
    t.start()
    with pytest.raises(aigc.Cancelled):
        dit.generate(steps=1000, progress=progress, job=job)
    t.join()
    assert 1 <= len(steps) < 1000
    # The request is cleared when the call returns: the job is reusable.
    assert len(dit.generate(steps=2, job=job)) == 1


def test_threads_share_a_model(dcgan):
    results = [None] * 4

    def work(k):
        results[k] = dcgan.generate(seed=k, count=2)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        assert np.array_equal(results[k][0], dcgan.generate(seed=k)[0])


# ---- VAE and GAN extras ------------------------------------------------------------------

def test_vae_round_trip_taef2(converted):
    model = load(converted, "taef2")
    if not PHOTO.exists():
        pytest.skip(f"{PHOTO} not found")
    photo, _ = read_png(PHOTO)
    x = (photo[:, :, :3].astype(np.float32) / 255).transpose(2, 0, 1)[None]
    z = model.vae_encode(x)
    f = model.info.latent_factor
    assert z.shape == (1, model.info.latent_channels, 512 // f, 512 // f) and z.dtype == np.float32
    y = model.vae_decode(z)
    assert y.shape == x.shape
    mse = np.mean((to_u8(y).astype(float) - photo[:, :, :3].transpose(2, 0, 1)[None]) ** 2)
    psnr = 10 * math.log10(255 ** 2 / mse)
    assert psnr > 30, f"PSNR {psnr:.2f} dB"
    s1, s2 = model.vae_encode(x, sample=True, seed=2), model.vae_encode(x, sample=True, seed=2)
    assert np.array_equal(s1, s2)


def test_vae_flat(converted):
    model = load(converted, "vae-mnist")
    assert model.info.kind == "vae" and model.info.latent_size == 20
    prior = model.generate(seed=4, count=2)
    x = np.stack([im.transpose(2, 0, 1) for im in prior]).astype(np.float32) / 255
    z = model.vae_encode(x)
    assert z.shape == (2, 20)
    y = model.vae_decode(z)
    assert y.shape == (2, 1, 28, 28) and np.isfinite(y).all()
    # generate(latents=z) decodes exactly like vae_decode, then converts to 8 bits.
    assert np.array_equal(np.stack(model.generate(count=2, latents=z)), to_u8(y).transpose(0, 2, 3, 1))


def test_gan_interpolate(dcgan):
    frames = dcgan.gan_interpolate(1, 2, 5)
    assert len(frames) == 5
    assert np.array_equal(frames[0], dcgan.generate(seed=1)[0])
    assert np.array_equal(frames[-1], dcgan.generate(seed=2)[0])
    with pytest.raises(aigc.InvalidArgument):
        dcgan.gan_interpolate(1, 2, 5, method="cubic")


# ---- bad input ---------------------------------------------------------------------------

def test_bad_input(dcgan, dit, converted, tmp_path):
    with pytest.raises(aigc.InvalidArgument, match="steps"):
        dit.generate(steps=0)
    with pytest.raises(aigc.Error, match="bogus"):
        dit.generate(steps=2, sampler="bogus")
    with pytest.raises(aigc.InvalidArgument):
        dit.generate(steps=2, class_label=12)
    with pytest.raises(aigc.InvalidArgument, match="seven"):
        dit.generate(steps=2, class_label="seven")
    with pytest.raises(aigc.InvalidArgument):
        dcgan.generate(count=0)
    with pytest.raises(aigc.InvalidArgument):
        dcgan.generate(prompt="a cat")
    with pytest.raises(aigc.InvalidArgument):
        dcgan.generate(latents=np.zeros(10, np.float32))
    with pytest.raises(aigc.InvalidArgument, match="init_image"):
        dit.generate(steps=2, mask=np.zeros((28, 28), np.uint8))
    taef2 = load(converted, "taef2")
    with pytest.raises(aigc.InvalidArgument):
        taef2.generate(width=60, height=64)
    with pytest.raises(aigc.InvalidArgument):
        taef2.vae_decode(np.zeros((1, 5, 8, 8), np.float32))
    with pytest.raises(aigc.InvalidArgument):
        dcgan.vae_encode(np.zeros((1, 1, 28, 28), np.float32))
    with pytest.raises(aigc.Error, match="no-such-model"):
        aigc.ImageModel.load(tmp_path / "no-such-model")
