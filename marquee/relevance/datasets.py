"""BEIR-layout data sets: ``corpus.jsonl[.gz]``, ``queries.jsonl``, ``qrels/<split>.tsv``."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path


class DatasetError(ValueError):
    pass


@dataclass(frozen=True)
class BeirDataset:
    root: Path

    @property
    def name(self) -> str:
        return self.root.resolve().name

    @property
    def corpus_path(self) -> Path:
        for candidate in (self.root / "corpus.jsonl", self.root / "corpus.jsonl.gz"):
            if candidate.exists():
                return candidate
        raise DatasetError(f"{self.root}: no corpus.jsonl or corpus.jsonl.gz")

    def corpus_fingerprint(self) -> str:
        """Content hash of the corpus file: the evaluation index cache key."""
        digest = hashlib.sha256()
        with open(self.corpus_path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()[:16]

    def queries(self) -> dict[str, str]:
        path = self.root / "queries.jsonl"
        if not path.exists():
            raise DatasetError(f"{self.root}: no queries.jsonl")
        out = {}
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    out[str(record["_id"])] = str(record["text"])
                except (json.JSONDecodeError, KeyError) as exc:
                    raise DatasetError(f"{path}:{number}: not a BEIR query ({exc})") from exc
        return out

    def qrels(self, split: str) -> dict[str, dict[str, int]]:
        path = self.root / "qrels" / f"{split}.tsv"
        if not path.exists():
            available = sorted(p.stem for p in (self.root / "qrels").glob("*.tsv"))
            raise DatasetError(f"{self.root}: no qrels for split {split!r}; available: {available}")
        out: dict[str, dict[str, int]] = {}
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh, delimiter="\t")
            for number, row in enumerate(reader, start=1):
                if number == 1 and row and row[0] == "query-id":
                    continue
                if len(row) != 3:
                    raise DatasetError(f"{path}:{number}: expected 3 tab-separated columns")
                try:
                    out.setdefault(row[0], {})[row[1]] = int(row[2])
                except ValueError as exc:
                    raise DatasetError(f"{path}:{number}: grade {row[2]!r} is not an integer") from exc
        if not out:
            raise DatasetError(f"{path}: no judgements (an empty split has nothing to evaluate or train on)")
        return out
