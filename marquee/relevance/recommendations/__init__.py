"""Recommendation training and offline evaluation (issue 18 section 5): data sets split by user, baselines
(popularity, item-kNN, ALS, EASE), marquee's blend of EASE with content similarity, ranking metrics.

What serving needs from here is a fitted :class:`marquee.search.recommendations.scoring.ItemTables`: the
scoring itself lives in ``search/`` so the API serves exactly what ``marquee evaluate-recs`` measured.
"""
