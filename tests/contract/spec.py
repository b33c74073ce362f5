"""Load the OpenSearch API specification into a ``referencing`` registry, strictly.

The published spec is lax: object schemas never say ``additionalProperties: false``, so a misspelled
key (``mulit_match``, ``enigne``, ``pagination_dept``) validates. We make a strict copy in memory (the
files on disk are never touched) following ../shared/notes/opensearch-spec.md and the spec's SOURCE.md:

- every ``oneOf`` becomes ``anyOf`` (overlapping branches such as sort's ``_score`` would otherwise fail);
- ``unevaluatedProperties: false`` is added at each *use site* of an object schema that declares
  ``properties`` (property values, ``items``, ``additionalProperties``/``patternProperties`` values,
  request-body roots, and ``anyOf``/``oneOf`` branches whose parent declares no keys of its own).
  Never on ``allOf`` members nor on named component schemas, because ``unevaluatedProperties`` must
  see the whole ``allOf`` inheritance (``QueryBase`` + the query's own keys) to know which keys were
  evaluated; and not where the in-place tree is open on purpose (``additionalProperties``,
  ``patternProperties``, a bare ``{type: object}`` branch).
- OpenAPI ``discriminator``s become ``if``/``then`` rules (see :class:`_Discriminators`).

Loading takes about a second with ``yaml.CSafeLoader``; tests share one loaded :class:`Spec` per session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import pytest
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "opensearch-api-spec" / "spec"
_OPEN_KEYS = ("additionalProperties", "patternProperties", "unevaluatedProperties")
_COMBINATORS = ("allOf", "anyOf", "oneOf")


def spec_dir() -> Path:
    """The spec folder beside the repo; skip when absent, except in CI where absence is a failure."""
    if not SPEC_DIR.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SPEC_DIR} is missing; CI must have ../shared beside the repo")
        pytest.skip(f"{SPEC_DIR} not found: clone the project beside its shared/ folder to run contract tests")
    return SPEC_DIR


def _pointer(document: Any, fragment: str) -> Any:
    node = document
    for part in fragment.lstrip("/").split("/") if fragment else []:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


class _Strictifier:
    """Adds ``unevaluatedProperties: false`` at use sites, resolving ``$ref`` across the loaded files."""

    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = documents
        self._inherited: set[int] = set()
        for uri, document in documents.items():
            self._mark_inherited(document, uri)

    def _mark_inherited(self, node: Any, base: str) -> None:
        """Remember every node used as an ``allOf`` member (directly or through ``$ref``): its siblings
        add keys, so nothing inside it may be closed on its own."""
        if isinstance(node, list):
            for item in node:
                self._mark_inherited(item, base)
            return
        if not isinstance(node, dict):
            return
        for member in node.get("allOf", []) if isinstance(node.get("allOf"), list) else []:
            target, target_base, hops = member, base, 0
            while isinstance(target, dict) and hops < 8:
                self._inherited.add(id(target))
                if "$ref" not in target:
                    break
                resolved = self._deref(target, target_base)
                if resolved is None:
                    break
                target, target_base = resolved
                hops += 1
        for value in node.values():
            self._mark_inherited(value, base)

    def _deref(self, node: Mapping[str, Any], base: str) -> tuple[Any, str] | None:
        target, fragment = urldefrag(urljoin(base, node["$ref"]))
        document = self.documents.get(target)
        if document is None:
            return None
        return _pointer(document, fragment), target

    def closable(self, node: Any, base: str, seen: frozenset[int] = frozenset()) -> bool:
        """True if the node's in-place tree declares ``properties`` and nothing in it is open on purpose."""
        verdict = self._tree(node, base, seen)
        return verdict is True

    def _tree(self, node: Any, base: str, seen: frozenset[int]) -> bool | None:
        """None: says nothing about properties; True: declares some, all closed; False: open somewhere."""
        if not isinstance(node, dict) or id(node) in seen:
            return None
        seen = seen | {id(node)}
        if any(key in node for key in _OPEN_KEYS):
            return False
        verdicts: list[bool | None] = []
        if "properties" in node:
            verdicts.append(True)
        elif node.get("type") == "object" and not any(k in node for k in ("$ref", *_COMBINATORS)):
            return False  # a bare {type: object}: anything goes there
        if "$ref" in node:
            resolved = self._deref(node, base)
            if resolved is None:
                return False
            verdicts.append(self._tree(resolved[0], resolved[1], seen))
        for key in _COMBINATORS:
            for member in node.get(key, []):
                verdicts.append(self._tree(member, base, seen))
        for key in ("then", "else"):
            if key in node:
                verdicts.append(self._tree(node[key], base, seen))
        if False in verdicts:
            return False
        return True if True in verdicts else None

    def close(self, node: Any, base: str) -> None:
        if isinstance(node, dict) and self.closable(node, base):
            node["unevaluatedProperties"] = False

    def walk(self, node: Any, base: str, use_site: bool) -> None:
        """Visit every schema node; ``use_site`` says whether this position may be closed."""
        if isinstance(node, list):
            for item in node:
                self.walk(item, base, use_site=False)
            return
        if not isinstance(node, dict):
            return
        for key, value in list(node.items()):
            if key in ("properties", "patternProperties") and isinstance(value, dict):
                for sub in value.values():
                    self.walk(sub, base, use_site=True)
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                self.walk(value, base, use_site=True)
            elif key in ("anyOf", "oneOf") and isinstance(value, list):
                # A branch alone decides whether it matches, so it may be closed, unless the parent
                # declares keys of its own that the branch's evaluation would not see.
                alone = id(node) not in self._inherited and not any(
                    k in node for k in ("properties", "allOf", "$ref", *_OPEN_KEYS)
                )
                for member in value:
                    self.walk(member, base, use_site=alone)
            elif key == "allOf" and isinstance(value, list):
                for member in value:
                    self.walk(member, base, use_site=False)
            elif isinstance(value, dict | list) and not key.startswith("x-"):
                self.walk(value, base, use_site=False)
        if use_site:
            self.close(node, base)


class _Discriminators:
    """OpenAPI ``discriminator``: pick the one branch whose ``propertyName`` value matches, as OpenAPI tools do.

    JSON Schema ignores ``discriminator``, so a mapping property would be tried against all ~50 field types
    (slow, and a typo inside ``knn_vector`` would be reported as "not 'binary'"). We rewrite such a
    ``oneOf`` as ``allOf`` of ``if {type: X} then {$ref: XProperty}``: same meaning, one branch evaluated.
    """

    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = documents

    def _values(self, node: Any, base: str, name: str, depth: int = 0) -> list[Any]:
        if not isinstance(node, dict) or depth > 8:
            return []
        if "$ref" in node:
            target, fragment = urldefrag(urljoin(base, node["$ref"]))
            if target in self.documents:
                return self._values(_pointer(self.documents[target], fragment), target, name, depth + 1)
        prop = (node.get("properties") or {}).get(name) or {}
        if "const" in prop:
            return [prop["const"]]
        if "enum" in prop:
            return list(prop["enum"])
        return [v for member in node.get("allOf", []) for v in self._values(member, base, name, depth + 1)]

    def rewrite(self, node: Any, base: str) -> None:
        if isinstance(node, list):
            for item in node:
                self.rewrite(item, base)
            return
        if not isinstance(node, dict):
            return
        for value in node.values():
            self.rewrite(value, base)
        discriminator = node.get("discriminator")
        key = "oneOf" if "oneOf" in node else "anyOf"
        if not isinstance(discriminator, dict) or key not in node:
            return
        name = discriminator["propertyName"]
        groups: dict[Any, list[Any]] = {}
        for branch in node[key]:
            values = self._values(branch, base, name)
            if not values:
                return  # a branch we cannot place: leave this node as published
            for value in values:
                groups.setdefault(value, []).append(branch)
        rules: list[dict[str, Any]] = [
            {
                "if": {"properties": {name: {"const": value}}, "required": [name]},
                "then": branches[0] if len(branches) == 1 else {"anyOf": branches},
            }
            for value, branches in groups.items()
        ]
        default = discriminator.get("x-default")
        if default in groups:
            rules.append({"if": {"not": {"required": [name]}}, "then": {"anyOf": groups[default]}})
        else:
            node.setdefault("required", []).append(name)
        del node[key]
        node["allOf"] = node.get("allOf", []) + rules
        node.setdefault("properties", {})[name] = {"enum": list(groups)}


def _rename_one_of(node: Any) -> None:
    if isinstance(node, dict):
        if "oneOf" in node:
            node["anyOf"] = node.pop("oneOf") + node.pop("anyOf", [])
        for value in node.values():
            _rename_one_of(value)
    elif isinstance(node, list):
        for item in node:
            _rename_one_of(item)


def _request_body_roots(documents: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for uri, document in documents.items():
        bodies = (document.get("components") or {}).get("requestBodies") or {}
        for body in bodies.values():
            schema = ((body.get("content") or {}).get("application/json") or {}).get("schema")
            if isinstance(schema, dict):
                yield uri, schema


class Spec:
    """The loaded, strict spec: look up operations and validate request bodies against them."""

    def __init__(self, root: Path, strict: bool = True) -> None:
        self.root = root
        self.documents: dict[str, Any] = {}
        for path in sorted(root.rglob("*.yaml")):
            with open(path, "rb") as fh:
                self.documents[path.resolve().as_uri()] = yaml.load(fh, Loader=yaml.CSafeLoader)
        if strict:
            discriminators = _Discriminators(self.documents)
            for uri, document in self.documents.items():
                discriminators.rewrite(document, uri)
            _rename_one_of(self.documents)
            strictifier = _Strictifier(self.documents)
            for uri, document in self.documents.items():
                components = (document.get("components") or {}).get("schemas") or {}
                for schema in components.values():
                    strictifier.walk(schema, uri, use_site=False)
                strictifier.walk({k: v for k, v in document.items() if k != "components"}, uri, use_site=False)
            for uri, schema in _request_body_roots(self.documents):
                strictifier.walk(schema, uri, use_site=True)
        self.registry: Registry = Registry().with_resources(
            (uri, DRAFT202012.create_resource(document)) for uri, document in self.documents.items()
        )
        self._operations = self._index_operations()

    def _index_operations(self) -> dict[str, tuple[str, dict[str, Any]]]:
        operations = {}
        for uri, document in self.documents.items():
            for methods in (document.get("paths") or {}).values():
                for operation in methods.values():
                    if isinstance(operation, dict) and "operationId" in operation:
                        operations[operation["operationId"]] = (uri, operation)
        return operations

    def uri(self, relative: str) -> str:
        """The ``file://`` URI of a spec file, e.g. ``schemas/_core.bulk.yaml``."""
        return (self.root / relative).resolve().as_uri()

    def request_body_ref(self, operation_id: str) -> str:
        uri, operation = self._operations[operation_id]
        ref = operation["requestBody"]["$ref"]
        target, fragment = urldefrag(urljoin(uri, ref))
        return f"{target}#{fragment}/content/application~1json/schema"

    def validator(self, ref: str, close_root: bool = False) -> Draft202012Validator:
        schema: dict[str, Any] = {"$ref": ref}
        if close_root:
            schema["unevaluatedProperties"] = False
        return Draft202012Validator(schema, registry=self.registry)

    def errors(self, validator: Draft202012Validator, instance: Any) -> list[str]:
        """Every error, each as its most specific cause: ``path: message``."""
        return [describe(error) for error in validator.iter_errors(instance)]

    def body_errors(self, operation_id: str, body: Any) -> list[str]:
        return self.errors(self.validator(self.request_body_ref(operation_id)), body)

    def schema_errors(self, relative: str, name: str, instance: Any, close_root: bool = True) -> list[str]:
        ref = f"{self.uri(relative)}#/components/schemas/{name}"
        return self.errors(self.validator(ref, close_root=close_root), instance)


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    if not error.context:
        yield error
    for sub in error.context or ():
        yield from _leaves(sub)


def describe(error: ValidationError) -> str:
    """The deepest error in the tree: branch failures of anyOf otherwise hide what is wrong."""
    deepest = max(_leaves(error), key=lambda e: (len(e.absolute_path), e.validator == "unevaluatedProperties"))
    path = "/".join(str(p) for p in deepest.absolute_path) or "<root>"
    return f"{path}: {deepest.message}"
