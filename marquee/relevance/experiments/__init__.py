"""Experiments: paired run comparisons with significance tests (``compare``), run/qrels file readers (``runs``).

Import the submodules directly; this package stays empty so importing it costs nothing.
"""
