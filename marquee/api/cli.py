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


def _global_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    """``--home`` and ``--embedder``, accepted before the command and after it (``default=SUPPRESS`` on the
    commands, so a value given before the command is not reset by the command's parser)."""
    parser.add_argument("--home", default=default,
                        help="where marquee keeps indices, models and its database (MARQUEE_HOME)")
    parser.add_argument("--embedder", default=default, help="minilm | minilm-onnx | hashing (MARQUEE_EMBEDDER)")


def _commands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every command and sub-command parser under ``parser``."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += [child, *_commands(child)]
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="marquee", description="Search and content understanding for catalogs.")
    parser.add_argument("--version", action="version", version=f"marquee {__version__}")
    _global_options(parser)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    for command in _commands(parser):
        _global_options(command, argparse.SUPPRESS)
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
