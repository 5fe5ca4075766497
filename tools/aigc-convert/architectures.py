"""Per-architecture conversion rules for aigc-convert.

Each rule reads its source files, checks the tensors it expects are there with consistent
shapes, and returns (tensors, config, source_files). Tensor names stay the upstream
state-dict keys (BatchNorm's num_batches_tracked counters are dropped), so the C++ loaders
mirror the upstream module names. Only the Keras model is re-laid out (to PyTorch layouts).
"""
import json
import os

import numpy as np


class ConversionError(Exception):
    pass


def load_state_dict(path):
    """torch.load with weights_only=True: tensors and containers only, no code runs."""
    try:
        import torch
    except ImportError as e:
        raise ConversionError("PyTorch is needed to read .pth/.ckpt files "
                              "(Debian: apt-get install python3-torch; or pip install torch)") from e
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # corrupt file, or a pickle that needs code (refused)
        raise ConversionError(f"{path}: not a loadable weights-only PyTorch checkpoint: {e}") from e
    for key in ("state_dict", "model", "model_state_dict"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict):
        raise ConversionError(f"{path}: expected a state dict, found {type(obj).__name__}")
    out = {}
    for k, v in obj.items():
        if not hasattr(v, "numpy"):
            continue
        if k.endswith("num_batches_tracked"):
            continue
        out[str(k)] = v.detach().cpu().numpy()
    if not out:
        raise ConversionError(f"{path}: no tensors in the state dict")
    return out


def require(tensors, name, rank=None, where=""):
    if name not in tensors:
        raise ConversionError(f"{where}: tensor '{name}' is missing (is this the right --arch?)")
    t = tensors[name]
    if rank is not None and t.ndim != rank:
        raise ConversionError(f"{where}: tensor '{name}' has shape {list(t.shape)}, expected rank {rank}")
    return t


def find_file(src, candidates, what):
    if os.path.isfile(src):
        return src
    for c in candidates:
        p = os.path.join(src, c)
        if os.path.isfile(p):
            return p
    raise ConversionError(f"{src}: no {what} ({', '.join(candidates)})")


class Rule:
    def __init__(self, architecture, takes, convert):
        self.architecture = architecture
        self.takes = takes
        self.convert = convert


# ---- GANs -------------------------------------------------------------------------------

def convert_mlp_gan(src):
    g_path = find_file(src, ["G--300.ckpt", "generator.pth", "G.pth"], "generator checkpoint")
    g = load_state_dict(g_path)
    where = os.path.basename(g_path)
    w0, w2, w4 = (require(g, f"{i}.weight", 2, where) for i in (0, 2, 4))
    tensors = {f"generator.{k}": v for k, v in g.items()}
    config = {"latent_dim": int(w0.shape[1]), "hidden_dims": [int(w0.shape[0]), int(w2.shape[0])],
              "image_shape": [1, 28, 28] if w4.shape[0] == 784 else [1, int(w4.shape[0]), 1],
              "pixel_range": "minus_one_one"}
    sources = [g_path]
    d_path = None
    if os.path.isdir(src):
        for c in ["D--300.ckpt", "discriminator.pth", "D.pth"]:
            if os.path.isfile(os.path.join(src, c)):
                d_path = os.path.join(src, c)
                break
    if d_path:
        d = load_state_dict(d_path)
        dw0, dw2, dw4 = (require(d, f"{i}.weight", 2, os.path.basename(d_path)) for i in (0, 2, 4))
        if dw0.shape[1] != w4.shape[0] or dw4.shape[0] != 1:
            raise ConversionError(f"{d_path}: discriminator input {dw0.shape[1]} does not match the generator output {w4.shape[0]}")
        tensors.update({f"discriminator.{k}": v for k, v in d.items()})
        config["discriminator_hidden_dims"] = [int(dw0.shape[0]), int(dw2.shape[0])]
        config["discriminator_negative_slope"] = 0.2
        sources.append(d_path)
    return tensors, config, sources


def convert_dcgan(src):
    path = find_file(src, ["generator.pth"], "generator checkpoint")
    sd = load_state_dict(path)
    where = os.path.basename(path)
    strides = [2, 1, 2, 2]  # upstream Generator: make_gen_block strides (not stored in weights)
    layers = []
    for i in range(4):
        w = require(sd, f"gen.{i}.0.weight", 4, where)
        if w.shape[2] != w.shape[3]:
            raise ConversionError(f"{where}: gen.{i}.0.weight kernel is not square")
        layers.append({"out_channels": int(w.shape[1]), "kernel": int(w.shape[2]), "stride": strides[i]})
    size = 1
    for l in layers:
        size = (size - 1) * l["stride"] + l["kernel"]
    config = {"latent_dim": int(sd["gen.0.0.weight"].shape[0]), "image_shape": [layers[-1]["out_channels"], size, size],
              "batch_norm_eps": 1e-5, "layers": layers, "pixel_range": "minus_one_one"}
    return sd, config, [path]


def convert_cwgan_gp(src):
    path = find_file(src, ["generator.pth"], "generator checkpoint")
    sd = load_state_dict(path)
    where = os.path.basename(path)
    emb = require(sd, "label_emb.weight", 2, where)
    l1 = require(sd, "l1.0.weight", 2, where)
    c0 = int(require(sd, "conv_blocks.0.weight", 1, where).shape[0])
    c1 = int(require(sd, "conv_blocks.2.weight", 4, where).shape[0])
    c2 = int(require(sd, "conv_blocks.6.weight", 4, where).shape[0])
    out_c = int(require(sd, "conv_blocks.9.weight", 4, where).shape[0])
    init = int(round((l1.shape[0] / c0) ** 0.5))
    if init * init * c0 != l1.shape[0]:
        raise ConversionError(f"{where}: l1 output {l1.shape[0]} is not {c0} x s x s")
    config = {"latent_dim": int(l1.shape[1] - emb.shape[1]), "num_classes": int(emb.shape[0]),
              "init_size": init, "channels": [c0, c1, c2], "image_shape": [out_c, init * 4, init * 4],
              "batch_norm_eps": [1e-5, 0.8, 0.8],  # upstream BatchNorm2d(C, 0.8): eps = 0.8
              "pixel_range": "minus_one_one", "class_names": [str(i) for i in range(int(emb.shape[0]))]}
    return sd, config, [path]


# ---- VAEs -------------------------------------------------------------------------------

def convert_mlp_vae(src):
    path = find_file(src, ["vae_epoch_25.pth", "vae.pth"], "VAE checkpoint")
    sd = load_state_dict(path)
    where = os.path.basename(path)
    fc1 = require(sd, "fc1.weight", 2, where)
    fc21 = require(sd, "fc21.weight", 2, where)
    for k in ("fc22.weight", "fc3.weight", "fc4.weight"):
        require(sd, k, 2, where)
    side = int(round(fc1.shape[1] ** 0.5))
    config = {"image_shape": [1, side, side] if side * side == fc1.shape[1] else [1, int(fc1.shape[1]), 1],
              "hidden_dim": int(fc1.shape[0]), "latent_dim": int(fc21.shape[0]), "pixel_range": "zero_one"}
    return sd, config, [path]


def convert_taesd(src):
    enc_path = find_file(src, ["taef2_encoder.pth", "taesd_encoder.pth", "encoder.pth"], "encoder checkpoint")
    dec_path = find_file(src, ["taef2_decoder.pth", "taesd_decoder.pth", "decoder.pth"], "decoder checkpoint")
    enc, dec = load_state_dict(enc_path), load_state_dict(dec_path)
    latent = int(require(dec, "1.weight", 4, os.path.basename(dec_path)).shape[1])
    use_gn = any(".pool." in k for k in dec)
    tensors = {f"encoder.{k}": v for k, v in enc.items()}
    tensors.update({f"decoder.{k}": v for k, v in dec.items()})
    config = {"latent_channels": latent, "use_midblock_gn": use_gn,
              "variant": "flux_2" if latent == 32 else "taesd", "pixel_range": "zero_one"}
    return tensors, config, [enc_path, dec_path]


def convert_keras_cvae_decoder(src):
    model_json = find_file(src, ["models/model.json", "model.json"], "TF.js model.json")
    with open(model_json, encoding="utf-8") as f:
        model = json.load(f)
    base = os.path.dirname(model_json)
    topology = model.get("modelTopology", {}).get("model_config", {}).get("config", {})
    klayers = topology.get("layers")
    if not klayers:
        raise ConversionError(f"{model_json}: no modelTopology.model_config.config.layers")
    # Weights: the shards concatenated, in weightsManifest order.
    raw = {}
    sources = [model_json]
    for group in model.get("weightsManifest", []):
        blob = b""
        for p in group["paths"]:
            shard = os.path.join(base, p)
            if not os.path.isfile(shard):
                raise ConversionError(f"{model_json}: weight shard '{p}' is missing")
            sources.append(shard)
            with open(shard, "rb") as f:
                blob += f.read()
        offset = 0
        for w in group["weights"]:
            if w.get("dtype", "float32") != "float32":
                raise ConversionError(f"{model_json}: weight {w['name']} has dtype {w['dtype']} (float32 only)")
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            end = offset + 4 * count
            if end > len(blob):
                raise ConversionError(f"{model_json}: shards end before weight {w['name']}")
            raw[w["name"]] = np.frombuffer(blob[offset:end], dtype="<f4").reshape(w["shape"]).copy()
            offset = end
        if offset != len(blob):
            raise ConversionError(f"{model_json}: {len(blob) - offset} bytes of the shards are not described")
    tensors, layers = {}, []
    latent_dim = label_width = None
    for layer in klayers:
        cls, cfg, lname = layer["class_name"], layer["config"], layer["name"]
        if cls == "InputLayer":
            width = int(cfg["batch_input_shape"][-1])
            if lname.startswith("latent"):
                latent_dim = width
            else:
                label_width = width
        elif cls == "Concatenate":
            layers.append({"type": "concatenate"})
        elif cls == "Dense":
            k, b = raw[f"{lname}/kernel"], raw[f"{lname}/bias"]
            tensors[f"{lname}.weight"] = np.ascontiguousarray(k.T)  # Keras [in, out] -> torch [out, in]
            tensors[f"{lname}.bias"] = b
            layers.append({"type": "dense", "name": lname, "units": int(cfg["units"]), "activation": cfg["activation"]})
        elif cls == "Reshape":
            layers.append({"type": "reshape", "target_shape": [int(x) for x in cfg["target_shape"]]})
        elif cls == "Conv2DTranspose":
            if cfg.get("data_format", "channels_last") != "channels_last":
                raise ConversionError(f"{model_json}: {lname}: only channels_last is supported")
            k, b = raw[f"{lname}/kernel"], raw[f"{lname}/bias"]
            # Keras [kh, kw, out, in] -> torch ConvTranspose2d [in, out, kh, kw] (same taps).
            tensors[f"{lname}.weight"] = np.ascontiguousarray(k.transpose(3, 2, 0, 1))
            tensors[f"{lname}.bias"] = b
            ks, st = cfg["kernel_size"], cfg["strides"]
            if ks[0] != ks[1] or st[0] != st[1]:
                raise ConversionError(f"{model_json}: {lname}: non-square kernels or strides are not supported")
            layers.append({"type": "conv2d_transpose", "name": lname, "filters": int(cfg["filters"]),
                           "kernel": int(ks[0]), "stride": int(st[0]), "padding": cfg["padding"],
                           "activation": cfg["activation"]})
        elif cls == "UpSampling2D":
            size = cfg["size"]
            if size[0] != size[1]:
                raise ConversionError(f"{model_json}: {lname}: non-square upsampling is not supported")
            layers.append({"type": "upsample", "size": int(size[0])})
        else:
            raise ConversionError(f"{model_json}: layer {lname}: Keras {cls} is not supported")
    if latent_dim is None or label_width is None:
        raise ConversionError(f"{model_json}: expected a latent input and a label input")
    class_names = []
    manifest = os.path.join(src if os.path.isdir(src) else os.path.dirname(os.path.dirname(model_json)), "manifest.json")
    if os.path.isfile(manifest):
        with open(manifest, encoding="utf-8") as f:
            class_names = [str(x) for x in json.load(f).get("labels", [])]
        sources.append(manifest)
    offset = label_width - len(class_names) if class_names else 0
    if class_names and offset not in (0, 1):
        raise ConversionError(f"{manifest}: {len(class_names)} labels do not fit a one-hot of width {label_width}")
    out = layers[-1]
    config = {"latent_dim": latent_dim, "label_width": label_width,
              "label_index_offset": offset,  # ml5's decoder: one-hot index = labels.index(name) + 1
              "class_names": class_names, "image_shape": [int(out.get("filters", 1)), 28, 28],
              "layers": layers, "pixel_range": "zero_one"}
    return tensors, config, sources


# ---- Diffusion --------------------------------------------------------------------------

def convert_ddpm_cnn(src):
    path = find_file(src, ["ddpm_mnist_starter.pth"], "DDPM checkpoint")
    sd = load_state_dict(path)
    where = os.path.basename(path)
    beta = require(sd, "beta_t", 1, where)
    channels = []
    i = 0
    while f"gt.blocks.{i}.net.0.weight" in sd:
        w = sd[f"gt.blocks.{i}.net.0.weight"]
        channels.append(int(w.shape[0]))
        kernel = int(w.shape[2])
        i += 1
    if not channels:
        raise ConversionError(f"{where}: no gt.blocks.N.net.0.weight (is this the right --arch?)")
    ln = sd["gt.blocks.0.net.1.weight"]
    config = {"image_shape": [int(sd["gt.blocks.0.net.0.weight"].shape[1]), int(ln.shape[1]), int(ln.shape[2])],
              "channels": channels, "kernel_size": kernel, "num_train_timesteps": int(beta.shape[0] - 1),
              "beta_start": 1e-4, "beta_end": 0.02, "pixel_range": "minus_half_half"}
    return sd, config, [path]


def convert_dit(src):
    path = find_file(src, ["model-40000.pth", "model.pth"], "DiT checkpoint")
    sd = load_state_dict(path)
    where = os.path.basename(path)
    pos = require(sd, "patch_pos_emb", 3, where)
    conv = require(sd, "conv.weight", 4, where)
    label = require(sd, "label_emb.weight", 2, where)
    wq = require(sd, "dits.0.wq.weight", 2, where)
    depth = 0
    while f"dits.{depth}.wq.weight" in sd:
        depth += 1
    patch = int(conv.shape[2])
    grid = int(round(pos.shape[1] ** 0.5))
    hidden = int(pos.shape[2])
    config = {"image_size": grid * patch, "patch_size": patch, "in_channels": int(conv.shape[1]),
              "hidden_size": hidden, "num_classes": int(label.shape[0]), "depth": depth,
              "num_heads": int(wq.shape[0] // hidden),  # upstream: q/k/v are emb -> head*emb
              "attention_scale": "sequence_length",  # upstream divides scores by sqrt(seq_len)
              "num_train_timesteps": 1000, "beta_start": 1e-4, "beta_end": 0.02, "clamp_sample": True,
              "pixel_range": "minus_one_one", "class_names": [str(i) for i in range(int(label.shape[0]))]}
    return sd, config, [path]


# ---- Stable Diffusion single file -------------------------------------------------------

def convert_sd_checkpoint(src):
    path = find_file(src, ["model.ckpt", "sd.ckpt"], "checkpoint")
    sd = load_state_dict(path)
    if not any(k.startswith("model.diffusion_model.") for k in sd):
        raise ConversionError(f"{path}: no model.diffusion_model.* tensors: not a Stable Diffusion checkpoint")
    sd = {k: v for k, v in sd.items() if not k.startswith("model_ema.")}
    return sd, {"pixel_range": "minus_one_one"}, [path]


ARCHITECTURES = {
    "mlp-gan": Rule("mlp_gan", "directory with G--300.ckpt (+ D--300.ckpt), or a generator .ckpt", convert_mlp_gan),
    "dcgan": Rule("dcgan", "generator.pth (gen.N.0 ConvTranspose2d + gen.N.1 BatchNorm2d)", convert_dcgan),
    "cwgan-gp": Rule("cwgan_gp", "generator.pth (label_emb, l1, conv_blocks)", convert_cwgan_gp),
    "mlp-vae": Rule("mlp_vae", "VAE .pth (fc1, fc21, fc22, fc3, fc4)", convert_mlp_vae),
    "taesd": Rule("taesd", "directory with *_encoder.pth and *_decoder.pth", convert_taesd),
    "keras-cvae-decoder": Rule("keras_cvae_decoder", "TF.js directory (manifest.json, models/model.json + shards)",
                               convert_keras_cvae_decoder),
    "ddpm-cnn": Rule("ddpm_cnn", "ddpm_mnist_starter.pth", convert_ddpm_cnn),
    "dit": Rule("dit", "DiT .pth (patch_pos_emb, conv, dits.N)", convert_dit),
    "sd-checkpoint": Rule("stable_diffusion_checkpoint", "SD 1.x .ckpt (keys unchanged)", convert_sd_checkpoint),
}

# ../shared/models directory name -> architecture (aigc-convert --all).
KNOWN_MODELS = {
    "mlp-gan-mnist": "mlp-gan",
    "dcgan-mnist": "dcgan",
    "cwgan-gp-mnist": "cwgan-gp",
    "vae-mnist": "mlp-vae",
    "taef2": "taesd",
    "cvae-quickdraw-tfjs": "keras-cvae-decoder",
    "ddpm-cnn-mnist": "ddpm-cnn",
    "dit-mnist-cond": "dit",
}
