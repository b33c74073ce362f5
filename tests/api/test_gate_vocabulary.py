"""A relevance gate understands queries with the vocabulary the server serves (``PUT /admin/synonyms``), not the
shipped defaults: otherwise a gate would pass or refuse a version on a reading no viewer gets."""

from __future__ import annotations

from marquee.api.gates import served_concepts
from marquee.search.understander import shipped_concepts
from marquee.search.understanding.concepts import Concepts, default_concepts
from marquee.settings import load_settings
from marquee.storage.synonyms import SynonymStore


def test_a_gate_reads_the_served_vocabulary_and_the_defaults_only_without_a_database(tmp_path):
    settings = load_settings(overrides={"home": str(tmp_path)}, env={})
    assert served_concepts(settings) is shipped_concepts
    edited = Concepts(default_concepts().concepts[:3], ("new york",))
    store = SynonymStore(settings.db_path)
    assert store.replace(edited, comment="three concepts") == 1
    source = served_concepts(settings)
    assert source() == (1, edited)
    assert store.replace(default_concepts(), base_version=1) == 2
    assert source() == (2, default_concepts())  # read on every call: an edit applies from the next gate query
    store.close()
