"""Relevance engineering: judgement lists, click logs and click models, metrics, paired comparisons.

Kept import-light on purpose: the CLI imports command modules eagerly, so nothing heavy (ranx, models)
is loaded until a subpackage that needs it is imported.
"""
