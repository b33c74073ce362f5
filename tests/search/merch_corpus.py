"""A ten-title corpus for spelling and query-rule tests: words chosen so each rule has one clear case
("samurai" in two descriptions, "mafia" in one beside two "Maria"s, "family" in four)."""

from __future__ import annotations

from pathlib import Path

from marquee import mappings
from marquee.enrichment.embeddings import HashingEmbedder
from marquee.search.backends.embedded import EmbeddedBackend
from marquee.search.query_rules import RuleSource
from marquee.search.retrieval import Retriever
from marquee.search.service import SearchService, ServiceConfig

ROWS = (
    ("s1", "Seven Samurai", "A village hires samurai warriors to defend it from bandits.", ["Toshiro Mifune"],
     ["Classic Movies", "Action & Adventure"], ["Japan"], "Movie"),
    ("s2", "The Last Ronin", "A masterless samurai seeks revenge in feudal Japan.", ["Hiroyuki Sanada"],
     ["International Movies"], ["Japan"], "Movie"),
    ("s3", "Zombie Town", "A small town family fights a zombie outbreak.", ["Dan Aykroyd"], ["Horror Movies"],
     ["Canada"], "Movie"),
    ("s4", "Night of the Zombies", "Survivors hide from zombies in a shopping mall.", ["Ken Foree"],
     ["Horror Movies"], ["United States"], "Movie"),
    ("s5", "Mafia Inc", "A mafia family runs a construction empire.", ["Marc-Andre Grondin"], ["Dramas"],
     ["Canada"], "Movie"),
    ("s6", "Maria", "Maria, a nurse in Lisbon, raises her family alone.", ["Ana Moreira"], ["Dramas"],
     ["Portugal"], "Movie"),
    ("s7", "Maria Full of Grace", "Maria becomes a courier to escape poverty.", ["Catalina Sandino Moreno"],
     ["Dramas"], ["Colombia"], "Movie"),
    ("s8", "Documentary Now", "A documentary series parodying famous documentary films.", ["Fred Armisen"],
     ["TV Comedies"], ["United States"], "TV Show"),
    ("s9", "Planet Earth", "A documentary about wildlife across the planet.", ["David Attenborough"],
     ["Docuseries"], ["United Kingdom"], "TV Show"),
    ("s10", "Space Cowboys", "Retired pilots leave their family to repair a satellite in space.",
     ["Clint Eastwood"], ["Action & Adventure"], ["United States"], "Movie"),
)


def corpus_docs() -> list[dict]:
    embedder = HashingEmbedder()
    docs = []
    for n, (doc_id, title, body, people, genres, countries, kind) in enumerate(ROWS):
        docs.append({
            "id": doc_id, "title": title, "body": body, "people": people, "cast": people, "directors": [],
            "entities": [], "genres": genres, "countries": countries, "keywords": [], "kind": kind,
            "rating": "TV-MA", "year": 2000 + n, "decade": 2000, "duration_minutes": None, "seasons": None,
            "popularity": float(10 - n), "date_added": f"{2010 + n}-01-01", "content_hash": f"h{doc_id}",
            "embedding_model": "test",
            "embedding": embedder.encode([f"{title}. {body}"])[0].tolist(),
        })
    return docs


def corpus_service(path: Path, rules: RuleSource | None = None) -> SearchService:
    backend = EmbeddedBackend(path)
    backend.create_index("catalog-v0001", mappings.load())
    backend.bulk_upsert("catalog-v0001", corpus_docs())
    backend.refresh("catalog-v0001")
    backend.swap_alias("catalog", "catalog-v0001")
    return SearchService(backend, Retriever(backend, HashingEmbedder()), ServiceConfig(), rules=rules)
