"""Tenant isolation, checked against the app's own route table.

Every route the app serves (API and pages, now and added later) is called by each non-admin
role of cooperative A with the ids of cooperative B's rows in its path, query and body. None
of them may answer 2xx, none may show B's data, and B's rows must be exactly as they were.
The only hand-written list is which parameter names name a cooperative's rows.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum
from typing import Any

import pytest
from fastapi import FastAPI, params
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import service as accounts
from app.accounts.access import API_TOKEN_CAPABILITIES
from app.accounts.dependencies import declared_capabilities, optional_principal
from app.accounts.tenancy import Principal
from app.db import Base
from app.i18n import gettext
from app.records.errors import NotComplete
from tests.conftest import MARKER_B, World

# --- the one hand-written map: which parameter names point at a cooperative's rows ----------


@dataclass(frozen=True)
class Rows:
    """Ids of one cooperative's rows (B's: what an attacker in cooperative A would try)."""

    cohort: int
    trainee: int
    employer: int
    staff: int
    cooperative: int
    token: int


# A parameter (path, query, form or JSON field) with one of these names names a row that belongs
# to a cooperative. Add a new one here when a route takes another kind of cooperative-owned id.
OWNED_BY_COOPERATIVE: dict[str, Callable[[Rows], int]] = {
    "cohort_id": lambda b: b.cohort,
    "trainee_id": lambda b: b.trainee,
    "employer_id": lambda b: b.employer,
    "user_id": lambda b: b.staff,
    "cooperative_id": lambda b: b.cooperative,
    "token_id": lambda b: b.token,
    "into_employer_id": lambda b: b.employer,  # the employer another is merged into
    "into_trainee_id": lambda b: b.trainee,  # the trainee a duplicate is merged into
}

# Parameters (and form or JSON fields) that name something no cooperative owns, such as the
# shared lecture course, with a plausible value.
NOT_OWNED: dict[str, str] = {
    "course": "legal-protection",
    "number": "1",
    "a": "1",
    "b": "1",
    "import_id": "1",
    "code": "LP-01",
    "sha256": "0" * 64,
    "module": "LP-01",
    "join_code": "no-such-code",
    "position": "1",
    # A lecture is its lecturer's and may teach cohorts of several cooperatives; who may see
    # which lecture is the lectures' own rule. Here it only must not show B's data.
    "lecture_id": "1",
    "poll_id": "1",
    # A phone's bridged gap is decided by the lecture's presenter, through the lecture.
    "gap_id": "1",
    # A sheet's scan or a meeting's report, kept with its lecture (reached through it).
    "evidence_id": "1",
    # A prepared record, reached through its cohort (and checked against it).
    "export_id": "1",
    "lecturer_id": "1",
    # A lecturer's affiliation rows and profile date (lecturers belong to no cooperative;
    # an affiliation may name any cooperative or employer, admins only).
    "aff_org": "",
    "aff_name": "",
    "aff_role": "",
    "aff_since": "",
    "aff_until": "",
    "aff_outside": "",
    "valid_from": "2026-12-01",
    # Names, as written in the uploaded list, of employers the import may create.
    "create_employers": "",
}

SKIPPED_PATHS = ("/static", "/docs", "/openapi.json", "/docs/oauth2-redirect", "/redoc")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
LOGIN_PAGES = ("/login", "/t/login")
ROLES_OF_A = ("staff A", "API token A", "trainee A", "lecturer")


# --- the route table --------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One method of one route, as the app serves it (prefixes of included routers applied)."""

    method: str
    path: str
    dependant: Any  # FastAPI's Dependant for an APIRoute, None for a plain Starlette route

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"\{(\w+)(?::\w+)?\}", self.path)

    def query_parameters(self) -> list[Any]:
        return _unique(_walk(self.dependant, "query_params"))

    def body_parameters(self) -> list[Any]:
        return _unique(_walk(self.dependant, "body_params"))

    @property
    def is_page(self) -> bool:
        return not self.path.startswith("/api/")


def _walk(dependant: Any, attribute: str) -> Iterator[Any]:
    if dependant is None:
        return
    yield from getattr(dependant, attribute)
    for child in dependant.dependencies:
        yield from _walk(child, attribute)


def _unique(fields: Iterator[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for item in fields:
        seen.setdefault(item.alias, item)
    return list(seen.values())


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every (method, path) the app answers, flattening included routers on any FastAPI."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI that includes routers lazily
    except ImportError:  # pragma: no cover - FastAPI that copies routes on include
        routes: Any = app.routes
    else:
        routes = iter_route_contexts(app.routes)
    found = []
    for route in routes:
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if not path or not methods or path.startswith(SKIPPED_PATHS):
            continue
        dependant = getattr(route, "dependant", None)
        for method in sorted(methods):
            if method == "HEAD" and "GET" in methods:
                continue  # the GET is checked; HEAD is the same without a body
            found.append(Endpoint(method, path, dependant))
    return found


def unclassified_parameters(endpoint: Endpoint) -> list[str]:
    """Names in neither map: every path parameter, required query parameters, and any query,
    form or JSON field that looks like an id (``…_id``)."""
    names = list(endpoint.path_parameters)
    for query in endpoint.query_parameters():
        if query.field_info.is_required() or query.alias.endswith("_id"):
            names.append(query.alias)
    names += [n for n in body_field_names(endpoint) if n.endswith(("_id", "_ids"))]
    return [n for n in names if not owned(n) and n not in NOT_OWNED]


def body_field_names(endpoint: Endpoint) -> Iterator[str]:
    for body in endpoint.body_parameters():
        yield body.alias
        annotation = _strip_optional(body.field_info.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _model_field_names(annotation)


def _model_field_names(model: type[BaseModel]) -> Iterator[str]:
    for name, info in model.model_fields.items():
        yield name
        inner = _strip_optional(info.annotation)
        for candidate in (inner, *typing.get_args(inner)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                yield from _model_field_names(candidate)


# --- requests that would be valid, so they reach the ownership check ------------------------


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return options[0] if options else annotation
    return annotation


def owned(name: str) -> str | None:
    """The OWNED_BY_COOPERATIVE key for ``cohort_id`` and for a list such as ``cohort_ids``."""
    singular = name[:-1] if name.endswith("_ids") else name
    return singular if singular in OWNED_BY_COOPERATIVE else None


def sample_value(name: str, annotation: Any, foreign: Rows, info: Any = None) -> Any:
    """A simple valid value for a field; ids of cooperative-owned rows are B's."""
    key = owned(name)
    if key is not None:
        b_id = OWNED_BY_COOPERATIVE[key](foreign)
        return [b_id] if name.endswith("_ids") else b_id
    if name in NOT_OWNED:  # e.g. a form's course
        return NOT_OWNED[name]
    later = "end" in name or "until" in name  # a period must not end before it starts
    annotation = _strip_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return typing.get_args(annotation)[-1]
    if origin in (list, tuple, set, frozenset) or annotation in (list, tuple, set):
        return []
    if origin is dict or annotation is dict:
        return {}
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return sample_body(annotation, foreign)
        if issubclass(annotation, Enum):
            return next(iter(annotation)).value
        if issubclass(annotation, bool):
            return False
        if issubclass(annotation, int):
            return 1
        if issubclass(annotation, float):
            return 1.0
        if issubclass(annotation, datetime):
            return "2026-01-05T12:00:00+09:00" if later else "2026-01-05T09:00:00+09:00"
        if issubclass(annotation, date):
            return "2026-01-30" if later else "2026-01-05"
        if issubclass(annotation, time):
            return "12:00" if later else "09:00"
    if "mail" in name:
        return "isolation@example.org"
    limits = [m.max_length for m in getattr(info, "metadata", []) if hasattr(m, "max_length")]
    return "Isolation check"[: max(1, min(limits, default=200))]


def sample_body(model: type[BaseModel], foreign: Rows) -> dict[str, Any]:
    """Required fields with simple values, and every cooperative-owned id pointing at B."""
    body = {
        name: sample_value(name, info.annotation, foreign, info)
        for name, info in model.model_fields.items()
        if info.is_required() or owned(name)
    }
    try:
        model.model_validate(body)
    except ValidationError as error:  # pragma: no cover - tells the developer what to teach
        pytest.fail(f"sample_value() builds an invalid {model.__name__}; teach it: {error}")
    return body


@dataclass
class Call:
    endpoint: Endpoint
    url: str
    foreign: bool  # some parameter or body field names one of B's rows
    json: Any = None
    data: dict[str, str | list[str]] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)

    def send(self, client: TestClient) -> Any:
        options: dict[str, Any] = {"follow_redirects": False}
        if self.json is not None:
            options["json"] = self.json
        if self.data:
            options["data"] = self.data
        if self.files:
            options["files"] = self.files
        return client.request(self.endpoint.method, self.url, **options)


def build_call(
    endpoint: Endpoint, foreign: Rows, form_token: str, path_rows: Rows | None = None
) -> Call:
    """Fill the route's parameters and body: B's ids where a cooperative's row is named
    (``path_rows``: other ids for the path and query, such as the caller's own)."""
    unknown = unclassified_parameters(endpoint)
    if unknown:
        pytest.fail(
            f"{endpoint} takes {', '.join(unknown)}: add each to OWNED_BY_COOPERATIVE in "
            "tests/system/test_isolation.py if it names a cooperative's row (then it is tested with "
            "cooperative B's id), else to NOT_OWNED with a plausible value."
        )
    owned_names: set[str] = set()

    def value(name: str) -> str:
        if name in OWNED_BY_COOPERATIVE:
            owned_names.add(name)
            return str(OWNED_BY_COOPERATIVE[name](path_rows or foreign))
        return NOT_OWNED[name]

    url = endpoint.path
    for name in endpoint.path_parameters:
        url = re.sub(r"\{" + name + r"(?::\w+)?\}", value(name), url)
    query = [
        (f.alias, value(f.alias))
        for f in endpoint.query_parameters()
        if f.field_info.is_required() or f.alias in OWNED_BY_COOPERATIVE
    ]
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query)
    call = Call(endpoint, url, foreign=False)
    bodies = endpoint.body_parameters()
    json_bodies = [b for b in bodies if not isinstance(b.field_info, params.Form)]
    for body in bodies:
        info = body.field_info
        if isinstance(info, params.File):
            call.files[body.alias] = ("isolation.csv", b"family name,given name\n", "text/csv")
        elif isinstance(info, params.Form):
            if body.alias == "csrf_token":
                call.data[body.alias] = form_token
            elif info.is_required() or owned(body.alias):
                sample = sample_value(body.alias, info.annotation, foreign, info)
                call.data[body.alias] = form_value(sample)
    if len(json_bodies) == 1 and not getattr(json_bodies[0].field_info, "embed", False):
        (body,) = json_bodies
        call.json = sample_value(body.alias, body.field_info.annotation, foreign, body.field_info)
    elif json_bodies:
        call.json = {
            b.alias: sample_value(b.alias, b.field_info.annotation, foreign, b.field_info)
            for b in json_bodies
        }
    sent = {*call.data, *_json_names(call.json)}
    call.foreign = (bool(owned_names) and path_rows is None) or any(owned(n) for n in sent)
    return call


def form_value(sample: Any) -> str | list[str]:
    if isinstance(sample, list):
        return [str(item) for item in sample]  # a form repeats the field
    return str(sample).lower() if isinstance(sample, bool) else str(sample)


def _json_names(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _json_names(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _json_names(inner)


# --- who asks ---------------------------------------------------------------------------------


def form_token_of(client: TestClient) -> str:
    """The CSRF token a page would put in this browser's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found, "the login page carries a CSRF token"
    return found.group(1)


def issue_token(
    session_factory: sessionmaker[Session], world: World, staff_of: str, name: str
) -> tuple[int, str]:
    staff = world.staff_a if staff_of == "a" else world.staff_b
    principal = Principal(
        user_id=staff.id, role="staff", cooperative_id=staff.cooperative_id, display_name="test"
    )
    with session_factory() as session:
        issued = accounts.create_api_token(session, principal, name=name)
        session.commit()
        return issued.token.id, issued.secret


@dataclass
class Caller:
    """A role of cooperative A with a browser (or integration) that stays signed in."""

    role: str
    open: Callable[[], TestClient]
    uses_cookie: bool
    client: TestClient = field(init=False)
    form_token: str = field(init=False)

    def __post_init__(self) -> None:
        self.reopen()

    def reopen(self) -> None:
        self.client = self.open()
        self.form_token = form_token_of(self.client)
        if self.uses_cookie:  # API writes from a page carry its CSRF token, like the real UI
            self.client.headers["X-CSRF-Token"] = self.client.get("/api/v1/me").json()["csrf_token"]

    def still_signed_in(self) -> None:
        """Reopen when a call (such as POST /logout) ended this browser's session."""
        if self.client.get("/api/v1/me").status_code != 200:
            self.reopen()


def rows_of(world: World, cooperative: str, token: int) -> Rows:
    return Rows(
        cohort=getattr(world, f"cohort_{cooperative}").id,
        trainee=getattr(world, f"trainee_{cooperative}").id,
        employer=getattr(world, f"employer_{cooperative}").id,
        staff=getattr(world, f"staff_{cooperative}").id,
        cooperative=getattr(world, f"coop_{cooperative}").id,
        token=token,
    )


@pytest.fixture
def token_a(world: World, session_factory: sessionmaker[Session]) -> tuple[int, str]:
    return issue_token(session_factory, world, "a", "A integration")


@pytest.fixture
def own(world: World, token_a: tuple[int, str]) -> Rows:
    return rows_of(world, "a", token_a[0])


@pytest.fixture
def foreign(world: World, session_factory: sessionmaker[Session]) -> Rows:
    token_b, _ = issue_token(session_factory, world, "b", f"B integration {MARKER_B}")
    return rows_of(world, "b", token_b)


@pytest.fixture
def callers(
    koshu_app: FastAPI,
    world: World,
    signed_in: Callable[[Any], TestClient],
    token_a: tuple[int, str],
) -> Iterator[dict[str, Caller]]:
    integrations: list[TestClient] = []

    def integration() -> TestClient:
        client = TestClient(koshu_app, headers={"Authorization": f"Bearer {token_a[1]}"})
        integrations.append(client)
        return client

    yield {
        "staff A": Caller("staff A", lambda: signed_in(world.staff_a), uses_cookie=True),
        "API token A": Caller("API token A", integration, uses_cookie=False),
        "trainee A": Caller("trainee A", lambda: signed_in(world.trainee_a), uses_cookie=True),
        "lecturer": Caller("lecturer", lambda: signed_in(world.lecturer), uses_cookie=True),
    }
    for client in integrations:
        client.close()


# --- what a cooperative has --------------------------------------------------------------------


def token_may_call(endpoint: Endpoint) -> bool:
    """Whether the route is public or declares a capability an API token holds
    (app.accounts.access)."""
    public = not any(d.call is optional_principal for d in _walk_dependants(endpoint.dependant))
    return public or bool(declared_capabilities(endpoint.dependant) & API_TOKEN_CAPABILITIES)


def _walk_dependants(dependant: Any) -> Iterator[Any]:
    if dependant is not None:
        yield dependant
        for child in dependant.dependencies:
            yield from _walk_dependants(child)


def rows_of_cooperative(engine: Engine, coop_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of a cooperative: its own row, every row with its cooperative_id, and rows
    that hang off its users (sessions, profiles)."""
    existing = set(inspect(engine).get_table_names())
    tables = [t for t in Base.metadata.sorted_tables if t.name in existing]
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        users = tables[[t.name for t in tables].index("users")]
        members = select(users.c.id).where(users.c.cooperative_id == coop_id)
        for table in tables:
            if table.name == "cooperatives":
                query = select(table).where(table.c.id == coop_id)
            elif "cooperative_id" in table.c:
                query = select(table).where(table.c.cooperative_id == coop_id)
            elif "user_id" in table.c:
                query = select(table).where(table.c.user_id.in_(members))
            else:
                continue
            rows = connection.execute(query.order_by(*table.primary_key.columns)).all()
            snapshot[table.name] = [tuple(row) for row in rows]
    return snapshot


def leaks(response: Any) -> bool:
    return MARKER_B in response.text or any(MARKER_B in v for v in response.headers.values())


def refused_as_foreign(response: Any) -> bool:
    """404 (no such row, as far as you can tell) or 403 (this route is not for your role).

    The callers are signed in, so a page never answers 401 (a redirect to /login) here, and a
    role that may use the route must get 404: a 403 would tell that B's row exists."""
    return response.status_code in (403, 404)


# --- the tests --------------------------------------------------------------------------------


def test_every_parameter_in_the_route_table_is_classified(koshu_app: FastAPI) -> None:
    unknown = {str(e): unclassified_parameters(e) for e in endpoints(koshu_app)}
    unknown = {route: names for route, names in unknown.items() if names}
    assert not unknown, (
        f"Routes take parameters the isolation test does not know: {unknown}. Add each to "
        "OWNED_BY_COOPERATIVE in tests/system/test_isolation.py if it names a cooperative's row "
        "(then it is tested with cooperative B's id), else to NOT_OWNED with a plausible value."
    )


def test_no_role_of_cooperative_a_reaches_cooperative_b_through_any_route(
    koshu_app: FastAPI,
    engine: Engine,
    world: World,
    own: Rows,
    foreign: Rows,
    callers: dict[str, Caller],
) -> None:
    """Every route, every method, every role of A, with B's ids: 404 or 403, never B's data."""
    before = rows_of_cooperative(engine, world.coop_b.id)
    routes = endpoints(koshu_app)
    foreign_calls = 0
    problems: list[str] = []
    forbidden: list[tuple[Endpoint, str, str]] = []
    for endpoint in routes:
        for role in ROLES_OF_A:
            caller = callers[role]
            call = build_call(endpoint, foreign, caller.form_token)
            response = call.send(caller.client)
            seen = f"{role}: {endpoint.method} {call.url} -> {response.status_code}"
            if leaks(response):
                problems.append(f"{seen} shows cooperative B's data: {response.text[:300]}")
            if call.foreign:
                foreign_calls += 1
                if response.status_code == 422:
                    problems.append(f"{seen}: validation ran before the ownership check")
                elif not refused_as_foreign(response):
                    problems.append(f"{seen}: B's id must answer 404 (or 403 for the role)")
                elif response.status_code == 403 and role in ("staff A", "API token A"):
                    forbidden.append((endpoint, role, seen))
            if endpoint.method in UNSAFE and caller.uses_cookie:
                caller.still_signed_in()
    # Forbidden for the role, or only for B's row? The same call on A's own rows tells; only
    # the former may say 403. (Last, as these calls may change A's rows.)
    for endpoint, role, seen in forbidden:
        caller = callers[role]
        mine = build_call(endpoint, own, caller.form_token, path_rows=own)
        status = mine.send(caller.client).status_code
        if status != 403:
            problems.append(f"{seen}, but {status} on A's own rows: B's id must answer 404")
    assert not problems, "\n".join(problems)
    assert foreign_calls >= 4 * 15, "the sweep named B's rows on at least 15 routes"
    assert rows_of_cooperative(engine, world.coop_b.id) == before, "B's rows changed"


@pytest.mark.parametrize("role", ["staff A", "API token A"])
def test_lists_show_cooperative_a_only(
    koshu_app: FastAPI, world: World, foreign: Rows, callers: dict[str, Caller], role: str
) -> None:
    caller = callers[role]
    lists = [e for e in endpoints(koshu_app) if e.method == "GET" and not e.path_parameters]
    assert any(e.path == "/api/v1/cohorts" for e in lists)
    for endpoint in lists:
        call = build_call(endpoint, foreign, caller.form_token)
        response = call.send(caller.client)
        seen = f"{role}: GET {call.url} -> {response.status_code}"
        assert not leaks(response), f"{seen} shows cooperative B's data"
        if role == "API token A" and not token_may_call(endpoint):
            assert response.status_code == 403, f"{seen}: closed to API tokens"
        elif endpoint.is_page and response.status_code == 303:  # e.g. / and /t: to the role's home
            location = response.headers["location"].split("?")[0]
            assert location not in LOGIN_PAGES, f"{seen}: signed in, yet sent to log in"
        else:
            assert response.status_code == 200, seen
    cohorts = caller.client.get("/api/v1/cohorts").json()
    assert [c["id"] for c in cohorts] == [world.cohort_a.id]


@pytest.mark.parametrize("role", ["staff A", "API token A"])
def test_ids_of_cooperative_b_in_a_body_are_refused_even_on_cooperative_a_s_own_rows(
    koshu_app: FastAPI,
    engine: Engine,
    world: World,
    own: Rows,
    foreign: Rows,
    callers: dict[str, Caller],
    role: str,
) -> None:
    """E.g. PUT /api/v1/trainees/{A's trainee} with B's employer_id: a path A may use, a body
    that would tie A's row to B's."""
    before = rows_of_cooperative(engine, world.coop_b.id)
    caller = callers[role]
    problems = []
    for endpoint in endpoints(koshu_app):
        call = build_call(endpoint, foreign, caller.form_token, path_rows=own)
        if not call.foreign:
            continue
        response = call.send(caller.client)
        seen = f"{role}: {endpoint.method} {call.url} {call.json or call.data} -> "
        seen += str(response.status_code)
        if leaks(response) or not refused_as_foreign(response):
            problems.append(f"{seen}: B's id in the body must answer 404 (or 403)")
        if endpoint.method in UNSAFE and caller.uses_cookie:
            caller.still_signed_in()
    assert not problems, "\n".join(problems)
    assert rows_of_cooperative(engine, world.coop_b.id) == before, "B's rows changed"


def test_cooperative_b_reaches_its_own_rows_through_every_route_that_names_them(
    koshu_app: FastAPI, world: World, foreign: Rows, signed_in: Any
) -> None:
    """The 404s above come from the ownership check, not from routes that never answer."""
    staff_b = signed_in(world.staff_b)
    token = form_token_of(staff_b)
    checked = []
    for endpoint in endpoints(koshu_app):
        names = endpoint.path_parameters
        if endpoint.method != "GET" or not names or not set(names) <= set(OWNED_BY_COOPERATIVE):
            continue
        call = build_call(endpoint, foreign, token)
        response = call.send(staff_b)
        if endpoint.path.endswith("/certificate"):
            # B's trainee has not completed the lecture: their own certificate is refused
            # with that reason, which still proves the route reached B's row.
            assert response.status_code == 404
            assert gettext("ja", NotComplete.message) in response.text
            continue
        assert response.status_code == 200, f"staff B: GET {call.url} -> {response.status_code}"
        checked.append(call.url)
    assert f"/api/v1/cohorts/{world.cohort_b.id}" in checked


def test_admin_reaches_cooperative_b(client: TestClient, world: World) -> None:
    response = client.get(f"/api/v1/cohorts/{world.cohort_b.id}")
    assert response.status_code == 200
    assert MARKER_B in response.text
    assert MARKER_B in client.get("/api/v1/cohorts").text, "the marker check can see B's data"


@pytest.mark.parametrize("role", ["staff A", "trainee A", "lecturer"])
def test_every_unsafe_route_refuses_a_browser_request_without_its_csrf_token(
    koshu_app: FastAPI,
    engine: Engine,
    world: World,
    own: Rows,
    callers: dict[str, Caller],
    role: str,
) -> None:
    """A page form or API write sent by another site rides on the cookie but has no token.
    The calls name the caller's own rows, so only the missing token can refuse them."""
    before = rows_of_cooperative(engine, world.coop_a.id)
    caller = callers[role]
    del caller.client.headers["X-CSRF-Token"]
    problems = []
    for endpoint in endpoints(koshu_app):
        if endpoint.method not in UNSAFE:
            continue
        call = build_call(endpoint, own, form_token="", path_rows=own)
        response = call.send(caller.client)
        # 404 only where the route names a lecture or revision this test never made.
        missing_row = response.status_code == 404 and any(
            name in NOT_OWNED for name in endpoint.path_parameters
        )
        if response.status_code != 403 and not missing_row:
            problems.append(f"{role}: {endpoint.method} {call.url} -> {response.status_code}")
    assert not problems, "answered without a CSRF token:\n" + "\n".join(problems)
    assert rows_of_cooperative(engine, world.coop_a.id) == before, "A's rows changed"
