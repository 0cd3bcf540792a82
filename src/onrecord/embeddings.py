"""Sentence embeddings from a static model shipped with onrecord: numpy and model2vec only, no torch.

The model, ``data/models/minilm-static/``, is sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)
distilled with model2vec by ``make model`` (see its README and LICENSE): a token-embedding table
(29,525 WordPiece tokens x 256 dimensions, float16) averaged over a text's tokens. It is loaded once,
on first use, from the shipped folder or from the folder named by the ``embeddings`` setting
(``ONRECORD_EMBEDDINGS``). Nothing is ever fetched from a model hub: a folder that is missing is an
error, not a download.

    >>> from onrecord.embeddings import embed, cosine
    >>> v = embed(["A ceasefire is out of the question", "A truce cannot be accepted"])
    >>> float(cosine(v[0], v[1])) > 0.3
    True
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import ConfigError
from .settings import get_setting

if TYPE_CHECKING:
    from model2vec import StaticModel

__all__ = ["SHIPPED_MODEL", "cosine", "embed", "load_model", "model_id", "model_path", "similarity_matrix"]

#: The static model that ships inside the package.
SHIPPED_MODEL = Path(__file__).resolve().parent / "data" / "models" / "minilm-static"

_lock = threading.Lock()
_models: dict[Path, StaticModel] = {}
_ids: dict[Path, str] = {}


def model_path(path: str | Path | None = None) -> Path:
    """The model folder: ``path``, else the ``embeddings`` setting, else the shipped model."""
    chosen = path if path is not None else get_setting("embeddings")
    return Path(chosen).expanduser().resolve() if chosen else SHIPPED_MODEL


def load_model(path: str | Path | None = None) -> StaticModel:
    """The static model at ``model_path(path)``, loaded once per folder and kept."""
    folder = model_path(path)
    model = _models.get(folder)
    if model is not None:
        return model
    with _lock:
        if folder not in _models:
            if not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file():
                # model2vec would take a missing folder for a hub id and try to download it
                raise ConfigError(f"no static embedding model in {folder} (needs model.safetensors and tokenizer.json; "
                                  "set ONRECORD_EMBEDDINGS to a model2vec folder, or run `make model`)")
            from model2vec import StaticModel

            try:
                _models[folder] = StaticModel.from_pretrained(str(folder), normalize=True)
            except (OSError, ValueError, KeyError) as exc:
                raise ConfigError(f"cannot load the static embedding model in {folder}: {exc}") from None
        return _models[folder]


def model_id(path: str | Path | None = None) -> str:
    """A stable name of the model at ``model_path(path)``: folder name and the first 12 hex digits of
    its weights' SHA-256 (``minilm-static@1a2b3c4d5e6f``), so vectors stored with it can tell which
    model made them and a rebuilt model is not mixed with the old one."""
    folder = model_path(path)
    if folder not in _ids:
        weights = folder / "model.safetensors"
        if not weights.is_file():
            raise ConfigError(f"no static embedding model in {folder} (needs model.safetensors and tokenizer.json; "
                              "set ONRECORD_EMBEDDINGS to a model2vec folder, or run `make model`)")
        digest = hashlib.sha256()
        with open(weights, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        _ids[folder] = f"{folder.name}@{digest.hexdigest()[:12]}"
    return _ids[folder]


def embed(texts: Iterable[str], *, path: str | Path | None = None, batch_size: int = 1024) -> np.ndarray:
    """Embeddings of ``texts``: one L2-normalised float32 row per text (a text without any known
    token gets a zero row). Deterministic: the same text always gets the same row."""
    texts = [t if isinstance(t, str) else str(t) for t in texts]
    model = load_model(path)
    if not texts:
        return np.zeros((0, model.dim), dtype=np.float32)
    vectors = np.asarray(model.encode(texts, batch_size=batch_size, show_progress_bar=False, use_multiprocessing=False),
                         dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    """Cosine similarity of two vectors (a float), or of matching rows of two matrices (an array)."""
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    dot = np.sum(a * b, axis=-1)
    norms = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    out = np.divide(dot, norms, out=np.zeros_like(dot, dtype=np.float32), where=norms > 0)
    return float(out) if out.ndim == 0 else out


def similarity_matrix(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """All cosine similarities between the rows of ``a`` and of ``b`` (default ``a``), for
    L2-normalised rows such as ``embed`` returns: a plain matrix product."""
    a = np.asarray(a, dtype=np.float32)
    return a @ (a if b is None else np.asarray(b, dtype=np.float32)).T
