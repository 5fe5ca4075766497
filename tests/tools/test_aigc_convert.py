"""Tests of tools/aigc-convert (run by ctest as tools.aigc_convert with /usr/bin/python3).

Checks what the C++ side relies on: names and dtypes kept, the Keras re-layout, configs
read from the shapes, and that bad input is refused with a message (including a pickle
that would run code)."""
import json
import os
import pickle
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "..", "tools", "aigc-convert", "aigc-convert")
MODELS = os.environ.get("AIGC_MODELS", os.path.join(HERE, "..", "..", "..", "shared", "models"))
# docs/TESTING.md: without the models, skip with one line, but fail in require mode.
REQUIRE_MODELS = (os.environ.get("AIGC_REQUIRE_MODELS", "") not in ("", "0")
                  or os.environ.get("CI") in ("true", "1"))


def need_models(*names):
    """Returns when every MODELS/<name> exists; else fails (require mode) or skips the test."""
    missing = [p for p in (os.path.join(MODELS, n) for n in names) if not os.path.exists(p)]
    if not missing:
        return
    what = (f"{os.path.normpath(missing[0])} missing: it belongs in the shared third-party model "
            "folder (../shared/models): set AIGC_MODELS")
    if REQUIRE_MODELS:
        raise AssertionError(f"required model (AIGC_REQUIRE_MODELS=1 or CI=true): {what}")
    if what not in _reported:  # one line per missing file (unittest hides skip reasons)
        _reported.add(what)
        print(f"SKIP: {what}", file=sys.stderr)
    raise unittest.SkipTest(what)


_reported = set()


def read_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    codes = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=codes[info["dtype"]]).reshape(info["shape"])
    return out


def run(*args):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True)


class RealModels(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        need_models("taef2", "cvae-quickdraw-tfjs", "dcgan-mnist", "dit-mnist-cond", "ddpm-cnn-mnist",
                    "cwgan-gp-mnist", "mlp-gan-mnist")
        cls.out = tempfile.mkdtemp(prefix="aigc-convert-test.")
        r = run("--all", MODELS, "--out", cls.out)
        assert r.returncode == 0, r.stderr

    def test_taef2_keeps_f16_and_prefixes(self):
        import torch
        t = read_safetensors(os.path.join(self.out, "taef2", "model.safetensors"))
        dec = torch.load(os.path.join(MODELS, "taef2", "taef2_decoder.pth"), map_location="cpu", weights_only=True)
        self.assertEqual(t["decoder.1.weight"].dtype, np.float16)
        np.testing.assert_array_equal(t["decoder.3.pool.0.weight"], dec["3.pool.0.weight"].numpy())
        cfg = json.load(open(os.path.join(self.out, "taef2", "config.json")))
        self.assertEqual((cfg["architecture"], cfg["latent_channels"], cfg["use_midblock_gn"]), ("taesd", 32, True))

    def test_keras_relayout(self):
        d = os.path.join(MODELS, "cvae-quickdraw-tfjs", "models")
        manifest = json.load(open(os.path.join(d, "model.json")))["weightsManifest"][0]["weights"]
        blob = np.fromfile(os.path.join(d, "group1-shard1of1"), dtype="<f4")
        first = manifest[0]  # conv2d_transpose_1/kernel [3, 3, 32, 16]
        kernel = blob[:int(np.prod(first["shape"]))].reshape(first["shape"])
        t = read_safetensors(os.path.join(self.out, "cvae-quickdraw-tfjs", "model.safetensors"))
        np.testing.assert_array_equal(t["conv2d_transpose_1.weight"], kernel.transpose(3, 2, 0, 1))
        self.assertEqual(list(t["dense_5.weight"].shape), [784, 67])
        cfg = json.load(open(os.path.join(self.out, "cvae-quickdraw-tfjs", "config.json")))
        self.assertEqual((cfg["label_width"], cfg["label_index_offset"], len(cfg["class_names"])), (51, 1, 50))

    def test_configs_from_shapes(self):
        cfg = lambda m: json.load(open(os.path.join(self.out, m, "config.json")))
        self.assertEqual(cfg("dcgan-mnist")["image_shape"], [1, 28, 28])
        self.assertEqual(cfg("dit-mnist-cond")["num_heads"], 4)
        self.assertEqual(cfg("ddpm-cnn-mnist")["channels"], [16, 32, 32, 16])
        self.assertEqual(cfg("cwgan-gp-mnist")["latent_dim"], 10)
        self.assertEqual(cfg("mlp-gan-mnist")["discriminator_hidden_dims"], [256, 256])
        t = read_safetensors(os.path.join(self.out, "dcgan-mnist", "model.safetensors"))
        self.assertFalse(any("num_batches_tracked" in k for k in t))


class BadInput(unittest.TestCase):
    def test_unknown_architecture(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "x.pth")
            open(p, "wb").write(b"junk")
            r = run(p, "--arch", "stylegan9", "--out", d)
            self.assertEqual(r.returncode, 2)
            self.assertIn("unknown architecture 'stylegan9'", r.stderr)

    def test_corrupt_file(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "generator.pth")
            open(p, "wb").write(b"PK\x03\x04 not really a zip")
            r = run(p, "--arch", "dcgan", "--out", os.path.join(d, "out"))
            self.assertEqual(r.returncode, 2)
            self.assertIn("not a loadable weights-only PyTorch checkpoint", r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "out", "generator")))

    def test_pickle_with_code_is_refused(self):
        marker = tempfile.mktemp(prefix="aigc-convert-pwned.")

        class Evil:
            def __reduce__(self):
                return (os.system, (f"touch {marker}",))

        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "generator.pth")
            with open(p, "wb") as f:
                pickle.dump({"gen.0.0.weight": Evil()}, f)
            r = run(p, "--arch", "dcgan", "--out", d)
            self.assertEqual(r.returncode, 2)
            self.assertFalse(os.path.exists(marker), "the pickle's code ran")

    def test_wrong_architecture_names_the_missing_tensor(self):
        need_models("dcgan-mnist/generator.pth")
        with tempfile.TemporaryDirectory() as d:
            r = run(os.path.join(MODELS, "dcgan-mnist", "generator.pth"), "--arch", "cwgan-gp", "--out", d)
            self.assertEqual(r.returncode, 2)
            self.assertIn("'label_emb.weight' is missing", r.stderr)


if __name__ == "__main__":
    unittest.main()
