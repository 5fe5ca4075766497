#!/usr/bin/env python3
"""Writes the CLIP tokenizer and text-encoder reference data.

1. tests/data/sd/tiny-clip-tokenizer/: a tiny CLIP BPE vocabulary trained here (plain BPE
   on the CORPUS below, words cut by CLIP's own cleaning + regex, "</w>" word ends), in both
   formats our loaders read: merges.txt + vocab.json (diffusers tokenizer/ folder, with
   tokenizer_config.json / special_tokens_map.json) and tiny_bpe_merges.txt (openai/CLIP's
   bpe_simple_vocab format: a header line, then merges; vocab built as CLIP builds it).
2. tests/data/tokenizer/clip_tokenizer_golden.json: transformers' CLIPTokenizer (slow, no
   ftfy: the path diffusers takes when ftfy is absent) on STRINGS with the tiny vocabulary,
   and with CLIP's real merges when present ($AIGC_USER_MODELS/clip or argv[1]; fetched by
   scripts/fetch-clip-vocab.sh). Per string: input_ids padded/truncated to 77 and the
   untruncated ids.
3. tests/data/sd/tiny-clip-text/: a tiny random transformers CLIPTextModel (hidden 32,
   2 layers, 4 heads, intermediate 37, quick_gelu, vocab = the tiny tokenizer's,
   max_position 77), save_pretrained; tests/data/sd/tiny-clip-golden.safetensors: input ids
   -> last_hidden_state and the penultimate layer's output through final_layer_norm
   (clip_skip 2).

Deterministic. Run: /tmp/lmvenv/bin/python tests/reference/make_clip_goldens.py [bpe.txt.gz]
Needs torch, transformers 4.49 (without ftfy installed), regex, safetensors.
"""
import collections
import gzip
import hashlib
import json
import os
import pathlib
import sys
import tempfile

import regex as re
import torch
from safetensors.torch import save_file
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer
from transformers.models.clip.tokenization_clip import BasicTokenizer, bytes_to_unicode

ROOT = pathlib.Path(__file__).resolve().parents[2]
SD = ROOT / "tests" / "data" / "sd"
TOK_DIR = SD / "tiny-clip-tokenizer"
TEXT_DIR = SD / "tiny-clip-text"
GOLDEN_JSON = ROOT / "tests" / "data" / "tokenizer" / "clip_tokenizer_golden.json"
GOLDEN_TENSORS = SD / "tiny-clip-golden.safetensors"

try:
    import ftfy  # noqa: F401
    sys.exit("ftfy is installed: CLIPTokenizer would use it; run in an environment without it")
except ImportError:
    pass

CORPUS = """
a photograph of an astronaut riding a horse on the moon, highly detailed, 4k
a painting of a castle in the mountains at sunset by a famous artist, oil on canvas
portrait of a cat wearing a hat, studio lighting, sharp focus, trending on artstation
the quick brown fox jumps over the lazy dog while the cat watches from the window
it's a beautiful day in the city; people are walking, talking and laughing together
watercolor landscape with rivers, forests and a small village under a starry night sky
cyberpunk street at night, neon lights, rain, reflections, cinematic, ultra realistic
""" * 3

STRINGS = [
    "a photograph of an astronaut riding a horse",
    "",
    "   ",
    "A Portrait Of A CAT, Studio Lighting, 8K, HDR!!!",
    "it's a dog's life, isn't it? they'll say we've won, I'm sure you'd agree",
    "numbers: 12345 3.14159 1,000,000 and 2nd place",
    "punctuation!?... (brackets) [square] {curly} <angle> \"quotes\" 'single' -- em—dash",
    "Café Ñandú naïve résumé, e\u0301 composed, STRASSE Straße",
    "ΟΔΟΣ ΣΑΣ Σ σοφός ΣΟΦΟΣ.",
    "İstanbul ǅemal Ǆ ﬁsh ﬅ Ⅻ ⅷ",
    "東京タワーの夜景, 北京 and 서울",
    "emoji 🐱‍👤 cat 👍🏽 🎨🖼️ ❤️",
    "tabs\tand\nnewlines\r\nand\u00a0nbsp\u2003em\u2028line",
    "control\x00chars\x07here\u00adsoft\u200bzero\u200dwidth\ufeffbom",
    "a <|endoftext|> b <|startoftext|>c",
    "!!<|startoftext|>x <|ENDOFTEXT|> <|StartOfText|>",
    "!!<|ENDOFTEXT|> ??<|endoftext|>",
    "long s 'ſ and <|ſtartoftext|> and ypogegrammeni a\u0345b \u0345",
    "Arabic: مرحبا بالعالم, Hindi: नमस्ते दुनिया, Thai: สวัสดี",
    "hello___world --- ### @@@ $$$ %%% ^^^ &&& *** +++ === ~~~",
    "a photograph of " + ", ".join(["a very very detailed beautiful masterpiece painting"] * 12),
    "Ω ω Å å K k µ ß ẞ",
    "x\u0301\u0323\u0307 \u1100\u1161\u11a8 \uac00\u11a8",
]


def clip_words(text):
    """Words as CLIPTokenizer cuts them (BasicTokenizer cleaning + its regex)."""
    basic = BasicTokenizer(strip_accents=False, do_split_on_punc=False)
    pat = re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
                     re.IGNORECASE)
    b2u = bytes_to_unicode()
    return ["".join(b2u[b] for b in w.encode("utf-8")) for w in pat.findall(" ".join(basic.tokenize(text)))]


def train_bpe(corpus, num_merges):
    """Plain BPE (most frequent pair, ties broken by the pair's text) over CLIP words."""
    counts = collections.Counter(clip_words(corpus))
    words = {tuple(w[:-1]) + (w[-1] + "</w>",): c for w, c in counts.items()}
    merges = []
    for _ in range(num_merges):
        pairs = collections.Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        new_words = {}
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new_words[tuple(out)] = new_words.get(tuple(out), 0) + c
        words = new_words
    return merges


def clip_vocab(merges):
    """openai/CLIP SimpleTokenizer's vocabulary for these merges."""
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab]
    vocab += ["".join(m) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    return {t: i for i, t in enumerate(vocab)}


def write_hf_files(directory, merges, extra_config=True):
    directory.mkdir(parents=True, exist_ok=True)
    vocab = clip_vocab(merges)
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=None) + "\n",
                                          encoding="utf-8")
    (directory / "merges.txt").write_text(
        "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges), encoding="utf-8")
    if extra_config:
        special = {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
                   "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>"}
        (directory / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n")
        (directory / "tokenizer_config.json").write_text(json.dumps(
            {"tokenizer_class": "CLIPTokenizer", "model_max_length": 77, "do_lower_case": True,
             **special}, indent=2) + "\n")
    return vocab


def goldens(tok):
    cases = []
    for s in STRINGS:
        padded = tok(s, padding="max_length", max_length=77, truncation=True).input_ids
        full = tok(s).input_ids
        cases.append({"text": s, "input_ids": padded, "untruncated_ids": full})
    return cases


def main():
    torch.manual_seed(0)
    # 1. Tiny vocabulary, both formats.
    merges = train_bpe(CORPUS, 300)
    vocab = write_hf_files(TOK_DIR, merges)
    (TOK_DIR / "tiny_bpe_merges.txt").write_text(
        "\"bpe_simple_vocab format: header line, then merges\"\n" +
        "".join(f"{a} {b}\n" for a, b in merges), encoding="utf-8")
    tiny_tok = CLIPTokenizer.from_pretrained(str(TOK_DIR))
    assert tiny_tok.fix_text is None
    out = {"tiny": {"vocab_size": len(vocab), "cases": goldens(tiny_tok)}}

    # 2. Real vocabulary, when fetched.
    default = pathlib.Path(os.environ.get("AIGC_USER_MODELS", ROOT.parent / "models")) / "clip"
    real = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else default / "bpe_simple_vocab_16e6.txt.gz"
    if real.exists():
        lines = gzip.open(real).read().decode("utf-8").split("\n")[1:49152 - 256 - 2 + 1]
        real_merges = [tuple(m.split()) for m in lines]
        with tempfile.TemporaryDirectory() as tmp:
            write_hf_files(pathlib.Path(tmp), real_merges)
            real_tok = CLIPTokenizer.from_pretrained(tmp)
            out["real"] = {"file": real.name,
                           "sha256": hashlib.sha256(real.read_bytes()).hexdigest(),
                           "vocab_size": real_tok.vocab_size, "cases": goldens(real_tok)}
    else:
        print(f"note: {real} missing; the real-vocabulary goldens are not written", file=sys.stderr)
    GOLDEN_JSON.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN_JSON.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    # 3. Tiny text encoder.
    config = CLIPTextConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=37,
                            num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=77,
                            hidden_act="quick_gelu", layer_norm_eps=1e-5, projection_dim=32,
                            bos_token_id=vocab["<|startoftext|>"], eos_token_id=vocab["<|endoftext|>"],
                            pad_token_id=vocab["<|endoftext|>"])
    model = CLIPTextModel(config).eval()
    with torch.no_grad():  # random init has zero biases / unit norms: perturb them too
        for name, p in model.named_parameters():
            if name.endswith("bias") or "layer_norm" in name:
                p.add_(0.1 * torch.randn_like(p))
    model.save_pretrained(str(TEXT_DIR), safe_serialization=True)

    prompts = ["a portrait of a cat wearing a hat", "it's a beautiful day in the city, 4k!"]
    ids = torch.tensor(tiny_tok(prompts, padding="max_length", max_length=77, truncation=True).input_ids)
    short = torch.tensor([tiny_tok("the quick brown fox").input_ids])
    tensors = {"input_ids": ids.to(torch.int32), "input_ids_short": short.to(torch.int32)}
    with torch.no_grad():
        o = model(input_ids=ids, output_hidden_states=True)
        tensors["last_hidden_state"] = o.last_hidden_state
        tensors["penultimate_normed"] = model.text_model.final_layer_norm(o.hidden_states[-2])
        tensors["penultimate_raw"] = o.hidden_states[-2]
        s = model(input_ids=short)
        tensors["last_hidden_state_short"] = s.last_hidden_state
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(GOLDEN_TENSORS))
    print(f"wrote {TOK_DIR}, {GOLDEN_JSON}, {TEXT_DIR}, {GOLDEN_TENSORS}")


if __name__ == "__main__":
    main()
