"""The training cache's cheaper fingerprints tell content apart exactly as Rasa's own do."""

from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features

from bot.rasa_ext.fingerprints import features_fingerprint, token_fingerprint


def _features(matrix, attribute: str = "text", origin: str = "words") -> Features:
    return Features(matrix, "sentence", attribute, origin)


def test_a_token_is_fingerprinted_by_text_offsets_lemma_and_data():
    token = Token("phones", 4, data={"pattern": {"link": False}}, lemma="phone")
    same = Token("phones", 4, data={"pattern": {"link": False}}, lemma="phone")
    assert token_fingerprint(token) == token_fingerprint(same)
    others = [
        Token("phone", 4, data={"pattern": {"link": False}}, lemma="phone"),
        Token("phones", 5, data={"pattern": {"link": False}}, lemma="phone"),
        Token("phones", 4, end=11, data={"pattern": {"link": False}}, lemma="phone"),
        Token("phones", 4, data={"pattern": {"link": True}}, lemma="phone"),
        Token("phones", 4, data={"pattern": {"link": False}}, lemma="phones"),
    ]
    assert len({token_fingerprint(token)} | {token_fingerprint(o) for o in others}) == 6


def test_sparse_features_are_fingerprinted_by_their_content():
    matrix = scipy.sparse.coo_matrix(([1.0, 2.0], ([0, 0], [3, 7])), shape=(1, 10))
    first = features_fingerprint(_features(matrix))
    assert features_fingerprint(_features(matrix.tocsr())) == first  # same content, other format
    others = [
        _features(scipy.sparse.coo_matrix(([1.0, 2.5], ([0, 0], [3, 7])), shape=(1, 10))),
        _features(scipy.sparse.coo_matrix(([1.0, 2.0], ([0, 0], [3, 8])), shape=(1, 10))),
        _features(scipy.sparse.coo_matrix(([1.0, 2.0], ([0, 0], [3, 7])), shape=(1, 11))),
        _features(matrix, attribute="intent"),
        _features(matrix, origin="characters"),
    ]
    assert len({first} | {features_fingerprint(o) for o in others}) == 6


def test_dense_features_are_fingerprinted_by_values_and_type():
    values = np.array([[0.5, 1.0]], dtype=np.float32)
    first = features_fingerprint(_features(values))
    assert features_fingerprint(_features(values.copy())) == first
    assert features_fingerprint(_features(values.astype(np.float64))) != first
    assert features_fingerprint(_features(values * 2)) != first
