"""marquee: search and content understanding for catalogs (films, shows, posts, papers)."""

__version__ = "0.1.0"
