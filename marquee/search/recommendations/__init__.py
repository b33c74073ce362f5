"""Recommendations serving: profiles from events, trending with spike detection, item-to-item, rows.

Serving only: profiles and trending counters are updated as events arrive (``POST /events``) and read when a
page asks for rows. ``scoring.py`` (offline-fitted item tables, evaluated by ``marquee evaluate-recs``) is the
offline scorer; the rows here blend live co-occurrence with content similarity so that a title with no events
is still recommendable.
"""
