"""Who may call what, checked against the app's own route table.

Every route the app serves is called by an admin, a staff member, a lecturer, a trainee and an
API token of cooperative A, naming A's own rows, and must be refused (401/403, or a page's
redirect to the login) exactly for the roles the matrix below leaves out. A route missing from
the matrix fails the test, so a new route cannot slip through undecided.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import service as accounts
from tests.conftest import PASSWORD, World, login
from tests.system.test_isolation import (
    LOGIN_PAGES,
    NOT_OWNED,
    UNSAFE,
    Call,
    Caller,
    Endpoint,
    Rows,
    build_call,
    endpoints,
    issue_token,
)

# Who may call each route: A admin, S staff, L lecturer, T trainee, K a cooperative's API token.
# An API token may read records, manage cohorts and trainees, import them and schedule lectures
# (app.accounts.access); it never creates users, sets or resets passwords, PINs or login cards,
# or manages tokens, and it never opens pages.
EVERYONE = "ASLTK"
PEOPLE = "ASLT"
MATRIX: dict[str, str] = {
    # accounts
    "GET /api/v1/me": EVERYONE,
    "GET /api/v1/cooperatives": "ASK",
    "POST /api/v1/cooperatives": "A",
    "GET /api/v1/cooperatives/{cooperative_id}": "ASK",
    "PUT /api/v1/cooperatives/{cooperative_id}": "AS",
    "GET /api/v1/employers": "ASK",
    "POST /api/v1/employers": "ASK",
    "GET /api/v1/employers/{employer_id}": "ASK",
    "PUT /api/v1/employers/{employer_id}": "ASK",
    "POST /api/v1/employers/{employer_id}/merge": "ASK",
    "GET /api/v1/lecturers/{lecturer_id}": "A",
    "PUT /api/v1/lecturers/{lecturer_id}": "A",
    "POST /api/v1/cohorts/{cohort_id}/trainees": "ASK",
    "POST /api/v1/trainees/{trainee_id}/merge": "ASK",
    "GET /api/v1/users": "AS",
    "POST /api/v1/users": "AS",
    "GET /api/v1/users/{user_id}": "AS",
    "POST /api/v1/users/{user_id}/reset": "AS",
    "GET /api/v1/api-tokens": "AS",
    "POST /api/v1/api-tokens": "AS",
    "DELETE /api/v1/api-tokens/{token_id}": "AS",
    "GET /api/v1/audit": "AS",
    # lectures
    "GET /api/v1/lectures": "ASLTK",
    "POST /api/v1/lectures": "ASK",
    "GET /api/v1/lectures/{lecture_id}": "ASLTK",
    "PATCH /api/v1/lectures/{lecture_id}": "ASK",
    "POST /api/v1/lectures/{lecture_id}/cancel": "ASK",
    "GET /api/v1/lectures/{lecture_id}/state": "ASLTK",
    "POST /api/v1/lectures/{lecture_id}/start": "AL",
    "POST /api/v1/lectures/{lecture_id}/slide": "AL",
    "POST /api/v1/lectures/{lecture_id}/pause": "AL",
    "POST /api/v1/lectures/{lecture_id}/resume": "AL",
    "POST /api/v1/lectures/{lecture_id}/end": "AL",
    "POST /api/v1/lectures/{lecture_id}/poll": "AL",
    "DELETE /api/v1/lectures/{lecture_id}/poll": "AL",
    "GET /api/v1/lectures/{lecture_id}/poll/results": "ASLK",
    "POST /api/v1/lectures/{lecture_id}/answers": "T",
    "POST /api/v1/lectures/{lecture_id}/ping": "T",
    "GET /api/v1/lectures/{lecture_id}/attendance": "ASLK",
    "PUT /api/v1/lectures/{lecture_id}/roster/{trainee_id}": "ASL",
    "POST /api/v1/lectures/{lecture_id}/confirm": "AL",
    "DELETE /api/v1/lectures/{lecture_id}/confirm": "AL",
    "GET /api/v1/lectures/{lecture_id}/attendance/{trainee_id}/history": "ASLK",
    "GET /api/v1/lectures/{lecture_id}/events": PEOPLE,
    "GET /api/v1/lectures/{lecture_id}/room": "ASL",
    "PUT /api/v1/lectures/{lecture_id}/roster": "ASL",
    "PUT /api/v1/lectures/{lecture_id}/gaps/{gap_id}": "AL",
    # lectures recorded afterwards: attendance is entered by people, not by integrations
    "POST /api/v1/lectures/recorded": "AS",
    "GET /api/v1/lectures/{lecture_id}/recorded": "ASL",
    "POST /api/v1/lectures/{lecture_id}/recorded": "ASL",
    "GET /api/v1/lectures/{lecture_id}/evidence": "ASL",
    "POST /api/v1/lectures/{lecture_id}/evidence": "ASL",
    "GET /api/v1/lectures/{lecture_id}/evidence/{evidence_id}": "ASL",
    "GET /api/v1/lectures/{lecture_id}/meeting-report": "ASL",
    "POST /api/v1/lectures/{lecture_id}/meeting-report": "ASL",
    "POST /api/v1/lectures/{lecture_id}/meeting-report/assign": "ASL",
    # records
    "GET /api/v1/cohorts/{cohort_id}/compliance": "ASK",
    "GET /api/v1/trainees/{trainee_id}/compliance": "ASK",
    "GET /api/v1/cohorts/{cohort_id}/record.xlsx": "ASK",
    "GET /api/v1/cohorts/{cohort_id}/record.csv": "ASK",
    "POST /api/v1/cohorts/{cohort_id}/record-exports": "ASK",
    "GET /api/v1/cohorts/{cohort_id}/record-exports/{export_id}/progress": "ASK",
    "GET /api/v1/cohorts/{cohort_id}/record-exports/{export_id}/progress/events": "AS",
    "GET /api/v1/cohorts/{cohort_id}/record-exports/{export_id}/record.xlsx": "ASK",
    "GET /api/v1/cohorts/{cohort_id}/xapi": "ASK",
    "DELETE /api/v1/cohorts/{cohort_id}/records": "AS",
    # self-study
    "POST /api/v1/study/{course}/modules/{code}/ping": "T",
    "GET /api/v1/study/{course}/modules/{code}": "T",
    "POST /api/v1/study/{course}/modules/{code}/quiz/{position}": "T",
    # cohorts
    "GET /api/v1/cohorts": "ASK",
    "POST /api/v1/cohorts": "ASK",
    "GET /api/v1/cohorts/{cohort_id}": "ASK",
    "PUT /api/v1/cohorts/{cohort_id}": "ASK",
    "DELETE /api/v1/cohorts/{cohort_id}": "ASK",
    "GET /api/v1/cohorts/{cohort_id}/trainees": "ASK",
    "POST /api/v1/cohorts/{cohort_id}/import": "ASK",
    "POST /api/v1/cohorts/{cohort_id}/cards": "AS",
    "GET /api/v1/cohorts/{cohort_id}/trainees.csv": "ASK",
    "GET /api/v1/trainees/{trainee_id}": "ASK",
    "PUT /api/v1/trainees/{trainee_id}": "ASK",
    "POST /api/v1/trainees/{trainee_id}/pin": "AS",
    # courses
    "GET /api/v1/courses": EVERYONE,
    "GET /api/v1/courses/{course}": EVERYONE,
    "POST /api/v1/courses/{course}/decks": "AL",
    "GET /api/v1/courses/{course}/revisions": EVERYONE,
    "GET /api/v1/courses/{course}/revisions/{number}": EVERYONE,
    "POST /api/v1/courses/{course}/revisions/{number}/publish": "AL",
    "DELETE /api/v1/courses/{course}/revisions/{number}": "AL",
    "GET /api/v1/courses/{course}/revisions/{a}/diff/{b}": "ASLK",
    "GET /api/v1/courses/{course}/revisions/{number}/modules/{code}": EVERYONE,
    "GET /api/v1/courses/{course}/imports/{import_id}": "ASLK",
    "GET /api/v1/courses/{course}/imports/{import_id}/progress": "ASLK",
    "GET /api/v1/courses/{course}/imports/{import_id}/progress/events": "ASL",
    "POST /api/v1/courses/{course}/imports/{import_id}/render": "AL",
    "PUT /api/v1/courses/{course}/modules/{code}/area": "AL",
    "GET /files/{sha256}": PEOPLE,
    # pages
    "GET /": PEOPLE,
    "GET /login": EVERYONE,
    "POST /login": EVERYONE,
    "GET /t/login": EVERYONE,
    "POST /t/login": EVERYONE,
    "POST /logout": EVERYONE,
    "GET /t": PEOPLE,
    "GET /account": PEOPLE,
    "POST /account/password": PEOPLE,
    "GET /courses": "ASL",
    "GET /courses/{course}": "ASL",
    "POST /courses/{course}/decks": "AL",
    "GET /courses/{course}/imports/{import_id}": "ASL",
    "POST /courses/{course}/imports/{import_id}/render": "AL",
    "GET /courses/{course}/revisions/{number}": "ASL",
    "POST /courses/{course}/revisions/{number}/publish": "AL",
    "POST /courses/{course}/revisions/{number}/discard": "AL",
    "GET /courses/{course}/revisions/{number}/modules/{code}": "ASL",
    "GET /courses/{course}/diff": "ASL",
    "GET /cohorts": "AS",
    "POST /cohorts": "AS",
    "GET /cohorts/{cohort_id}": "AS",
    "POST /cohorts/{cohort_id}": "AS",
    "GET /cohorts/{cohort_id}/import": "AS",
    "POST /cohorts/{cohort_id}/import": "AS",
    "POST /cohorts/{cohort_id}/cards": "AS",
    "POST /trainees/{trainee_id}/pin": "AS",
    "POST /trainees/{trainee_id}/languages": "AS",
    "GET /trainees/{trainee_id}": "AS",
    "POST /trainees/{trainee_id}": "AS",
    "POST /trainees/{trainee_id}/merge": "AS",
    "POST /cohorts/{cohort_id}/trainees": "AS",
    "GET /trainee-template.xlsx": "AS",
    "GET /employers/{employer_id}": "AS",
    "POST /employers/{employer_id}": "AS",
    "POST /employers/{employer_id}/merge": "AS",
    "GET /lecturers/{lecturer_id}": "A",
    "POST /lecturers/{lecturer_id}": "A",
    "GET /cooperatives": "AS",
    "POST /cooperatives": "A",
    "GET /cooperatives/{cooperative_id}": "AS",
    "POST /cooperatives/{cooperative_id}": "AS",
    "POST /cooperatives/{cooperative_id}/employers": "AS",
    "GET /users": "AS",
    "POST /users": "AS",
    "POST /users/{user_id}/reset": "AS",
    "GET /tokens": "AS",
    "POST /tokens": "AS",
    "POST /tokens/{token_id}/revoke": "AS",
    "GET /audit": "AS",
    "GET /lectures": "ASL",
    "POST /lectures": "AS",
    "GET /lectures/{lecture_id}": "ASL",
    "POST /lectures/{lecture_id}/change": "AS",
    "POST /lectures/{lecture_id}/cancel": "AS",
    "GET /lectures/{lecture_id}/present": "AL",
    "GET /lectures/{lecture_id}/slide-fragment": "AL",
    "GET /lectures/{lecture_id}/audience": "AL",
    "GET /lectures/{lecture_id}/audience-fragment": "AL",
    "POST /lectures/{lecture_id}/roster": "ASL",
    "POST /lectures/{lecture_id}/gaps/{gap_id}": "AL",
    "GET /lectures/{lecture_id}/recorded": "ASL",
    "POST /lectures/{lecture_id}/recorded": "ASL",
    "POST /lectures/{lecture_id}/evidence": "ASL",
    "POST /lectures/{lecture_id}/meeting-report": "ASL",
    "POST /lectures/{lecture_id}/meeting-report/assign": "ASL",
    "GET /lectures/{lecture_id}/attendance": "ASL",
    "POST /lectures/{lecture_id}/roster/{trainee_id}": "ASL",
    "POST /lectures/{lecture_id}/confirm": "AL",
    "POST /lectures/{lecture_id}/unconfirm": "AL",
    "GET /lectures/{lecture_id}/attendance/{trainee_id}/history": "ASL",
    "GET /cohorts/{cohort_id}/dashboard": "AS",
    "GET /cohorts/{cohort_id}/record": "AS",
    "POST /cohorts/{cohort_id}/record/export": "AS",
    "GET /trainees/{trainee_id}/certificate": "AS",
    "GET /trainees/{trainee_id}/record": "AS",
    "GET /t/lectures/join/{join_code}": PEOPLE,
    "GET /t/lectures/{lecture_id}": PEOPLE,
    "GET /t/lectures/{lecture_id}/slide": "T",
    "GET /t/study/{course}/{module}": "T",
    "GET /health": EVERYONE,
}
LETTERS = {"admin": "A", "staff": "S", "lecturer": "L", "trainee": "T", "API token": "K"}


def refused(endpoint: Endpoint, response: Any) -> bool:
    """Not for this caller: 401 (login required) or 403, or a page sending them to log in."""
    if response.status_code == 403:
        return True
    if endpoint.path == "/logout":
        return False  # its answer is the way to the login page
    if endpoint.is_page:
        location = response.headers.get("location", "") if response.status_code == 303 else ""
        return location.split("?")[0] in LOGIN_PAGES
    return response.status_code == 401 and response.json()["error"]["code"] == "login-required"


def send(call: Call, client: TestClient) -> Any:
    """Send the call; of an event stream, read no more than the response's head."""
    if not call.endpoint.path.endswith("/events"):
        return call.send(client)
    with client.stream("GET", call.url) as stream:
        if stream.status_code != 200:
            stream.read()
        return stream


@pytest.fixture
def own_rows(world: World, session_factory: sessionmaker[Session], lecture: dict[str, Any]) -> Rows:
    """Cooperative A's rows; the user to manage is a second staff member, not the caller."""
    assert lecture["id"] == int(NOT_OWNED["lecture_id"]), "routes are called with lecture 1"
    token_id, _ = issue_token(session_factory, world, "a", "matrix")
    with session_factory() as session:
        colleague = accounts.create_user(
            session,
            None,
            role="staff",
            email="colleague-a@example.org",
            display_name="Colleague A",
            password=PASSWORD,
            cooperative_id=world.coop_a.id,
        )
        session.commit()
        colleague_id = colleague.id
    return Rows(
        cohort=world.cohort_a.id,
        trainee=world.trainee_a.id,
        employer=world.employer_a.id,
        staff=colleague_id,
        cooperative=world.coop_a.id,
        token=token_id,
    )


def caller_of(
    role: str, koshu_app: FastAPI, world: World, signed_in: Any, token_secret: str
) -> Caller:
    if role == "API token":
        return Caller(
            role,
            lambda: TestClient(koshu_app, headers={"Authorization": f"Bearer {token_secret}"}),
            uses_cookie=False,
        )
    user = {
        "admin": world.admin,
        "staff": world.staff_a,
        "lecturer": world.lecturer,
        "trainee": world.trainee_a,
    }[role]
    return Caller(role, lambda: signed_in(user), uses_cookie=True)


def test_every_route_is_in_the_matrix_and_every_entry_is_a_route(koshu_app: FastAPI) -> None:
    served = {str(e) for e in endpoints(koshu_app)}
    assert not served - MATRIX.keys(), (
        f"Routes missing from MATRIX in {__file__}: decide who may call them "
        f"(and whether an API token may: app.accounts.access): {sorted(served - MATRIX.keys())}"
    )
    assert not MATRIX.keys() - served, f"MATRIX names routes gone: {MATRIX.keys() - served}"


@pytest.mark.parametrize("role", list(LETTERS))
def test_every_route_answers_each_role_as_the_matrix_declares(
    koshu_app: FastAPI,
    world: World,
    signed_in: Any,
    session_factory: sessionmaker[Session],
    own_rows: Rows,
    role: str,
) -> None:
    _, secret = issue_token(session_factory, world, "a", "caller")
    caller = caller_of(role, koshu_app, world, signed_in, secret)
    letter = LETTERS[role]
    problems = []
    # Reads first, then writes; signing out last, as it ends the session the others use.
    routes = sorted(
        endpoints(koshu_app), key=lambda e: (e.method in UNSAFE, e.path == "/logout", e.path)
    )
    for endpoint in routes:
        call = build_call(endpoint, own_rows, caller.form_token, path_rows=own_rows)
        response = send(call, caller.client)
        may = letter in MATRIX.get(str(endpoint), "")
        seen = f"{role}: {endpoint.method} {call.url} -> {response.status_code}"
        if response.status_code >= 500:
            problems.append(f"{seen}: server error")
        elif may and refused(endpoint, response):
            problems.append(f"{seen}: refused, but the matrix allows {role}")
        elif not may and not refused(endpoint, response):
            problems.append(f"{seen}: answered, but the matrix refuses {role}")
        if endpoint.method in UNSAFE and caller.uses_cookie:
            caller.still_signed_in()
    assert not problems, "\n".join(problems)


def test_a_leaked_api_token_cannot_become_a_web_login(
    koshu_app: FastAPI, world: World, session_factory: sessionmaker[Session], signed_in: Any
) -> None:
    """The probe's finding: a token created a staff user with its own password and reset one."""
    _, secret = issue_token(session_factory, world, "a", "leaked")
    token = TestClient(koshu_app, headers={"Authorization": f"Bearer {secret}"})
    created = token.post(
        "/api/v1/users",
        json={
            "role": "staff",
            "email": "intruder@example.org",
            "display_name": "Intruder",
            "password": "intruder-password-1",
        },
    )
    assert created.status_code == 403
    assert created.json()["error"]["code"] == "token-not-allowed"
    reset = token.post(f"/api/v1/users/{world.staff_a.id}/reset")
    assert reset.status_code == 403 and "secret" not in reset.text
    assert token.post("/api/v1/api-tokens", json={"name": "more"}).status_code == 403
    with TestClient(koshu_app) as browser:
        assert login(browser, "intruder@example.org", "intruder-password-1").status_code != 303
    assert signed_in(world.staff_a).get("/api/v1/me").status_code == 200, "password unchanged"
    assert token.get("/api/v1/cohorts").status_code == 200, "what integrations do still works"
