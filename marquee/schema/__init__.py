"""The catalog schema: each field of the served catalog once, with its roles (see :mod:`.catalog`)."""

from marquee.schema.catalog import CATALOG, CatalogField, CatalogSchema, SortOption

__all__ = ["CATALOG", "CatalogField", "CatalogSchema", "SortOption"]
