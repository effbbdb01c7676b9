"""Cheaper content fingerprints for Rasa's training cache: the same content, hashed once.

While training, Rasa fingerprints the output of every step to cache it
(rasa/engine/training/hooks.py): the whole training data after each tokenizer and featurizer,
so every token and every feature matrix of some 7,000 examples, several times. Stock Rasa
hashes each token through a JSON dump and an MD5 per field and then once more for the list,
and prints each sparse matrix as text, one line per value, before hashing that. A profile
(py-spy) of `rasa train` on this project's data put more than half of the time before DIET
starts into those two functions.

The replacements hash the same content with one MD5 each: a token's text, offsets, lemma and
data; a matrix's kind, origin, attribute, shape, type, coordinates and values. Two outputs
still get the same fingerprint exactly when their content is the same, so caching is as
correct as before; only the fingerprints themselves differ from stock Rasa's (a cache filled
by stock Rasa is not reused, it is filled again). The trained model is the same.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import scipy.sparse
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features


def token_fingerprint(token: Token) -> str:
    """What Token.fingerprint covers: text, offsets, lemma and data."""
    content = [token.text, token.start, token.end, token.lemma, token.data]
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.md5(encoded.encode("utf-8"), usedforsecurity=False).hexdigest()


def features_fingerprint(features: Features) -> str:
    """What Features.fingerprint covers, the matrix hashed as arrays instead of as text."""
    if features._cached_fingerprint is None:
        matrix = features.features
        digest = hashlib.md5(usedforsecurity=False)
        description = [features.type, features.origin, features.attribute, matrix.shape]
        digest.update(json.dumps(description, default=str).encode("utf-8"))
        if scipy.sparse.issparse(matrix):
            coordinates = matrix.tocoo()
            arrays = [coordinates.row, coordinates.col, coordinates.data]
        else:
            arrays = [np.asarray(matrix)]
        for array in arrays:
            digest.update(str(array.dtype).encode("ascii"))
            digest.update(np.ascontiguousarray(array).tobytes())
        features._cached_fingerprint = digest.hexdigest()
    return features._cached_fingerprint


def install() -> None:
    """Replace the two methods; Rasa's other fingerprints call them."""
    Token.fingerprint = token_fingerprint  # type: ignore[method-assign]
    Features.fingerprint = features_fingerprint  # type: ignore[method-assign]
