"""A real ``marquee serve`` (gunicorn, several worker processes) over a small home, for tests of shared state.

What the server shares between processes (the SQLite database, index versions, the alias file) only breaks
the way it breaks in production when several workers really run: these tests start gunicorn, talk HTTP on
loopback with concurrent clients and read the files afterwards.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode

from marquee.bench.api import Server
from marquee.settings import load_settings
from tests.api.catalog_home import ADMIN_KEY, HOME_OVERRIDES, catalog_slice, reindex

T = TypeVar("T")
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def small_home(home: Path, rows: int = 200) -> Path:
    """A fresh home serving the first ``rows`` bundled titles (hashing vectors, no NER)."""
    home.mkdir(parents=True, exist_ok=True)
    reindex(home, catalog_slice(home / "catalog.csv.gz", rows))
    return home


def gunicorn(home: Path, workers: int = 2, threads: int = 4) -> Server:
    """``marquee serve`` with ``workers`` processes over ``home``; use as a context manager."""
    settings = load_settings(env={}, overrides={"home": str(home), **HOME_OVERRIDES}).replace(
        workers=workers, threads=threads)
    return Server(home, settings, env={"MARQUEE_API_KEYS": ADMIN_KEY, "MARQUEE_HOME": str(home)})


class Client:
    """One keep-alive HTTP connection (a client thread owns one)."""

    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | str | None = None,
                headers: Mapping[str, str] | None = None, params: Mapping[str, str] | None = None,
                ) -> tuple[int, bytes]:
        url = f"{path}?{urlencode(params)}" if params else path
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.conn.request(method, url, body=data, headers=dict(headers or {}))
        response = self.conn.getresponse()
        return response.status, response.read()

    def post_json(self, path: str, payload: object, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
        return self.request("POST", path, json.dumps(payload), {"Content-Type": "application/json", **(headers or {})})

    def close(self) -> None:
        self.conn.close()


def run_clients(port: int, count: int, work: Callable[[int, Client], T], timeout: float = 120.0) -> list[T]:
    """Run ``work(slot, client)`` in ``count`` threads at once; re-raise the first failure."""
    results: list[T | None] = [None] * count
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(slot: int) -> None:
        client = Client(port)
        try:
            start.wait()
            results[slot] = work(slot, client)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread below
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if errors:
        raise errors[0]
    if any(thread.is_alive() for thread in threads):
        raise AssertionError(f"client threads still running after {timeout}s")
    return [r for r in results if r is not None]
