"""``marquee deploy-model MODEL [--gate LIST]`` and ``marquee model show|rollback``: the served LTR model, gated."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marquee.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    deploy = subparsers.add_parser("deploy-model", help="serve an LTR model (atomically, every worker), gated")
    deploy.add_argument("model", type=Path, help="the model file (model.txt beside its model.json)")
    deploy.add_argument("--gate", metavar="LIST", default=None,
                        help="a judgement list the model must not do worse on than what is served")
    deploy.add_argument("--max-drop", type=float, default=0.01, help="with --gate: largest nDCG@10 drop allowed")
    deploy.add_argument("--json", action="store_true")
    deploy.set_defaults(handler=run_deploy)

    model = subparsers.add_parser("model", help="show or roll back the served LTR model")
    actions = model.add_subparsers(dest="model_command", required=True)
    actions.add_parser("show", help="the served model, the versions kept and the history").set_defaults(
        handler=run_show)
    actions.add_parser("rollback", help="serve the model served before this one").set_defaults(handler=run_rollback)


def deploy_model(settings: Settings, model: Path, gate: str | None, max_drop: float) -> dict[str, Any]:
    """The use case behind ``deploy-model`` and ``POST /admin/models/deploy``: check the model fits this service
    (features, vectors, fusion), gate it when asked, then make it the served version. Raises ``ValueError`` (a
    model that does not fit, an unknown list) or :class:`GateFailed` (refused: nothing changed)."""
    from marquee.api.gates import model_gate
    from marquee.api.wiring import make_backend, make_embedder, make_retriever
    from marquee.relevance.judgments import JudgmentStore
    from marquee.search.model_versions import ModelVersions
    from marquee.search.rerank import load_checked

    if settings.ltr_model:
        raise ValueError("MARQUEE_LTR_MODEL pins one model file: unset it to serve deployed versions")
    backend = make_backend(settings)
    try:
        embedder = make_embedder(settings)
        load_checked(model, make_retriever(settings, backend, embedder))
        outcome: dict[str, Any] = {"model": str(model)}
        if gate is not None:
            with JudgmentStore(settings.db_path) as store:
                qrels = store.qrels(gate)
            result = model_gate(settings, backend, embedder, model, qrels, gate, max_drop)
            outcome["gate"] = result.to_dict()
            if not result.passed:
                raise GateFailed(f"relevance gate {gate!r} refused {model}: {result.reason}", outcome)
        outcome["version"] = ModelVersions(settings.models_dir).deploy(model)
        return outcome
    finally:
        backend.close()


class GateFailed(RuntimeError):
    def __init__(self, message: str, outcome: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.details = dict(outcome)


def run_deploy(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.search.rerank import ModelMismatchError
    from marquee.storage import DatabaseError

    try:
        outcome = deploy_model(settings, args.model, args.gate, args.max_drop)
    except GateFailed as exc:
        print(json.dumps({"deployed": False, **exc.details}))
        print(f"marquee: {exc}", file=sys.stderr)
        return 1
    except (ModelMismatchError, FileNotFoundError, ValueError, DatabaseError) as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"deployed": True, **outcome}) if args.json else
          f"serving model version {outcome['version']} ({args.model})")
    return 0


def model_state(settings: Settings) -> dict[str, Any]:
    from marquee.search.model_versions import ModelVersions

    versions = ModelVersions(settings.models_dir)
    current = versions.current()
    return {"serves": None if current is None else str(current), "versions": versions.versions(),
            "history": versions.history()}


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    print(json.dumps(model_state(settings), indent=1))
    return 0


def run_rollback(args: argparse.Namespace, settings: Settings) -> int:
    from marquee.search.model_versions import ModelVersionError, ModelVersions

    try:
        old, new = ModelVersions(settings.models_dir).rollback()
    except ModelVersionError as exc:
        print(f"marquee: {exc}", file=sys.stderr)
        return 1
    print(f"model version {old} -> {new}", file=sys.stderr)
    return 0
