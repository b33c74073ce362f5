"""Admin endpoints for query rules (merchandising): read, replace, edit and delete rules, history, restore.

Every change is a new rule-set version in the shared database (``storage/query_rules.py``), applied by every
worker from its next search; an edit can name the version it was based on (409 when another came first).
Document ids are checked against the served catalog (400 ``unknown_document`` naming the field).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from flask import Blueprint, Response, current_app, jsonify, request

from marquee.api.auth import protect
from marquee.api.errors import ApiError
from marquee.api.openapi import Operation, documented
from marquee.api.params import parse_query, read_json_body
from marquee.api.schemas import (
    QueryRuleBody,
    QueryRuleDeleteParams,
    QueryRuleFields,
    QueryRuleHistory,
    QueryRuleRestoreBody,
    QueryRuleSet,
    QueryRuleSetBody,
    QueryRuleSetParams,
)
from marquee.api.services import MarqueeServices, services
from marquee.search.query_rules import QueryRule, RuleSet
from marquee.storage.query_rules import Known

bp = Blueprint("query_rules", __name__, url_prefix="/admin")
MAX_RULES_BODY = 1 << 20
protect(bp)


def _known(svc: MarqueeServices) -> Known:
    index = svc.search.served_index()

    def known(ids: Sequence[str]) -> Collection[str]:
        return svc.backend.get_documents(index, list(ids)).keys() if ids else ()

    return known


def _rule(rule_id: str, body: QueryRuleFields) -> QueryRule:
    return QueryRule(rule_id, body.query, body.match, tuple(body.pin), tuple(body.bury), tuple(body.hide),
                     body.comment)


def _set(rule_set: RuleSet) -> Response:
    return jsonify(rule_set.to_dict())


@bp.get("/rules")
@documented(Operation("The query rules (pin, bury, hide per query) served now, or an older version",
                      {200: QueryRuleSet}, query=QueryRuleSetParams, errors=(404,), auth=True, tag="admin"))
def get_rules() -> Response:
    params = parse_query(QueryRuleSetParams, request.args)
    store = services(current_app).rule_store
    if params.version is None:
        return _set(store.current())
    found = store.version(params.version)
    if found is None:
        raise ApiError(404, "not_found", f"no query rule set version {params.version}")
    return _set(found)


@bp.put("/rules")
@documented(Operation(
    "Replace the whole rule set (a new version)", {200: QueryRuleSet}, body=QueryRuleSetBody, errors=(409, 503),
    auth=True, tag="admin",
    description="Validated: unknown document ids, a document in two actions of a rule, the same query twice, a "
    "bad match type are 400s naming the field (`error.field`). 409 `rules_changed` when `base_version` is stale.",
))
def put_rules() -> Response:
    body = read_json_body(QueryRuleSetBody, MAX_RULES_BODY)
    svc = services(current_app)
    rules = [_rule(r.id, r) for r in body.rules]
    return _set(svc.rule_store.replace(rules, _known(svc), body.base_version, body.comment))


@bp.get("/rules/history")
@documented(Operation("Every rule-set version, newest first", {200: QueryRuleHistory}, auth=True, tag="admin"))
def history() -> Response:
    return jsonify({"versions": services(current_app).rule_store.history()})


@bp.post("/rules/restore")
@documented(Operation("Serve an older rule set again (as a new version)", {200: QueryRuleSet},
                      body=QueryRuleRestoreBody, errors=(404, 503), auth=True, tag="admin"))
def restore() -> Response:
    body = read_json_body(QueryRuleRestoreBody, MAX_RULES_BODY)
    svc = services(current_app)
    return _set(svc.rule_store.restore(body.version, _known(svc), body.comment))


@bp.put("/rules/<rule_id>")
@documented(Operation(
    "Add a rule or replace the rule of this id (a new version)", {200: QueryRuleSet}, body=QueryRuleBody,
    errors=(409, 503), auth=True, tag="admin",
    description="The whole resulting set is validated as for PUT /admin/rules.",
))
def put_rule(rule_id: str) -> Response:
    body = read_json_body(QueryRuleBody, MAX_RULES_BODY)
    svc = services(current_app)
    return _set(svc.rule_store.put(_rule(rule_id, body), _known(svc), body.base_version, body.comment))


@bp.delete("/rules/<rule_id>")
@documented(Operation("Delete a rule (a new version)", {200: QueryRuleSet}, query=QueryRuleDeleteParams,
                      errors=(404, 409), auth=True, tag="admin"))
def delete_rule(rule_id: str) -> Response:
    params = parse_query(QueryRuleDeleteParams, request.args)
    return _set(services(current_app).rule_store.delete(rule_id, params.base_version))
