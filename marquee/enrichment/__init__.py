"""Catalog files in, enriched ``Document`` records out. Never talks to a search backend."""
