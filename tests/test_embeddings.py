"""The shipped static embedding model: loads offline from the package, and puts sentences about the
same thing closer than unrelated ones."""

import os
import subprocess
import sys

import numpy as np
import pytest

from onrecord import embeddings
from onrecord.embeddings import (
    SHIPPED_MODEL,
    cosine,
    embed,
    load_model,
    model_path,
    similarity_matrix,
)
from onrecord.errors import ConfigError


def test_the_model_ships_with_its_licence_and_is_small():
    files = {p.name: p.stat().st_size for p in SHIPPED_MODEL.iterdir()}
    assert {"model.safetensors", "tokenizer.json", "config.json", "LICENSE", "README.md"} <= set(files)
    assert sum(files.values()) < 16 * 2**20
    notice = (SHIPPED_MODEL / "LICENSE").read_text(encoding="utf-8")
    assert "sentence-transformers/all-MiniLM-L6-v2" in notice and "Apache License" in notice and "model2vec" in notice


def test_similar_sentences_score_higher_than_unrelated_ones():
    v = embed(["A ceasefire is out of the question", "A truce cannot be accepted", "The weather in Paris is mild"])
    assert v.dtype == np.float32 and v.shape == (3, load_model().dim)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert cosine(v[0], v[1]) > cosine(v[0], v[2]) + 0.1
    assert cosine(v[0], v[1]) > cosine(v[1], v[2]) + 0.1
    sims = similarity_matrix(v)
    assert sims.shape == (3, 3) and sims[0, 1] == pytest.approx(cosine(v[0], v[1]), abs=1e-5)
    assert cosine(v[:2], v[1:]).shape == (2,)


def test_embeddings_are_deterministic_and_batch_independent():
    texts = ["Sanctions are hurting Russia", "Trade restrictions are damaging Moscow", "Bananas are yellow"]
    one = embed(texts)
    assert np.array_equal(one, embed(texts))
    assert np.allclose(embed(texts[1:2])[0], one[1], atol=1e-6)
    assert embed([]).shape == (0, one.shape[1])
    assert not np.any(embed([""]))  # no token: a zero row, not NaN


def test_model_is_loaded_once():
    assert load_model() is load_model()


def test_setting_overrides_the_path_and_a_missing_folder_is_an_error_not_a_download(tmp_path, monkeypatch):
    monkeypatch.setenv("ONRECORD_EMBEDDINGS", str(tmp_path / "nowhere"))
    assert model_path() == (tmp_path / "nowhere").resolve()
    with pytest.raises(ConfigError, match="no static embedding model"):
        embed(["anything"])
    monkeypatch.setenv("ONRECORD_EMBEDDINGS", str(SHIPPED_MODEL))
    assert embeddings.load_model() is embeddings.load_model(SHIPPED_MODEL)


def test_loads_offline_without_torch(tmp_path):
    """A fresh interpreter with the hub switched off and torch made unimportable still embeds."""
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from onrecord.embeddings import embed\n"
        "print(embed(['a truce']).shape)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(tmp_path)}
    env.pop("ONRECORD_EMBEDDINGS", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"(1, {load_model().dim})"


def test_model_id_names_the_folder_and_its_weights(tmp_path):
    shipped = embeddings.model_id()
    assert shipped.startswith("minilm-static@") and len(shipped.split("@")[1]) == 12
    assert embeddings.model_id(SHIPPED_MODEL) == shipped
    with pytest.raises(ConfigError):
        embeddings.model_id(tmp_path)
