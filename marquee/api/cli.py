"""The ``marquee`` command line. Settings are built here once and handed to each command."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from marquee import __version__
from marquee.api.commands import COMMAND_MODULES
from marquee.settings import SettingsError, load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="marquee", description="Search and content understanding for catalogs.")
    parser.add_argument("--version", action="version", version=f"marquee {__version__}")
    parser.add_argument("--home", help="where marquee keeps indices, models and its database (MARQUEE_HOME)")
    parser.add_argument("--embedder", help="minilm | minilm-onnx | hashing (MARQUEE_EMBEDDER)")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in (("home", args.home), ("embedder", args.embedder)) if v}
    try:
        settings = load_settings(overrides=overrides)
    except SettingsError as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return int(args.handler(args, settings) or 0)


if __name__ == "__main__":
    sys.exit(main())
