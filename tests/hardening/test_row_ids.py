"""Ids that cannot break the database: every integer a route reads from its path or query stays
within a PostgreSQL integer, so a larger one is a 422, not a failed query and a 500."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from typing import Any

from annotated_types import Le
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.hardening.test_capabilities import MATRIX
from tests.system.test_isolation import NOT_OWNED, Endpoint, endpoints

MAX_ROW_ID = 2**31 - 1  # PostgreSQL's integer
TOO_LARGE = MAX_ROW_ID + 1


def _dependants(dependant: Any) -> Iterator[Any]:
    if dependant is not None:
        yield dependant
        for child in dependant.dependencies:
            yield from _dependants(child)


def integer_parameters(endpoint: Endpoint, kind: str) -> dict[str, Any]:
    """The route's ``path_params`` or ``query_params`` (its dependencies' too) that hold ints."""
    found = {}
    for dependant in _dependants(endpoint.dependant):
        for field in getattr(dependant, kind):
            if _holds_int(field.field_info.annotation):
                found[field.alias] = field
    return found


def _holds_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    return any(_holds_int(inner) for inner in typing.get_args(annotation))


def bounded(annotation: Any, metadata: list[Any]) -> bool:
    """Whether every int the annotation admits is at most MAX_ROW_ID."""
    limits = [m.le for m in metadata if isinstance(m, Le)]
    if annotation is int:
        return any(limit <= MAX_ROW_ID for limit in limits)
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return bounded(inner, [*metadata, *extra])
    return all(
        bounded(inner, metadata) for inner in typing.get_args(annotation) if inner is not type(None)
    )


def test_every_integer_path_and_query_parameter_is_bounded(koshu_app: FastAPI) -> None:
    unbounded = []
    for endpoint in endpoints(koshu_app):
        for kind in ("path_params", "query_params"):
            for name, field in integer_parameters(endpoint, kind).items():
                info = field.field_info
                if not bounded(info.annotation, list(info.metadata)):
                    unbounded.append(f"{endpoint}: {name}")
    assert not unbounded, "use app.db.RowId for these parameters:\n" + "\n".join(unbounded)


def test_every_id_route_answers_an_id_beyond_the_database_with_404_or_422(
    koshu_app: FastAPI, client: TestClient
) -> None:
    """As the admin: the id is the only thing wrong (or a route is not for admins: 403)."""
    called = []
    for endpoint in endpoints(koshu_app):
        integers = integer_parameters(endpoint, "path_params")
        if not integers:
            continue
        url = endpoint.path
        for name in endpoint.path_parameters:
            value = str(TOO_LARGE) if name in integers else NOT_OWNED.get(name, "1")
            url = re.sub(r"\{" + name + r"(?::\w+)?\}", value, url)
        response = client.request(endpoint.method, url, follow_redirects=False)
        called.append(f"{endpoint.method} {url} -> {response.status_code}")
        expected = (404, 422) if "A" in MATRIX[str(endpoint)] else (403, 422)
        assert response.status_code in expected, called[-1]
    assert len(called) >= 60, "every route with an id in its path was called"
