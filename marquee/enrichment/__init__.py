"""Catalog files in, enriched :class:`~marquee.enrichment.document.Document` records out. Never talks to a search backend."""
