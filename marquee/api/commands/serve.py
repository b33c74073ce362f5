"""``marquee serve`` (gunicorn) and ``marquee demo`` (index the bundled catalog if needed, then serve)."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from marquee.api.wiring import make_backend
from marquee.settings import Settings

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="run the HTTP API under gunicorn")
    serve.add_argument("--bind", help="host:port (default: MARQUEE_HOST:MARQUEE_PORT)")
    serve.add_argument("--workers", type=int, help="gunicorn workers (MARQUEE_WORKERS)")
    serve.add_argument("--threads", type=int, help="threads per worker (MARQUEE_THREADS)")
    serve.set_defaults(handler=run_serve)

    demo = subparsers.add_parser("demo", help="index the bundled catalog if it is not indexed yet, then serve")
    demo.add_argument("--catalog", default=None, help="catalog file (default: MARQUEE_CATALOG)")
    demo.add_argument("--bind", help="host:port (default: MARQUEE_HOST:MARQUEE_PORT)")
    demo.add_argument("--workers", type=int)
    demo.add_argument("--threads", type=int)
    demo.set_defaults(handler=run_demo)


def _gunicorn_app(settings: Settings, args: argparse.Namespace) -> Any:
    from gunicorn.app.base import BaseApplication

    from marquee.api.app import create_app
    from marquee.api.logs import configure_json_logging
    from marquee.enrichment.embeddings import runtime_id

    options = {
        "bind": args.bind or f"{settings.host}:{settings.port}",
        "workers": args.workers or settings.workers,
        "threads": args.threads or settings.threads,
        "worker_class": "marquee.api.gunicorn_worker.JsonErrorsThreadWorker",
        # no request-line limit in gunicorn (whose maximum, 8 KB, is under a 2,048-character non-ASCII query once
        # percent-encoded): the app answers URLs over MAX_URL_BYTES with a JSON 414
        "limit_request_line": 0,
        "timeout": 120,
        "graceful_timeout": 30,
        "accesslog": None,
        "loglevel": settings.log_level,
        "preload_app": False,
    }

    class MarqueeApplication(BaseApplication):
        """Each worker builds its own app after the fork, so models and index handles are per process."""

        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            configure_json_logging(settings.log_level)
            app = create_app(settings)
            services = app.extensions["marquee"]
            services.warm_up()
            services.start_applier()
            compute_threads = limit_compute_threads(int(options["workers"]))
            log.info(
                "worker %d ready: models loaded in %.2fs, %d compute thread(s), serving %s, queries encoded by %s",
                os.getpid(), services.model_load_seconds, compute_threads,
                services.backend.get_alias(settings.alias), runtime_id(services.retriever.queries.embedder),
            )
            return app

    return MarqueeApplication()


def limit_compute_threads(workers: int) -> int:
    """Give each worker its share of the cores for BLAS, OpenMP and torch intra-op threads.

    Every library sizes its pool to the whole machine, so with as many workers as cores the pools of the
    workers fight over the same cores (`marquee bench api` measured the gain: benchmarks/RESULTS.md). Called
    after the models load: threadpoolctl only reaches libraries that are loaded."""
    from threadpoolctl import threadpool_limits

    per_worker = max(1, (os.cpu_count() or 1) // max(1, workers))
    threadpool_limits(per_worker)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(per_worker)
    return per_worker


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    backend = make_backend(settings)
    if backend.get_alias(settings.alias) is None:
        print(
            f"marquee: nothing is served under {settings.alias!r} yet; run `marquee reindex CATALOG` first "
            "(or `make demo`)",
            file=sys.stderr,
        )
        return 1
    backend.close()
    _gunicorn_app(settings, args).run()
    return 0


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    backend = make_backend(settings)
    served = backend.get_alias(settings.alias)
    backend.close()
    if served is None:
        catalog = args.catalog or str(settings.catalog)
        print(f"indexing {catalog} (first run only; later runs reuse the index)...", file=sys.stderr)
        # In a child process: gunicorn forks its workers from this one, and a process that has run the indexer
        # (tantivy's and torch's thread pools, the NER child's pipes) cannot be forked safely: the workers hung
        # in their warm-up. The child's exit also returns the models' memory before the workers load theirs.
        command = [sys.executable, "-m", "marquee.api.cli", "--home", str(settings.home), "--embedder",
                   settings.embedder, "reindex", catalog, "--format", settings.catalog_format, "--progress", "bar"]
        code = subprocess.run(command, check=False).returncode
        if code:
            return code
    installed = install_bundled_model(settings)
    if installed is not None:
        print(f"installed the bundled LTR model {installed} (trained on the catalog's judgement list)",
              file=sys.stderr)
    print(f"serving on http://{args.bind or f'{settings.host}:{settings.port}'}/", file=sys.stderr)
    return run_serve(args, settings)


def bundled_model(settings: Settings) -> Path:
    """The LTR model shipped beside the bundled catalog (``data/models/netflix-ltr/``)."""
    return Path(settings.catalog).parent / "models" / "netflix-ltr" / "model.txt"


def install_bundled_model(settings: Settings) -> Path | None:
    """Copy the shipped model into the home when it has none and this home embeds as the model was trained
    (same model id): a fresh ``make demo`` serves ``rerank=ltr``; a home with its own model keeps it."""
    import json
    import shutil

    from marquee.api.wiring import make_embedder
    from marquee.search.rerank import default_model_path

    source, target = bundled_model(settings), default_model_path(settings)
    if settings.ltr_model or target.exists() or not source.exists():
        return None
    trained_with = json.loads(source.with_suffix(".json").read_text(encoding="utf-8")).get("embedding_model")
    if trained_with != make_embedder(settings).model_id:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in (".json", ".txt"):  # the model file last: a model without its metadata never loads
        shutil.copyfile(source.with_suffix(suffix), target.with_suffix(suffix))
    return source
