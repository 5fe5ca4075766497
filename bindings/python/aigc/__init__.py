"""aigc: embeddable generative AI, from Python.

A thin Pythonic layer over the native module ``aigc._aigc`` (pybind11 over the library's
C API). Every call that computes runs with the GIL released, so several threads can
generate at once (one :class:`Context` per thread; a :class:`Model` is shared freely).

Quick start::

    import aigc
    model = aigc.Model.load("stories260K.bin")
    print(model.generate("Once", max_tokens=32, temperature=0))
    for piece in model.generate("Once", max_tokens=32, stream=True):
        print(piece, end="", flush=True)

Errors are subclasses of :class:`aigc.Error` (one per library status), carrying the
library's message: ``IoError``, ``InvalidArgument``, ``InvalidFormat``, ``Unsupported``,
``ShapeMismatch``, ``BackendUnavailable``, ``ContextFull``, ``Cancelled``, ...
See docs/PYTHON.md.
"""

from __future__ import annotations

import os
import queue
import threading
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import _aigc
from ._aigc import (
    BackendUnavailable,
    BufferTooSmall,
    Cancelled,
    Context,
    ContextFull,
    DeviceError,
    Error,
    GenerateResult,
    ImageJob,
    ImageModelInfo,
    InternalError,
    InvalidArgument,
    InvalidFormat,
    IoError,
    ModelInfo,
    OutOfMemory,
    Sampler,
    ShapeMismatch,
    Unsupported,
    abi_version,
    backend_available,
    status_string,
    system_info,
)
from ._aigc import generate as _native_generate

__version__: str = _aigc.version()
"""Version of the aigc library compiled into the extension ("0.1.0")."""

__all__ = [
    "__version__",
    "Model",
    "ModelInfo",
    "Context",
    "Sampler",
    "GenerateResult",
    "generate",
    "ImageModel",
    "ImageModelInfo",
    "ImageJob",
    "Images",
    "save_png",
    "system_info",
    "backend_available",
    "abi_version",
    "status_string",
    "Error",
    "InvalidArgument",
    "OutOfMemory",
    "IoError",
    "InvalidFormat",
    "Unsupported",
    "ShapeMismatch",
    "BackendUnavailable",
    "BufferTooSmall",
    "ContextFull",
    "Cancelled",
    "DeviceError",
    "InternalError",
]

Message = Union[Mapping[str, str], Tuple[str, str]]


def generate(
    context: Context,
    prompt: str,
    sampler: Optional[Sampler] = None,
    *,
    max_tokens: int = 128,
    seq_id: int = 0,
    append: bool = False,
    add_bos: Optional[bool] = None,
    special: bool = False,
    ignore_eos: bool = False,
    stop: Optional[Sequence[str]] = None,
    on_piece: Optional[Any] = None,
) -> GenerateResult:
    """Low-level generation on a :class:`Context` you own; returns a :class:`GenerateResult`.

    ``sampler`` None is greedy. ``on_piece(piece, token)`` is called for every piece of
    text (on this thread, GIL held only for the call); returning False stops the
    generation (``stop_reason == 'cancelled'``). ``append=True`` continues the sequence
    (multi-turn) instead of clearing it. The GIL is released while generating.
    """
    return _native_generate(
        context,
        prompt,
        sampler,
        max_tokens=max_tokens,
        seq_id=seq_id,
        append=append,
        add_bos=add_bos,
        special=special,
        ignore_eos=ignore_eos,
        stop=list(stop) if stop is not None else None,
        on_piece=on_piece,
    )


class _Done:
    __slots__ = ("result",)

    def __init__(self, result: GenerateResult) -> None:
        self.result = result


class _Failed:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _normalize_messages(messages: Iterable[Message]) -> List[Tuple[str, str]]:
    out: List[Tuple[str, str]] = []
    for i, m in enumerate(messages):
        if isinstance(m, Mapping):
            try:
                out.append((str(m["role"]), str(m["content"])))
            except KeyError as e:
                raise InvalidArgument(f"messages[{i}] lacks the key {e.args[0]!r}") from None
        else:
            role, content = m
            out.append((str(role), str(content)))
    return out


class Model(_aigc.Model):
    """A loaded model: immutable and shared by any number of threads and contexts.

    Load with :meth:`Model.load` (or ``Model(path, ...)``). Besides the native methods
    (``info``, ``meta``, ``tokenize``, ``detokenize``, ``apply_chat_template``) it offers
    :meth:`generate` and :meth:`chat`, which manage contexts for you: each call borrows
    a context from a small per-model pool (made on first use with the given ``n_ctx`` and
    ``n_threads``), so concurrent calls from several threads each get their own.
    """

    def __init__(self, path: Union[str, os.PathLike], backend: str = "cpu",
                 tokenizer: Optional[Union[str, os.PathLike]] = None) -> None:
        super().__init__(os.fspath(path), backend,
                         os.fspath(tokenizer) if tokenizer is not None else None)
        self._pool: Dict[Tuple[int, Optional[int]], List[Context]] = {}
        self._pool_lock = threading.Lock()

    @classmethod
    def load(cls, path: Union[str, os.PathLike], backend: str = "cpu",
             tokenizer: Optional[Union[str, os.PathLike]] = None) -> "Model":
        """Loads a GGUF, safetensors or llama2.c model (GIL released while loading).

        Raises IoError (missing file), InvalidFormat, Unsupported, ShapeMismatch or
        BackendUnavailable with the library's message.
        """
        return cls(path, backend=backend, tokenizer=tokenizer)

    def __repr__(self) -> str:
        i = self.info
        return (f"<aigc.Model n_vocab={i.n_vocab} n_layers={i.n_layers} "
                f"n_embd={i.n_embd} n_params={i.n_params}>")

    # ---- contexts --------------------------------------------------------------------

    def _acquire(self, n_ctx: int, n_threads: Optional[int]) -> Context:
        key = (n_ctx, n_threads)
        with self._pool_lock:
            free = self._pool.get(key)
            if free:
                return free.pop()
        return Context(self, n_ctx=n_ctx, n_threads=n_threads)

    def _release(self, ctx: Context, n_ctx: int, n_threads: Optional[int]) -> None:
        with self._pool_lock:
            free = self._pool.setdefault((n_ctx, n_threads), [])
            if len(free) < 4:  # keep a few; the rest are freed
                free.append(ctx)

    def clear_cache(self) -> None:
        """Frees the contexts kept for :meth:`generate` / :meth:`chat` (their KV caches)."""
        with self._pool_lock:
            self._pool.clear()

    # ---- generation ------------------------------------------------------------------

    def generate(
        self,
        prompt: str,
        max_tokens: int = 128,
        temperature: float = 0.8,
        top_k: int = 40,
        top_p: float = 0.95,
        min_p: float = 0.05,
        repeat_penalty: float = 1.0,
        seed: int = 0,
        stop: Optional[Sequence[str]] = None,
        stream: bool = False,
        n_ctx: int = 0,
        n_threads: Optional[int] = None,
        *,
        typical_p: float = 1.0,
        penalty_last_n: int = 64,
        frequency_penalty: float = 0.0,
        presence_penalty: float = 0.0,
        add_bos: Optional[bool] = None,
        special: bool = False,
        ignore_eos: bool = False,
        sampler: Optional[Sampler] = None,
    ) -> Union[str, Iterator[str]]:
        """Continues ``prompt`` and returns the generated text.

        With ``stream=True`` returns an iterator yielding the text piece by piece (whole
        UTF-8 characters) as it is produced; closing it early (``break``, ``close()``)
        cancels the generation. The sampling arguments build the library's standard chain
        (docs/SAMPLING.md; ``temperature=0`` is greedy, the defaults equal the ``aigc``
        CLI's); ``sampler`` replaces them with your own :class:`Sampler`. ``stop``: strings
        that end the text (not included). ``n_ctx`` 0: min(model's, 4096).
        ``n_threads`` None: physical cores.

        Raises InvalidArgument for out-of-range parameters (the message names them) and
        ContextFull when the prompt does not fit in ``n_ctx``.
        """
        if sampler is None:
            sampler = Sampler(temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p,
                              typical_p=typical_p, penalty_last_n=penalty_last_n,
                              repeat_penalty=repeat_penalty,
                              frequency_penalty=frequency_penalty,
                              presence_penalty=presence_penalty, seed=seed)
        opts = dict(max_tokens=max_tokens, add_bos=add_bos, special=special,
                    ignore_eos=ignore_eos, stop=list(stop) if stop is not None else None)
        ctx = self._acquire(n_ctx, n_threads)
        if stream:
            return self._stream(ctx, (n_ctx, n_threads), prompt, sampler, opts)
        try:
            return _native_generate(ctx, prompt, sampler, **opts).text
        finally:
            self._release(ctx, n_ctx, n_threads)

    def _stream(self, ctx: Context, key: Tuple[int, Optional[int]], prompt: str,
                sampler: Sampler, opts: Dict[str, Any]) -> Iterator[str]:
        """Runs the generation on a worker thread (GIL released) and yields its pieces."""
        pieces: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        stop = threading.Event()
        finished = threading.Event()

        def on_piece(piece: str, token: int) -> bool:
            pieces.put(piece)
            return not stop.is_set()

        def work() -> None:
            try:
                pieces.put(_Done(_native_generate(ctx, prompt, sampler, on_piece=on_piece,
                                                  **opts)))
            except BaseException as e:  # handed to the consumer
                pieces.put(_Failed(e))
            finally:
                finished.set()

        def iterate() -> Iterator[str]:
            worker = threading.Thread(target=work, name="aigc-generate", daemon=True)
            worker.start()
            try:
                while True:
                    item = pieces.get()
                    if isinstance(item, _Done):
                        return
                    if isinstance(item, _Failed):
                        raise item.error
                    yield item
            finally:
                if not finished.is_set():  # closed early: stop the worker
                    stop.set()
                    ctx.cancel()
                worker.join()
                # A cancelled context is not pooled: a cancel that arrived just after the
                # call returned would stop the next call on it.
                if not stop.is_set():
                    self._release(ctx, *key)

        return iterate()

    def chat(
        self,
        messages: Iterable[Message],
        max_tokens: int = -1,
        temperature: float = 0.8,
        *,
        template: Optional[str] = None,
        stream: bool = False,
        **kwargs: Any,
    ) -> Union[str, Iterator[str]]:
        """Replies to a conversation: ``messages`` is a list of ``{"role", "content"}``
        dicts (or ``(role, content)`` tuples), roles "system", "user", "assistant".

        The conversation is rendered with the model's chat template, or the built-in one
        named by ``template`` ("chatml", "llama2", "llama3", "mistral", "gemma", "phi3"),
        and generated from with control tokens parsed and no extra BOS; the reply ends at
        the model's end-of-turn token. ``max_tokens`` -1: until then (or a full context).
        Other keyword arguments are those of :meth:`generate`. A model without a template
        the library recognises raises Unsupported (pass ``template``).
        """
        text = self.apply_chat_template(_normalize_messages(messages), True, template)
        kwargs.setdefault("add_bos", False)
        kwargs.setdefault("special", True)
        return self.generate(text, max_tokens=max_tokens, temperature=temperature,
                             stream=stream, **kwargs)

    def apply_chat_template(self, messages: Iterable[Message],  # type: ignore[override]
                            add_generation_prompt: bool = True,
                            template: Optional[str] = None) -> str:
        """Renders a conversation (dicts or (role, content) tuples) to the prompt text.

        The text holds control-token texts: tokenize it with ``special=True,
        add_bos=False``. Raises Unsupported for a template the library does not know.
        """
        return super().apply_chat_template(_normalize_messages(messages),
                                           add_generation_prompt, template)


# ---- Images -------------------------------------------------------------------------------


class Images(list):
    """The images of one :meth:`ImageModel.generate` call: a list of uint8 numpy arrays
    (H, W, C), plus :meth:`grid` and :meth:`save_png` (PNG with provenance text chunks)."""

    def __init__(self, native: "_aigc.Images") -> None:
        super().__init__(native.image(k) for k in range(len(native)))
        self._native = native

    def grid(self) -> Any:
        """All images side by side as one uint8 array (H, W, C)."""
        return self._native.grid()

    def save_png(self, path: Union[str, os.PathLike], grid: bool = True, *,
                 index: Optional[int] = None, provenance: bool = True,
                 compression_level: int = 6) -> None:
        """Writes the grid (``grid=True``, default; a single image is its own grid) or image
        ``index`` as a PNG file, whole or not at all. ``grid=False`` without ``index`` writes
        one file per image: ``name-1.png``, ``name-2.png``, ... (like ``aigc image --separate``)."""
        path = os.fspath(path)
        if index is not None:
            self._native.save_png(path, index, provenance, compression_level)
        elif grid or len(self) == 1:
            self._native.save_png(path, -1 if len(self) > 1 else 0, provenance, compression_level)
        else:
            stem, ext = os.path.splitext(path)
            for k in range(len(self)):
                self._native.save_png(f"{stem}-{k + 1}{ext}", k, provenance, compression_level)


def save_png(images: Images, path: Union[str, os.PathLike], grid: bool = True, **kwargs: Any) -> None:
    """``images.save_png(path, grid, ...)``: see :meth:`Images.save_png`. Only images made
    by this library can be saved (the PNG records how they were made)."""
    if not isinstance(images, Images):
        raise TypeError("save_png takes the Images returned by ImageModel.generate or "
                        "ImageModel.gan_interpolate")
    images.save_png(path, grid, **kwargs)


class ImageModel(_aigc.ImageModel):
    """An image model: GAN, VAE, diffusion or text-to-image (see docs/PYTHON.md).

    ``ImageModel.load(path)`` reads a converted model directory (config.json +
    model.safetensors), a diffusers folder or a single-file Stable Diffusion checkpoint.
    The model is immutable: any number of threads may use it at once; every compute call
    releases the GIL.
    """

    def __init__(self, path: Union[str, os.PathLike], backend: str = "cpu") -> None:
        super().__init__(os.fspath(path), backend)

    @classmethod
    def load(cls, path: Union[str, os.PathLike], backend: str = "cpu") -> "ImageModel":
        """Loads an image model (same as ``ImageModel(path, backend)``)."""
        return cls(path, backend)

    def __repr__(self) -> str:
        i = self.info
        return f"<aigc.ImageModel {i.name!r} {i.kind} {i.width}x{i.height}x{i.channels}>"

    def _class_index(self, label: Union[int, str]) -> int:
        if isinstance(label, str):
            names = self.info.class_names
            if label in names:
                return names.index(label)
            lowered = [n.lower() for n in names]
            if label.lower() in lowered:
                return lowered.index(label.lower())
            raise InvalidArgument(f"unknown class {label!r}; classes: {', '.join(names)}")
        return int(label)

    def generate(
        self,
        seed: int = 0,
        count: int = 1,
        class_label: Optional[Union[int, str, Sequence[Union[int, str]]]] = None,
        prompt: Optional[str] = None,
        negative_prompt: Optional[str] = None,
        steps: Optional[int] = None,
        sampler: Optional[str] = None,
        cfg: Optional[float] = None,
        width: Optional[int] = None,
        height: Optional[int] = None,
        init_image: Optional[Any] = None,
        strength: float = 0.8,
        mask: Optional[Any] = None,
        progress: Optional[Any] = None,
        job: Optional[ImageJob] = None,
        *,
        latents: Optional[Any] = None,
        grid_columns: int = 0,
        n_threads: Optional[int] = None,
    ) -> Images:
        """Generates ``count`` images; returns :class:`Images` (a list of uint8 arrays
        (H, W, C)). Image k uses seed ``seed + k``.

        ``class_label``: class-conditional models, an index or a class name (None: image k
        gets class k), or a sequence with one label per image. ``prompt`` /
        ``negative_prompt``: text-to-image. ``steps``, ``sampler`` ("ddpm", "ddim",
        "euler", "euler_a", "heun", "dpmpp_2m", "lcm", + "_karras"), ``cfg``: diffusion
        (None: the model's). ``width``/``height``: models with a free size.
        ``init_image`` (uint8 (H, W) or (H, W, C)), ``strength``, ``mask`` (uint8 (H, W),
        255 = generate): img2img / inpainting. ``progress(step, total)`` is called after
        each diffusion step (GIL held for the call only); returning False stops the run
        with :class:`Cancelled`. ``job``: an :class:`ImageJob` whose ``cancel()`` (any
        thread) stops the run with :class:`Cancelled`. ``latents``: explicit float32 GAN /
        VAE latents or diffusion noise, count x one image's.
        """
        labels = None
        label = None
        if class_label is not None:
            if isinstance(class_label, (str, int)) or hasattr(class_label, "__index__"):
                label = self._class_index(class_label)  # type: ignore[arg-type]
            else:
                labels = [self._class_index(c) for c in class_label]  # type: ignore[union-attr]
        native = self._generate(
            seed=seed, count=count, class_label=label, class_labels=labels, prompt=prompt,
            negative_prompt=negative_prompt, steps=steps, sampler=sampler, cfg=cfg,
            width=width, height=height, init_image=init_image, strength=strength, mask=mask,
            progress=progress, job=job, latents=latents, grid_columns=grid_columns,
            n_threads=n_threads)
        return Images(native)

    def gan_interpolate(self, seed_a: int, seed_b: int, frames: int, method: str = "slerp",
                        class_label: Union[int, str] = -1, grid_columns: int = 0) -> Images:
        """GAN latent walk: ``frames`` (>= 2) images from seed_a's latent to seed_b's, both
        included, by "slerp" (default) or "lerp". Class-conditional GANs need class_label."""
        label = self._class_index(class_label) if class_label != -1 else -1
        return Images(self._gan_interpolate(seed_a, seed_b, frames, method, label, grid_columns))
