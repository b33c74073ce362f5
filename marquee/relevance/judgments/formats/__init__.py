"""Judgement file formats, one per module, behind one dispatch table."""

from __future__ import annotations

from types import ModuleType

from marquee.relevance.judgments.formats import beir, quepid, ranklib, srw, trec
from marquee.relevance.judgments.formats.base import JudgmentFormatError, ParseResult

FORMATS: dict[str, ModuleType] = {"quepid": quepid, "trec": trec, "beir": beir, "ranklib": ranklib, "srw": srw}


def get_format(name: str) -> ModuleType:
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown judgement format {name!r}; valid: {sorted(FORMATS)}") from None


__all__ = ["FORMATS", "JudgmentFormatError", "ParseResult", "get_format"]
