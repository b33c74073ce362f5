"""Judgement lists: an SQLite store with migrations, and import/export in the formats relevance tools use."""

from marquee.relevance.judgments.formats import FORMATS, JudgmentFormatError
from marquee.relevance.judgments.models import Judgment, JudgmentList, ListStats, RowProblem, WriteReport
from marquee.relevance.judgments.store import JudgmentStore, JudgmentStoreError, JudgmentValidationError
from marquee.relevance.judgments.transfer import ImportReport, export_file, import_file

__all__ = [
    "FORMATS",
    "ImportReport",
    "Judgment",
    "JudgmentFormatError",
    "JudgmentList",
    "JudgmentStore",
    "JudgmentStoreError",
    "JudgmentValidationError",
    "ListStats",
    "RowProblem",
    "WriteReport",
    "export_file",
    "import_file",
]
