"""The token rows of the named featurizers go; everything the classifiers read stays."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_ext.token_features import DropTokenFeatures


def feature(kind: str, attribute: str, origin: str) -> Features:
    rows = 3 if kind == FEATURE_TYPE_SEQUENCE else 1
    return Features(scipy.sparse.coo_matrix(np.ones((rows, 4))), kind, attribute, origin)


def featurized_message() -> Message:
    message = Message(data={"text": "lost my phone", "response": "Call the servicedesk."})
    for origin in ("words", "characters", "lexical"):
        for kind in (FEATURE_TYPE_SEQUENCE, FEATURE_TYPE_SENTENCE):
            message.add_features(feature(kind, "text", origin))
        message.add_features(feature(FEATURE_TYPE_SEQUENCE, "response", origin))
    return message


def kinds(message: Message) -> set[tuple[str, str, str]]:
    return {(f.type, f.attribute, f.origin) for f in message.features}


def component(*featurizers: str) -> DropTokenFeatures:
    return DropTokenFeatures.create({"featurizers": list(featurizers)}, None, None, None)


def test_only_the_text_token_rows_of_the_named_featurizers_go():
    message = featurized_message()
    before = kinds(message)
    [processed] = component("words", "characters").process([message])
    assert kinds(processed) == before - {
        (FEATURE_TYPE_SEQUENCE, "text", "words"),
        (FEATURE_TYPE_SEQUENCE, "text", "characters"),
    }


def test_training_data_loses_the_same_rows_and_a_fresh_fingerprint():
    message = featurized_message()
    stale = message.fingerprint()
    data = component("words").process_training_data(TrainingData([message]))
    [processed] = data.training_examples
    assert (FEATURE_TYPE_SEQUENCE, "text", "words") not in kinds(processed)
    assert (FEATURE_TYPE_SENTENCE, "text", "words") in kinds(processed)
    assert processed.fingerprint() != stale


@pytest.mark.parametrize("config", [{}, {"featurizers": []}, {"featurizers": "words"}])
def test_a_config_without_featurizer_aliases_is_refused(config):
    with pytest.raises(InvalidConfigException, match="featurizers"):
        DropTokenFeatures.create(config, None, None, None)


def test_an_alias_no_featurizer_has_is_refused_at_training():
    with pytest.raises(InvalidConfigException, match="charcters"):
        component("words", "charcters").process_training_data(TrainingData([featurized_message()]))
