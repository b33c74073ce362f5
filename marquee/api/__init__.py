"""HTTP API, web page and the ``marquee`` CLI. No ranking logic lives here."""
