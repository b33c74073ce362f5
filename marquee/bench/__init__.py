"""Benchmarks behind ``marquee bench``: each stage measured against a baseline in the same run, results as JSON.

Numbers go to benchmarks/RESULTS.md; tests never assert timings.
"""
