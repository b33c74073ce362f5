"""Storage shared by marquee's stores: the SQLite database (judgements, events) and how it is opened safely."""

from marquee.storage.sqlite import Database, DatabaseError, Migration, Store, utc_iso, utc_now

__all__ = ["Database", "DatabaseError", "Migration", "Store", "utc_iso", "utc_now"]
