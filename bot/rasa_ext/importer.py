"""Training data importer that reads stories against the domain Rasa actually trains with.

Rasa 3.6 adds retrieval intents (faq) to the domain from the NLU data, but reads stories and
rules against the domain file alone. A rule for `faq` then warns "not part of the domain",
and listing `faq` in domain.yml warns about a duplicate instead. Reading stories against the
domain plus the NLU data's retrieval intents keeps `rasa data validate` free of both warnings.
"""

from __future__ import annotations

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.importers import utils
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.utils.common import cached_method


class RetrievalIntentsImporter(RasaFileImporter):
    @cached_method
    def story_domain(self) -> Domain:
        domain = self.get_domain()
        missing = sorted(self.get_nlu_data().retrieval_intents - set(domain.intents))
        if not missing:
            return domain
        return domain.merge(Domain.from_dict({"intents": missing}))

    def get_stories(self, exclusion_percentage: int | None = None) -> StoryGraph:
        return utils.story_graph_from_paths(
            self._story_files, self.story_domain(), exclusion_percentage
        )

    def get_conversation_tests(self) -> StoryGraph:
        return utils.story_graph_from_paths(self._conversation_test_files, self.story_domain())
