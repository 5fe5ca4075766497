"""Type stubs of the native module aigc._aigc (pybind11 over the aigc C API)."""

from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

TokenIds = Union[Sequence[int], npt.NDArray[np.integer]]

BINDING_VERSION: str

def version() -> str:
    """Version of the aigc library compiled into this module ("0.1.0")."""
def abi_version() -> int:
    """The library's AIGC_ABI_VERSION."""
def status_string(status: int) -> str:
    """English name of an aigc_status code."""
def system_info() -> str:
    """Build description: version, backends, CPU features."""
def backend_available(name: str) -> bool:
    """True when the backend ('ref', 'cpu', 'cuda') is usable."""

class Error(RuntimeError):
    """Base of every error the library reports; `status` is the aigc_status code."""
    status: int
class InvalidArgument(Error, ValueError): ...
class OutOfMemory(Error, MemoryError): ...
class IoError(Error, OSError): ...
class InvalidFormat(Error, ValueError): ...
class Unsupported(Error): ...
class ShapeMismatch(Error, ValueError): ...
class BackendUnavailable(Error): ...
class BufferTooSmall(Error): ...
class ContextFull(Error): ...
class Cancelled(Error): ...
class DeviceError(Error): ...
class InternalError(Error): ...

class ModelInfo:
    """Sizes and special tokens of a loaded model."""
    @property
    def n_vocab(self) -> int: ...
    @property
    def n_ctx_train(self) -> int: ...
    @property
    def n_embd(self) -> int: ...
    @property
    def n_layers(self) -> int: ...
    @property
    def n_heads(self) -> int: ...
    @property
    def n_kv_heads(self) -> int: ...
    @property
    def bos_token(self) -> int: ...
    @property
    def eos_token(self) -> int: ...
    @property
    def has_tokenizer(self) -> bool: ...
    @property
    def n_params(self) -> int: ...
    @property
    def weight_bytes(self) -> int: ...
    def as_dict(self) -> Dict[str, Union[int, bool]]:
        """The fields as a dict."""

class Model:
    """A loaded model (immutable, shareable across threads and contexts)."""
    def __init__(self, path: str, backend: str = "cpu", tokenizer: Optional[str] = None) -> None: ...
    @property
    def info(self) -> ModelInfo: ...
    def meta(self, key: str) -> str:
        """Metadata value as text; InvalidArgument when absent."""
    def tokenize(self, text: str, add_bos: Optional[bool] = None, special: bool = False) -> List[int]:
        """Text -> token ids."""
    def detokenize(self, ids: TokenIds) -> str:
        """Token ids -> text (invalid UTF-8 replaced by U+FFFD)."""
    def detokenize_bytes(self, ids: TokenIds) -> bytes:
        """Token ids -> raw UTF-8 bytes."""
    def apply_chat_template(self, messages: Sequence[Tuple[str, str]],
                            add_generation_prompt: bool = True,
                            template: Optional[str] = None) -> str:
        """Renders [(role, content), ...] with the model's or a built-in chat template."""

class Context:
    """KV cache + logits for one model; one thread at a time; cancel() from any thread."""
    def __init__(self, model: Model, n_ctx: int = 0, n_threads: Optional[int] = None,
                 n_seq_max: int = 1) -> None: ...
    @property
    def model(self) -> Model: ...
    @property
    def n_ctx(self) -> int: ...
    @property
    def n_seq_max(self) -> int: ...
    @property
    def n_threads(self) -> int: ...
    def decode(self, tokens: TokenIds, seq_id: int = 0, all_logits: bool = False) -> None:
        """Appends and evaluates tokens (GIL released); ContextFull when they do not fit."""
    def logits(self) -> npt.NDArray[np.float32]:
        """Read-only (rows, n_vocab) float32 view of the last decode's logits (no copy;
        base is this Context); valid until the next decode/generate on this context."""
    def seq_length(self, seq_id: int = 0) -> int: ...
    def seq_truncate(self, seq_id: int, length: int) -> None: ...
    def seq_clear(self, seq_id: int = 0) -> None: ...
    def cancel(self) -> None:
        """Stops the running (or next) decode/generate with Cancelled; any thread."""

class Sampler:
    """Token sampler: the standard chain from keyword parameters, or stages in a chain."""
    def __init__(self, *, temperature: Optional[float] = None, top_k: Optional[int] = None,
                 top_p: Optional[float] = None, min_p: Optional[float] = None,
                 typical_p: Optional[float] = None, penalty_last_n: Optional[int] = None,
                 repeat_penalty: Optional[float] = None,
                 frequency_penalty: Optional[float] = None,
                 presence_penalty: Optional[float] = None, seed: Optional[int] = None) -> None: ...
    @staticmethod
    def chain() -> "Sampler": ...
    @staticmethod
    def greedy() -> "Sampler": ...
    @staticmethod
    def temperature(t: float) -> "Sampler": ...
    @staticmethod
    def top_k(k: int) -> "Sampler": ...
    @staticmethod
    def top_p(p: float, min_keep: int = 1) -> "Sampler": ...
    @staticmethod
    def min_p(p: float, min_keep: int = 1) -> "Sampler": ...
    @staticmethod
    def typical(p: float, min_keep: int = 1) -> "Sampler": ...
    @staticmethod
    def penalties(last_n: int, repeat: float, frequency: float = 0.0,
                  presence: float = 0.0) -> "Sampler": ...
    @staticmethod
    def logit_bias(bias: Dict[int, float]) -> "Sampler": ...
    @staticmethod
    def dist(seed: int) -> "Sampler": ...
    def add(self, stage: "Sampler") -> "Sampler":
        """Appends stage (which becomes empty) and returns this chain."""
    def sample(self, logits: npt.ArrayLike) -> int:
        """Token id from one 1-D row of logits."""
    def accept(self, token: int) -> None: ...
    def reset(self) -> None: ...
    def __bool__(self) -> bool: ...

class GenerateResult:
    """Text and statistics of one generation."""
    @property
    def text(self) -> str: ...
    @property
    def stop_reason(self) -> str: ...
    @property
    def n_prompt_tokens(self) -> int: ...
    @property
    def n_generated(self) -> int: ...
    @property
    def prompt_seconds(self) -> float: ...
    @property
    def generate_seconds(self) -> float: ...

def generate(context: Context, prompt: str, sampler: Optional[Sampler] = None,
             max_tokens: int = 128, seq_id: int = 0, append: bool = False,
             add_bos: Optional[bool] = None, special: bool = False, ignore_eos: bool = False,
             stop: Optional[List[str]] = None,
             on_piece: Optional[Callable[[str, int], Optional[bool]]] = None) -> GenerateResult:
    """Generates on `context` (GIL released); see aigc.generate."""

# ---- images (bind_images.cpp) ----------------------------------------------------------

ProgressCallback = Callable[[int, int], Optional[bool]]

class ImageModelInfo:
    """What an image model makes (ImageModel.info)."""
    @property
    def kind(self) -> str:
        """'gan', 'vae', 'diffusion' or 'text_to_image'."""
    @property
    def name(self) -> str: ...
    @property
    def architecture(self) -> str: ...
    @property
    def weights_sha256(self) -> str: ...
    @property
    def default_sampler(self) -> str:
        """Diffusion: the default sampler; '' otherwise."""
    @property
    def num_classes(self) -> int:
        """0: unconditional."""
    @property
    def class_names(self) -> List[str]: ...
    @property
    def width(self) -> int:
        """0 when any multiple of size_factor works."""
    @property
    def height(self) -> int: ...
    @property
    def channels(self) -> int:
        """1 gray, 3 RGB."""
    @property
    def size_factor(self) -> int: ...
    @property
    def latent_size(self) -> int:
        """Floats in one image's latent (GAN, flat VAE); 0 when size-dependent."""
    @property
    def latent_channels(self) -> int: ...
    @property
    def latent_factor(self) -> int:
        """Spatial VAEs: image size / latent size; 0 for flat latents."""
    @property
    def default_steps(self) -> int: ...
    @property
    def has_discriminator(self) -> bool: ...
    @property
    def has_encoder(self) -> bool: ...
    @property
    def takes_prompt(self) -> bool: ...

class ImageJob:
    """Cancellation handle for ImageModel.generate(job=...); cancel() from any thread."""
    def __init__(self) -> None: ...
    def cancel(self) -> None:
        """The running (or next) call using this job raises aigc.Cancelled."""

class Images:
    """Native image set (aigc.Images wraps it)."""
    def __len__(self) -> int: ...
    def image(self, index: int) -> npt.NDArray[np.uint8]:
        """Image `index` as uint8 (H, W, C); -1: the grid."""
    def grid(self) -> npt.NDArray[np.uint8]: ...
    def save_png(self, path: str, index: int = -1, provenance: bool = True,
                 compression_level: int = 6) -> None: ...

class ImageModel:
    """An image model (GAN, VAE, diffusion, text-to-image); immutable and thread-safe."""
    def __init__(self, path: str, backend: str = "cpu") -> None: ...
    @property
    def info(self) -> ImageModelInfo: ...
    def meta(self, key: str) -> str:
        """'name', 'architecture', 'weights_sha256', 'default_sampler', 'class:N'."""
    def _generate(self, seed: int = 0, count: int = 1, class_label: Optional[int] = None,
                  class_labels: Optional[List[int]] = None, prompt: Optional[str] = None,
                  negative_prompt: Optional[str] = None, steps: Optional[int] = None,
                  sampler: Optional[str] = None, cfg: Optional[float] = None,
                  width: Optional[int] = None, height: Optional[int] = None,
                  init_image: Optional[npt.ArrayLike] = None, strength: float = 0.8,
                  mask: Optional[npt.ArrayLike] = None,
                  progress: Optional[ProgressCallback] = None, job: Optional[ImageJob] = None,
                  latents: Optional[npt.ArrayLike] = None, grid_columns: int = 0,
                  n_threads: Optional[int] = None) -> Images: ...
    def _gan_interpolate(self, seed_a: int, seed_b: int, frames: int, method: str = "slerp",
                         class_label: int = -1, grid_columns: int = 0) -> Images: ...
    def gan_score(self, pixels: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Discriminator logits (N,) of float32 images (N, C, H, W) in 0..1."""
    def vae_encode(self, pixels: npt.ArrayLike, sample: bool = False,
                   seed: int = 0) -> npt.NDArray[np.float32]:
        """float32 images (N, C, H, W) in 0..1 -> latents (N, C, h, w) or (N, D)."""
    def vae_decode(self, latents: npt.ArrayLike, class_label: int = -1) -> npt.NDArray[np.float32]:
        """Latents (N, C, h, w) or (N, D) -> float32 images (N, C, H, W), 0..1 (not clamped)."""
